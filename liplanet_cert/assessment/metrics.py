"""How each metric a criterion may test is read from a bundle, and how it is compared.

The metrics themselves (name, kind, dimension, canonical unit, where the value comes from) are
data in :mod:`liplanet_cert.catalogue` (``CATALOGUE``); this module reads a metric's value from an
evaluation context (bundle, measurements, footprint) and compares it with a threshold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from liplanet_cert.assessment.eolcheck import METRICS as EOL_METRICS
from liplanet_cert.catalogue import (
    AUTOMATION_ORDER,
    KPI_SPECS,
    roundrobin_metric,
    step_catalogue,
)
from liplanet_cert.units import format_value

if TYPE_CHECKING:  # pragma: no cover
    from liplanet_cert.lca.types import FootprintResult


@dataclass(frozen=True)
class Value:
    """A metric's value for one bundle."""

    value: Any
    text: str
    location: str


class Unavailable(Exception):
    """The bundle does not hold what the metric needs (the criterion becomes ``error``)."""


def read(name: str, ctx: Any) -> Value:
    """Read metric ``name`` from an evaluation context (bundle, measurements, footprint)."""
    b, m = ctx.bundle, ctx.measurements
    d = b.declaration_file
    if name == "cell.format":
        return Value(b.cell.format, b.cell.format, f"{d}#/cell/format")
    if name == "cell.nominal_capacity":
        return Value(
            b.cell.capacity_ah,
            b.cell.text.get("nominal_capacity", f"{b.cell.capacity_ah:g} Ah"),
            f"{d}#/cell/nominal_capacity",
        )
    if name == "cell.nominal_energy":
        return Value(
            b.cell.energy_kwh,
            b.cell.text.get("nominal_energy", f"{b.cell.energy_kwh:g} kWh"),
            f"{d}#/cell/nominal_energy",
        )
    if name == "cell.all_solid_state":
        return Value(
            b.cell.all_solid_state, str(b.cell.all_solid_state).lower(), f"{d}#/cell/all_solid_state"
        )
    if name == "coating.both_sides":
        return Value(
            b.coating_both_sides,
            "both sides" if b.coating_both_sides else "one side only",
            f"{d}#/electrode_coating/both_sides",
        )
    if name == "scope.areas":
        area = {s["id"]: s["area"] for s in step_catalogue()["steps"]}
        areas = sorted({area[s] for s in b.steps})
        return Value(set(areas), ", ".join(areas) or "none", f"{d}#/steps")
    if name == "eol.capacity_vs_nominal":
        mean = m.values.get("capacity_mean")
        if mean is None:
            raise Unavailable("no end-of-line capacity measurements")
        v = mean / b.cell.capacity_ah * 100
        return Value(
            v, f"{v:.1f} % ({mean:.4g} Ah of {b.cell.capacity_ah:g} Ah)", m.locations["capacity_mean"]
        )
    if name in ("balance.unlogged_loss", "balance.units_from_nowhere"):
        return _balance(name, m, b.files["production_log"])
    if name in EOL_METRICS:
        return _eol(name, m)
    if name.startswith("kpi."):
        key = name[4:]
        v = m.values.get(key)
        if v is None:
            raise Unavailable(f"the logs do not allow measuring {key}")
        return Value(v, format_value(v, KPI_SPECS[key][1]), m.locations.get(key, ""))
    if name.startswith("declared."):
        key = name[9:]
        k = b.declared_kpis.get(key)
        if k is None:
            raise Unavailable(f"{key} is not declared")
        return Value(k.value, k.text, k.pointer)
    if name.startswith("step."):
        _, step, what = name.split(".")
        if what == "automation":
            level = b.steps.get(step)
            if level is None:
                return Value(None, "step not declared", f"{d}#/steps")
            return Value(level, level, b.step_pointer(step) + "/automation")
        if what == "declared":
            return Value(step in b.steps, "declared" if step in b.steps else "not declared", f"{d}#/steps")
        if what == "scrap_rate":
            if step not in m.step_scrap:
                raise Unavailable(f"no production-log rows for step {step}")
            v = m.step_scrap[step]
            return Value(v, format_value(v, "percent"), f"{b.files['production_log']} (step {step})")
    if name.startswith(("roundrobin.", "quality.")):  # the pattern families
        return _quality(name, ctx) if name[0] == "q" else _roundrobin(name, getattr(ctx, "roundrobin", None))
    if name.startswith("footprint."):
        fp = ctx.footprint
        if fp is None:
            raise Unavailable(
                ctx.footprint_error
                or "no footprint computed (the run used --no-footprint; these criteria need it)"
            )
        return _footprint_metric(name, fp, b)
    raise Unavailable(f"unknown metric {name}")


