"""Strict text decoding of a bundle's files: UTF-8 (a byte-order mark dropped), no NUL byte, one
kind of line ending; every refusal a located :class:`~liplanet_cert.errors.BundleError`.  Checked
in place, a window at a time: memory does not grow with the file.  The declaration, the CSV logs
(:mod:`liplanet_cert.bundle.csvtext`), criteria packs and results read by ``verify`` use it."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

from liplanet_cert.errors import BundleError, Problem

_EOL = {"\r\n": "CRLF", "\n": "LF", "\r": "CR"}
_BLANK = re.compile(rb"[ \t\n\r\x0b\x0c]*")
_ENDINGS = re.compile(rb"\r\n|\n|\r")
TEXT_WINDOW = 1 << 20  # text is decoded and checked this many bytes at a time


def utf8_windows(data: bytes, start: int = 0, size: int = TEXT_WINDOW) -> Iterator[tuple[int, int]]:
    """(begin, end) offsets cutting ``data[start:]`` into pieces of about ``size`` bytes that each
    decode on their own: a cut never falls inside a UTF-8 sequence (it backs off continuation bytes)."""
    n = len(data)
    pos = start
    while pos < n:
        end = min(pos + size, n)
        back = 0
        while end < n and back < 3 and (data[end] & 0xC0) == 0x80:
            end -= 1
            back += 1
        if end <= pos:
            end = min(pos + size, n)
        yield pos, end
        pos = end


def utf8_error(data: bytes, start: int = 0) -> int | None:
    """Offset in ``data`` of the first byte of ``data[start:]`` that is not UTF-8, or None;
    decodes a window at a time (memory does not grow with the file)."""
    if data.isascii():
        return None
    view = memoryview(data)
    for a, b in utf8_windows(data, start):
        try:
            codecs.utf_8_decode(view[a:b], "strict", True)
        except UnicodeDecodeError as exc:
            return a + exc.start
    return None


def check_text(rel: str, data: bytes, start: int = 0) -> bytes:
    """Check that ``data[start:]`` is text — not empty, no NUL, UTF-8, one kind of line ending —
    without copying it; returns its line ending (``b"\n"``, ``b"\r\n"`` or ``b"\r"``).  Raises
    :class:`BundleError` located in the file (offsets and lines counted from ``start``)."""
    if _BLANK.fullmatch(data, start):
        n = len(data) - start
        raise BundleError(
            Problem(
                rel,
                "line 1",
                "file is empty",
                expected="content",
                found=f"{n} bytes of white space" if n else "0 bytes",
            )
        )
    at = data.find(b"\x00", start)
    if at >= 0:
        raise BundleError(
            Problem(rel, f"byte {at - start}", "NUL byte in a text file", expected="UTF-8 text", found="NUL")
        )
    bad = utf8_error(data, start)
    if bad is not None:
        line = data.count(b"\n", start, bad) + 1
        raise BundleError(
            Problem(
                rel,
                f"line {line}",
                "file is not valid UTF-8",
                expected="UTF-8 text",
                found=f"byte 0x{data[bad]:02x}",
            )
        )
    cr = data.count(b"\r", start)  # (one-byte counts are fast: the two-byte one only when needed)
    if not cr:
        return b"\n"
    crlf = data.count(b"\r\n", start)
    lf = data.count(b"\n", start) - crlf
    cr -= crlf
    if sum(1 for k in (crlf, lf, cr) if k) > 1:
        first = other = None
        for i, m in enumerate(_ENDINGS.finditer(data, start)):
            if first is None:
                first = m.group()
            elif m.group() != first:
                other = (i, m.group())
                break
        assert first is not None and other is not None
        i, ending = other
        raise BundleError(
            Problem(
                rel,
                f"line {i + 1}",
                "mixed line endings",
                expected=f"one kind of line ending throughout (line 1 ends with {_EOL[first.decode()]})",
                found=f"{_EOL[ending.decode()]} here; {crlf} CRLF, {lf} LF, {cr} CR in all",
            )
        )
    return b"\r\n" if crlf else b"\r" if cr else b"\n"


def decode_text(rel: str, data: bytes) -> str:
    """Decode a text file strictly: UTF-8 (a leading byte-order mark, as Windows editors and Excel
    write it, is dropped), no NUL, consistent line endings (returned as ``\n``)."""
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    ending = check_text(rel, data, start)
    text = codecs.utf_8_decode(memoryview(data)[start:], "strict", True)[0]
    return text if ending == b"\n" else text.replace(ending.decode(), "\n")
