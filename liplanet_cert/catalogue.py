"""The vocabulary every stage shares: the roadmap's production steps and facility services, the
automation levels in order, the declared KPIs and the cell's quantities, each with its dimension and
canonical unit.

Data, not logic: the bundle loader, the criteria linter, the metric registry, the evaluation and
the reporters read it from here (the steps themselves live in ``schemas/steps.json``), so none of
them has to import the loader for a word.
"""

from __future__ import annotations

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


def facility_services() -> list[str]:
    return [s["id"] for s in step_catalogue()["facility_services"]]
