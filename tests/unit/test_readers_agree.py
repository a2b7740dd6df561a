"""The columnar reader (pyarrow) and the line-by-line reader give the same problems, word for word,
and the same columns, on a log with every kind of bad cell (the problems are filed by the same
functions: this checks that what each reader hands them is the same)."""

from __future__ import annotations

import datetime

import numpy as np
import pytest

import liplanet_cert.bundle.arrowcsv as arrowcsv
from liplanet_cert.bundle.eol import read_eol
from liplanet_cert.errors import ProblemCollector

BAD = {  # row -> (capacity cell, date cell, result cell)
    5: ("5,07", "2026-09-01", "pass"),  # decimal comma
    9: ("1e-400", "2026-09-01", "pass"),  # underflows to 0
    13: ("1_000", "2026-09-01", "pass"),  # Python's float() takes it: never read
    17: ("nan", "2026-09-01", "pass"),
    21: ("-5.0", "2026-09-01", "pass"),
    25: ("#DIV/0!", "2026-09-01", "pass"),
    29: ("", "2026-09-01", "pass"),
    33: ("1e13", "2026-09-01", "pass"),
    37: ("5.0", "01.09.2026", "pass"),
    41: ("5.0", "2026-02-30", "pass"),
    45: ("5.0", "2026-10-02", "pass"),  # outside the period
    49: ("5.0", "2026-09-01", "maybe"),
}


class Facts:
    period_start = datetime.date(2026, 9, 1)
    period_end = datetime.date(2026, 9, 30)


def _log() -> bytes:
    lines = ["cell_id;lot_id;date;capacity [Ah];result"]  # (semicolons: "5,07" is one cell)
    for row in range(2, 4000):  # (row = file line) large enough to be worth pyarrow
        cap, day, res = BAD.get(row, (f"{5 + (row % 7) / 100:.2f}", "2026-09-01", "pass"))
        cell = "C00003" if row == 53 else f"C{row:05d}"  # row 53: a cell tested twice
        lines.append(f"{cell};L{row % 9};{day};{cap};{res}")
    return ("\n".join(lines) + "\n").encode()


def _read(reader: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(arrowcsv, "MIN_COLUMNAR_BYTES", 0 if reader == "columnar" else 1 << 62)
    problems = ProblemCollector()
    table = read_eol("eol_tests.csv", _log(), Facts, problems)
    return table, [str(p) for p in problems.problems]


def test_same_problems_and_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    table_l, lines = _read("lines", monkeypatch)
    table_c, columnar = _read("columnar", monkeypatch)
    assert type(table_c["cell_id"]).__name__ == "ArrowColumn"  # (the columnar reader did read it)
    assert columnar == lines
    assert len(lines) == 12  # the 12 rows of BAD and the repeated cell; 1_000 and nan are one problem
    for name in table_l.columns:
        x, y = np.asarray(table_l[name]), np.asarray(table_c[name])
        assert x.dtype == y.dtype, name
        same = np.array_equal(x, y, equal_nan=True) if x.dtype.kind in "fM" else (x == y).all()
        assert same, name
