"""A realistic, fully populated :class:`~liplanet_cert.assessment.result.Result` for previews and tests.

It is built in code (no bundle, no Brightway) so that the dossier can be rendered, tested and
benchmarked on its own: a pouch NMC811/graphite pilot line with a footprint that carries
uncertainty and a scenario.  Numbers are illustrative and deterministic (a fixed-seed generator).
Its findings carry their limits and measured values as data (result format 1.1), rates in percent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from liplanet_cert.assessment.result import KPI, CriteriaRef, InputFile, Result, StepStats, Verdict
from liplanet_cert.dossier.sample_findings import sample_findings
from liplanet_cert.dossier.sample_footprint import sample_footprint

__all__ = ["sample_footprint", "sample_result"]

STEPS = [
    # step, lots, units_in, scrap rate, limit (fractions)
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


@dataclass(frozen=True)
class _Logs:
    """What the sample line's logs show, from which its KPIs and findings are written."""

    steps: list[StepStats]
    daily: list[dict[str, Any]]
    capacities: list[float]

    @property
    def first_pass_yield(self) -> float:
        fpy = 1.0
        for s in self.steps:
            fpy *= (s.yield_ or 100.0) / 100
        return fpy

    @property
    def scrap_rate(self) -> float:
        """Overall scrap rate, in percent."""
        return (1 - self.first_pass_yield) * 100

    @property
    def cells_per_day(self) -> float:
        return sum(x["cells"] for x in self.daily) / len(self.daily)

    @property
    def capacity_mean(self) -> float:
        return sum(self.capacities) / len(self.capacities)

    @property
    def capacity_cv(self) -> float:
        """Coefficient of variation of the capacities, in percent."""
        caps, mean = self.capacities, self.capacity_mean
        sd = (sum((c - mean) ** 2 for c in caps) / (len(caps) - 1)) ** 0.5
        return sd / mean * 100


def _sample_logs() -> _Logs:
    """Step statistics (rates in percent, as ``assess()`` reports them), daily output and capacities."""
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
        )
    daily = []
    d = date(2026, 1, 5)
    while d <= date(2026, 3, 27):
        if d.weekday() < 5:
            daily.append({"date": d.isoformat(), "cells": rng.randint(19, 31)})
        d += timedelta(days=1)
    caps = [round(rng.gauss(5.02, 0.045), 4) for _ in range(600)]
    return _Logs(steps, daily, caps)


# KPIs of the sample: name -> (title, unit, declared, where declared, log file); measured from _Logs
_KPIS = {
    "scrap_rate": ("Overall production scrap rate", "%", 7.5, "kpis/scrap_rate", "production_log.csv"),
    "first_pass_yield": ("First-pass yield", "%", 92.0, "kpis/first_pass_yield", "production_log.csv"),
    "cell_throughput": ("Cell throughput", "cell/day", 24.0, "kpis/cell_throughput", "production_log.csv"),
    "electrode_throughput": (
        "Electrode throughput",
        "m/day",
        2.5,
        "kpis/electrode_throughput",
        "production_log.csv",
    ),
    "electrode_per_batch": ("Electrode length per coating roll", "m/batch", None, "", "production_log.csv"),
    "eol_pass_rate": ("End-of-line pass rate", "%", 98.0, "kpis/eol_pass_rate", "eol_test.csv"),
    "capacity_mean": ("Mean cell capacity", "Ah", 5.0, "cell/nominal_capacity", "eol_test.csv"),
    "capacity_cv": ("Capacity coefficient of variation", "%", None, "", "eol_test.csv"),
}


def _sample_kpis(logs: _Logs) -> dict[str, KPI]:
    measured = {
        "scrap_rate": logs.scrap_rate,
        "first_pass_yield": logs.first_pass_yield * 100,
        "cell_throughput": logs.cells_per_day,
        "electrode_throughput": 2.71,
        "electrode_per_batch": 31.4,
        "eol_pass_rate": 98.6,
        "capacity_mean": logs.capacity_mean,
        "capacity_cv": logs.capacity_cv,
    }
    return {
        name: KPI(
            name,
            title,
            unit,
            declared,
            measured[name],
            f"declaration.yaml#/{pointer}" if pointer else "",
            log,
        )
        for name, (title, unit, declared, pointer, log) in _KPIS.items()
    }


def sample_result(
    *,
    name: str = "Aurora Cell Pilot Line",
    verdict: Verdict = Verdict.APPROVED_WITH_OBSERVATIONS,
    footprint: bool = True,
) -> Result:
    """A complete result of an assessment, as ``assess()`` would return it."""
    logs = _sample_logs()
    findings = sample_findings(logs.scrap_rate, logs.cells_per_day, logs.capacity_cv)
    return Result(
        verdict=verdict,
        criteria=CriteriaRef("liplanet-2026", "2.0.0", "3f" * 32, "LiPLANET seal criteria 2026", ""),
        findings=findings,
        kpis=_sample_kpis(logs),
        steps=logs.steps,
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
        daily_output=logs.daily,
        eol_capacity={"unit": "Ah", "values": logs.capacities, "nominal": 5.0},
        footprint=sample_footprint() if footprint else None,
        warnings=[
            "energy.csv: no metering for cutting, tab_welding, sealing, quality_control — default data used"
        ],
    )
