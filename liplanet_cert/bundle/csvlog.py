"""Reading the CSV logs of a bundle: bytes -> checked text columns -> typed columns.

What a pilot line's spreadsheet actually exports, and what this module does with it:

- encoding: UTF-8, with or without the byte-order mark Excel's "CSV UTF-8" writes.  Anything else
  (a Windows-1252/Latin-1 or UTF-16 export, a workbook renamed to .csv) is one located problem
  saying how to save the file, never a traceback;
- delimiter: comma, semicolon or tab, detected from the header line (Excel writes ``;`` in most
  European locales).  A header that is none of these is one problem naming what was found, not one
  "missing column" per column;
- numbers are read strictly: a decimal point, no thousands separators.  A decimal comma ("7,7"),
  common in semicolon files, is a located problem saying what to write instead; it is never
  guessed to mean 7.7 or 77;
- dates are ISO 8601 (YYYY-MM-DD); "01.09.2026" is a problem naming the format found.

Per-row problems go through :class:`RowProblems`, which turns the same problem in many rows of a
column (242 dates written DD.MM.YYYY) into one problem listing the first rows and the count.
Clean files take vectorised fast paths: only bad cells cost per-row Python work.

Bounded work and memory: the file's bytes are checked in place and decoded, split and stored a
piece (about 1 MB) at a time, never as one string, one list of lines and one list of rows at once.
Each column is kept as its pieces' cells joined by NUL (which a text file cannot hold) until it is
converted — numbers and dates straight into arrays, text into lists whose repeated values are one
object — so a log costs a small multiple of its size (``benchmarks/bench_memory.py``).  A line
longer than :data:`MAX_LINE_CHARS`, a cell longer than :data:`MAX_CELL_CHARS` and a column name
longer than :data:`MAX_HEADER_CELL_CHARS` are located problems before any parser or regular
expression sees them, and every pattern applied to a cell runs in linear time.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from itertools import repeat
from pathlib import PurePosixPath
from typing import Any

from liplanet_cert.bundle.source import check_text, utf8_error, utf8_windows
from liplanet_cert.errors import BundleError, Problem, ProblemCollector, clip, quote
from liplanet_cert.units import QuantityError, unit_quantity

PIECE_BYTES = 1 << 18  # decoded and split at a time (its cells, as strings, take ~10x that for a moment)
MAX_LINE_CHARS = 64 * 1024  # a log's records are short: a longer line is refused before it is split
MAX_CELL_CHARS = 1000  # a longer cell is a located problem; no parser or pattern ever sees it
MAX_HEADER_CELL_CHARS = 200  # a column name with its unit ('capacity [Ah]')
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".numbers")
SAVE_AS = "save it as CSV UTF-8 (in Excel: Save As > 'CSV UTF-8 (Comma delimited) (*.csv)')"


# -- grouped per-row problems ----------------------------------------------------------------
@dataclass
class _Group:
    column: str | None
    kind: str
    expected: str
    by_value: bool
    rows: list[int] = field(default_factory=list)  # the first KEPT_ROWS rows filed
    count: int = 0  # rows filed (a row filed twice in a row counts once)
    last: int = -1
    found: dict[str, None] = field(
        default_factory=dict
    )  # distinct values, in order of appearance (the first KEPT_VALUES)
    more_found: bool = False  # more distinct values than kept
    first_found: str = ""
    first_detail: str = ""


class RowProblems:
    """The per-row problems of one CSV file, grouped.

    ``add`` files a problem of ``kind`` (a message that is the same for every row it concerns) in
    ``row`` and ``column``; ``detail`` is the row's own text (what to write instead).  Problems with
    the same column, kind and expectation are one group; with ``by_value`` (values from a fixed
    list: steps, units, test results) the found value is part of the group too, so 'alchemy' and
    'mixxing' stay two problems.  ``flush`` turns each group into one :class:`Problem`: a group of
    one row exactly as it was found (``row 7, column date``), a larger one with its count and the
    first rows (``rows 2, 3, 4, 5, 6 and 237 more, column date: 242 rows: ...``).
    """

    SHOWN_ROWS = 5
    SHOWN_VALUES = 3
    MAX_VALUE_GROUPS = 10  # distinct values of one kind shown as their own problem; the rest together
    KEPT_ROWS = 1000  # per group (rows are filed in file order): memory does not grow with the bad rows
    KEPT_VALUES = 100
    FOUND_CHARS = (
        200  # a found value or detail is quoted by its callers (errors.quote); this bounds it anyway
    )

    def __init__(self, rel: str) -> None:
        self.rel = rel
        self._groups: dict[tuple[Any, ...], _Group] = {}
        self._value_groups: Counter[tuple[Any, ...]] = Counter()
        self._filed = 0

    def __len__(self) -> int:
        """How many row problems were filed (before grouping)."""
        return self._filed

    def add(
        self,
        row: int,
        column: str | None,
        kind: str,
        expected: str = "",
        found: str = "",
        *,
        detail: str = "",
        by_value: bool = False,
    ) -> None:
        row = int(row)
        found = clip(found, self.FOUND_CHARS)
        detail = clip(detail, self.FOUND_CHARS)
        base = (column, kind, expected)
        key = (*base, found if by_value else None)
        group = self._groups.get(key)
        if group is None:
            if by_value and self._value_groups[base] >= self.MAX_VALUE_GROUPS:
                key, by_value = (*base, None), False  # too many distinct values: the rest as one problem
                group = self._groups.get(key)
            if group is None:
                group = self._groups[key] = _Group(
                    column, kind, expected, by_value, first_found=found, first_detail=detail
                )
                if by_value:
                    self._value_groups[base] += 1
        if row != group.last:
            group.last = row
            group.count += 1
            if len(group.rows) < self.KEPT_ROWS:
                group.rows.append(row)
        self._filed += 1
        if found and found not in group.found:
            if len(group.found) < self.KEPT_VALUES:
                group.found[found] = None
            else:
                group.more_found = True

    def flush(self, problems: ProblemCollector) -> None:
        for g in self._groups.values():
            problems.problems.append(self._problem(g))
        self._groups.clear()
        self._value_groups.clear()
        self._filed = 0

    def _problem(self, g: _Group) -> Problem:
        rows = sorted(set(g.rows))
        count = g.count - (len(g.rows) - len(rows))  # (a row filed again later is one row)
        column = f", column {g.column}" if g.column else ""
        if count == 1:
            message = f"{g.kind}: {g.first_detail}" if g.first_detail else g.kind
            return Problem(self.rel, f"row {rows[0]}{column}", message, g.expected, g.first_found)
        message = f"{count} rows: {g.kind}"
        if g.first_detail:
            message += f"; e.g. row {rows[0]}: {g.first_detail}"
        values = list(g.found)
        found = ", ".join(values[: self.SHOWN_VALUES])
        if len(values) > self.SHOWN_VALUES or g.more_found:
            rest = len(values) - self.SHOWN_VALUES
            found += f" and {'more than ' if g.more_found else ''}{rest} other value{'s' if rest > 1 else ''}"
        return Problem(self.rel, rows_text(rows, self.SHOWN_ROWS, count) + column, message, g.expected, found)


def rows_text(rows: list[int], shown: int = 5, total: int | None = None) -> str:
    """``row 7``; ``rows 2 and 9``; ``rows 2, 3, 4, 5, 6 and 237 more`` (``rows``: the first rows,
    sorted; ``total``: how many there are in all, default ``len(rows)``)."""
    total = len(rows) if total is None else total
    if total == 1:
        return f"row {rows[0]}"
    if total <= shown and len(rows) == total:
        return "rows " + ", ".join(map(str, rows[:-1])) + f" and {rows[-1]}"
    return "rows " + ", ".join(map(str, rows[:shown])) + f" and {total - min(shown, len(rows))} more"


# -- bytes -> text -----------------------------------------------------------------------------
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


def _pieces(data: bytes, start: int, ending: bytes) -> Iterator[tuple[int, list[str | None]]]:
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


# -- delimiter -------------------------------------------------------------------------------
_HEADER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[\s*([^\]]+?)\s*\])?\s*$")


def _known(fields: list[str], spec: dict[str, Any]) -> int:
    lower = {k.lower() for k in spec}  # a header in another case is still this file's header
    return sum(
        1
        for h in fields
        if len(h) <= MAX_HEADER_CELL_CHARS
        and (m := _HEADER.match(h.strip().strip('"')))
        and m.group(1).lower() in lower
    )


def sniff(
    rel: str, header: str, required: dict[str, Any], spec: dict[str, Any], problems: ProblemCollector
) -> str | None:
    """The delimiter of a CSV file, from its header line: the one of comma, semicolon and tab that
    occurs there (or, if several do, the only one that splits it into known column names).  None,
    with ONE problem, when the header is not delimited by any of them or is ambiguous."""
    example = ",".join(required)
    if not header.strip():
        problems.add(rel, "line 1", "missing header: line 1 is blank", expected=f"a header row: {example}")
        return None
    if re.match(r"\s*sep\s*=", header, re.IGNORECASE):
        problems.add(
            rel,
            "line 1",
            "an Excel 'sep=' line before the header: remove it (the delimiter is read from the header)",
            expected=f"the header on line 1: {example}",
            found=repr(header[:120]),
        )
        return None
    present = [d for d in DELIMITERS if d in header]
    if len(present) == 1:
        return present[0]
    if present:
        score = {d: _known(header.split(d), spec) for d in present}
        best = max(score.values())
        winners = [d for d in present if score[d] == best]
        if best and len(winners) == 1:
            return winners[0]
        names = " and ".join(DELIMITERS[d] + "s" for d in present)
        problems.add(
            rel,
            "line 1",
            f"cannot tell the delimiter: the header line contains {names}",
            expected=f"one delimiter, e.g. a comma-separated header: {example}",
            found=repr(header[:120]),
        )
        return None
    if len(required) <= 1 or _known([header], spec) == len(required):
        return ","  # a one-column file
    others = Counter(ch for ch in header if not (ch.isalnum() or ch.isspace() or ch in "_[]/*^.-%()'\""))
    guess = next((ch for ch, _n in others.most_common(3) if _known(header.split(ch), spec) >= 2), None)
    what = f"{guess!r}-separated" if guess else "not separated by commas, semicolons or tabs"
    problems.add(
        rel,
        "line 1",
        f"header is {what}",
        expected=f"a comma-, semicolon- or tab-separated header: {example}",
        found=repr(header[:120]),
    )
    return None


@lru_cache(maxsize=8)
def _padding(delim: str) -> re.Pattern[str]:
    d, ws = re.escape(delim), (r"[^\S\n\t]" if delim == "\t" else r"[^\S\n]")
    return re.compile(rf"(?:^|{d}){ws}|{ws}(?:{d}|$)", re.MULTILINE)


def _padded(text: str, delim: str) -> bool:
    """Whether some cell may start or end with white space (then every cell is stripped)."""
    if text.isascii() and "\x0b" not in text and "\x0c" not in text and (delim == "\t" or "\t" not in text):
        return (
            f" {delim}" in text
            or f"{delim} " in text
            or " \n" in text
            or "\n " in text
            or text[:1] == " "
            or text[-1:] == " "
        )
    return _padding(delim).search(text) is not None  # rare: let the regex decide


# -- text -> columns ----------------------------------------------------------------------------
# Parsing and validation work on plain columns (lists of strings, numpy arrays); each file becomes
# one pandas DataFrame at the end, for the analysis in :mod:`liplanet_cert.assessment.kpis`.  Building the
# frame column by column through pandas costs ~10x more per bundle, which matters in ``batch``.
class Table:
    """One CSV log, parsed and checked: typed columns — numpy float arrays for numbers (in the
    canonical unit), ``datetime64[ns]`` arrays for dates, object arrays of text — and ``_row``, the
    file line of each record.  ``frame`` is the same as a pandas DataFrame, built on first use (the
    KPI aggregation needs it for the production log; most checks only need a column or two, and a
    frame per file costs more than parsing it in ``batch``)."""

    def __init__(self, columns: dict[str, Any]) -> None:
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns["_row"])

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def __getitem__(self, name: str) -> Any:
        return self.columns[name]

    @cached_property
    def frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.columns)


class TextColumn(Sequence[str]):
    """A text column kept as its parts (cells joined by NUL): a column nothing reads per row after
    the checks (cell ids, meter ids) costs its text's size, not a Python string per cell."""

    def __init__(self, parts: list[str]) -> None:
        import numpy as np

        self._parts = parts
        self._ends = (
            np.cumsum([p.count("\0") + 1 for p in parts], dtype=np.int64)
            if parts
            else np.empty(0, dtype=np.int64)
        )

    def __len__(self) -> int:
        return int(self._ends[-1]) if len(self._ends) else 0

    def __getitem__(self, k: Any) -> Any:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        n = len(self)
        k = int(k) + (n if int(k) < 0 else 0)
        if not 0 <= k < n:
            raise IndexError(k)
        import bisect

        j = (
            bisect.bisect_right(self._ends.tolist(), k)
            if len(self._ends) < 64
            else int(self._ends.searchsorted(k, side="right"))
        )
        start = int(self._ends[j - 1]) if j else 0
        return self._parts[j].split("\0")[k - start]

    def __iter__(self) -> Iterator[str]:
        for part in self._parts:
            yield from part.split("\0")

    def tolist(self) -> list[str]:
        return list(self)

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        import numpy as np

        out = np.empty(len(self), dtype=object)
        out[:] = self.tolist()
        return out


