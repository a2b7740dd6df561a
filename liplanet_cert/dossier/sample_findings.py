"""The findings of the sample result (:mod:`liplanet_cert.dossier.sample`): one or more criteria of
every category, with every status, each carrying its limits and measured values as data (result
format 1.1, rates in percent) beside the sentences reports print.
"""

from __future__ import annotations

from typing import Any

from liplanet_cert.assessment.result import Finding, Measured, Status, Threshold


def sample_findings(scrap_rate: float, cells_per_day: float, capacity_cv: float) -> list[Finding]:
    """The findings, given what the sample's logs show (rates in percent)."""
    return [
        *_eligibility_findings(),
        *_output_findings(scrap_rate, cells_per_day),
        *_quality_findings(capacity_cv),
        *_sustainability_findings(),
    ]


def _check(metric: str, op: str, value: Any, unit: str | None = None) -> Threshold:
    return Threshold(metric, op, value, unit)


def _eligibility_findings() -> list[Finding]:
    """Cell and process criteria: what the declaration shows (no logs needed)."""
    return [
        Finding(
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
            "cell.format",
            thresholds=[_check("cell.format", "in", ["pouch", "prismatic", "cylindrical"])],
            measured=[Measured("cell.format", "pouch")],
        ),
        Finding(
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
            "cell.nominal_capacity",
            thresholds=[_check("cell.nominal_capacity", ">=", 1.0, "Ah")],
            measured=[Measured("cell.nominal_capacity", 5.0, "Ah")],
        ),
        Finding(
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
            "coating.both_sides",
            thresholds=[_check("coating.both_sides", "==", True)],
            measured=[Measured("coating.both_sides", True)],
        ),
        *(_automation_finding(i, step, level) for i, step, level in _AUTOMATION),
    ]


# Automation criteria of the sample: (number, step, level the declaration shows)
_AUTOMATION = [("001", "coating_and_drying", "automatic"), ("002", "formation", "semi-automatic")]


def _automation_finding(number: str, step: str, level: str) -> Finding:
    what = "electrode production" if step == "coating_and_drying" else step
    metric = f"step.{step}.automation"
    return Finding(
        f"PROC-{number}",
        f"At least semi-automatic {what}",
        "process",
        "required",
        Status.PASS,
        "semi-automatic or automatic",
        level,
        "",
        f"declaration.yaml#/steps/{step}/automation",
        "Roadmap Table 2",
        metric,
        thresholds=[_check(metric, ">=", "semi-automatic")],
        measured=[Measured(metric, level)],
    )


def _output_findings(scrap: float, cells_per_day: float) -> list[Finding]:
    """Throughput and scrap criteria, measured from the production log (``scrap`` in percent)."""
    return [
        Finding(
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
            "kpi.electrode_throughput | kpi.electrode_per_batch",
            thresholds=[
                _check("kpi.electrode_throughput", ">=", 2.0, "m/day"),
                _check("kpi.electrode_per_batch", ">=", 2.0, "m/batch"),
            ],
            measured=[Measured("kpi.electrode_throughput", 2.71, "m/day")],
        ),
        Finding(
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
            "kpi.cell_throughput",
            thresholds=[
                Threshold("cell.nominal_capacity", "<", 10.0, "Ah", "applies_if"),
                _check("kpi.cell_throughput", ">=", 20.0, "cell/day"),
            ],
            measured=[
                Measured("cell.nominal_capacity", 5.0, "Ah"),
                Measured("kpi.cell_throughput", cells_per_day, "cell/day"),
            ],
        ),
        Finding(
            "SCRAP-001",
            "Overall production scrap rate",
            "scrap",
            "required",
            Status.PASS,
            "< 10 %",
            f"{scrap:.1f} %",
            "",
            "production_log.csv",
            "Roadmap milestone 2023",
            "kpi.scrap_rate",
            thresholds=[_check("kpi.scrap_rate", "<", 10.0, "percent")],
            measured=[Measured("kpi.scrap_rate", scrap, "percent")],
        ),
        Finding(
            "SCRAP-002",
            "Declared scrap rate matches the logs",
            "scrap",
            "advisory",
            Status.FAIL,
            "declared within ±2 percentage points of the logs",
            f"declared 7.5 %, logs show {scrap:.1f} %",
            f"Declared scrap 7.5 %, logs show {scrap:.1f} % (lots L12–L19).",
            "declaration.yaml#/kpis/scrap_rate; production_log.csv rows 45–88",
            "proposal: declarations must be honest",
            "scrap_rate",
            ["L12", "L13", "L14", "L15", "L16", "L17", "L18", "L19"],
            thresholds=[Threshold("declared.scrap_rate", "within", 2.0, "percent")],
            measured=[
                Measured("declared.scrap_rate", 7.5, "percent"),
                Measured("kpi.scrap_rate", scrap, "percent"),
            ],
        ),
    ]


def _quality_findings(cv: float) -> list[Finding]:
    """End-of-line quality criteria, measured from the end-of-line test (``cv`` in percent)."""
    return [
        Finding(
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
            "kpi.eol_pass_rate",
            thresholds=[_check("kpi.eol_pass_rate", ">=", 95.0, "percent")],
            measured=[Measured("kpi.eol_pass_rate", 98.6, "percent")],
        ),
        Finding(
            "QUAL-002",
            "Capacity spread",
            "quality",
            "advisory",
            Status.FAIL,
            "≤ 0.8 %",
            f"{cv:.2f} %",
            "Capacity spread is above the advisory limit in 2 lots.",
            "eol_test.csv rows 120–180",
            "proposal: spread of state-of-the-art pilot lines",
            "kpi.capacity_cv",
            ["L07", "L09"],
            thresholds=[_check("kpi.capacity_cv", "<=", 0.8, "percent")],
            measured=[Measured("kpi.capacity_cv", cv, "percent")],
        ),
        Finding(
            "QUAL-003",
            "Coefficient of variation of internal resistance",
            "quality",
            "advisory",
            Status.NOT_APPLICABLE,
            "≤ 5 %",
            "not measured",
            "The end-of-line test does not report internal resistance.",
            "eol_test.csv",
            thresholds=[_check("eol.resistance_cv", "<=", 5.0, "percent")],
            measured=[Measured("eol.resistance_cv", None, "percent")],
        ),
    ]


def _sustainability_findings() -> list[Finding]:
    """Footprint criteria (one of them covered by a waiver)."""
    return [
        Finding(
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
            "footprint.steps_reported",
            thresholds=[_check("footprint.steps_reported", ">=", 100.0, "percent")],
            measured=[Measured("footprint.steps_reported", 100.0, "percent")],
        ),
        Finding(
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
            "footprint.primary_share_main_production",
            [],
            {
                "id": "W-2026-004",
                "justification": "Sub-meters ordered, installation in Q2 2026",
                "expires": "2026-06-30",
                "approved_by": "LiPLANET office",
            },
            thresholds=[_check("footprint.primary_share_main_production", ">=", 80.0, "percent")],
            measured=[Measured("footprint.primary_share_main_production", 72.0, "percent")],
        ),
    ]
