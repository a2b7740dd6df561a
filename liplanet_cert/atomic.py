"""Atomic file output: write to a temporary file in the same directory, fsync, rename.

A reader never sees a half-written report, and an interrupted run leaves the previous file intact.
The file gets the mode an ordinary ``open()`` would give it (``0666`` less the umask), or keeps the
mode of the file it replaces: ``mkstemp`` alone would make every report owner-only (0600).
"""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, ContextManager, Iterator, TextIO

from .errors import OutputError


_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process umask, read without changing it where the system tells (Linux ``/proc``);
    elsewhere set and restored under a lock."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        old = os.umask(0o022)
        os.umask(old)
    return old


def output_mode(path: str | Path) -> int:
    """The mode for a file written at ``path``: that of the regular file it replaces, else
    ``0o666 & ~umask`` (what ``open(path, "w")`` gives)."""
    try:
        st = os.stat(path)
        if stat.S_ISREG(st.st_mode):
            return stat.S_IMODE(st.st_mode)
    except OSError:
        pass
    return 0o666 & ~current_umask()


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
        os.chmod(tmp, output_mode(path))
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