class CsvText:
    """A CSV file as text columns, kept compact until they are converted: each column is a list of
    parts, the cells of consecutive records joined by NUL.  ``rows`` is the file line on which each
    record starts (a numpy int array); ``units`` the header unit of each quantity column;
    ``row_problems`` collects the file's per-row problems (flushed by :meth:`table`).

    :meth:`text` gives a column as a list of strings (repeated values are one object);
    :func:`numbers` and :func:`dates` convert a column part by part and release its text."""

    def __init__(
        self,
        rel: str,
        names: list[str],
        parts: list[list[str]],
        rows: Any,
        units: dict[str, str],
        row_problems: RowProblems,
        delimiter: str = ",",
    ) -> None:
        self.rel = rel
        self.names = names
        self._parts: dict[str, list[str] | None] = dict(zip(names, parts))
        self._texts: dict[str, list[str]] = {}
        self.rows = rows
        self.units = units
        self.row_problems = row_problems
        self.delimiter = delimiter

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, name: object) -> bool:
        return name in self._parts

    def pieces(self, name: str) -> Iterator[tuple[int, list[str]]]:
        """(index of the first record, cells) of each part of column ``name``."""
        parts = self._parts[name]
        if parts is None:  # already materialised (or released)
            yield 0, self._texts.get(name, [])
            return
        k = 0
        for part in parts:
            cells = part.split("\0")
            yield k, cells
            k += len(cells)

    def text(self, name: str) -> list[str]:
        """Column ``name`` as a list of strings; equal values share one string object (a log
        repeats its steps, dates and lot ids), unless the column turns out to be mostly unique."""
        if name not in self._texts:
            out: list[str] = []
            seen: dict[str, str] | None = {}
            for _k, cells in self.pieces(name):
                if seen is None:
                    out.extend(cells)
                    continue
                out.extend(map(seen.setdefault, cells, cells))
                if len(seen) > 4096 and 2 * len(seen) > len(out):
                    seen = None  # mostly unique values (cell ids): sharing would save nothing
            self._texts[name] = out
            self._parts[name] = None
        return self._texts[name]

    def repeats(self, name: str) -> list[int]:
        """Indexes of the records whose value in column ``name`` occurred in an earlier record,
        in order.  Found through 64-bit hashes, a part at a time: no set of every value."""
        import numpy as np

        hashes = [
            np.fromiter(map(hash, cells), dtype=np.int64, count=len(cells)) for _k, cells in self.pieces(name)
        ]
        h = np.concatenate(hashes) if hashes else np.empty(0, dtype=np.int64)
        order = np.argsort(h, kind="stable")
        same = h[order[1:]] == h[order[:-1]]
        if not same.any():
            return []
        candidates = np.unique(
            np.concatenate([order[1:][same], order[:-1][same]])
        ).tolist()  # equal hashes: compare the text
        column = self.column(name)
        seen: set[str] = set()
        out = []
        for k in candidates:
            value = column[k]
            if value in seen:
                out.append(k)
            seen.add(value)
        return out

    def column(self, name: str) -> Sequence[str]:
        """Column ``name`` as a sequence without a string per cell (a :class:`TextColumn`)."""
        parts = self._parts[name]
        return self._texts[name] if parts is None else TextColumn(parts)

    def release(self, name: str) -> None:
        """Forget the text of column ``name`` (converted: only its bad cells were needed)."""
        self._parts[name] = None
        self._texts.pop(name, None)

    def table(
        self, converted: dict[str, Any], problems: ProblemCollector, compact: tuple[str, ...] = ()
    ) -> Table:
        """The checked file as a :class:`Table`; the columns named in ``compact`` (read by nothing
        after the checks) stay :class:`TextColumn` s."""
        import numpy as np

        self.row_problems.flush(problems)
        data: dict[str, Any] = {}
        for name in self.names:
            if name in converted:
                data[name] = converted[name]
            elif name in compact and self._parts[name] is not None:
                data[name] = TextColumn(self._parts[name])  # type: ignore[arg-type]
            else:
                texts = self.text(name)
                column = np.empty(len(texts), dtype=object)
                column[:] = texts
                data[name] = column
            self.release(name)
        data.update((k, v) for k, v in converted.items() if k not in data)
        data["_row"] = self.rows
        return Table(data)


