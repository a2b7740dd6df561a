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
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from pathlib import PurePosixPath
from typing import Any

from .errors import BundleError, Problem, ProblemCollector
from .source import decode_text
from .units import QuantityError, unit_quantity

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
    rows: list[int] = field(default_factory=list)
    found: dict[str, None] = field(default_factory=dict)  # distinct values, in order of appearance
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

    def __init__(self, rel: str) -> None:
        self.rel = rel
        self._groups: dict[tuple[Any, ...], _Group] = {}
        self._value_groups: Counter[tuple[Any, ...]] = Counter()
        self._filed = 0

    def __len__(self) -> int:
        """How many row problems were filed (before grouping)."""
        return self._filed

    def add(self, row: int, column: str | None, kind: str, expected: str = "", found: str = "", *, detail: str = "", by_value: bool = False) -> None:
        base = (column, kind, expected)
        key = (*base, found if by_value else None)
        group = self._groups.get(key)
        if group is None:
            if by_value and self._value_groups[base] >= self.MAX_VALUE_GROUPS:
                key, by_value = (*base, None), False  # too many distinct values: the rest as one problem
                group = self._groups.get(key)
            if group is None:
                group = self._groups[key] = _Group(column, kind, expected, by_value, first_found=found, first_detail=detail)
                if by_value:
                    self._value_groups[base] += 1
        group.rows.append(row)
        self._filed += 1
        if found:
            group.found[found] = None

    def flush(self, problems: ProblemCollector) -> None:
        for g in self._groups.values():
            problems.problems.append(self._problem(g))
        self._groups.clear()
        self._value_groups.clear()
        self._filed = 0

    def _problem(self, g: _Group) -> Problem:
        rows = sorted(set(g.rows))
        column = f", column {g.column}" if g.column else ""
        if len(rows) == 1:
            message = f"{g.kind}: {g.first_detail}" if g.first_detail else g.kind
            return Problem(self.rel, f"row {rows[0]}{column}", message, g.expected, g.first_found)
        message = f"{len(rows)} rows: {g.kind}"
        if g.first_detail:
            message += f"; e.g. row {rows[0]}: {g.first_detail}"
        values = list(g.found)
        found = ", ".join(values[: self.SHOWN_VALUES])
        if len(values) > self.SHOWN_VALUES:
            rest = len(values) - self.SHOWN_VALUES
            found += f" and {rest} other value{'s' if rest > 1 else ''}"
        return Problem(self.rel, rows_text(rows, self.SHOWN_ROWS) + column, message, g.expected, found)


def rows_text(rows: list[int], shown: int = 5) -> str:
    """``row 7``; ``rows 2 and 9``; ``rows 2, 3, 4, 5, 6 and 237 more``."""
    if len(rows) == 1:
        return f"row {rows[0]}"
    if len(rows) <= shown:
        return "rows " + ", ".join(map(str, rows[:-1])) + f" and {rows[-1]}"
    return "rows " + ", ".join(map(str, rows[:shown])) + f" and {len(rows) - shown} more"


# -- bytes -> text -----------------------------------------------------------------------------
_UTF8_BOM = b"\xef\xbb\xbf"
_MAGIC = {b"PK\x03\x04": "zip data, as in an .xlsx or .ods workbook", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "an Excel 97-2003 workbook (.xls)"}


def decode(rel: str, data: bytes, problems: ProblemCollector) -> str | None:
    """A CSV file's text (``utf-8-sig``: a leading BOM is dropped), or None with one located problem."""
    suffix = PurePosixPath(rel).suffix.lower()
    kind = next((what for magic, what in _MAGIC.items() if data.startswith(magic)), None)
    if kind or suffix in SPREADSHEET_SUFFIXES:
        target = PurePosixPath(rel).with_suffix(".csv").as_posix()
        declare = "" if suffix == ".csv" else " (and name it in the declaration's #/files)"
        problems.add(rel, "whole file", f"a spreadsheet workbook, not a CSV file: export it as CSV UTF-8 (comma-separated) named {target}{declare}",
                     expected="CSV text (UTF-8)", found=kind or f"a {suffix} file")
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.add(rel, "byte 0", f"file is UTF-16 text (Excel's 'Unicode Text'), not UTF-8: {SAVE_AS}", expected="UTF-8 text", found=f"UTF-16 byte-order mark ({data[:2].hex(' ').upper()})")
        return None
    skip = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    body = data[skip:]
    if skip and b"\x00" in body:  # (without a BOM, decode_text reports it at the same offset)
        at = body.index(b"\x00") + skip
        problems.add(rel, f"byte {at}", "NUL byte in a text file", expected="UTF-8 text", found="NUL")
        return None
    if not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.add(*_not_utf8(rel, body, exc, skip))
            return None
    try:
        return decode_text(rel, body)
    except BundleError as exc:  # empty, NUL byte, mixed line endings: this file only
        problems.problems.extend(exc.problems)
        return None