def _quality(name: str, ctx: Any) -> Value:
    """``quality.<step>.<characteristic>.cpk|ppk|out_of_spec|out_of_control`` from the quality log
    and the declared specification limits (:mod:`liplanet_cert.assessment.quality`)."""
    from liplanet_cert.assessment.quality import metric_value, quality_stats

    b = ctx.bundle
    if getattr(b, "quality", None) is None:
        raise Unavailable("no quality log in the bundle (quality_log.csv)")
    if ctx.quality is None:
        ctx.quality = quality_stats(b)
    try:
        value, text, where = metric_value(name, ctx.quality, b.files.get("quality_log", "quality_log.csv"))
    except LookupError as exc:
        raise Unavailable(str(exc)) from None
    return Value(value, text, where)


def _roundrobin(name: str, rr: Any) -> Value:
    """``roundrobin.<measurand>.abs_z|flag``: the line's score in a round robin (``--roundrobin``,
    :mod:`liplanet_cert.assessment.roundrobin_line`)."""
    parsed = roundrobin_metric(name)
    if parsed is None:
        raise Unavailable(f"unknown metric {name}")
    if rr is None:
        raise Unavailable("no round-robin result given (assess --roundrobin RESULT.json)")
    measurand, what = parsed
    if measurand not in rr.measurands:
        raise Unavailable(
            f"the round-robin result {rr.file} has no measurand {measurand} (it has: {', '.join(rr.measurands)})"
        )
    s = rr.scores.get(measurand)
    if s is None:
        raise Unavailable(f"participant {rr.participant} has no result for {measurand} in {rr.file}")
    score, label = (s.z_prime, "z′") if s.on_z_prime or s.z is None else (s.z, "z")
    seen = f"participant {rr.participant}: {label} = {score:+.2f}, {s.flag}" if score is not None else ""
    if what == "flag":
        return Value(s.flag, f"{s.flag} ({seen or f'participant {rr.participant}'})", s.pointer)
    if score is None:
        why = "; ".join(s.limitations) or "the result gives neither z nor z′"
        raise Unavailable(f"no z score for {measurand} in {rr.file}: {why}")
    return Value(abs(score), f"|{label}| = {abs(score):.2f} ({seen})", s.pointer)


def _balance(name: str, m: Any, plog: str) -> Value:
    bal = m.balance
    if bal is None or bal.units_in_first <= 0:
        raise Unavailable("no production-log rows with units in")
    sign = 1 if name == "balance.unlogged_loss" else -1
    units = bal.unlogged if sign == 1 else bal.appearing
    v = bal.rate(units)
    text = f"{v:.2f} % ({units:g} of {bal.units_in_first:g} units)"
    if units:
        text += f": {bal.where(sign)}"
    return Value(v, text, f"{plog} (units in of each step vs good out of the step before, per lot)")


def _eol(name: str, m: Any) -> Value:
    """An end-of-line metric (assessment.eolcheck): the test file against the production log."""
    check = getattr(m, "eol_check", None)
    if check is None:
        raise Unavailable("no end-of-line test file")
    why = check.unavailable(name)
    if why:
        raise Unavailable(why)
    return Value(*check.reading(name))


