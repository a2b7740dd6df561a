"""``production_log.csv``: one row per lot and step — what it must contain (known and declared
steps, a lot id, whole unit counts that add up, each lot once per step).  Reading the CSV itself
is :mod:`liplanet_cert.bundle.csvread`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from liplanet_cert.bundle.csvcells import dates, numbers
from liplanet_cert.bundle.csvcolumns import CsvText
from liplanet_cert.bundle.csvread import read_csv
from liplanet_cert.bundle.declaration import Declared
from liplanet_cert.bundle.model import LogTable
from liplanet_cert.catalogue import production_steps
from liplanet_cert.errors import ProblemCollector, quote


def read_production(
    rel: str, data: bytes | Callable[[], bytes], facts: Declared, problems: ProblemCollector
) -> LogTable | None:
    """The production log ``rel`` (``data``: its bytes, or a function reading them) checked against
    the declaration's ``facts``, or None when it cannot be read as a table."""
    import numpy as np

    steps, start, end = facts.log_steps, facts.period_start, facts.period_end
    c = read_csv(
        rel,
        data,
        {"date": None, "step": None, "lot_id": None, "units_in": None, "good_out": None, "scrap": None},
        {"electrode_length": "length"},
        problems,
    )
    if c is None:
        return None
    rp = c.row_problems
    before = len(rp)  # (rows with the wrong number of fields are left out of the columns)
    conv: dict[str, Any] = {"date": dates(c, "date", start, end)}
    for col in ("units_in", "good_out", "scrap"):
        conv[col] = numbers(c, col, integer=True)
    if "electrode_length" in c:
        conv["electrode_length"] = numbers(c, "electrode_length", to="m", allow_blank=True)
    else:
        conv["electrode_length"] = np.full(len(c.rows), np.nan)
    step_col, lot_col = c.text("step"), c.text("lot_id")
    _check_steps_and_lots(c, step_col, lot_col, steps)
    if len(rp) == before:  # the cells are sound: check the rows
        _check_rows(c, conv, step_col, lot_col)
    return c.table(conv, problems)


def _has_duplicates(c: CsvText) -> bool:
    """Whether some (step, lot) pair occurs twice (compared as numbers: no tuple per row)."""
    steps, lots = c.codes("step")[1], c.codes("lot_id")[1]
    keys = lots * max(len(steps), 1) + steps
    keys.sort()
    return bool(len(keys) > 1 and (keys[1:] == keys[:-1]).any())


def _check_steps_and_lots(
    c: CsvText, step_col: list[str], lot_col: list[str], steps: dict[str, str] | None
) -> None:
    """File the rows whose step is unknown (or not declared, when ``steps`` is known) or whose lot
    id is missing."""
    rp = c.row_problems
    known = set(production_steps())
    if not set(step_col) <= (known if steps is None else known & set(steps)) or "" in lot_col:
        for row, step, lot in zip(c.rows.tolist(), step_col, lot_col):
            if step not in known:
                rp.add(
                    row,
                    "step",
                    "unknown step",
                    expected="one of " + ", ".join(sorted(known)),
                    found=quote(step),
                    by_value=True,
                )
            elif steps is not None and step not in steps:
                rp.add(
                    row,
                    "step",
                    "step not declared in the declaration",
                    expected="one of the declared steps: " + ", ".join(steps),
                    found=step,
                    by_value=True,
                )
            if not lot:
                rp.add(row, "lot_id", "missing lot id", expected="a lot or batch id")


def _check_rows(c: CsvText, conv: dict[str, Any], step_col: list[str], lot_col: list[str]) -> None:
    """File the rows whose units do not add up, and each lot logged twice for the same step."""
    import numpy as np

    rp = c.row_problems
    uin, good, scrap = conv["units_in"], conv["good_out"], conv["scrap"]
    for k in np.flatnonzero(good + scrap != uin).tolist():
        rp.add(
            int(c.rows[k]),
            None,
            "units do not add up",
            expected="units_in = good_out + scrap",
            found=f"units_in = {int(uin[k])}, good_out + scrap = {int(good[k])} + {int(scrap[k])}",
        )
    if _has_duplicates(c):  # (pairs as numbers: no tuple per row)
        seen: set[tuple[str, str]] = set()
        for k, p in enumerate(zip(step_col, lot_col)):
            if p in seen:
                rp.add(
                    int(c.rows[k]),
                    None,
                    "lot logged twice for the same step",
                    expected="one row per lot and step",
                    found=f"{p[1]} / {p[0]}",
                )
            seen.add(p)