def _not_utf8(rel: str, body: bytes, exc: UnicodeDecodeError, skip: int) -> tuple[str, str, str, str, str]:
    byte = body[exc.start]
    line = body[: exc.start].count(b"\n") + 1
    try:
        char = bytes([byte]).decode("cp1252")
        seen = f"'{char}' in Windows-1252"
    except UnicodeDecodeError:
        seen = f"'{bytes([byte]).decode('latin-1')}' in Latin-1" if byte >= 0xA0 else "not a printable Latin-1 character"
    bad = body.decode("utf-8", errors="replace").count("\ufffd")
    more = f"; {bad} such bytes in the file" if bad > 1 else ""
    return (rel, f"line {line}, byte {exc.start + skip}", f"file is not valid UTF-8 (a Windows-1252/Latin-1 export?): {SAVE_AS}",
            "UTF-8 text", f"byte 0x{byte:02x} ({seen}){more}")


# -- delimiter -------------------------------------------------------------------------------
_HEADER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[\s*([^\]]+?)\s*\])?\s*$")


def _known(fields: list[str], spec: dict[str, Any]) -> int:
    return sum(1 for h in fields if (m := _HEADER.match(h.strip().strip('"'))) and m.group(1) in spec)


def sniff(rel: str, header: str, required: dict[str, Any], spec: dict[str, Any], problems: ProblemCollector) -> str | None:
    """The delimiter of a CSV file, from its header line: the one of comma, semicolon and tab that
    occurs there (or, if several do, the only one that splits it into known column names).  None,
    with ONE problem, when the header is not delimited by any of them or is ambiguous."""
    example = ",".join(required)
    if not header.strip():
        problems.add(rel, "line 1", "missing header: line 1 is blank", expected=f"a header row: {example}")
        return None
    if re.match(r"\s*sep\s*=", header, re.IGNORECASE):
        problems.add(rel, "line 1", "an Excel 'sep=' line before the header: remove it (the delimiter is read from the header)", expected=f"the header on line 1: {example}", found=repr(header[:120]))
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
        problems.add(rel, "line 1", f"cannot tell the delimiter: the header line contains {names}", expected=f"one delimiter, e.g. a comma-separated header: {example}", found=repr(header[:120]))
        return None
    if len(required) <= 1 or _known([header], spec) == len(required):
        return ","  # a one-column file
    others = Counter(ch for ch in header if not (ch.isalnum() or ch.isspace() or ch in "_[]/*^.-%()'\""))
    guess = next((ch for ch, _n in others.most_common(3) if _known(header.split(ch), spec) >= 2), None)
    what = f"{guess!r}-separated" if guess else "not separated by commas, semicolons or tabs"
    problems.add(rel, "line 1", f"header is {what}", expected=f"a comma-, semicolon- or tab-separated header: {example}", found=repr(header[:120]))
    return None


@lru_cache(maxsize=8)
def _padding(delim: str) -> re.Pattern[str]:
    d, ws = re.escape(delim), (r"[^\S\n\t]" if delim == "\t" else r"[^\S\n]")
    return re.compile(rf"(?:^|{d}){ws}|{ws}(?:{d}|$)", re.MULTILINE)


def _padded(text: str, delim: str) -> bool:
    """Whether some cell may start or end with white space (then every cell is stripped)."""
    if text.isascii() and "\x0b" not in text and "\x0c" not in text and (delim == "\t" or "\t" not in text):
        return f" {delim}" in text or f"{delim} " in text or " \n" in text or "\n " in text or text[:1] == " " or text[-1:] == " "
    return _padding(delim).search(text) is not None  # rare: let the regex decide


