"""``energy.csv``: metered energy and materials per step and period (long format, unit per
row) — what it must contain: a declared step or facility service, a known carrier (electricity,
natural gas or a material of the LCA model), a unit of energy or mass (total, per cell or per lot),
a period that does not end before it starts, and on a natural-gas row an optional calorific basis
(``GCV`` or ``NCV``; blank: the LCA model's default, GCV).  Reading the CSV itself is
:mod:`liplanet_cert.bundle.csvread`."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from liplanet_cert.bundle.csvcells import dates, numbers
from liplanet_cert.bundle.csvcolumns import CsvText
from liplanet_cert.bundle.csvread import read_csv
from liplanet_cert.bundle.declaration import Declared
from liplanet_cert.bundle.model import LogTable
from liplanet_cert.bundle.rowproblems import RowProblems
from liplanet_cert.catalogue import ENERGY_CARRIERS, facility_services, production_steps
from liplanet_cert.errors import ProblemCollector, quote
from liplanet_cert.units import (
    MAX_QUANTITY_CHARS,
    MAX_UNIT_FACTOR,
    QuantityError,
    closest_unit,
    parse_quantity,
    right_spelling,
    to_unit,
    unit_quantity,
)

CALORIFIC_BASES = ("GCV", "NCV")  # of a natural-gas amount: gross or net calorific value


@lru_cache(maxsize=512)
def _energy_unit(unit: str, want: str) -> tuple[str | None, float] | str:
    """``unit`` of an energy.csv row -> (basis: None | "cell" | "lot", factor to kWh or kg), or the
    reason it does not fit ("long" / "unknown" / "dimension" / "range": absurdly large or small)."""
    import math

    from liplanet_cert.units import registry

    try:
        q = unit_quantity(unit)
    except QuantityError:  # longer than any unit: pint never sees it
        return "long"
    except Exception:
        return "unknown"
    basis = None
    for b, dim in (("cell", "[cell]"), ("lot", "[batch]")):
        if q.dimensionality.get(dim, 0) == -1:
            basis = b
            q = q * registry().Quantity(1, b)
    try:
        factor = float(q.to("kWh" if want == "energy" else "kg").magnitude)
    except Exception:
        return "dimension"
    if not (math.isfinite(factor) and 1 / MAX_UNIT_FACTOR <= abs(factor) <= MAX_UNIT_FACTOR):
        return "range"
    return basis, factor


@lru_cache(maxsize=256)
def _accuracy(text: str) -> float | QuantityError:
    try:
        return to_unit(parse_quantity(text, "dimensionless"), "dimensionless")
    except QuantityError as exc:
        return exc


def read_energy(
    rel: str, data: bytes | Callable[[], bytes], facts: Declared, problems: ProblemCollector
) -> LogTable | None:
    """The energy metering file ``rel`` (``data``: its bytes, or a function reading them) checked
    against the declaration's ``facts``, or None when it cannot be read as a table."""
    import numpy as np

    steps, start, end = facts.log_steps, facts.period_start, facts.period_end
    c = read_csv(
        rel,
        data,
        {
            "step": None,
            "period_start": None,
            "period_end": None,
            "carrier": None,
            "amount": None,
            "unit": None,
        },
        {"meter_accuracy": None, "meter_id": None, "calorific_basis": None},
        problems,
    )
    if c is None:
        return None
    rp = c.row_problems
    conv: dict[str, Any] = {
        "period_start": dates(c, "period_start", start, end),
        "period_end": dates(c, "period_end", start, end),
        "amount": numbers(c, "amount"),
    }
    conv["meter_accuracy"] = _accuracies(c)
    conv["calorific_basis"] = _calorific_bases(c)
    allowed_steps = set(steps if steps is not None else production_steps()) | set(facility_services())
    materials = _known_materials()
    kinds: list[str | None] = []
    per: list[tuple[str | None, float] | None] = []
    ps_col, pe_col = conv["period_start"], conv["period_end"]
    for k, (row, step, carrier, unit) in enumerate(
        zip(c.rows.tolist(), c.text("step"), c.text("carrier"), c.text("unit"))
    ):
        if step not in allowed_steps:
            rp.add(
                row,
                "step",
                "step not declared (or not a facility service)",
                expected="one of " + ", ".join(sorted(allowed_steps)),
                found=quote(step),
                by_value=True,
            )
        want = _carrier_kind(rp, row, carrier, materials)
        kinds.append(want)
        if want is None:
            per.append(None)
            continue
        fit = _energy_unit(unit, want)
        if isinstance(fit, str):
            _unit_problem(rp, row, fit, want, carrier, unit)
            per.append(None)
            continue
        per.append(fit)
        ps, pe = ps_col[k], pe_col[k]
        if not (np.isnat(ps) or np.isnat(pe)) and pe < ps:
            rp.add(
                row,
                "period_end",
                "period ends before it starts",
                expected="period_end >= period_start",
                found=f"{str(ps)[:10]} .. {str(pe)[:10]}",
            )
    conv["kind"] = kinds
    conv["basis"] = [p[0] if p else None for p in per]
    conv["factor"] = [p[1] if p else None for p in per]
    return c.table(conv, problems, compact=("meter_id",))


