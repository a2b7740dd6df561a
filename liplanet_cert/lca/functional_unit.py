"""Functional unit of the battery-passport carbon footprint: the energy a cell delivers over its life.

Regulation (EU) 2023/1542 Art. 7 and the JRC CFB-EV rules: kg CO2e per kWh of total energy over
the service life = usable energy x full equivalent cycles per year x service years, the service life
being the warranty period.  The cycles per year follow from the declared application category
(``lca_models/application_categories.yaml``, sourced); a free count is accepted only as an explicit
override with its reason, and the override is recorded in the passport.  Usable energy is the
cell's nominal energy unless the declaration states another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from liplanet_cert.errors import LCAError, Problem
from liplanet_cert.lca.model import load_model

CATEGORIES_FILE = "application_categories.yaml"


@dataclass(frozen=True)
class FunctionalUnit:
    """The lifetime energy of one cell and where each of its three factors comes from."""

    usable_energy_kwh: float
    usable_energy_basis: str  # "declared" (passport.usable_energy) | "nominal" (cell.nominal_energy)
    application_category: str | None
    cycles_per_year: float
    cycles_basis: str  # "application category" | "override"
    override_reason: str | None
    category_cycles_per_year: float | None  # the table's value, kept beside an override
    service_years: float  # = warranty years

    @property
    def lifetime_energy_kwh(self) -> float:
        return self.usable_energy_kwh * self.cycles_per_year * self.service_years

    def to_dict(self) -> dict[str, Any]:
        """The functional unit as the passport's extension records it."""
        table = application_categories()
        out: dict[str, Any] = {
            "definition": "kWh of total energy delivered over the service life = usable energy x "
            "full equivalent cycles per year x service life in years (service life = warranty period)",
            "usableEnergyKwh": self.usable_energy_kwh,
            "usableEnergyBasis": self.usable_energy_basis,
            "applicationCategory": self.application_category,
            "fullEquivalentCyclesPerYear": self.cycles_per_year,
            "cyclesPerYearBasis": self.cycles_basis,
            "serviceLifeYears": self.service_years,
            "serviceLifeBasis": "warranty period (passport.warranty_years)",
            "lifetimeEnergyKwh": self.lifetime_energy_kwh,
            "source": f"{table['id']}@{table['version']}: " + " ".join(str(table["source"]).split()),
        }
        if self.cycles_basis == "override":
            out["override"] = {
                "fullEquivalentCyclesPerYear": self.cycles_per_year,
                "reason": self.override_reason,
                "categoryCyclesPerYear": self.category_cycles_per_year,
            }
        return out


@lru_cache(maxsize=4)
def _categories(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("categories"), dict):
        raise LCAError(Problem(file=str(path), message="application categories file lacks categories"))
    return data


def application_categories() -> dict[str, Any]:
    """The sourced table of application categories (``id``, ``version``, ``source``, ``categories``)."""
    return _categories(load_model().root / CATEGORIES_FILE)


def _positive(value: Any) -> bool:
    return (
        isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0
    )


def functional_unit(
    passport: dict[str, Any] | None, nominal_energy_kwh: float, file: str = "declaration"
) -> FunctionalUnit:
    """The functional unit from the declaration's ``passport`` section (``usable_energy_kwh`` as
    parsed, ``application_category``, ``warranty_years``, ``cycles_per_year_override``); LCAError
    naming every field to add or correct."""
    p = passport or {}
    table = application_categories()["categories"]
    problems: list[Problem] = []

    def problem(key: str, message: str, expected: str) -> None:
        problems.append(Problem(file, f"/passport/{key}", message, expected, repr(p.get(key))))

    category = p.get("application_category")
    override = p.get("cycles_per_year_override")
    category_cycles = None
    if category is not None and category not in table:
        problem("application_category", "unknown application category", "one of " + ", ".join(table))
    elif category is not None:
        category_cycles = float(table[category]["full_equivalent_cycles_per_year"])
    elif override is None:
        problem(
            "application_category",
            "add passport.application_category (it sets the full equivalent cycles per year)",
            "one of " + ", ".join(table),
        )
    reason = None
    if override is not None:
        o = override if isinstance(override, dict) else {}
        reason = o.get("reason")
        if not _positive(o.get("value")):
            problem("cycles_per_year_override", "the override needs its value", "value: cycles per year > 0")
        if not (isinstance(reason, str) and reason.strip()):
            problem(
                "cycles_per_year_override",
                "the override needs its reason",
                "reason: why the category's value does not apply",
            )
    if not _positive(p.get("warranty_years")):
        problem(
            "warranty_years",
            "add passport.warranty_years (the service life is the warranty period)",
            "years > 0",
        )
    if problems:
        raise LCAError(problems)
    declared = p.get("usable_energy_kwh")
    return FunctionalUnit(
        usable_energy_kwh=float(declared) if _positive(declared) else float(nominal_energy_kwh),
        usable_energy_basis="declared" if _positive(declared) else "nominal",
        application_category=category,
        cycles_per_year=float(override["value"]) if override is not None else float(category_cycles or 0),
        cycles_basis="override" if override is not None else "application category",
        override_reason=reason.strip() if isinstance(reason, str) else None,
        category_cycles_per_year=category_cycles,
        service_years=float(p["warranty_years"]),
    )