class _Columns:
    """Collects a CSV file's good records into :class:`CsvText` parts, a batch at a time."""

    BATCH = 20_000  # records checked one by one are stored this many at a time

    def __init__(
        self, rel: str, columns: list[str], delim: str, quoted: bool, rp: RowProblems, tail: int = 0
    ) -> None:
        # ``tail``: columns with an empty name at the end of the header (read, then dropped by
        # :meth:`drop_tail` if all their cells are empty)
        columns = columns + [f"(unnamed column {len(columns) + k + 1})" for k in range(tail)]
        self.rel, self.columns, self.delim, self.quoted, self.rp, self.tail = (
            rel,
            columns,
            delim,
            quoted,
            rp,
            tail,
        )
        self.width = len(columns)
        self.parts: list[list[str]] = [[] for _ in columns]
        self.rows: list[Any] = []
        self.count = 0

    def _store(self, records: list[list[str]], lines: Any) -> None:
        import numpy as np

        for j, col in enumerate(zip(*records)):
            self.parts[j].append("\0".join(col))
        self.rows.append(np.asarray(lines, dtype=np.int64))
        self.count += len(records)

    def lines(self, first: int, lines: list[str | None]) -> None:
        """Lines of an unquoted file, starting at file line ``first``."""
        import numpy as np

        delim, width = self.delim, self.width
        if not lines:
            return
        if None not in lines and max(map(len, lines)) <= MAX_CELL_CHARS:  # type: ignore[arg-type]
            joined = "\n".join(lines)  # type: ignore[arg-type]
            padded = _padded(joined, delim)
            if (
                not padded
                and min(map(len, lines)) >= width  # type: ignore[arg-type]
                and list(map(str.count, lines, repeat(delim))).count(width - 1) == len(lines)
            ):  # type: ignore[arg-type]
                # the common case (no padding, no blank, ragged or long line): nothing to fix per
                # row, and the cells are cut out of the piece at once (a line of exactly width - 1
                # characters that holds width - 1 delimiters would be blank: none is that short)
                cells = joined.replace("\n", delim).split(delim)
                del joined
                for j in range(width):
                    self.parts[j].append("\0".join(cells[j::width]))
                self.rows.append(np.arange(first, first + len(lines), dtype=np.int64))
                self.count += len(lines)
                return
            del joined
            self.records(((first + k, t.split(delim)) for k, t in enumerate(lines)), padded)  # type: ignore[union-attr]
            return
        present = [t for t in lines if t is not None]
        self.records(
            ((first + k, None if t is None else t.split(delim)) for k, t in enumerate(lines)),
            _padded("\n".join(present), delim),
        )

    def records(self, records: Iterable[tuple[int, list[str] | None]], padded: bool) -> None:
        """Records checked one by one: (file line, cells, or None for a line too long)."""
        rp, width, columns, delim, quoted = self.rp, self.width, self.columns, self.delim, self.quoted
        good: list[list[str]] = []
        lines_of: list[int] = []
        for i, r in records:
            if r is None:
                rp.add(i, None, "line too long", expected=f"at most {MAX_LINE_CHARS} characters per line")
                continue
            if len(r) != width:
                if not any(cell.strip() for cell in r):
                    continue  # blank line
                other = next(
                    (d for d in DELIMITERS if d != delim and not quoted and len(r[0].split(d)) == width), None
                )
                rp.add(
                    i,
                    None,
                    "wrong number of fields",
                    expected=f"{width} fields",
                    found=f"{len(r)} field{'s' if len(r) != 1 else ''}",
                    by_value=True,
                    detail=f"this row is {DELIMITERS[other]}-separated, the header {DELIMITERS[delim]}-separated"
                    if other and len(r) == 1
                    else "",
                )
                continue
            if quoted:
                for j, cell in enumerate(r):
                    if "\n" in cell:
                        rp.add(i, columns[j], "line break inside a field", expected="one line per record")
            if padded:
                r = [c.strip() for c in r]
            if not any(r):
                continue  # blank line
            long = next((j for j, c in enumerate(r) if len(c) > MAX_CELL_CHARS), None)
            if long is not None:
                rp.add(
                    i,
                    columns[long],
                    "value too long",
                    expected=f"at most {MAX_CELL_CHARS} characters",
                    found=quote(r[long]),
                )
                continue
            good.append(r)
            lines_of.append(i)
            if len(good) >= self.BATCH:
                self._store(good, lines_of)
                good, lines_of = [], []
        if good:
            self._store(good, lines_of)

    def drop_tail(self, problems: ProblemCollector) -> bool:
        """Drop the unnamed columns at the end of the header.  Excel exports formatted but empty
        cells as empty columns (every line ends with ``;;``): when all their cells are empty they
        change nothing and are dropped; when one holds a value, ONE problem names the fix."""
        if not self.tail:
            return True
        named = self.width - self.tail
        full: list[int] = []
        count = 0
        for j in range(named, self.width):
            for part, lines in zip(self.parts[j], self.rows):
                if part.replace("\0", "").strip():
                    cells = part.split("\0")
                    hit = [int(lines[k]) for k, c in enumerate(cells) if c.strip()]
                    count += len(hit)
                    full.extend(hit)
        if full:
            rows = sorted(set(full))
            n = self.tail
            problems.add(
                self.rel,
                "line 1, columns " + (f"{named + 1}" if n == 1 else f"{named + 1}-{self.width}"),
                f"{n} column{'s' if n != 1 else ''} at the end of the header {'have' if n != 1 else 'has'} no name, but {rows_text(rows[:5], total=len(rows))} "
                f"{'holds a value' if len(rows) == 1 else 'hold values'} in {'them' if n != 1 else 'it'}: "
                "delete those columns, or name them if they belong in the log",
                expected="a name for every column that holds values",
            )
            return False
        del self.columns[named:], self.parts[named:]
        self.width = named
        return True

    def result(self, units: dict[str, str]) -> CsvText:
        import numpy as np

        rows = np.concatenate(self.rows) if self.rows else np.empty(0, dtype=np.int64)
        return CsvText(self.rel, self.columns, self.parts, rows, units, self.rp, self.delim)


