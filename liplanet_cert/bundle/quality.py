"""``quality_log.csv`` (optional): one row per quality measurement — date, step, lot_id, optional
sample_id, characteristic (``schemas/quality_characteristics.json``) and value.  The value's unit is
in the header (``value [µm]``: every row then measures a characteristic of that dimension) or in a
``unit`` column, one per row (a log of mixed characteristics); each value is converted to its
characteristic's canonical unit, one pint factor per (characteristic, unit) pair.

What it must contain: known and declared steps, characteristics of that step, units of the
characteristic's dimension, dates in the reporting period, finite numbers with a decimal point,
each (step, lot, sample, characteristic) once; its lots must be in the production log (checked with
the other logs, :func:`liplanet_cert.bundle.logs.check_lots`).  Reading the CSV itself is
:mod:`liplanet_cert.bundle.csvread`."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from liplanet_cert.bundle.csvcells import dates, numbers
from liplanet_cert.bundle.csvcolumns import CsvText
from liplanet_cert.bundle.csvread import read_csv
from liplanet_cert.bundle.declaration import Declared
from liplanet_cert.bundle.model import LogTable
from liplanet_cert.bundle.parquetread import is_parquet
from liplanet_cert.catalogue import Characteristic, production_steps, quality_characteristics
from liplanet_cert.errors import ProblemCollector, quote
from liplanet_cert.infra.textsafe import did_you_mean
from liplanet_cert.units import DIMENSIONS, QuantityError, unit_factor, unit_quantity

_VALUE_UNIT = re.compile(rb"(?<![A-Za-z0-9_])value\s*\[\s*([^\]\r\n]{1,100}?)\s*\]")
COLUMNS = ("date", "step", "lot_id", "sample_id", "characteristic", "value")


def read_quality(
    rel: str, data: bytes | Callable[[], bytes], facts: Declared, problems: ProblemCollector
) -> LogTable | None:
    """The quality log ``rel`` (``data``: its bytes, or a function reading them) checked against the
    declaration's ``facts`` and the characteristics catalogue, or None when it cannot be read as a
    table (or its values have no unit)."""
    import numpy as np

    raw = data() if callable(data) else data
    dim = None if is_parquet(rel) else _header_dimension(rel, raw, problems)  # (Parquet: a unit column)
    if dim == "":
        return None
    c = read_csv(
        rel,
        raw,
        {"date": None, "step": None, "lot_id": None, "characteristic": None, "value": dim},
        {"sample_id": None, "unit": None},
        problems,
    )
    del raw
    if c is None:
        return None
    if ("unit" in c) == (dim is not None):
        _unit_problem(rel, "unit" in c, problems)
        return None
    conv: dict[str, Any] = {"date": dates(c, "date", facts.period_start, facts.period_end)}
    value = numbers(c, "value")
    steps, chars, lots = c.text("step"), c.text("characteristic"), c.text("lot_id")
    samples = c.text("sample_id") if "sample_id" in c else [""] * len(c)
    units = c.text("unit") if "unit" in c else [c.units["value"]] * len(c)
    zeros = np.zeros(len(c), dtype=np.int64)  # (a column left out: one value for every row)
    code = {
        n: c.codes(n)[1] if n in c else zeros
        for n in ("step", "characteristic", "lot_id", "sample_id", "unit")
    }
    conv["value"] = value * _factors(c, (steps, chars, units), code, facts)
    if "" in lots:
        for row in c.rows[np.flatnonzero(np.array([not t for t in lots], dtype=bool))].tolist():
            c.row_problems.add(row, "lot_id", "missing lot id", expected="a lot or batch id")
    _duplicates(c, (steps, lots, samples, chars), code)
    conv["sample_id"] = np.array(samples, dtype=object)
    table = c.table(conv, problems)
    return LogTable({k: table[k] for k in (*COLUMNS, "_row")})


def _header_dimension(rel: str, raw: bytes, problems: ProblemCollector) -> str | None:
    """The dimension of the unit in the header's ``value [unit]`` (None: no unit there; "": a unit
    of no characteristic's dimension, filed as a problem)."""
    end = raw.find(b"\n", 0, 65536)
    m = _VALUE_UNIT.search(raw[: end if end >= 0 else 65536])
    if m is None:
        return None
    unit = m.group(1).decode("utf-8", errors="replace")
    wanted = {ch.dimension for step in quality_characteristics().values() for ch in step.values()}
    try:
        found = unit_quantity(unit).dimensionality
        dim = next((d for d in sorted(wanted) if unit_quantity(DIMENSIONS[d]).dimensionality == found), None)
    except Exception:  # pint's errors: an unknown unit (read_csv would say the same)
        dim = None
    if dim is None:
        problems.add(
            rel,
            "line 1, column value",
            "column unit: not a unit of any quality characteristic",
            expected="a unit such as µm, mg/cm^2, g/cm^3, N, g, %, mV/day, Ah, mohm, mV",
            found=f"[{unit}]",
        )
        return ""
    return dim