# -- text -> columns ----------------------------------------------------------------------------
# Parsing and validation work on plain columns (lists of strings, numpy arrays); each file becomes
# one pandas DataFrame at the end, for the analysis in :mod:`liplanet_cert.kpis`.  Building the
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


@dataclass
class CsvText:
    """A CSV file as text columns: ``cols[name][k]`` is the stripped cell of data row ``k``, which
    starts on file line ``rows[k]``; ``units`` the header unit of each quantity column;
    ``row_problems`` collects the file's per-row problems (flushed by :meth:`table`)."""

    rel: str
    cols: dict[str, list[str]]
    rows: list[int]
    units: dict[str, str]
    row_problems: RowProblems
    delimiter: str = ","

    def table(self, converted: dict[str, Any], problems: ProblemCollector) -> Table:
        import numpy as np

        self.row_problems.flush(problems)
        data = {name: converted[name] if name in converted else np.array(texts, dtype=object) for name, texts in self.cols.items()}
        data.update((k, v) for k, v in converted.items() if k not in data)
        data["_row"] = np.array(self.rows, dtype=np.int64)
        return Table(data)


def read_csv(rel: str, data: bytes, required: dict[str, str | None], optional: dict[str, str | None], problems: ProblemCollector) -> CsvText | None:
    """Read a CSV log as text columns.  ``required``/``optional`` map column -> dimension (None = no
    unit).  Problems go to ``problems``; None when the file cannot be read as a table at all."""
    import csv

    text = decode(rel, data, problems)
    if text is None:
        return None
    spec = {**required, **optional}
    delim = sniff(rel, text.partition("\n")[0], required, spec, problems)
    if delim is None:
        return None
    rows: list[list[str]] = []
    starts: list[int] = []  # file line on which each record starts (quoted line breaks span lines)
    quoted = '"' in text
    padded = quoted or _padded(text, delim)
    if not quoted:  # fast path: no quoting, so one record per line
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        rows = [line.split(delim) for line in lines]
        starts = list(range(1, len(rows) + 1))
    else:
        reader = csv.reader(io.StringIO(text), delimiter=delim, strict=True)
        try:
            for record in reader:
                starts.append(reader.line_num - sum(c.count("\n") for c in record))
                rows.append(record)
        except csv.Error as exc:
            problems.add(rel, f"line {reader.line_num}", f"malformed CSV: {exc}", expected=f"RFC 4180 CSV ({DELIMITERS[delim]}-separated, fields with {DELIMITERS[delim]}s or quotes in double quotes)")
            return None
    if not rows or not rows[0]:
        problems.add(rel, "line 1", "missing header", expected="a header row: " + ", ".join(required))
        return None
    header, body = rows[0], rows[1:]
    columns, units, ok = _header(rel, header, required, spec, problems)
    if not ok:
        return None
    rp = RowProblems(rel)
    width = len(columns)
    if not padded and set(map(len, body)) <= {width} and all(map(any, body)):
        # the common case (no quoting, no padding, no blank or ragged line): nothing to fix per row
        return CsvText(rel, {name: list(col) for name, col in zip(columns, zip(*body))}, starts[1:], units, rp, delim) if body else _no_rows(rel, problems)
    good: list[list[str]] = []
    lines_of: list[int] = []
    for i, r in zip(starts[1:], body):
        if len(r) != width:
            if not any(cell.strip() for cell in r):
                continue  # blank line
            other = next((d for d in DELIMITERS if d != delim and not quoted and len(r[0].split(d)) == width), None)
            rp.add(i, None, "wrong number of fields", expected=f"{width} fields", found=f"{len(r)} field{'s' if len(r) != 1 else ''}", by_value=True,
                   detail=f"this row is {DELIMITERS[other]}-separated, the header {DELIMITERS[delim]}-separated" if other and len(r) == 1 else "")
            continue
        if quoted:
            for j, cell in enumerate(r):
                if "\n" in cell:
                    rp.add(i, columns[j], "line break inside a field", expected="one line per record")
        if padded:
            r = [c.strip() for c in r]
        if not any(r):
            continue  # blank line
        good.append(r)
        lines_of.append(i)
    if not good:
        if rp:  # every row is wrong: that is the problem, not "no data rows"
            rp.flush(problems)
            return None
        return _no_rows(rel, problems)
    return CsvText(rel, {name: list(col) for name, col in zip(columns, zip(*good))}, lines_of, units, rp, delim)