class _LineTooLong(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def read_csv(
    rel: str,
    source: bytes | Callable[[], bytes],
    required: dict[str, str | None],
    optional: dict[str, str | None],
    problems: ProblemCollector,
) -> CsvText | None:
    """Read a CSV log as text columns.  ``source`` is the file's bytes, or a function that reads
    them (then they are dropped as soon as the columns are built, before anything is converted).
    ``required``/``optional`` map column -> dimension (None = no unit).  Problems go to
    ``problems``; None when the file cannot be read as a table at all."""
    import csv

    data = source() if callable(source) else source
    checked = decode(rel, data, problems)
    if checked is None:
        return None
    start, ending = checked
    spec = {**required, **optional}
    pieces = _pieces(data, start, ending)
    first, lines = next(pieces)
    if lines[0] is None:
        problems.add(
            rel,
            "line 1",
            "header line too long",
            expected=f"a header row: {','.join(required)} (at most {MAX_LINE_CHARS} characters)",
        )
        return None
    delim = sniff(rel, lines[0], required, spec, problems)
    if delim is None:
        return None
    quoted = data.find(b'"', start) >= 0
    rp = RowProblems(rel)
    if not quoted:  # fast path: no quoting, so one record per line
        header = lines[0].split(delim)
        tail = _blank_tail(header)
        columns, units, ok = _header(rel, header[: len(header) - tail], required, spec, problems)
        if not ok:
            return None
        cols = _Columns(rel, columns, delim, False, rp, tail)
        cols.lines(2, lines[1:])
        del lines
        for first, lines in pieces:
            cols.lines(first, lines)
    else:

        def all_lines() -> Iterator[str]:
            for at, part in _chain_first((first, lines), pieces):
                for k, t in enumerate(part):
                    if t is None:
                        raise _LineTooLong(at + k)
                    yield t + "\n"

        reader = csv.reader(all_lines(), delimiter=delim, strict=True)
        try:
            header = next(reader, [])
            if not header:
                problems.add(rel, "line 1", "missing header", expected="a header row: " + ", ".join(required))
                return None
            tail = _blank_tail(header)
            columns, units, ok = _header(rel, header[: len(header) - tail], required, spec, problems)
            if not ok:
                return None
            cols = _Columns(rel, columns, delim, True, rp, tail)
            cols.records(
                ((reader.line_num - sum(c.count("\n") for c in record), record) for record in reader), True
            )
        except csv.Error as exc:
            problems.add(
                rel,
                f"line {reader.line_num}",
                f"malformed CSV: {exc}",
                expected=f"RFC 4180 CSV ({DELIMITERS[delim]}-separated, fields with {DELIMITERS[delim]}s or quotes in double quotes)",
            )
            return None
        except _LineTooLong as exc:
            problems.add(
                rel,
                f"line {exc.line}",
                "line too long",
                expected=f"at most {MAX_LINE_CHARS} characters per line",
            )
            return None
    if not cols.drop_tail(problems):
        rp.flush(problems)
        return None
    if not cols.count:
        if rp:  # every row is wrong: that is the problem, not "no data rows"
            rp.flush(problems)
            return None
        return _no_rows(rel, problems)
    return cols.result(units)


def _blank_tail(header: list[str]) -> int:
    """How many cells at the end of the header are empty (only white space), when some name
    comes before them; a header of empty names is left to :func:`_header` to report."""
    n = len(header)
    while n and not header[n - 1].strip():
        n -= 1
    return len(header) - n if n else 0


def _chain_first(
    first: tuple[int, list[str | None]], rest: Iterator[tuple[int, list[str | None]]]
) -> Iterator[tuple[int, list[str | None]]]:
    yield first
    yield from rest


def _header(
    rel: str,
    header: list[str],
    required: dict[str, str | None],
    spec: dict[str, str | None],
    problems: ProblemCollector,
) -> tuple[list[str], dict[str, str], bool]:
    columns: list[str] = []
    units: dict[str, str] = {}
    ok = True
    # Names that differ from the expected ones only in case ("Date", "Lot_ID") are ONE problem for
    # the file, never guessed to mean the column; they are read as the name they match so that no
    # "unknown column"/"missing column" is added on top and their units are still checked.
    lower = {k.lower(): k for k in spec}
    matches = [(_HEADER.match(h) if len(h) <= MAX_HEADER_CELL_CHARS else None) for h in header]
    cased = [
        (m.group(1), lower[m.group(1).lower()])
        for m in matches
        if m and m.group(1) not in spec and m.group(1).lower() in lower
    ]
    if cased:
        problems.add(
            rel,
            "line 1",
            "column names must be written in lower case: found "
            + ", ".join(f for f, _ in cased)
            + "; write "
            + ", ".join(w for _, w in cased),
        )
        ok = False
    rename = dict(cased)
    for j, (h, m) in enumerate(zip(header, matches)):
        if not m:
            if len(h) > MAX_HEADER_CELL_CHARS:
                problems.add(
                    rel,
                    f"line 1, column {j + 1}",
                    "column name too long",
                    expected=f"name or 'name [unit]', at most {MAX_HEADER_CELL_CHARS} characters",
                    found=quote(h),
                )
            else:
                problems.add(
                    rel,
                    f"line 1, column {j + 1}",
                    "unreadable column name",
                    expected="name or 'name [unit]'",
                    found=quote(h),
                )
            ok = False
            columns.append(f"_bad{j}")
            continue
        name, unit = rename.get(m.group(1), m.group(1)), m.group(2)
        if name in columns:
            problems.add(
                rel, f"line 1, column {name}", "duplicated column", expected="each column once", found=name
            )
            ok = False
        columns.append(name)
        if name not in spec:
            problems.add(
                rel,
                f"line 1, column {name}",
                "unknown column",
                expected="one of " + ", ".join(spec),
                found=name,
            )
            ok = False
            continue
        dim = spec[name]
        if dim is None and unit:
            problems.add(rel, f"line 1, column {name}", "this column takes no unit", found=f"[{unit}]")
            ok = False
        if dim is not None:
            if not unit:
                problems.add(
                    rel,
                    f"line 1, column {name}",
                    "column unit missing",
                    expected=f"'{name} [unit]' with a unit of {dim.replace('_', ' ')}",
                    found=name,
                )
                ok = False
                continue
            try:
                from liplanet_cert.units import DIMENSIONS, check_dimension, unit_factor

                check_dimension(unit_quantity(unit), dim, original=unit)
                unit_factor(unit, DIMENSIONS[dim])  # finite, not absurd: values convert without overflow
                units[name] = unit
            except QuantityError as exc:
                problems.add(
                    rel, f"line 1, column {name}", f"column unit: {exc.message}", exc.expected, exc.found
                )
                ok = False
            except Exception:  # pint's errors: an unknown unit, a scaling factor ('[1e400 m]'), ...
                scaled = bool(re.match(r"[\d.+-]", unit))
                problems.add(
                    rel,
                    f"line 1, column {name}",
                    "column unit: a unit only, without a number" if scaled else "unknown unit",
                    expected=f"a unit of {dim.replace('_', ' ')}",
                    found=f"[{unit}]",
                )
                ok = False
    for name in required:
        if name not in columns:
            problems.add(rel, "line 1", f"missing column {name}", expected="columns " + ", ".join(required))
            ok = False
    return columns, units, ok


def _no_rows(rel: str, problems: ProblemCollector) -> None:
    problems.add(rel, "row 2", "no data rows", expected="at least one row")
    return None


# -- numbers ----------------------------------------------------------------------------------
# Every pattern below runs in linear time on any cell (no ambiguous repetition to backtrack over).
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)  # ASCII digits only
_DECIMAL_COMMA = re.compile(r"[+-]?\d*+,\d+", re.ASCII)
_THOUSANDS_OR_DECIMAL = re.compile(r"[+-]?[1-9]\d{0,2},\d{3}", re.ASCII)  # 1,082: 1.082 or 1082?
_GROUPED = re.compile(r"[+-]?[\d.,' \u00a0\u202f]+", re.ASCII)  # (and a digit somewhere: _DIGIT)
_DIGIT = re.compile(r"\d", re.ASCII)
_SPREADSHEET_ERROR = re.compile(
    r"#(?:VALUE!|DIV/0!|N/A|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!|#+)|#+", re.IGNORECASE
)
STRICT_NUMBER = "a number with a decimal point and no thousands separators, like 1234.5"


