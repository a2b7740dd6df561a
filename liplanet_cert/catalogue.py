"""The vocabulary every stage shares: the roadmap's production steps and facility services, the
automation levels in order, the declared KPIs and the cell's quantities, each with its dimension and
canonical unit, and the metrics a criterion may test (``CATALOGUE``, ``liplanet-cert criteria metrics``)
with the operators each kind allows.

Data, not logic: the bundle loader, the criteria linter, the metric registry, the evaluation and
the reporters read it from here (the steps themselves live in ``schemas/steps.json``), so none of
them has to import the loader for a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from liplanet_cert.infra.resources import load_json

# Automation levels of a step, in increasing order (Figure 7 of the roadmap)
AUTOMATION_ORDER = {"manual": 0, "semi-automatic": 1, "automatic": 2}

# Declared KPIs: name -> (dimension, canonical unit, title)
KPI_SPECS: dict[str, tuple[str, str, str]] = {
    "scrap_rate": ("dimensionless", "percent", "Overall production scrap rate"),
    "first_pass_yield": ("dimensionless", "percent", "First-pass (rolled throughput) yield"),
    "eol_pass_rate": ("dimensionless", "percent", "End-of-line test pass rate"),
    "capacity_cv": ("dimensionless", "percent", "Capacity coefficient of variation"),
    "cell_throughput": ("cells_per_time", "cell/day", "Cell output per production day"),
    "electrode_throughput": ("length_per_time", "m/day", "Coated electrode per production day"),
    "electrode_per_batch": ("length_per_batch", "m/batch", "Coated electrode per batch (roll)"),
    "capacity_mean": ("charge", "Ah", "Mean measured cell capacity"),
}

# The declared cell: quantity -> (dimension, canonical unit)
CELL_QUANTITIES = {
    "nominal_capacity": ("charge", "Ah"),
    "nominal_voltage": ("voltage", "V"),
    "nominal_energy": ("energy", "kWh"),
    "mass": ("mass", "kg"),
}

# Energy carriers every line may meter (a material of the LCA model is a carrier too): carrier -> dimension
ENERGY_CARRIERS = {"electricity": "energy", "natural_gas": "energy"}


def step_catalogue() -> dict[str, Any]:
    """``schemas/steps.json``: the production steps and facility services with their titles."""
    return load_json("steps")


def production_steps() -> list[str]:
    return [s["id"] for s in step_catalogue()["steps"]]


def line_steps(all_solid_state: bool = False) -> list[str]:
    """The production steps of a whole lithium-ion line (or, with ``all_solid_state``, of an
    all-solid-state one), in Figure 7 order: the steps marked ``only_for`` the other kind are left out."""
    other = "lithium-ion" if all_solid_state else "all-solid-state"
    return [s["id"] for s in step_catalogue()["steps"] if s.get("only_for") != other]


def facility_services() -> list[str]:
    return [s["id"] for s in step_catalogue()["facility_services"]]


# -- metrics: what a criterion may test -----------------------------------------------------


@dataclass(frozen=True)
class MetricSpec:
    """One metric of the catalogue: what a criterion may test (``liplanet-cert criteria metrics``)."""

    name: str
    kind: str  # quantity | enum | bool | automation | set
    dimension: str | None = None
    unit: str | None = None  # canonical unit the program computes in (pint)
    description: str = ""  # what it means
    source: str = "declaration"  # declaration | logs | footprint | roundrobin: where its value comes from
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


def _balance_metrics() -> dict[str, MetricSpec]:
    """The unit balance of the production log (assessment.balance)."""
    return {
        "balance.unlogged_loss": MetricSpec(
            "balance.unlogged_loss",
            "quantity",
            "dimensionless",
            "percent",
            "Units lost between steps, not logged as scrap (% of units in).",
            "logs",
        ),
        "balance.units_from_nowhere": MetricSpec(
            "balance.units_from_nowhere",
            "quantity",
            "dimensionless",
            "percent",
            "Units entering a step they never left the step before (% of units in).",
            "logs",
        ),
    }


def _footprint_metrics() -> dict[str, MetricSpec]:
    """The CO2 footprint of production (assessment.footprint, lca)."""
    return {
        "footprint.steps_reported": MetricSpec(
            "footprint.steps_reported",
            "quantity",
            "dimensionless",
            "percent",
            "Share of the declared steps with a footprint result.",
            "footprint",
        ),
        "footprint.relevant_steps_primary": MetricSpec(
            "footprint.relevant_steps_primary",
            "quantity",
            "dimensionless",
            "percent",
            "Metered share of the footprint of the steps that together make up 80 % of it.",
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


def _eol_metrics() -> dict[str, MetricSpec]:
    """The end-of-line test file against the production log, and its resistance and OCV columns
    (assessment.eolcheck)."""
    # (each meaning fits the meaning column of ``criteria metrics`` without squeezing the others)
    described = {
        "eol.untested_cells": "Cells made (good out of the step before QC) but not end-of-line tested (%).",
        "eol.tested_not_made": "Cells end-of-line tested beyond the cells made, per lot (% of cells tested).",
        "eol.qc_scrap_mismatch": "Per lot |end-of-line fails - quality_control scrap| (% of cells tested).",
        "eol.internal_resistance_cv": "Internal-resistance spread: sample SD / mean over the tested cells.",
        "eol.ocv_drop_outliers": "Tested cells with an OCV drop above median + 3 x 1.4826 x MAD (%).",
    }
    return {
        name: MetricSpec(name, "quantity", "dimensionless", "percent", text, "logs")
        for name, text in described.items()
    }


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
    return {**specs, **_balance_metrics(), **_footprint_metrics(), **_eol_metrics()}


CATALOGUE: dict[str, MetricSpec] = _static()

# A line's scores in a round robin (``assess --roundrobin RESULT.json``): a family whose names depend
# on the round's measurands, ``roundrobin.<measurand>.<what>``, so it is a pattern, not catalogue keys.
ROUNDROBIN_FLAGS = ("satisfactory", "questionable", "unsatisfactory")  # ISO 13528 §9.7, best first
_RR_NAME = re.compile(r"^roundrobin\.([a-z0-9_]+)\.([a-z_]+)$")
_RR_WHATS: dict[str, tuple[str, str | None, str | None, str]] = {
    "abs_z": (
        "quantity",
        "dimensionless",
        "dimensionless",
        "|z| (|z'| if flagged on z') of the line's {m} result in the round robin (ISO 13528).",
    ),
    "flag": (
        "enum",
        None,
        None,
        "The line's round-robin flag for {m}: " + " or ".join(ROUNDROBIN_FLAGS) + ".",
    ),
}
ROUNDROBIN_PATTERNS = tuple(f"roundrobin.<measurand>.{what}" for what in _RR_WHATS)


def roundrobin_metric(name: str) -> tuple[str, str] | None:
    """(measurand, what) of a round-robin metric name (``roundrobin.capacity.abs_z``), else None."""
    m = _RR_NAME.match(name)
    return (m.group(1), m.group(2)) if m and m.group(2) in _RR_WHATS else None


def _roundrobin_spec(name: str) -> MetricSpec | None:
    parsed = roundrobin_metric(name)
    if parsed is None:
        return None
    kind, dim, unit, text = _RR_WHATS[parsed[1]]
    return MetricSpec(name, kind, dim, unit, text.format(m=parsed[0]), "roundrobin")


def spec(name: str) -> MetricSpec | None:
    """The metric ``name``: a catalogue entry, or one of the round-robin or quality families
    (patterns)."""
    return CATALOGUE.get(name) or _roundrobin_spec(name) or _quality_spec(name)


def similar_names(name: str) -> list[str]:
    """Names a misspelt metric may have meant (for the did-you-mean of pack lint): the catalogue,
    and for a ``roundrobin.<measurand>.…`` name, that measurand's metrics of the family."""
    names = list(CATALOGUE)
    parts = name.split(".")
    if len(parts) == 3 and parts[0] == "roundrobin":
        names += [f"roundrobin.{parts[1]}.{what}" for what in _RR_WHATS]
    if len(parts) == 4 and parts[0] == "quality":
        names += [f"quality.{parts[1]}.{parts[2]}.{what}" for what in _Q_WHATS]
    return names


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


