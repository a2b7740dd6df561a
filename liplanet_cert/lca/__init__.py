"""LCA core: per-step CO2 footprint of cell production (Brightway), scenarios and uncertainty.

Importing this package is cheap (dataclasses and YAML only).  Brightway is imported lazily, only
when a footprint needs it: to fill the unit-impact cache, for ``engine="brightway"`` and for Monte
Carlo.  Public API::

    from liplanet_cert.lca import MeteredStep, FootprintInput, compute_footprint, known_materials
    result = compute_footprint(FootprintInput(country="DEU", cells_produced=1e4, cell_energy_kwh=0.018,
                                              steps=("mixing", "formation"), metered={...}))
    result.to_dict()
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from liplanet_cert.lca.model import known_materials, known_steps, load_model
from liplanet_cert.lca.types import FootprintInput, FootprintResult, MeteredStep, StepResult

if TYPE_CHECKING:  # pragma: no cover
    from liplanet_cert.lca.compute import compute_footprint

__all__ = [
    "FootprintInput",
    "FootprintResult",
    "MeteredStep",
    "StepResult",
    "compute_footprint",
    "known_materials",
    "known_steps",
    "load_model",
    "scenarios",
    "setup_brightway",
]


def __getattr__(name: str) -> Any:
    if name == "compute_footprint":
        from liplanet_cert.lca.compute import compute_footprint

        return compute_footprint
    raise AttributeError(name)


def scenarios() -> dict[str, str]:
    """Scenario id -> title, from the model files."""
    return {k: v["title"] for k, v in sorted(load_model().scenarios.items())}


def setup_brightway(bw_dir: Path | None = None) -> dict[str, float]:
    """Create the Brightway project if needed and return the cached unit impacts (kg CO2e/unit)."""
    from liplanet_cert.lca.brightway import setup

    return setup(load_model(), bw_dir)