def number_problem(
    rp: RowProblems, row: int, col: str, text: str, value: float, *, integer: bool, delimiter: str = ","
) -> None:
    """File the problem of one numeric cell that failed a check (``value``: what was parsed, NaN if nothing)."""
    import math

    if text == "":
        rp.add(row, col, "missing value", expected="a number")
    elif math.isnan(value) or math.isinf(value):
        if _DECIMAL_COMMA.fullmatch(text):
            strict = STRICT_NUMBER
            if delimiter != ",":  # what Excel writes where the comma is the decimal separator
                strict += f"; the file is {DELIMITERS[delimiter]}-separated, which is read, but its numbers must use a decimal point"
            if _THOUSANDS_OR_DECIMAL.fullmatch(text):
                rp.add(
                    row,
                    col,
                    "decimal comma or thousands separator",
                    strict,
                    repr(text),
                    detail=f"found {text!r}; write {text.replace(',', '.')} or {text.replace(',', '')}",
                )
            else:
                rp.add(
                    row,
                    col,
                    "decimal comma",
                    strict,
                    repr(text),
                    detail=f"found {text!r}; write {text.replace(',', '.')}",
                )
        elif _GROUPED.fullmatch(text) and _DIGIT.search(text) and not _NUMBER.fullmatch(text):
            rp.add(
                row,
                col,
                "not a finite number (thousands separator or decimal comma?)",
                STRICT_NUMBER,
                repr(text),
            )
        elif _SPREADSHEET_ERROR.fullmatch(text):
            rp.add(
                row,
                col,
                "spreadsheet error value, not a number",
                "a number (fix the formula before exporting)",
                repr(text),
                by_value=True,
            )
        else:
            rp.add(row, col, "not a finite number", expected="a number like 1234.5", found=repr(text))
    elif value < 0:
        rp.add(row, col, "negative value", expected=">= 0", found=text)
    elif abs(value) > 1e12:
        rp.add(row, col, "absurdly large value", expected="< 1e12", found=text)
    elif integer:
        rp.add(row, col, "not a whole number", expected="a count", found=text)