def _header(rel: str, header: list[str], required: dict[str, str | None], spec: dict[str, str | None], problems: ProblemCollector) -> tuple[list[str], dict[str, str], bool]:
    columns: list[str] = []
    units: dict[str, str] = {}
    ok = True
    for j, h in enumerate(header):
        m = _HEADER.match(h)
        if not m:
            problems.add(rel, f"line 1, column {j + 1}", "unreadable column name", expected="name or 'name [unit]'", found=repr(h))
            ok = False
            columns.append(f"_bad{j}")
            continue
        name, unit = m.group(1), m.group(2)
        if name in columns:
            problems.add(rel, f"line 1, column {name}", "duplicated column", expected="each column once", found=name)
            ok = False
        columns.append(name)
        if name not in spec:
            problems.add(rel, f"line 1, column {name}", "unknown column", expected="one of " + ", ".join(spec), found=name)
            ok = False
            continue
        dim = spec[name]
        if dim is None and unit:
            problems.add(rel, f"line 1, column {name}", "this column takes no unit", found=f"[{unit}]")
            ok = False
        if dim is not None:
            if not unit:
                problems.add(rel, f"line 1, column {name}", "column unit missing", expected=f"'{name} [unit]' with a unit of {dim.replace('_', ' ')}", found=name)
                ok = False
                continue
            try:
                from .units import check_dimension

                check_dimension(unit_quantity(unit), dim, original=unit)
                units[name] = unit
            except QuantityError as exc:
                problems.add(rel, f"line 1, column {name}", f"column unit: {exc.message}", exc.expected, exc.found)
                ok = False
            except Exception:
                problems.add(rel, f"line 1, column {name}", "unknown unit", expected=f"a unit of {dim.replace('_', ' ')}", found=f"[{unit}]")
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
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)  # ASCII digits only
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+", re.ASCII)
_THOUSANDS_OR_DECIMAL = re.compile(r"[+-]?[1-9]\d{0,2},\d{3}", re.ASCII)  # 1,082: 1.082 or 1082?
_GROUPED = re.compile(r"[+-]?[\d.,' \u00a0\u202f]*\d[\d.,' \u00a0\u202f]*", re.ASCII)
_SPREADSHEET_ERROR = re.compile(r"#(?:VALUE!|DIV/0!|N/A|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!|#+)|#+", re.IGNORECASE)
STRICT_NUMBER = "a number with a decimal point and no thousands separators, like 1234.5"


def number_problem(rp: RowProblems, row: int, col: str, text: str, value: float, *, integer: bool, delimiter: str = ",") -> None:
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
                rp.add(row, col, "decimal comma or thousands separator", strict, repr(text),
                       detail=f"found {text!r}; write {text.replace(',', '.')} or {text.replace(',', '')}")
            else:
                rp.add(row, col, "decimal comma", strict, repr(text), detail=f"found {text!r}; write {text.replace(',', '.')}")
        elif _GROUPED.fullmatch(text) and not _NUMBER.fullmatch(text):
            rp.add(row, col, "not a finite number (thousands separator or decimal comma?)", STRICT_NUMBER, repr(text))
        elif _SPREADSHEET_ERROR.fullmatch(text):
            rp.add(row, col, "spreadsheet error value, not a number", "a number (fix the formula before exporting)", repr(text), by_value=True)
        else:
            rp.add(row, col, "not a finite number", expected="a number like 1234.5", found=repr(text))
    elif value < 0:
        rp.add(row, col, "negative value", expected=">= 0", found=text)
    elif abs(value) > 1e12:
        rp.add(row, col, "absurdly large value", expected="< 1e12", found=text)
    elif integer:
        rp.add(row, col, "not a whole number", expected="a count", found=text)