def _footprint_metric(name: str, fp: FootprintResult, b: Any) -> Value:
    loc = b.files.get("energy", "energy.csv") + " + lca model"
    if name == "footprint.steps_reported":
        reported = {s.step for s in fp.steps}
        want = set(b.steps)
        v = len(want & reported) / len(want) * 100 if want else 0.0
        missing = sorted(want - reported)
        return Value(
            v, f"{v:.0f} % of declared steps" + (f" (missing: {', '.join(missing)})" if missing else ""), loc
        )
    if name == "footprint.relevant_steps_primary":
        return _relevant_steps_primary(fp, loc)
    # both read the main-production (gate-to-gate) stage, never the cradle-to-gate total: the
    # materials stage does not change their verdicts
    if name == "footprint.primary_share_main_production":
        v = float(fp.main_production[1]) * 100
        return Value(v, f"{v:.1f} %", loc)
    if name == "footprint.kg_co2e_per_kwh":
        v = float(fp.main_production[0])
        return Value(v, f"{v:.1f} kg CO2e/kWh", loc)
    raise Unavailable(f"unknown metric {name}")


RELEVANT_SHARE = 80.0  # "most relevant processes": those that together make up 80 % of the footprint


def relevant_steps(fp: FootprintResult) -> list[Any]:
    """The steps that together make up at least 80 % of the footprint, largest first (the "most
    relevant processes" rule of the EU carbon-footprint rules, JRC CFB-EV 2023 / PEF).  The steps
    are the main-production stage's rows: the materials stage is not part of this rule's reading."""
    ranked = sorted(fp.steps, key=lambda s: -s.kg_co2e_per_cell)
    total = sum(s.kg_co2e_per_cell for s in ranked)
    chosen, running = [], 0.0
    for s in ranked:
        if total <= 0 or running >= total * RELEVANT_SHARE / 100 - 1e-12:
            break
        chosen.append(s)
        running += s.kg_co2e_per_cell
    return chosen


def _relevant_steps_primary(fp: FootprintResult, loc: str) -> Value:
    """Share (%) of the most relevant steps' footprint computed from the line's metered data."""
    chosen = relevant_steps(fp)
    if not chosen:
        raise Unavailable("the footprint is zero: no step is relevant")
    kg = sum(s.kg_co2e_per_cell for s in chosen)
    primary = sum(s.kg_co2e_per_cell * _primary_fraction(s) for s in chosen)
    v = primary / kg * 100 if kg > 0 else 0.0
    share = kg / sum(s.kg_co2e_per_cell for s in fp.steps) * 100
    unmetered = [s.step for s in chosen if _primary_fraction(s) < 1 - 1e-9]
    text = (
        f"{v:.1f} % of the {len(chosen)} most relevant steps ({', '.join(s.step for s in chosen)};"
        f" {share:.1f} % of the footprint) from metered data"
    )
    if unmetered:
        text += f"; not (fully) metered: {', '.join(unmetered)}"
    return Value(v, text, loc)


def _primary_fraction(step: Any) -> float:
    """The part of a step's footprint computed from metered data (0..1)."""
    if step.kg_co2e is not None and step.primary_kg_co2e is not None:
        return step.primary_kg_co2e / step.kg_co2e if step.kg_co2e > 0 else 1.0
    return 1.0 if step.data_source == "primary" else 0.0


def compare(op: str, actual: Any, threshold: Any, kind: str) -> bool:
    if kind == "automation":
        if actual is None:
            return False
        a, t = AUTOMATION_ORDER[actual], AUTOMATION_ORDER[threshold]
    else:
        a, t = actual, threshold
        if (
            kind == "quantity"
            and isinstance(a, float)
            and isinstance(t, (int, float))
            and math.isclose(a, t, rel_tol=1e-9, abs_tol=1e-12)
        ):
            a = t  # float noise (1 - 0.9 = 0.0999...) must not move a value across its limit
    if op == "<":
        return a < t
    if op == "<=":
        return a <= t
    if op == ">":
        return a > t
    if op == ">=":
        return a >= t
    if op == "==":
        return a == t
    if op == "!=":
        return a != t
    if op == "in":
        return a in t
    if op == "not_in":
        return a not in t
    if op == "contains_all":
        return set(t) <= set(a)
    raise ValueError(op)