def numbers(
    c: CsvText, col: str, *, to: str | None = None, integer: bool = False, allow_blank: bool = False
) -> Any:
    """A text column as a float array (converted from its header unit to ``to``), each bad cell
    filed in ``c.row_problems``.  Vectorised, a part at a time: only the cells that fail a check go
    through Python; the column's text is released once converted."""
    import numpy as np

    out = []
    for k0, texts in c.pieces(col):
        joined = "\x1f".join(texts)
        v = None
        # numpy parses like Python's float(), which also takes "1_000" and non-ASCII digits: only
        # plain ASCII without underscores goes the fast way; the rest cell by cell against _NUMBER.
        if joined.isascii() and "_" not in joined:
            try:  # (a blank cell is NaN here, and filed as missing below unless blanks are allowed)
                v = np.array(texts if "" not in texts else [t or "nan" for t in texts], dtype=np.float64)
            except ValueError:
                v = None
        del joined
        if v is None:
            v = np.array([float(t) if _NUMBER.fullmatch(t) else np.nan for t in texts], dtype=np.float64)
        blank = (
            np.fromiter((t == "" for t in texts), dtype=bool, count=len(texts))
            if "" in texts
            else np.zeros(len(texts), dtype=bool)
        )
        with np.errstate(invalid="ignore"):
            bad = (~blank & ~np.isfinite(v)) | (v < 0) | (np.abs(v) > 1e12)
            if integer:
                bad |= np.isfinite(v) & (v != np.floor(v))
        if not allow_blank:
            bad |= blank
        if bad.any():
            for k in np.flatnonzero(bad).tolist():
                number_problem(
                    c.row_problems,
                    int(c.rows[k0 + k]),
                    col,
                    texts[k],
                    float(v[k]),
                    integer=integer,
                    delimiter=c.delimiter,
                )
        zeros = np.flatnonzero(v == 0)
        if len(zeros):  # "1e-400" underflows to 0: it is not 0 ("0", "0.00", "-0e5" are)
            for k in [
                k
                for k in zeros.tolist()
                if texts[k] != "0" and texts[k].lower().partition("e")[0].strip("+-.0")
            ]:
                c.row_problems.add(
                    int(c.rows[k0 + k]),
                    col,
                    "number too small: it would be read as 0",
                    expected="0, or a number of at least 1e-308",
                    found=quote(texts[k]),
                )
                v[k] = np.nan
        out.append(v)
    c.release(col)
    v = np.concatenate(out) if out else np.empty(0, dtype=np.float64)
    unit = c.units.get(col)
    if unit and to and unit != to:
        v = v * _unit_factor(unit, to)
    return v


