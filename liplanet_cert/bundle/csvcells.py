"""Typed columns of a CSV log: numbers and dates, read strictly, each bad cell a grouped row
problem.

Numbers: a decimal point, no thousands separators.  A decimal comma ("7,7"), common in semicolon
files, is a located problem saying what to write instead; it is never guessed to mean 7.7 or 77.
Dates are ISO 8601 (YYYY-MM-DD); "01.09.2026" is a problem naming the format found.  Clean columns
take vectorised fast paths: only bad cells cost per-row Python work.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Any

from liplanet_cert.bundle.csvcolumns import CsvText
from liplanet_cert.bundle.csvtext import DELIMITERS
from liplanet_cert.bundle.rowproblems import RowProblems
from liplanet_cert.errors import quote

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


def bad_numbers(v: Any, blank: Any, *, integer: bool, allow_blank: bool) -> Any:
    """The cells of parsed values ``v`` (NaN: not a number) that fail a check: not finite,
    negative, absurdly large, not whole (``integer``), blank (unless ``allow_blank``)."""
    import numpy as np

    with np.errstate(invalid="ignore"):
        bad = (~blank & ~np.isfinite(v)) | (v < 0) | (np.abs(v) > 1e12)
        if integer:
            bad |= np.isfinite(v) & (v != np.floor(v))
    return bad | blank if not allow_blank else bad


def too_small(rp: RowProblems, row: int, col: str, text: str) -> None:
    """File a cell whose number underflows to 0 ("1e-400" is not 0; "0", "0.00", "-0e5" are)."""
    rp.add(
        row,
        col,
        "number too small: it would be read as 0",
        expected="0, or a number of at least 1e-308",
        found=quote(text),
    )


def numbers(
    c: CsvText, col: str, *, to: str | None = None, integer: bool = False, allow_blank: bool = False
) -> Any:
    """A text column as a float array (converted from its header unit to ``to``), each bad cell
    filed in ``c.row_problems``.  Vectorised, a part at a time: only the cells that fail a check go
    through Python; the column's text is released once converted.  A log read by pyarrow
    (:class:`~liplanet_cert.bundle.arrowtext.ArrowText`) is converted by it, with the same checks."""
    import numpy as np

    if not isinstance(c, CsvText):
        return c.numbers(col, to, integer, allow_blank)

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
        bad = bad_numbers(v, blank, integer=integer, allow_blank=allow_blank)
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
                too_small(c.row_problems, int(c.rows[k0 + k]), col, texts[k])
                v[k] = np.nan
        out.append(v)
    c.release(col)
    v = np.concatenate(out) if out else np.empty(0, dtype=np.float64)
    unit = c.units.get(col)
    if unit and to and unit != to:
        v = v * unit_factor_of(unit, to)
    return v


@lru_cache(maxsize=256)
def unit_factor_of(unit: str, to: str) -> float:
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

    if not isinstance(c, CsvText):
        return c.dates(col, start, end)

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
            parsed = np.array([iso_day(t) for t in texts], dtype="datetime64[D]")
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


def iso_day(text: str) -> Any:
    import numpy as np

    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        try:
            return np.datetime64(date.fromisoformat(text), "D")
        except ValueError:
            pass
    return np.datetime64("NaT", "D")
