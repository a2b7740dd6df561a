"""A CSV log's bytes as checked text, a piece at a time.

Encoding: UTF-8, with or without the byte-order mark Excel's "CSV UTF-8" writes.  Anything else (a
Windows-1252/Latin-1 or UTF-16 export, a workbook renamed to .csv) is one located problem saying
how to save the file, never a traceback.  The bytes are checked in place and decoded and split a
piece (:data:`PIECE_BYTES`) at a time, never as one string; a line longer than
:data:`MAX_LINE_CHARS` is never decoded whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from liplanet_cert.bundle.textfile import check_text, utf8_error, utf8_windows
from liplanet_cert.errors import BundleError, ProblemCollector

PIECE_BYTES = 1 << 18  # decoded and split at a time (its cells, as strings, take ~10x that for a moment)
MAX_LINE_CHARS = 64 * 1024  # a log's records are short: a longer line is refused before it is split
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".numbers")
SAVE_AS = "save it as CSV UTF-8 (in Excel: Save As > 'CSV UTF-8 (Comma delimited) (*.csv)')"

_UTF8_BOM = b"\xef\xbb\xbf"
_MAGIC = {
    b"PK\x03\x04": "zip data, as in an .xlsx or .ods workbook",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "an Excel 97-2003 workbook (.xls)",
}


def decode(rel: str, data: bytes, problems: ProblemCollector) -> tuple[int, bytes] | None:
    """Check that a CSV file is UTF-8 text, in place (the file is never copied or decoded whole):
    (offset of its text — after a byte-order mark, which is dropped — and its line ending), or None
    with one located problem."""
    suffix = PurePosixPath(rel).suffix.lower()
    kind = next((what for magic, what in _MAGIC.items() if data.startswith(magic)), None)
    if kind or suffix in SPREADSHEET_SUFFIXES:
        target = PurePosixPath(rel).with_suffix(".csv").as_posix()
        declare = "" if suffix == ".csv" else " (and name it in the declaration's #/files)"
        problems.add(
            rel,
            "whole file",
            f"a spreadsheet workbook, not a CSV file: export it as CSV UTF-8 (comma-separated) named {target}{declare}",
            expected="CSV text (UTF-8)",
            found=kind or f"a {suffix} file",
        )
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.add(
            rel,
            "byte 0",
            f"file is UTF-16 text (Excel's 'Unicode Text'), not UTF-8: {SAVE_AS}",
            expected="UTF-8 text",
            found=f"UTF-16 byte-order mark ({data[:2].hex(' ').upper()})",
        )
        return None
    skip = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    nul = data.find(b"\x00", skip) if skip else -1
    if nul >= 0:  # (without a BOM, check_text reports it at the same offset)
        problems.add(rel, f"byte {nul}", "NUL byte in a text file", expected="UTF-8 text", found="NUL")
        return None
    bad = utf8_error(data, skip)
    if bad is not None:
        problems.add(*_not_utf8(rel, data, bad, skip))
        return None
    try:
        return skip, check_text(rel, data, skip)
    except BundleError as exc:  # empty, NUL byte, mixed line endings: this file only
        problems.problems.extend(exc.problems)
        return None


def _not_utf8(rel: str, data: bytes, at: int, skip: int) -> tuple[str, str, str, str, str]:
    import codecs

    byte = data[at]
    line = data.count(b"\n", skip, at) + 1
    try:
        char = bytes([byte]).decode("cp1252")
        seen = f"'{char}' in Windows-1252"
    except UnicodeDecodeError:
        seen = (
            f"'{bytes([byte]).decode('latin-1')}' in Latin-1"
            if byte >= 0xA0
            else "not a printable Latin-1 character"
        )
    view = memoryview(data)
    bad = sum(
        codecs.utf_8_decode(view[a:b], "replace", True)[0].count("\ufffd")
        for a, b in utf8_windows(data, skip)
    )
    more = f"; {bad} such bytes in the file" if bad > 1 else ""
    return (
        rel,
        f"line {line}, byte {at}",
        f"file is not valid UTF-8 (a Windows-1252/Latin-1 export?): {SAVE_AS}",
        "UTF-8 text",
        f"byte 0x{byte:02x} ({seen}){more}",
    )


def text_pieces(data: bytes, start: int, ending: bytes) -> Iterator[tuple[int, list[str | None]]]:
    """The lines of ``data[start:]`` (checked text with line ending ``ending``) a piece of about
    PIECE_BYTES at a time: (file line number of the piece's first line, its lines without line
    ending).  A line longer than MAX_LINE_CHARS is None in its place, and is never decoded whole."""
    import codecs

    sep = b"\r" if ending == b"\r" else b"\n"
    newline = ending.decode()
    view = memoryview(data)
    n = len(data)
    pos, line = start, 1
    while pos < n:
        end = n if pos + PIECE_BYTES >= n else data.rfind(sep, pos, pos + PIECE_BYTES) + 1
        if end <= 0:  # no line ends within a whole piece: one line far too long
            end = data.find(sep, pos + PIECE_BYTES)
            end = n if end < 0 else end + 1
            yield line, [None]
            line, pos = line + 1, end
            continue
        text = codecs.utf_8_decode(view[pos:end], "strict", True)[0]
        if newline != "\n":
            text = text.replace(newline, "\n")
        lines: list[str | None] = text.split("\n")  # type: ignore[assignment]
        if text.endswith("\n"):
            lines.pop()
        if lines and max(map(len, lines)) > MAX_LINE_CHARS:  # type: ignore[arg-type]
            lines = [t if len(t) <= MAX_LINE_CHARS else None for t in lines]  # type: ignore[arg-type]
        yield line, lines
        line += len(lines)
        pos = end