@lru_cache(maxsize=256)
def _unit_factor(unit: str, to: str) -> float:
    """(A header unit was checked against the canonical unit of its dimension: ``to`` is that unit
    or one a fixed factor from it, so this cannot overflow.)"""
    from liplanet_cert.units import unit_quantity

    return float(unit_quantity(unit).to(to).magnitude)


# -- dates ------------------------------------------------------------------------------------
_ISO_DATES = re.compile(r"\d{4}-\d{2}-\d{2}(?:\x1f\d{4}-\d{2}-\d{2})*", re.ASCII)
ISO_DATE = "YYYY-MM-DD (ISO 8601); in Excel, format the column as yyyy-mm-dd before saving"
_DATE_KINDS = (
    (re.compile(r"\d{1,2}\.\d{1,2}\.\d{2,4}", re.ASCII), "not a date: day.month.year (DD.MM.YYYY)"),
    (re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}", re.ASCII), "not a date: DD/MM/YYYY or MM/DD/YYYY (ambiguous)"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\S.*", re.ASCII), "not a date: a date with a time of day"),
    (re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII), "not a date: no such day"),
    (
        re.compile(r"\d{5}(?:\.\d+)?", re.ASCII),
        "not a date: a spreadsheet serial day number (the date format was lost)",
    ),
)


