"""The body of a streamed report whose head comes first but is known only at the end (JUnit's totals)
or after a first pass (Markdown's overview): spooled in memory, on disk beyond 8 MB, then copied."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO


@contextmanager
def spooled() -> Iterator[IO[str]]:
    """A text file for the body: in memory up to 8 MB, on disk beyond."""
    with tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", encoding="utf-8", newline="\n") as spool:
        yield spool  # type: ignore[misc]


def copy_out(spool: IO[str], out: IO[str]) -> None:
    """Everything written to ``spool``, appended to ``out`` a megabyte at a time."""
    spool.seek(0)
    while chunk := spool.read(1 << 20):
        out.write(chunk)
