"""Plain typed inputs and results of the footprint calculation (no heavy imports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CARRIERS = ("electricity", "heat", "materials")


@dataclass(frozen=True)
class MeteredStep:
    """What a line metered for one step over the reporting period (already in model units).

    ``None`` for an energy carrier means "not metered": if no carrier of the step is metered the
    reference model supplies the step's energy (data_source ``default``).  If at least one energy
    carrier is metered the step is primary and an unmetered carrier counts as zero.
    """

    step: str
    electricity_kwh: float | None = None
    natural_gas_kwh: float | None = None
    materials_kg: dict[str, float] = field(default_factory=dict)
    accuracy: dict[str, float] = field(default_factory=dict)
    location: str = ""

    @property
    def has_energy(self) -> bool:
        return self.electricity_kwh is not None or self.natural_gas_kwh is not None


@dataclass(frozen=True)
class FootprintInput:
    """Everything the footprint needs from a bundle."""

    country: str
    cells_produced: float
    cell_energy_kwh: float
    steps: tuple[str, ...]
    metered: dict[str, MeteredStep] = field(default_factory=dict)
    fallback_to_eu27: bool = False


@dataclass(frozen=True)
class Flow:
    """One foreground exchange: a step's use of a background supplier over the period.

    ``uncertainty`` holds stats_arrays fields in absolute units (``uncertainty_type``, ``loc``,
    ``scale``, ``minimum``, ``maximum``) or is empty for no uncertainty.
    """

    carrier: str  # electricity | heat | materials
    supplier: str  # background activity code, e.g. "electricity|DEU"
    amount: float  # kWh or kg over the reporting period
    primary: bool
    uncertainty: dict[str, float] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class StepInventory:
    """The foreground inventory of one footprint step."""

    step: str
    data_source: str  # primary | default
    flows: tuple[Flow, ...]
    location: str = ""


@dataclass(frozen=True)
class StepResult:
    """Footprint of one step."""

    step: str
    kg_co2e: float
    kg_co2e_per_cell: float
    kg_co2e_per_kwh: float
    share: float
    data_source: str
    contributions: dict[str, float]  # kg CO2e per cell by carrier
    primary_kg_co2e: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "kg_co2e_per_cell": self.kg_co2e_per_cell,
            "kg_co2e_per_kwh": self.kg_co2e_per_kwh,
            "share": self.share,
            "data_source": self.data_source,
            "contributions": {c: self.contributions.get(c, 0.0) for c in CARRIERS},
        }


@dataclass(frozen=True)
class FootprintResult:
    """Per-step CO2 footprint with totals, provenance and the optional analyses."""

    method: tuple[str, ...]
    functional_unit: dict[str, Any]
    steps: tuple[StepResult, ...]
    total_kg_co2e: float
    total_per_cell: float
    total_per_kwh: float
    primary_data_share: float
    model: dict[str, str]
    sources: tuple[dict[str, Any], ...]
    engine: str = "fast"
    uncertainty: dict[str, Any] | None = None
    scenario: dict[str, Any] | None = None

    def step(self, name: str) -> StepResult:
        for s in self.steps:
            if s.step == name:
                return s
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of issue 3 (plain types, deterministic order)."""
        out: dict[str, Any] = {
            "method": list(self.method),
            "functional_unit": dict(self.functional_unit),
            "steps": [s.to_dict() for s in self.steps],
            "total": {
                "kg_co2e_per_cell": self.total_per_cell,
                "kg_co2e_per_kwh": self.total_per_kwh,
                "kg_co2e": self.total_kg_co2e,
            },
            "primary_data_share": self.primary_data_share,
            "model": dict(self.model),
            "sources": [dict(s) for s in self.sources],
        }
        if self.uncertainty is not None:
            out["uncertainty"] = self.uncertainty
        if self.scenario is not None:
            out["scenario"] = self.scenario
        return out
