"""Exclusive advisory locks on a lock file (``fcntl.flock``) for directories that several processes
may write: a batch's ``--out`` directory, the Brightway directory.

The kernel releases a flock when the process that holds it ends, however it ends (``kill -9``
included), so a lock left behind by a killed run never blocks the next one.  The lock file itself
is left in place (removing it would let two processes lock two different files).  The holder writes
its pid into the file, only so that a process that finds the lock taken can name the holder.

Within one process the lock is re-entrant (a batch holds its ``--out`` lock for the run and for
the reports written after it).  Where ``fcntl`` or ``flock`` is not available (another operating
system, a file system without locks) the block runs unlocked.
"""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]


class Busy(Exception):
    """The lock is held by another process (``pid``: the holder, when it could be read)."""

    def __init__(self, path: Path, pid: int | None) -> None:
        self.path, self.pid = path, pid
        super().__init__(f"{path} is locked" + (f" by pid {pid}" if pid else ""))


_GUARD = threading.Lock()
_HELD: dict[str, tuple[int, threading.RLock, list[int]]] = {}  # real path -> (pid, thread lock, [depth])


def holder(path: Path) -> int | None:
    """The pid written into a lock file (None if unreadable)."""
    try:
        text = Path(path).read_text(encoding="ascii", errors="replace").strip()
        return int(text) if text.isdigit() else None
    except OSError:
        return None


@contextmanager
def exclusive(path: str | Path, *, wait: bool = True) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (created if missing) for the block.

    ``wait=False``: raise :class:`Busy` at once when another process holds it.  Threads of this
    process take turns; a thread that already holds it enters again.
    """
    path = Path(path)
    key = os.path.realpath(path)
    with _GUARD:
        entry = _HELD.get(key)
        if entry is None or entry[0] != os.getpid():  # (an entry inherited through fork is not ours)
            entry = (os.getpid(), threading.RLock(), [0])
            _HELD[key] = entry
    _pid, tlock, depth = entry
    with tlock:
        if depth[0]:
            depth[0] += 1
            try:
                yield
            finally:
                depth[0] -= 1
            return
        fd = _lock(path, wait)
        depth[0] = 1
        try:
            yield
        finally:
            depth[0] = 0
            if fd is not None:
                os.close(fd)  # releases the flock


def _lock(path: Path, wait: bool) -> int | None:
    if fcntl is None:  # pragma: no cover
        return None
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        os.close(fd)
        raise Busy(path, holder(path)) from None
    except OSError as exc:
        os.close(fd)
        if exc.errno in (
            errno.ENOLCK,
            errno.EOPNOTSUPP,
            errno.ENOSYS,
            errno.EINVAL,
        ):  # no locks on this file system
            return None
        raise
    except BaseException:
        os.close(fd)
        raise
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    except OSError:  # (a full disk: the pid is only informative)
        pass
    return fd
