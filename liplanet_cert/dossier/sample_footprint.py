"""The footprint of the sample result (:mod:`liplanet_cert.dossier.sample`), an
``lca.FootprintResult`` read from its JSON form: per-step figures, Monte Carlo percentiles and a
scenario.

Numbers are illustrative and deterministic; every call builds a new footprint.
"""

from __future__ import annotations

from typing import Any

from liplanet_cert.lca.types import FootprintResult

FOOTPRINT_SHARES = {  # step: (kg CO2e per kWh, electricity, heat, materials, data source)
    "mixing": (0.9, 1.0, 0.0, 0.0, "primary"),
    "coating_and_drying": (14.2, 0.35, 0.55, 0.10, "primary"),
    "calendering": (2.1, 1.0, 0.0, 0.0, "primary"),
    "cutting": (0.6, 1.0, 0.0, 0.0, "default"),
    "stacking_or_winding": (1.1, 1.0, 0.0, 0.0, "primary"),
    "tab_welding": (0.4, 1.0, 0.0, 0.0, "default"),
    "electrolyte_filling": (0.8, 0.8, 0.0, 0.2, "primary"),
    "sealing": (0.5, 1.0, 0.0, 0.0, "default"),
    "formation": (9.8, 0.9, 0.1, 0.0, "primary"),
    "aging": (1.3, 1.0, 0.0, 0.0, "primary"),
    "quality_control": (0.3, 1.0, 0.0, 0.0, "default"),
    "dry_room": (11.5, 0.6, 0.4, 0.0, "primary"),
}


def _step(step: str, per_kwh: float, cell_kwh: float, total_kwh: float) -> dict[str, Any]:
    """One step's footprint, per cell and per kWh, split by contribution."""
    _, el, heat, mat, src = FOOTPRINT_SHARES[step]
    per_cell = per_kwh * cell_kwh
    return {
        "step": step,
        "kg_co2e_per_cell": round(per_cell, 6),
        "kg_co2e_per_kwh": per_kwh,
        "share": round(per_kwh / total_kwh, 6),
        "data_source": src,
        "contributions": {
            "electricity": round(per_cell * el, 6),
            "heat": round(per_cell * heat, 6),
            "materials": round(per_cell * mat, 6),
        },
    }


def _percentiles(step: str, per_cell: float) -> dict[str, Any]:
    """Monte Carlo percentiles of one step, per cell (wider for default data)."""
    spread = 0.08 if FOOTPRINT_SHARES[step][4] == "primary" else 0.3
    return {
        "step": step,
        "mean": per_cell,
        "median": per_cell * 0.99,
        "p2_5": round(per_cell * (1 - spread), 8),
        "p97_5": round(per_cell * (1 + spread * 1.2), 8),
        "sd": round(per_cell * spread / 2, 8),
    }


def _scenario_step(step: str, per_cell: float) -> dict[str, Any]:
    """One step under the renewable-electricity scenario, per cell."""
    _, el, heat, _, _ = FOOTPRINT_SHARES[step]
    reduction = per_cell * (0.9 * el + 0.5 * heat)
    return {
        "step": step,
        "baseline_kg_co2e_per_cell": round(per_cell, 8),
        "scenario_kg_co2e_per_cell": round(per_cell - reduction, 8),
        "reduction_kg_co2e_per_cell": round(reduction, 8),
        "reduction_share": round(reduction / per_cell, 6) if per_cell else 0.0,
    }


def _sources() -> list[dict[str, Any]]:
    return [
        {
            "id": "reference_energy",
            "what": "reference per-step energy model (default data)",
            "source": "Degen, F. & Schütte, M. (2022), J. Cleaner Production 330, 129798, "
            "doi:10.1016/j.jclepro.2021.129798",
            "year": 2022,
        },
        {
            "id": "grid",
            "what": "grid electricity, DEU",
            "source": "Ember yearly electricity data via co2.js",
            "year": 2024,
            "licence": "CC-BY-4.0",
        },
        {
            "id": "method",
            "what": "characterisation (IPCC 2021 GWP100)",
            "source": "IPCC AR6 WG1 (2021), bw2io 0.9",
            "year": 2021,
        },
    ]


def _uncertainty(steps: list[dict[str, Any]], total_cell: float) -> dict[str, Any]:
    return {
        "iterations": 1000,
        "seed": 42,
        "unit": "kg CO2e per cell",
        "steps": steps,
        "total": {
            "mean": total_cell,
            "median": total_cell * 0.995,
            "p2_5": round(total_cell * 0.9, 8),
            "p97_5": round(total_cell * 1.14, 8),
            "sd": round(total_cell * 0.06, 8),
        },
        "distributions": "meter accuracy: normal; reference-model range: triangular",
    }


def _scenario(steps: list[dict[str, Any]], total_cell: float) -> dict[str, Any]:
    scen_total = sum(r["scenario_kg_co2e_per_cell"] for r in steps)
    return {
        "id": "renewable-electricity",
        "version": "1.0.0",
        "title": "Renewable electricity supply (onshore wind PPA)",
        "steps": steps,
        "total": {
            "baseline_kg_co2e_per_cell": round(total_cell, 8),
            "scenario_kg_co2e_per_cell": round(scen_total, 8),
            "reduction_kg_co2e_per_cell": round(total_cell - scen_total, 8),
            "reduction_share": round(1 - scen_total / total_cell, 6),
        },
        "changes": [
            {
                "op": "electricity_supplier",
                "supplier": "wind_onshore",
                "steps": "all",
                "source": "IPCC AR5 WGIII (2014) Annex III, Table A.III.2",
                "year": 2014,
            }
        ],
    }


def sample_footprint(cell_kwh: float = 0.0185, cells: float = 1000.0) -> FootprintResult:
    """A footprint with uncertainty and a scenario, as a stored result gives it back."""
    total_kwh = sum(v[0] for v in FOOTPRINT_SHARES.values())
    per_kwh = {step: v[0] for step, v in FOOTPRINT_SHARES.items()}
    primary = sum(v[0] for v in FOOTPRINT_SHARES.values() if v[4] == "primary")
    total_cell = total_kwh * cell_kwh
    return FootprintResult.from_dict(
        {
            "method": ["IPCC 2021", "climate change", "global warming potential (GWP100)"],
            "functional_unit": {
                "per_cell": "1 good cell",
                "per_kwh": "1 kWh of nominal cell capacity",
                "cells_produced": cells,
                "cell_energy_kwh": cell_kwh,
                "country": "DEU",
                "system_boundary": "Gate-to-gate cell production at the pilot line.",
            },
            "steps": [_step(step, v, cell_kwh, total_kwh) for step, v in per_kwh.items()],
            "total": {
                "kg_co2e_per_cell": round(total_cell, 6),
                "kg_co2e_per_kwh": total_kwh,
                "kg_co2e": round(total_cell * cells, 3),
            },
            "primary_data_share": round(primary / total_kwh, 6),
            "model": {"id": "liplanet-lca", "version": "1.0.0", "sha256": "ab" * 32},
            "sources": _sources(),
            "uncertainty": _uncertainty(
                [_percentiles(s, v * cell_kwh) for s, v in per_kwh.items()], total_cell
            ),
            "scenario": _scenario([_scenario_step(s, v * cell_kwh) for s, v in per_kwh.items()], total_cell),
        }
    )
