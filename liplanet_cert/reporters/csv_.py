"""CSV reporter: one row per finding, safe to open in a spreadsheet.

Cells that a spreadsheet would treat as a formula (starting with ``=``, ``+``, ``-``, ``@``, or a
tab/carriage return, also after white space and invisible characters: zero-width, format, line and
paragraph separators, controls) are neutralised with a leading apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from liplanet_cert.assessment.result import Result, Unassessed
from liplanet_cert.infra.textsafe import clean
from liplanet_cert.reporters.base import BatchFormReporter, Item

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = (
    "bundle",
    "pilot_line",
    "criteria",
    "criterion",
    "title",
    "category",
    "severity",
    "status",
    "expected",
    "actual",
    "location",
    "waiver",
    "waiver_expires",
    "message",
)


def safe_cell(value: Any) -> str:
    """Text for a CSV cell that no spreadsheet will evaluate."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    text = clean(value).replace("\r\n", "\n").replace("\r", "\n")
    return "'" + text if text.startswith(FORMULA_START) or _first_visible(text) in FORMULA_CHARS else text


FORMULA_CHARS = frozenset("=+-@")
_INVISIBLE = frozenset(("Zs", "Cf", "Zl", "Zp", "Cc"))


def _first_visible(text: str) -> str:
    """The first character of ``text`` that is not white space, a zero-width, format or control
    character (a spreadsheet may skip those before a formula: "\\u200b=1+1"); "" if none."""
    import unicodedata

    for ch in text:
        if not ch.isspace() and unicodedata.category(ch) not in _INVISIBLE:
            return ch
    return ""


def csv_line(cells: Sequence[Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([safe_cell(c) for c in cells])
    return buf.getvalue()


def finding_rows(result: Result | Unassessed) -> list[list[Any]]:
    if isinstance(result, Unassessed):  # one row: the bundle, its status and why
        title = (
            "bundle is valid (checked, not assessed)"
            if result.status == "valid"
            else "bundle could not be assessed"
        )
        return [
            [
                result.bundle,
                "",
                "",
                "",
                title,
                "",
                "required",
                result.status,
                "a valid bundle",
                "; ".join(result.problems[:5]) or result.message,
                result.bundle,
                "",
                "",
                result.message,
            ]
        ]
    pl = result.pilot_line.get("name", "")
    ref = f"{result.criteria.id}@{result.criteria.version}"
    if result.what_if:
        ref += f" (what-if: not a certification verdict; {result.what_if})"
    rows = []
    for f in result.findings:
        w = f.waiver or {}
        rows.append(
            [
                result.bundle.get("path", ""),
                pl,
                ref,
                f.id,
                f.title,
                f.category,
                f.severity,
                f.status.value,
                f.expected,
                f.actual,
                f.location,
                w.get("id", ""),
                w.get("expires_on", ""),
                f.message,
            ]
        )
    return rows


class CSVReporter(BatchFormReporter):
    name = "csv"
    suffix = ".csv"

    def write_many(self, items: Iterable[Item], out: TextIO) -> None:
        out.write(csv_line(COLUMNS))
        for item in items:
            out.write("".join(csv_line(row) for row in finding_rows(item)))
