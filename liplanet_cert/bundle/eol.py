"""``eol_tests.csv``: one row per cell (end-of-line test) — what it must contain (a capacity, a
pass or fail result, each cell once; optional resistance, OCV drop and test date).  Reading the CSV
itself is :mod:`liplanet_cert.bundle.csvread`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from liplanet_cert.bundle.csvcells import dates, numbers
from liplanet_cert.bundle.csvread import read_csv
from liplanet_cert.bundle.declaration import Declared
from liplanet_cert.bundle.model import LogTable
from liplanet_cert.errors import ProblemCollector, quote


def read_eol(
    rel: str, data: bytes | Callable[[], bytes], facts: Declared, problems: ProblemCollector
) -> LogTable | None:
    """The end-of-line test file ``rel`` (``data``: its bytes, or a function reading them) checked
    against the declaration's ``facts`` (test dates in the reporting period), or None when it
    cannot be read as a table."""
    import numpy as np

    start, end = facts.period_start, facts.period_end
    c = read_csv(
        rel,
        data,
        {"cell_id": None, "lot_id": None, "capacity": "charge", "result": None},
        {
            "internal_resistance": "resistance",
            "ocv_drop": "voltage",
            "self_discharge": "dimensionless",
            "date": None,
        },
        problems,
    )
    if c is None:
        return None
    rp = c.row_problems
    conv: dict[str, Any] = {"capacity": numbers(c, "capacity", to="Ah")}
    if "date" in c:
        conv["date"] = dates(c, "date", start, end)
    if "internal_resistance" in c:
        conv["internal_resistance"] = numbers(c, "internal_resistance", to="mohm", allow_blank=True)
    if "ocv_drop" in c:
        conv["ocv_drop"] = numbers(c, "ocv_drop", to="mV", allow_blank=True)
    results, code = c.codes("result")  # a few distinct values: each row is an index among them
    lower = [t.lower() for t in results]
    unknown = [k for k, low in enumerate(lower) if low not in ("pass", "fail")]
    if unknown:
        for k in np.flatnonzero(np.isin(code, unknown)).tolist():
            rp.add(
                int(c.rows[k]),
                "result",
                "unknown test result",
                expected="pass or fail",
                found=quote(results[code[k]]),
                by_value=True,
            )
    conv["passed"] = np.array([low == "pass" for low in lower], dtype=bool)[code]
    repeated = c.repeats("cell_id")  # (cell ids are unique: no Python string per cell is kept)
    if repeated:
        ids = c.column("cell_id")
        for k in repeated:
            rp.add(int(c.rows[k]), "cell_id", "cell tested twice", expected="one row per cell", found=ids[k])
    return c.table(conv, problems, compact=("cell_id", "result"))  # (read as "passed" after the checks)
