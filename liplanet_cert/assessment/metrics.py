"""The metrics a criterion may test, and how each is read from a bundle.

A metric name is dotted: ``cell.format``, ``kpi.scrap_rate``, ``step.calendering.automation``.
Each has a kind (quantity, enum, bool, automation, set) and, for quantities, a dimension and the
canonical unit the program computes in.  Criteria packs are linted against this catalogue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from liplanet_cert.catalogue import AUTOMATION_ORDER, KPI_SPECS, production_steps, step_catalogue

SOURCES = ("declaration", "logs", "footprint")  # where a metric's value comes from


@dataclass(frozen=True)
class MetricSpec:
    """One metric of the catalogue: what a criterion may test (``liplanet-cert criteria metrics``)."""

    name: str
    kind: str  # quantity | enum | bool | automation | set
    dimension: str | None = None
    unit: str | None = None  # canonical unit the program computes in (pint)
    description: str = ""  # what it means
    source: str = "declaration"  # declaration | logs | footprint: where its value comes from
    unit_note: str = ""  # how a threshold is written, when the canonical unit alone does not say it
    report_unit: str = ""  # the unit its values are in, where the canonical unit is a plain number

    @property
    def value_unit(self) -> str | None:
        """The unit a value (and a threshold) of this metric is in; ``None`` for non-quantities."""
        if self.kind != "quantity":
            return None
        return self.report_unit or self.unit

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "dimension": self.dimension,
            "unit": self.unit,
            "unit_note": self.unit_note or None,
            "source": self.source,
            "description": self.description,
        }


@dataclass(frozen=True)
class Value:
    """A metric's value for one bundle."""

    value: Any
    text: str
    location: str


class Unavailable(Exception):
    """The bundle does not hold what the metric needs (the criterion becomes ``error``)."""


def _static() -> dict[str, MetricSpec]:
    levels = " < ".join(AUTOMATION_ORDER)
    specs = {
        "cell.format": MetricSpec(
            "cell.format", "enum", description="Cell format declared (pouch, prismatic, cylindrical)."
        ),
        "cell.nominal_capacity": MetricSpec(
            "cell.nominal_capacity", "quantity", "charge", "Ah", "Declared nominal cell capacity."
        ),
        "cell.nominal_energy": MetricSpec(
            "cell.nominal_energy", "quantity", "energy", "kWh", "Declared nominal cell energy."
        ),
        "cell.all_solid_state": MetricSpec(
            "cell.all_solid_state", "bool", description="True for all-solid-state cells."
        ),
        "coating.both_sides": MetricSpec(
            "coating.both_sides", "bool", description="Both sides of the current collector coated."
        ),
        "scope.areas": MetricSpec(
            "scope.areas", "set", description="Production areas covered by the declared steps."
        ),
        "eol.capacity_vs_nominal": MetricSpec(
            "eol.capacity_vs_nominal",
            "quantity",
            "dimensionless",
            "percent",
            "Mean measured capacity (end-of-line tests) as a share of the declared nominal capacity.",
            "logs",
        ),
        "footprint.steps_reported": MetricSpec(
            "footprint.steps_reported",
            "quantity",
            "dimensionless",
            "percent",
            "Share of the declared steps with a footprint result.",
            "footprint",
        ),
        "footprint.primary_share_main_production": MetricSpec(
            "footprint.primary_share_main_production",
            "quantity",
            "dimensionless",
            "percent",
            "Share of the main-production footprint computed from the line's own metered data.",
            "footprint",
        ),
        "footprint.kg_co2e_per_kwh": MetricSpec(
            "footprint.kg_co2e_per_kwh",
            "quantity",
            "dimensionless",
            "dimensionless",
            "Cell-production footprint in kg CO2e per kWh of cell capacity.",
            "footprint",
            "kg CO2e/kWh, written as a plain number (e.g. 20)",
            "kg CO2e/kWh",
        ),
    }
    for name, (dim, unit, title) in KPI_SPECS.items():
        specs[f"kpi.{name}"] = MetricSpec(
            f"kpi.{name}", "quantity", dim, unit, f"{title}, measured from the logs.", "logs"
        )
        specs[f"declared.{name}"] = MetricSpec(
            f"declared.{name}", "quantity", dim, unit, f"{title}, as declared.", "declaration"
        )
    for step in production_steps():
        specs[f"step.{step}.automation"] = MetricSpec(
            f"step.{step}.automation", "automation", description=f"Automation level of {step} ({levels})."
        )
        specs[f"step.{step}.scrap_rate"] = MetricSpec(
            f"step.{step}.scrap_rate",
            "quantity",
            "dimensionless",
            "percent",
            f"Scrap rate of {step}, from the production log.",
            "logs",
        )
        specs[f"step.{step}.declared"] = MetricSpec(
            f"step.{step}.declared", "bool", description=f"True when the line declares {step}."
        )
    return specs


CATALOGUE: dict[str, MetricSpec] = _static()


def spec(name: str) -> MetricSpec | None:
    return CATALOGUE.get(name)


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
    if name.startswith("kpi."):
        key = name[4:]
        v = m.values.get(key)
        if v is None:
            raise Unavailable(f"the logs do not allow measuring {key}")
        return Value(v, _fmt(v, KPI_SPECS[key][1]), m.locations.get(key, ""))
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
            return Value(v, _fmt(v, "percent"), f"{b.files['production_log']} (step {step})")
    if name.startswith("footprint."):
        fp = ctx.footprint
        if fp is None:
            raise Unavailable(
                ctx.footprint_error
                or "no footprint computed (the run used --no-footprint; these criteria need it)"
            )
        return _footprint_metric(name, fp, b)
    raise Unavailable(f"unknown metric {name}")


def _footprint_metric(name: str, fp: dict[str, Any], b: Any) -> Value:
    steps = fp.get("steps", [])
    loc = b.files.get("energy", "energy.csv") + " + lca model"
    if name == "footprint.steps_reported":
        reported = {s["step"] for s in steps if s.get("kg_co2e_per_cell") is not None}
        want = set(b.steps)
        v = len(want & reported) / len(want) * 100 if want else 0.0
        missing = sorted(want - reported)
        return Value(
            v, f"{v:.0f} % of declared steps" + (f" (missing: {', '.join(missing)})" if missing else ""), loc
        )
    if name == "footprint.primary_share_main_production":
        v = float(fp.get("primary_data_share", 0.0)) * 100
        return Value(v, f"{v:.1f} %", loc)
    if name == "footprint.kg_co2e_per_kwh":
        v = float(fp["total"]["kg_co2e_per_kwh"])
        return Value(v, f"{v:.1f} kg CO2e/kWh", loc)
    raise Unavailable(f"unknown metric {name}")


def _fmt(v: float, unit: str) -> str:
    if unit == "percent":
        return f"{v:.2f} %"
    return f"{v:.4g} {unit}"


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


OPS_BY_KIND: dict[str, set[str]] = {
    "quantity": {"<", "<=", ">", ">=", "==", "!="},
    "automation": {"<", "<=", ">", ">=", "==", "!="},
    "enum": {"==", "!=", "in", "not_in"},
    "bool": {"==", "!="},
    "set": {"contains_all"},
}

OP_TEXT: dict[str, str] = {
    "<": "<",
    "<=": "≤",
    ">": ">",
    ">=": "≥",
    "==": "=",
    "!=": "≠",
    "in": "one of",
    "not_in": "none of",
    "contains_all": "includes all of",
}