def date_problem(rp: RowProblems, row: int, col: str, text: str) -> None:
    if text == "":
        rp.add(row, col, "missing value", expected="a date " + ISO_DATE)
        return
    kind = next((k for pattern, k in _DATE_KINDS if pattern.fullmatch(text)), "not a date")
    rp.add(row, col, kind, expected=ISO_DATE, found=repr(text))


def dates(c: CsvText, col: str, start: date | None, end: date | None) -> Any:
    """A text column of ISO dates as a ``datetime64[ns]`` array (NaT where unreadable), a part at
    a time; the column's text is released once converted."""
    import numpy as np

    lo = np.datetime64(start, "D") if start and end else None
    hi = np.datetime64(end, "D") if start and end else None
    out = []
    for k0, texts in c.pieces(col):
        parsed = None
        if _ISO_DATES.fullmatch("\x1f".join(texts)):
            try:
                parsed = np.array(texts, dtype="datetime64[D]")
            except ValueError:  # e.g. 2026-02-30: find it cell by cell
                parsed = None
        if parsed is None:
            parsed = np.array([_iso_day(t) for t in texts], dtype="datetime64[D]")
        missing = np.isnat(parsed)
        outside = np.zeros(len(parsed), dtype=bool)
        if lo is not None:
            outside = ~missing & ((parsed < lo) | (parsed > hi))
        if missing.any() or outside.any():
            for k in np.flatnonzero(missing | outside).tolist():
                if missing[k]:
                    date_problem(c.row_problems, int(c.rows[k0 + k]), col, texts[k])
                else:
                    c.row_problems.add(
                        int(c.rows[k0 + k]),
                        col,
                        "date outside the reporting period",
                        expected=f"{start} .. {end}",
                        found=texts[k],
                    )
        out.append(parsed)
    c.release(col)
    parsed = np.concatenate(out) if out else np.empty(0, dtype="datetime64[D]")
    return parsed.astype("datetime64[ns]")


def _iso_day(text: str) -> Any:
    import numpy as np

    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        try:
            return np.datetime64(date.fromisoformat(text), "D")
        except ValueError:
            pass
    return np.datetime64("NaT", "D")


# -- a log that is not there ------------------------------------------------------------------
def look_alikes(rel: str, names: list[str]) -> str:
    """What to tell the user when ``rel`` is missing but the bundle holds a file of the same name
    with another extension or case (``production_log.xlsx``, ``Production_Log.CSV``); "" if none."""
    want = PurePosixPath(rel)
    stem, parent = want.stem.lower(), want.parent.as_posix().lower()
    alikes = [
        n
        for n in names
        if n != rel
        and PurePosixPath(n).stem.lower() == stem
        and PurePosixPath(n).parent.as_posix().lower() == parent
    ]
    sheets = [n for n in alikes if PurePosixPath(n).suffix.lower() in SPREADSHEET_SUFFIXES]
    if sheets:
        return f"found {sheets[0]}; export it as CSV UTF-8 (comma-separated) named {rel}"
    if alikes:
        return f"found {alikes[0]}; rename it to {rel}"
    return ""