def _unit_problem(rel: str, both: bool, problems: ProblemCollector) -> None:
    problems.add(
        rel,
        "line 1, column value",
        "value unit given twice: in the header and in a unit column" if both else "value unit missing",
        expected="'value [unit]' in the header (one dimension), or a unit column (a unit per row)",
        found="value [...] and unit" if both else "value",
    )


def _factors(c: CsvText, texts: tuple[list[str], ...], code: dict[str, Any], facts: Declared) -> Any:
    """Per row, the factor from its unit to its characteristic's canonical unit (NaN for a row with
    a problem, filed): one check and one pint conversion per distinct (step, characteristic, unit).
    ``texts``: the step, characteristic and unit columns; ``code``: each column's dense codes."""
    import numpy as np

    steps, chars, units = texts
    s, ch, u = code["step"], code["characteristic"], code["unit"]
    key = (s * (ch.max(initial=0) + 1) + ch) * (u.max(initial=0) + 1) + u  # (dense codes: no overflow)
    first, inverse = np.unique(key, return_index=True, return_inverse=True)[1:]
    factors = np.full(len(first), np.nan)
    catalogue = quality_characteristics()
    for g, k in enumerate(first.tolist()):
        factor = _group_factor(catalogue, steps[k], chars[k], units[k], facts)
        if isinstance(factor, float):
            factors[g] = factor
            continue
        column, kind, expected, found = factor
        column = column if column != "unit" or "unit" in c else "value"  # (the header's unit)
        for row in c.rows[inverse.ravel() == g].tolist():  # the group's rows: reported
            c.row_problems.add(row, column, kind, expected, found, by_value=True)
    return factors[inverse.ravel()]


def _group_factor(
    catalogue: dict[str, dict[str, Characteristic]], step: str, char: str, unit: str, facts: Declared
) -> float | tuple[str, str, str, str]:
    """The factor from ``unit`` to the canonical unit of ``char`` of ``step``, or the problem of
    the rows that have them: (column, kind, expected, found)."""
    known = set(production_steps())
    if step not in known:
        return (
            "step",
            "unknown step" + did_you_mean(step, known),
            "one of " + ", ".join(sorted(known)),
            quote(step),
        )
    if facts.log_steps is not None and step not in facts.log_steps:
        return "step", "step not declared in the declaration", "one of " + ", ".join(facts.log_steps), step
    mine = catalogue.get(step, {})
    everywhere = {k: ch for chars in catalogue.values() for k, ch in chars.items()}
    if char not in everywhere:
        hint = did_you_mean(char, mine or everywhere)
        expected = "one of " + ", ".join(mine or everywhere)
        return "characteristic", "unknown characteristic" + hint, expected, quote(char)
    if char not in mine:
        expected = f"a characteristic of {step}: " + (", ".join(mine) or "none in the catalogue")
        return "characteristic", f"{char} is measured at {everywhere[char].step}, not {step}", expected, char
    spec = mine[char]
    if not unit:
        return (
            "unit",
            "missing unit",
            f"a unit of {spec.dimension.replace('_', ' ')}, e.g. {spec.symbol}",
            "''",
        )
    try:
        q = unit_quantity(unit)
        if q.dimensionality != unit_quantity(spec.unit).dimensionality:
            return (
                "unit",
                f"wrong dimension for {char}",
                f"a unit of {spec.dimension.replace('_', ' ')}, e.g. {spec.symbol}",
                unit,
            )
        return unit_factor(unit, spec.unit)
    except QuantityError as exc:
        return "unit", exc.message, exc.expected, exc.found
    except Exception:  # pint's errors: an unknown unit, a number in the unit, ...
        return (
            "unit",
            "unknown unit",
            f"a unit of {spec.dimension.replace('_', ' ')}, e.g. {spec.symbol}",
            quote(unit),
        )


def _duplicates(c: CsvText, texts: tuple[list[str], ...], code: dict[str, Any]) -> None:
    """File each row that repeats the (step, lot, sample, characteristic) of an earlier row
    (``texts``: those columns; ``code``: each column's dense codes)."""
    import numpy as np

    steps, lots, samples, chars = texts
    keys = [code[n] for n in ("characteristic", "sample_id", "lot_id", "step")]
    order = np.lexsort(keys)  # stable: equal keys keep their file order
    same = np.ones(max(len(order) - 1, 0), dtype=bool)
    for k in keys:
        same &= k[order[1:]] == k[order[:-1]]
    for k in np.sort(order[1:][same]).tolist():
        rp_found = f"{lots[k]} / {samples[k] or '(no sample id)'} / {steps[k]} / {chars[k]}"
        c.row_problems.add(
            int(c.rows[k]),
            None,
            "measurement logged twice",
            expected="one row per step, lot, sample and characteristic",
            found=rp_found,
        )