# -- quality characteristics: what a line measures per step (issue 15) -------------------------


@dataclass(frozen=True)
class Characteristic:
    """A quality characteristic of a production step: its id, title, dimension (a name of
    :data:`liplanet_cert.units.DIMENSIONS`), canonical unit (as pint reads it) and the unit's symbol
    as reports write it."""

    step: str
    id: str
    title: str
    dimension: str
    unit: str
    symbol: str


def quality_characteristics() -> dict[str, dict[str, Characteristic]]:
    """``schemas/quality_characteristics.json``: step id -> characteristic id -> :class:`Characteristic`,
    in Figure 7 order (a characteristic id belongs to one step only)."""
    return {
        step: {c["id"]: Characteristic(step, **c) for c in chars}
        for step, chars in load_json("quality_characteristics")["steps"].items()
    }


# The capability and stability of a step's measured characteristic (the quality log and the
# declaration's quality_specs; assessment.quality): ``quality.<step>.<characteristic>.<what>``.
_Q_NAME = re.compile(r"^quality\.([a-z_]+)\.([a-z0-9_]+)\.([a-z_]+)$")
_Q_WHATS: dict[str, tuple[str, str, str]] = {
    "cpk": ("dimensionless", "dimensionless", "Process capability Cpk of {c} at {s} (within-lot SD)."),
    "ppk": ("dimensionless", "dimensionless", "Process performance Ppk of {c} at {s} (overall SD)."),
    "out_of_spec": ("dimensionless", "percent", "Measurements of {c} at {s} outside the spec limits (%)."),
    "out_of_control": (
        "dimensionless",
        "dimensionless",
        "Lots of the {c} control chart at {s} that break a Western Electric run rule (count).",
    ),
}
QUALITY_PATTERNS = tuple(f"quality.<step>.<characteristic>.{what}" for what in _Q_WHATS)


def quality_metric(name: str) -> tuple[str, str, str] | None:
    """(step, characteristic, what) of a quality metric name (``quality.calendering.density.cpk``)."""
    m = _Q_NAME.match(name)
    return (m.group(1), m.group(2), m.group(3)) if m and m.group(3) in _Q_WHATS else None


def _quality_spec(name: str) -> MetricSpec | None:
    parsed = quality_metric(name)
    if parsed is None:
        return None
    dim, unit, text = _Q_WHATS[parsed[2]]
    return MetricSpec(name, "quantity", dim, unit, text.format(s=parsed[0], c=parsed[1]), "logs")


def pattern_specs() -> list[MetricSpec]:
    """The metric families named by pattern (``criteria metrics`` lists them with their placeholders)."""
    out = [
        MetricSpec(
            f"roundrobin.<measurand>.{what}", kind, dim, unit, text.format(m="<measurand>"), "roundrobin"
        )
        for what, (kind, dim, unit, text) in _RR_WHATS.items()
    ]
    out += [
        MetricSpec(
            f"quality.<step>.<char>.{what}",
            "quantity",
            dim,
            unit,
            text.format(s="<step>", c="<char>"),
            "logs",
        )
        for what, (dim, unit, text) in _Q_WHATS.items()
    ]
    return out
