"""Atomic file output: write to a temporary file in the same directory, fsync, rename.

A reader never sees a half-written report, and an interrupted run leaves the previous file intact.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, ContextManager, Iterator, TextIO

from .errors import OutputError


@contextmanager
def _replacing(path: str | Path, mode: str, **kw: Any) -> Iterator[IO[Any]]:
    """A handle on a temporary file beside ``path`` that replaces it when the block completes.
    A file that cannot be written is an :class:`~liplanet_cert.errors.OutputError` naming it."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError.cannot_write(path, exc) from None
    try:
        with os.fdopen(fd, mode, **kw) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):  # writing, fsync or rename failed (disk full...)
            raise OutputError.cannot_write(path, exc) from None
        raise


def write_bytes(path: str | Path, data: bytes) -> Path:
    with _replacing(path, "wb") as fh:
        fh.write(data)
    return Path(path)


def write_text(path: str | Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def atomic_writer(path: str | Path) -> ContextManager[TextIO]:
    """A text file handle whose content replaces ``path`` only when the block completes (streamed
    reports: nothing is held in memory, and an error or Ctrl-C leaves the old file intact)."""
    return _replacing(path, "w", encoding="utf-8", newline="\n")  # type: ignore[return-value]
