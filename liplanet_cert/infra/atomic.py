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
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO, Any, TextIO

from liplanet_cert.errors import OutputError, Problem

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


def _refuse(
    path: Path, message: str, expected: str = "a regular file, or a new file in a writable directory"
) -> OutputError:
    return OutputError(Problem(str(path), message=message, expected=expected))


def check_target(path: str | Path) -> str:
    """What writing a report at ``path`` will do, decided before anything is written:
    ``"replace"`` (a regular file, or a new one: written beside it, then renamed over it) or
    ``"into"`` (a device, a FIFO or a pipe such as ``/dev/stdout``: written into, never replaced).
    Refused (:class:`OutputError`, exit 2): a directory, a symbolic link to a regular file or to
    nothing (a report never replaces a file through a link, nor the link itself), a socket, and a
    path whose nearest existing folder is not a writable directory."""
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError.cannot_write(path, exc) from None
    if st is not None and stat.S_ISLNK(st.st_mode):
        try:
            target = os.stat(path)
        except OSError:
            raise _refuse(path, "is a symbolic link to nothing") from None
        if stat.S_ISREG(target.st_mode) or stat.S_ISDIR(target.st_mode):
            raise _refuse(
                path,
                "is a symbolic link: a report never replaces a file through a link",
                "the path of the file itself (or a new name)",
            )
        st = target
    if st is not None:
        if stat.S_ISREG(st.st_mode):
            return "replace"
        if stat.S_ISDIR(st.st_mode):
            raise _refuse(path, "is a directory")
        if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode) or stat.S_ISBLK(st.st_mode):
            return "into"
        raise _refuse(path, "is not a file (a socket?)")
    folder = path.parent
    while True:  # the nearest existing folder must be a directory we may write into
        try:
            fst = os.stat(folder)
        except FileNotFoundError:
            if folder == folder.parent:
                break
            folder = folder.parent
            continue
        except OSError as exc:
            raise OutputError.cannot_write(path, exc) from None
        if not stat.S_ISDIR(fst.st_mode):
            raise OutputError.cannot_write(path, NotADirectoryError(20, f"{folder} is not a directory"))
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OutputError.cannot_write(path, PermissionError(13, f"no permission to write in {folder}"))
        break
    return "replace"


def check_directory(path: str | Path) -> None:
    """``path`` is, or can be created as, a directory to write files into (exit 2 naming it)."""
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        check_target(path / "x")  # its nearest existing folder must be a writable directory
        return
    except OSError as exc:
        raise OutputError.cannot_write(path, exc, "directory") from None
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError.cannot_write(path, NotADirectoryError(20, "not a directory"), "directory")
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputError.cannot_write(path, PermissionError(13, "Permission denied"), "directory")


@contextmanager
def _into(path: Path, mode: str, **kw: Any) -> Iterator[IO[Any]]:
    """Write into a device, FIFO or pipe (``/dev/stdout``, ``/dev/null``): nothing is replaced."""
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))  # never creates a file
        fh = os.fdopen(fd, mode, **kw)
    except OSError as exc:
        raise OutputError.cannot_write(path, exc) from None
    try:
        with fh:
            yield fh
    except OSError as exc:
        raise OutputError.cannot_write(path, exc) from None


@contextmanager
def _replacing(path: str | Path, mode: str, **kw: Any) -> Iterator[IO[Any]]:
    """A handle on a temporary file beside ``path`` that replaces it when the block completes
    (or, for a device, FIFO or pipe, a handle on it: see :func:`check_target`).  A file that
    cannot be written is an :class:`~liplanet_cert.errors.OutputError` naming it."""
    path = Path(path)
    if check_target(path) == "into":
        with _into(path, mode, **kw) as fh:
            yield fh
        return
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
        check_target(path)  # still a regular file or nothing (not swapped for a link meanwhile)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError) and not isinstance(
            exc, OutputError
        ):  # writing, fsync or rename failed (disk full...)
            raise OutputError.cannot_write(path, exc) from None
        raise


def write_all(items: list[tuple[Path, bytes]]) -> list[Path]:
    """Write several reports all or nothing: every target is checked first, the regular files are
    written and synced beside their targets, and only when all of them are complete are they
    renamed into place (then devices and pipes are written into).  A failure before the renames
    leaves every target as it was and names the path (:class:`OutputError`, exit 2)."""
    kinds = [(Path(p), data, check_target(p)) for p, data in items]
    temps: list[tuple[str, Path]] = []
    try:
        for path, data, kind in kinds:
            if kind != "replace":
                continue
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
                temps.append((tmp, path))
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.chmod(tmp, output_mode(path))
            except OSError as exc:
                raise OutputError.cannot_write(path, exc) from None
        for _tmp, path in temps:
            check_target(path)
        for tmp, path in temps:
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise OutputError.cannot_write(path, exc) from None
        for folder in {path.parent for _tmp, path in temps}:
            _fsync_dir(folder)  # the renames themselves survive a crash
        temps = []
    finally:
        for tmp, _path in temps:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    for path, data, kind in kinds:
        if kind == "into":
            with _into(path, "wb") as fh:
                fh.write(data)
    return [p for p, _d, _k in kinds]


def write_bytes(path: str | Path, data: bytes) -> Path:
    with _replacing(path, "wb") as fh:
        fh.write(data)
    return Path(path)


def write_text(path: str | Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def atomic_writer(path: str | Path) -> AbstractContextManager[TextIO]:
    """A text file handle whose content replaces ``path`` only when the block completes (streamed
    reports: nothing is held in memory, and an error or Ctrl-C leaves the old file intact)."""
    return _replacing(path, "w", encoding="utf-8", newline="\n")  # type: ignore[return-value]


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
