"""One bounded reader for every file the tool opens from user input.

:func:`read_input_file` reads a regular file only, and at most a given number of bytes: a FIFO, a
device (``/dev/zero``), a socket or a directory named where a file is expected is refused before
anything is read (a FIFO is opened non-blocking, so naming one never hangs), and a file larger than
its limit is refused without reading it (or as soon as the limit is passed, should it grow while it
is read).  Every refusal is the caller's :class:`~liplanet_cert.errors.LiplanetError` (exit 2)
naming the file: the bundle's own files, ``--criteria FILE``, ``--waivers FILE``, ``verify``'s
RESULT, ``--key``/``--signature`` and ``--sign`` keys all go through it.

:func:`unicode_problem` finds text that cannot be written out (a lone UTF-16 surrogate, which a JSON
``"\\ud800"`` escape produces) in a parsed document, so that it is refused where it is read, not
when a report is written.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any, BinaryIO

from liplanet_cert.errors import LiplanetError, Problem, UsageError

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def kind_of(mode: int) -> str:
    """What a file of ``mode`` is, in words ("a named pipe (FIFO)"); "a regular file" for one."""
    if stat.S_ISREG(mode):
        return "a regular file"
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


def _refuse(
    error: type[LiplanetError], shown: str, what: str, message: str, found: str = ""
) -> LiplanetError:
    return error(Problem(shown, "", message, expected=f"{what}: a regular file", found=found))


def open_input_file(
    path: str | Path,
    what: str,
    max_bytes: int | None = None,
    *,
    error: type[LiplanetError] = UsageError,
    limit_name: str = "",
    shown: str | None = None,
) -> tuple[BinaryIO, int]:
    """Open ``path`` for reading if it is a regular file (of at most ``max_bytes``): (unbuffered
    binary file object, size).  Never blocks on a FIFO; refuses anything else with ``error`` naming
    the file (as ``shown``, default the path)."""
    path = Path(path)
    name = str(path) if shown is None else shown
    try:
        st = os.stat(path)  # before opening: a device or FIFO is never even opened...
    except OSError as exc:
        raise _oserror(error, name, what, exc) from None
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(error, name, what, f"{what} is not a regular file", found=kind_of(st.st_mode))
    try:  # ... and what is opened is checked again (it may have been replaced in between)
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise _oserror(error, name, what, exc) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(error, name, what, f"{what} is not a regular file", found=kind_of(st.st_mode))
        if max_bytes is not None and st.st_size > max_bytes:
            raise _too_large(error, name, what, max_bytes, f"{st.st_size} bytes", limit_name)
        if _NONBLOCK:
            import fcntl

            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~_NONBLOCK)
        fh = os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise
    return fh, st.st_size  # type: ignore[return-value]


def read_input_file(
    path: str | Path,
    what: str,
    max_bytes: int,
    *,
    error: type[LiplanetError] = UsageError,
    limit_name: str = "",
    shown: str | None = None,
) -> bytes:
    """The bytes of the regular file ``path``, at most ``max_bytes`` of them.

    ``what`` names the file in messages ("waiver file", "criteria pack"); ``error`` is the
    :class:`LiplanetError` subclass raised (exit 2) when the file is missing, unreadable, not a
    regular file or too large; ``limit_name`` the setting that changes ``max_bytes``, if any;
    ``shown`` the file's name in messages (default: the path)."""
    name = str(path) if shown is None else shown
    fh, size = open_input_file(path, what, max_bytes, error=error, limit_name=limit_name, shown=name)
    with fh:
        try:
            data = _read_at_most(fh, max_bytes + 1, size)
        except OSError as exc:
            raise _oserror(error, name, what, exc) from None
    if len(data) > max_bytes:  # it grew while it was read
        raise _too_large(error, name, what, max_bytes, f"more than {max_bytes} bytes", limit_name)
    return data


def _read_at_most(fh: BinaryIO, limit: int, size_hint: int) -> bytes:
    """At most ``limit`` bytes: one read of the file's size, then until end of file (it may grow)."""
    chunks: list[bytes] = []
    got = 0
    want = min(limit, max(size_hint, 0) + 1)
    while got < limit:
        chunk = fh.read(max(min(want, limit - got), 1))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
        want = 1 << 20
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _too_large(
    error: type[LiplanetError], shown: str, what: str, max_bytes: int, found: str, limit_name: str
) -> LiplanetError:
    limit = f"limit {max_bytes} bytes" + (f" ({limit_name})" if limit_name else "")
    return error(
        Problem(
            shown,
            "whole file",
            f"{what} too large: {limit}",
            expected=f"at most {max_bytes} bytes",
            found=found,
        )
    )


def _oserror(error: type[LiplanetError], shown: str, what: str, exc: OSError) -> LiplanetError:
    if exc.errno == errno.ENOENT:
        return error(Problem(shown, message=f"{what} not found", expected=f"{what}: an existing file"))
    if exc.errno in (errno.EACCES, errno.EPERM):
        return error(
            Problem(
                shown,
                message=f"cannot read {what}: permission denied",
                expected=f"{what} readable by this user",
            )
        )
    if exc.errno == errno.EISDIR:
        return _refuse(error, shown, what, f"{what} is not a regular file", found="a directory")
    if exc.errno == errno.ENXIO:  # a socket, or a device without a reader
        return _refuse(error, shown, what, f"{what} is not a regular file", found="a socket or device")
    reason = exc.strerror or type(exc).__name__
    return error(
        Problem(shown, message=f"cannot read {what}: {reason}", expected=f"{what}: a readable regular file")
    )


# -- JSON as strict as the YAML loader ---------------------------------------------------------------
def strict_json(text: str) -> Any:
    """``json.loads`` refusing what no report could write back or what would be ambiguous: NaN and
    Infinity, numbers that overflow to infinity (``1e400``), duplicate keys.  Raises ValueError
    (``json.JSONDecodeError`` with a line and column for syntax) or RecursionError (deep nesting)."""
    import json

    return json.loads(
        text, parse_constant=_no_constant, parse_float=_finite_float, object_pairs_hook=_no_duplicates
    )


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text[:40]} is not finite")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k[:60]!r}")
        out[k] = v
    return out


# -- text that cannot be written out ------------------------------------------------------------
def unicode_problem(doc: Any) -> tuple[str, str] | None:
    """(JSON pointer, offending text) of the first string (or key) in ``doc`` that is not valid
    Unicode text — a lone surrogate such as JSON's ``"\\ud800"`` — or None.  Iterative: any depth."""
    stack: list[tuple[str, Any]] = [("#", doc)]
    while stack:
        pointer, node = stack.pop()
        if isinstance(node, str):
            if not_unicode_text(node):
                return pointer, node
        elif isinstance(node, dict):
            items = list(node.items())
            for key, value in reversed(items):
                key_text = str(key)
                if isinstance(key, str) and not_unicode_text(key):  # the key itself, shown with its escapes
                    return (
                        f"{pointer}/{_escape(key_text.encode('utf-8', 'backslashreplace').decode('utf-8'))}",
                        key,
                    )
                stack.append((f"{pointer}/{_escape(key_text)}", value))
        elif isinstance(node, (list, tuple)):
            for i in range(len(node) - 1, -1, -1):
                stack.append((f"{pointer}/{i}", node[i]))
    return None


def not_unicode_text(text: str) -> bool:
    """Whether ``text`` cannot be written as UTF-8: a lone surrogate (JSON's ``"\\ud800"``, a file
    name that is not UTF-8 decoded with ``surrogateescape``)."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