def numbers(c: CsvText, col: str, *, to: str | None = None, integer: bool = False, allow_blank: bool = False) -> Any:
    """A text column as a float array (converted from its header unit to ``to``), each bad cell
    filed in ``c.row_problems``.  Vectorised: only the cells that fail a check go through Python."""
    import numpy as np

    texts = c.cols[col]
    joined = "\x1f".join(texts)
    v = None
    # numpy parses like Python's float(), which also takes "1_000" and non-ASCII digits: only
    # plain ASCII without underscores goes the fast way; the rest cell by cell against _NUMBER.
    if joined.isascii() and "_" not in joined and "" not in texts:
        try:
            v = np.array(texts, dtype=np.float64)
        except ValueError:
            v = None
    if v is None:
        v = np.array([float(t) if _NUMBER.fullmatch(t) else np.nan for t in texts], dtype=np.float64)
    blank = np.fromiter((t == "" for t in texts), dtype=bool, count=len(texts)) if "" in texts else np.zeros(len(texts), dtype=bool)
    with np.errstate(invalid="ignore"):
        bad = (~blank & ~np.isfinite(v)) | (v < 0) | (np.abs(v) > 1e12)
        if integer:
            bad |= np.isfinite(v) & (v != np.floor(v))
    if not allow_blank:
        bad |= blank
    if bad.any():
        for k in np.flatnonzero(bad).tolist():
            number_problem(c.row_problems, c.rows[k], col, texts[k], float(v[k]), integer=integer, delimiter=c.delimiter)
    unit = c.units.get(col)
    if unit and to and unit != to:
        v = v * _unit_factor(unit, to)
    return v


@lru_cache(maxsize=256)
def _unit_factor(unit: str, to: str) -> float:
    from .units import registry

    return float(registry().Quantity(1, unit).to(to).magnitude)


# -- dates ------------------------------------------------------------------------------------
_ISO_DATES = re.compile(r"\d{4}-\d{2}-\d{2}(?:\x1f\d{4}-\d{2}-\d{2})*", re.ASCII)
ISO_DATE = "YYYY-MM-DD (ISO 8601); in Excel, format the column as yyyy-mm-dd before saving"
_DATE_KINDS = (
    (re.compile(r"\d{1,2}\.\d{1,2}\.\d{2,4}", re.ASCII), "not a date: day.month.year (DD.MM.YYYY)"),
    (re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}", re.ASCII), "not a date: DD/MM/YYYY or MM/DD/YYYY (ambiguous)"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\S.*", re.ASCII), "not a date: a date with a time of day"),
    (re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII), "not a date: no such day"),
    (re.compile(r"\d{5}(?:\.\d+)?", re.ASCII), "not a date: a spreadsheet serial day number (the date format was lost)"),
)


def date_problem(rp: RowProblems, row: int, col: str, text: str) -> None:
    if text == "":
        rp.add(row, col, "missing value", expected="a date " + ISO_DATE)
        return
    kind = next((k for pattern, k in _DATE_KINDS if pattern.fullmatch(text)), "not a date")
    rp.add(row, col, kind, expected=ISO_DATE, found=repr(text))


def dates(c: CsvText, col: str, start: date | None, end: date | None) -> Any:
    """A text column of ISO dates as a ``datetime64[ns]`` array (NaT where unreadable)."""
    import numpy as np

    texts = c.cols[col]
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
    if start and end:
        outside = ~missing & ((parsed < np.datetime64(start, "D")) | (parsed > np.datetime64(end, "D")))
    if missing.any() or outside.any():
        for k in np.flatnonzero(missing | outside).tolist():
            if missing[k]:
                date_problem(c.row_problems, c.rows[k], col, texts[k])
            else:
                c.row_problems.add(c.rows[k], col, "date outside the reporting period", expected=f"{start} .. {end}", found=texts[k])
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
    alikes = [n for n in names if n != rel and PurePosixPath(n).stem.lower() == stem and PurePosixPath(n).parent.as_posix().lower() == parent]
    sheets = [n for n in alikes if PurePosixPath(n).suffix.lower() in SPREADSHEET_SUFFIXES]
    if sheets:
        return f"found {sheets[0]}; export it as CSV UTF-8 (comma-separated) named {rel}"
    if alikes:
        return f"found {alikes[0]}; rename it to {rel}"
    return ""