def _accuracies(c: CsvText) -> list[float | None]:
    """The ``meter_accuracy`` column as fractions (None where blank, unreadable or absent)."""
    if "meter_accuracy" not in c:
        return [None] * len(c.rows)
    acc: list[float | None] = []
    for row, text in zip(c.rows.tolist(), c.text("meter_accuracy")):
        a = _accuracy(text) if text else None
        if isinstance(a, QuantityError):
            c.row_problems.add(row, "meter_accuracy", a.message, a.expected, a.found, by_value=True)
            a = None
        acc.append(a)
    return acc


def _calorific_bases(c: CsvText) -> list[str | None]:
    """The optional ``calorific_basis`` column: ``GCV`` or ``NCV`` on a natural-gas row, blank
    (None: the LCA model's default basis) anywhere; any other value, or a basis on a row that is
    not natural gas, is filed."""
    if "calorific_basis" not in c:
        return [None] * len(c.rows)
    out: list[str | None] = []
    for row, carrier, text in zip(c.rows.tolist(), c.text("carrier"), c.text("calorific_basis")):
        if not text:
            out.append(None)
        elif carrier != "natural_gas":
            c.row_problems.add(
                row,
                "calorific_basis",
                "a calorific basis applies to natural gas only",
                expected="blank on a row that is not natural_gas",
                found=quote(text),
                by_value=True,
            )
            out.append(None)
        elif text not in CALORIFIC_BASES:
            c.row_problems.add(
                row,
                "calorific_basis",
                "unknown calorific basis" + _basis_hint(text),
                expected="GCV (gross calorific value), NCV (net calorific value) or blank (GCV)",
                found=quote(text),
                by_value=True,
            )
            out.append(None)
        else:
            out.append(text)
    return out


# other names of the two bases (heating values, German Brennwert/Heizwert, Hs/Hi)
_BASIS_NAMES = {
    "gross": "GCV",
    "higher": "GCV",
    "hhv": "GCV",
    "hcv": "GCV",
    "hs": "GCV",
    "brennwert": "GCV",
    "pcs": "GCV",
    "net": "NCV",
    "lower": "NCV",
    "lhv": "NCV",
    "lcv": "NCV",
    "hi": "NCV",
    "heizwert": "NCV",
    "pci": "NCV",
}


def _basis_hint(text: str) -> str:
    """`` (did you mean GCV?)`` for another name or a misspelling of a calorific basis."""
    from liplanet_cert.infra.textsafe import did_you_mean

    word = text.strip().casefold()
    for name, basis in _BASIS_NAMES.items():
        if word == name or word.startswith(name + " "):
            return f" (did you mean {basis}?)"
    return did_you_mean(text, CALORIFIC_BASES, cutoff=0.6)


def _carrier_kind(rp: RowProblems, row: int, carrier: str, materials: set[str]) -> str | None:
    """What ``carrier`` is metered in: "energy" (electricity, natural gas), "mass" (a material of
    the LCA model), or None (an unknown carrier: filed)."""
    if carrier in ENERGY_CARRIERS:
        return "energy"
    if carrier in materials:
        return "mass"
    rp.add(
        row,
        "carrier",
        "unknown carrier",
        expected="electricity, natural_gas or a material of the LCA model: " + ", ".join(sorted(materials)),
        found=quote(carrier),
        by_value=True,
    )
    return None


def _did_you_mean(unit: str, want: str) -> str:
    """`` (did you mean kWh/cell?)`` for a unit written in the wrong letter case (``kwh/cell``) or
    close to one a line would write for ``want`` (energy or mass), per cell or per lot."""
    base, sep, per = unit.partition("/")
    per = per.strip().lower() if per.strip().lower() in ("cell", "lot") else per.strip()
    dim = "energy" if want == "energy" else "mass"
    right = right_spelling(base.strip(), dim)
    if right is not None:
        return f" (did you mean {right}{sep}{per}? unit symbols are case-sensitive)"
    return closest_unit(base.strip(), dim)


def _unit_problem(rp: RowProblems, row: int, fit: str, want: str, carrier: str, unit: str) -> None:
    """File why ``unit`` does not fit a carrier metered in ``want`` (``fit``: see :func:`_energy_unit`)."""
    if fit == "long":
        rp.add(
            row,
            "unit",
            "unit too long",
            expected=f"a unit of {want}, at most {MAX_QUANTITY_CHARS} characters",
            found=quote(unit),
        )
    elif fit == "unknown":
        rp.add(
            row,
            "unit",
            "unknown unit" + _did_you_mean(unit, want),
            expected=f"a unit of {want} (total), per cell or per lot, e.g. kWh, MJ, kWh/cell, kg/lot",
            found=quote(unit),
            by_value=True,
        )
    elif fit == "dimension":
        rp.add(
            row,
            "unit",
            f"unit does not fit {carrier}" + _did_you_mean(unit, want),
            expected=f"a unit of {want}"
            + (" (kWh, MJ, ...)" if want == "energy" else " (kg, g, ...)")
            + ", optionally per cell or per lot",
            found=quote(unit),
            by_value=True,
        )
    elif fit == "range":
        rp.add(
            row,
            "unit",
            "unit out of range",
            expected=f"a unit of {want} within {MAX_UNIT_FACTOR:g} times "
            + ("kWh" if want == "energy" else "kg")
            + " either way",
            found=quote(unit),
            by_value=True,
        )


def _known_materials() -> set[str]:
    try:
        from liplanet_cert.lca import known_materials

        return set(known_materials())
    except Exception:  # LCA model unavailable: no materials can be metered
        return set()
