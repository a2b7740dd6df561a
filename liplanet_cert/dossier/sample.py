"""A realistic, fully populated :class:`~liplanet_cert.assessment.result.Result` for previews and tests.

It is built in code (no bundle, no Brightway) so that the dossier can be rendered, tested and
benchmarked on its own: a pouch NMC811/graphite pilot line with a footprint that carries
uncertainty and a scenario.  Numbers are illustrative and deterministic (a fixed-seed generator).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from liplanet_cert.assessment.result import (
    KPI,
    CriteriaRef,
    Finding,
    InputFile,
    Result,
    Status,
    StepStats,
    Verdict,
)

STEPS = [
    # step, lots, units_in, scrap rate, limit
    ("mixing", 12, 1200.0, 0.008, 0.02),
    ("coating_and_drying", 12, 1190.0, 0.021, 0.03),
    ("calendering", 12, 1165.0, 0.012, 0.02),
    ("cutting", 12, 1151.0, 0.015, 0.02),
    ("stacking_or_winding", 12, 1134.0, 0.018, 0.025),
    ("tab_welding", 12, 1114.0, 0.009, 0.015),
    ("electrolyte_filling", 12, 1104.0, 0.006, 0.01),
    ("sealing", 12, 1097.0, 0.005, 0.01),
    ("formation", 12, 1092.0, 0.011, 0.02),
    ("aging", 12, 1080.0, 0.004, 0.01),
    ("quality_control", 12, 1076.0, 0.007, 0.015),
]

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


def sample_footprint(cell_kwh: float = 0.0185, cells: float = 1000.0) -> dict[str, Any]:
    """A footprint dict in the shape of ``FootprintResult.to_dict()`` (with uncertainty and a scenario)."""
    total_kwh = sum(v[0] for v in FOOTPRINT_SHARES.values())
    steps, unc, scen = [], [], []
    primary = 0.0
    for step, (per_kwh, el, heat, mat, src) in FOOTPRINT_SHARES.items():
        per_cell = per_kwh * cell_kwh
        steps.append(
            {
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
        )
        spread = 0.08 if src == "primary" else 0.3
        unc.append(
            {
                "step": step,
                "mean": per_cell,
                "median": per_cell * 0.99,
                "p2_5": round(per_cell * (1 - spread), 8),
                "p97_5": round(per_cell * (1 + spread * 1.2), 8),
                "sd": round(per_cell * spread / 2, 8),
            }
        )
        reduction = per_cell * (0.9 * el + 0.5 * heat)
        scen.append(
            {
                "step": step,
                "baseline_kg_co2e_per_cell": round(per_cell, 8),
                "scenario_kg_co2e_per_cell": round(per_cell - reduction, 8),
                "reduction_kg_co2e_per_cell": round(reduction, 8),
                "reduction_share": round(reduction / per_cell, 6) if per_cell else 0.0,
            }
        )
        if src == "primary":
            primary += per_kwh
    total_cell = total_kwh * cell_kwh
    scen_total = sum(r["scenario_kg_co2e_per_cell"] for r in scen)
    return {
        "method": ["IPCC 2021", "climate change", "global warming potential (GWP100)"],
        "functional_unit": {
            "per_cell": "1 good cell",
            "per_kwh": "1 kWh of nominal cell capacity",
            "cells_produced": cells,
            "cell_energy_kwh": cell_kwh,
            "country": "DEU",
            "system_boundary": "Gate-to-gate cell production at the pilot line.",
        },
        "steps": steps,
        "total": {
            "kg_co2e_per_cell": round(total_cell, 6),
            "kg_co2e_per_kwh": total_kwh,
            "kg_co2e": round(total_cell * cells, 3),
        },
        "primary_data_share": round(primary / total_kwh, 6),
        "model": {"id": "liplanet-lca", "version": "1.0.0", "sha256": "ab" * 32},
        "sources": [
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
        ],
        "uncertainty": {
            "iterations": 1000,
            "seed": 42,
            "unit": "kg CO2e per cell",
            "steps": unc,
            "total": {
                "mean": total_cell,
                "median": total_cell * 0.995,
                "p2_5": round(total_cell * 0.9, 8),
                "p97_5": round(total_cell * 1.14, 8),
                "sd": round(total_cell * 0.06, 8),
            },
            "distributions": "meter accuracy: normal; reference-model range: triangular",
        },
        "scenario": {
            "id": "renewable-electricity",
            "version": "1.0.0",
            "title": "Renewable electricity supply (onshore wind PPA)",
            "steps": scen,
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
        },
    }


def sample_result(
    *,
    name: str = "Aurora Cell Pilot Line",
    verdict: Verdict = Verdict.APPROVED_WITH_OBSERVATIONS,
    footprint: bool = True,
) -> Result:
    """A complete result of an assessment, as ``assess()`` would return it."""
    rng = random.Random(20260501)
    steps = []
    for step, lots, units_in, rate, limit in STEPS:
        scrap = round(units_in * rate)
        steps.append(
            StepStats(
                step=step,
                lots=lots,
                units_in=units_in,
                good_out=units_in - scrap,
                scrap=scrap,
                scrap_rate=scrap / units_in * 100,
                yield_=(1 - scrap / units_in) * 100,
                scrap_limit=limit * 100,
            )
        )  # percent, as assess() reports them
    fpy = 1.0
    for s in steps:
        fpy *= (s.yield_ or 100.0) / 100
    start = date(2026, 1, 5)
    daily = []
    d = start
    while d <= date(2026, 3, 27):
        if d.weekday() < 5:
            daily.append({"date": d.isoformat(), "cells": rng.randint(19, 31)})
        d += timedelta(days=1)
    caps = [round(rng.gauss(5.02, 0.045), 4) for _ in range(600)]
    mean = sum(caps) / len(caps)
    sd = (sum((c - mean) ** 2 for c in caps) / (len(caps) - 1)) ** 0.5
    cells_per_day = sum(x["cells"] for x in daily) / len(daily)
    kpis = {
        "scrap_rate": KPI(
            "scrap_rate",
            "Overall production scrap rate",
            "%",
            7.5,
            (1 - fpy) * 100,
            "declaration.yaml#/kpis/scrap_rate",
            "production_log.csv",
        ),
        "first_pass_yield": KPI(
            "first_pass_yield",
            "First-pass yield",
            "%",
            92.0,
            fpy * 100,
            "declaration.yaml#/kpis/first_pass_yield",
            "production_log.csv",
        ),
        "cell_throughput": KPI(
            "cell_throughput",
            "Cell throughput",
            "cell/day",
            24.0,
            cells_per_day,
            "declaration.yaml#/kpis/cell_throughput",
            "production_log.csv",
        ),
        "electrode_throughput": KPI(
            "electrode_throughput",
            "Electrode throughput",
            "m/day",
            2.5,
            2.71,
            "declaration.yaml#/kpis/electrode_throughput",
            "production_log.csv",
        ),
        "electrode_per_batch": KPI(
            "electrode_per_batch",
            "Electrode length per coating roll",
            "m/batch",
            None,
            31.4,
            "",
            "production_log.csv",
        ),
        "eol_pass_rate": KPI(
            "eol_pass_rate",
            "End-of-line pass rate",
            "%",
            98.0,
            98.6,
            "declaration.yaml#/kpis/eol_pass_rate",
            "eol_test.csv",
        ),
        "capacity_mean": KPI(
            "capacity_mean",
            "Mean cell capacity",
            "Ah",
            5.0,
            mean,
            "declaration.yaml#/cell/nominal_capacity",
            "eol_test.csv",
        ),
        "capacity_cv": KPI(
            "capacity_cv", "Capacity coefficient of variation", "%", None, sd / mean * 100, "", "eol_test.csv"
        ),
    }
    F = Finding
    findings = [
        F(
            "ELIG-001",
            "Cell format is pouch, prismatic or cylindrical",
            "eligibility",
            "required",
            Status.PASS,
            "pouch | prismatic | cylindrical",
            "pouch",
            "Cell format is eligible.",
            "declaration.yaml#/cell/format",
            "Roadmap Table 2",
            "cell_format",
        ),
        F(
            "ELIG-002",
            "Cell capacity of at least 1 Ah",
            "eligibility",
            "required",
            Status.PASS,
            "≥ 1 Ah",
            "5 Ah",
            "Nominal capacity is eligible.",
            "declaration.yaml#/cell/nominal_capacity",
            "Roadmap Table 2",
            "nominal_capacity",
        ),
        F(
            "ELIG-003",
            "Both sides of the current collector coated",
            "eligibility",
            "required",
            Status.PASS,
            "both sides",
            "both sides, sequential",
            "",
            "declaration.yaml#/electrode/coating",
            "Roadmap Table 2",
        ),
        F(
            "PROC-001",
            "At least semi-automatic electrode production",
            "process",
            "required",
            Status.PASS,
            "semi-automatic or automatic",
            "automatic",
            "",
            "declaration.yaml#/steps/coating_and_drying/automation",
            "Roadmap Table 2",
        ),
        F(
            "PROC-002",
            "At least semi-automatic formation",
            "process",
            "required",
            Status.PASS,
            "semi-automatic or automatic",
            "semi-automatic",
            "",
            "declaration.yaml#/steps/formation/automation",
            "Roadmap Table 2",
        ),
        F(
            "THRU-001",
            "Continuous electrode production",
            "throughput",
            "required",
            Status.PASS,
            "≥ 2 m/day or ≥ 2 m/batch",
            "2.71 m/day",
            "",
            "production_log.csv rows 2–133",
            "Roadmap Table 2",
            "electrode_throughput",
        ),
        F(
            "THRU-002",
            "Cell throughput for cells below 10 Ah",
            "throughput",
            "required",
            Status.PASS,
            "≥ 20 cell/day",
            f"{cells_per_day:.1f} cell/day",
            "",
            "production_log.csv rows 2–133",
            "Roadmap Table 2",
            "cell_throughput",
        ),
        F(
            "SCRAP-001",
            "Overall production scrap rate",
            "scrap",
            "required",
            Status.PASS,
            "< 10 %",
            f"{(1 - fpy) * 100:.1f} %",
            "",
            "production_log.csv",
            "Roadmap milestone 2023",
            "scrap_rate",
        ),
        F(
            "SCRAP-002",
            "Declared scrap rate matches the logs",
            "scrap",
            "advisory",
            Status.FAIL,
            "declared within ±2 percentage points of the logs",
            f"declared 7.5 %, logs show {(1 - fpy) * 100:.1f} %",
            f"Declared scrap 7.5 %, logs show {(1 - fpy) * 100:.1f} % (lots L12–L19).",
            "declaration.yaml#/kpis/scrap_rate; production_log.csv rows 45–88",
            "proposal: declarations must be honest",
            "scrap_rate",
            ["L12", "L13", "L14", "L15", "L16", "L17", "L18", "L19"],
        ),
        F(
            "QUAL-001",
            "End-of-line pass rate",
            "quality",
            "required",
            Status.PASS,
            "≥ 95 %",
            "98.6 %",
            "",
            "eol_test.csv",
            "proposal",
            "eol_pass_rate",
        ),
        F(
            "QUAL-002",
            "Capacity spread",
            "quality",
            "advisory",
            Status.FAIL,
            "≤ 0.8 %",
            f"{sd / mean * 100:.2f} %",
            "Capacity spread is above the advisory limit in 2 lots.",
            "eol_test.csv rows 120–180",
            "proposal: spread of state-of-the-art pilot lines",
            "capacity_cv",
            ["L07", "L09"],
        ),
        F(
            "QUAL-003",
            "Coefficient of variation of internal resistance",
            "quality",
            "advisory",
            Status.NOT_APPLICABLE,
            "≤ 5 %",
            "not measured",
            "The end-of-line test does not report internal resistance.",
            "eol_test.csv",
        ),
        F(
            "SUST-001",
            "Footprint reported for every step",
            "sustainability",
            "required",
            Status.PASS,
            "every step",
            "11 of 11 steps",
            "",
            "energy.csv",
            "proposal",
        ),
        F(
            "SUST-002",
            "Primary data share for main production",
            "sustainability",
            "required",
            Status.WAIVED,
            "≥ 80 %",
            "72 %",
            "Metering of cutting, tab welding and sealing is being installed.",
            "energy.csv",
            "proposal",
            "primary_data_share",
            [],
            {
                "id": "W-2026-004",
                "justification": "Sub-meters ordered, installation in Q2 2026",
                "expires": "2026-06-30",
                "approved_by": "LiPLANET office",
            },
        ),
    ]
    fp = sample_footprint() if footprint else None
    return Result(
        verdict=verdict,
        criteria=CriteriaRef("liplanet-2026", "2.0.0", "3f" * 32, "LiPLANET seal criteria 2026", ""),
        findings=findings,
        kpis=kpis,
        steps=steps,
        inputs=[
            InputFile("declaration.yaml", "1a" * 32, 4213),
            InputFile("production_log.csv", "2b" * 32, 10876),
            InputFile("eol_test.csv", "3c" * 32, 28391),
            InputFile("energy.csv", "4d" * 32, 1742),
        ],
        pilot_line={"name": name, "operator": "Aurora Battery Research GmbH", "site": "Ulm", "country": "DE"},
        reporting_period={"start": "2026-01-01", "end": "2026-03-31"},
        cell={
            "format": "pouch",
            "chemistry": "NMC811/graphite",
            "nominal_capacity": "5 Ah",
            "nominal_voltage": "3.7 V",
            "nominal_energy": "18.5 Wh",
        },
        bundle={"path": "examples/bundles/approved", "format_version": "1.0"},
        assessed_on="2026-04-15",
        tool={"name": "liplanet-cert", "version": "0.1.0"},
        daily_output=daily,
        eol_capacity={"unit": "Ah", "values": caps, "nominal": 5.0},
        footprint=fp,
        warnings=[
            "energy.csv: no metering for cutting, tab_welding, sealing, quality_control — default data used"
        ],
    )
