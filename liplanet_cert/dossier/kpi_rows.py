"""The KPI table of the dossier: each KPI as declared by the line and as measured from its logs,
beside the limit of the criterion that tests it.

The limit is read from the findings' typed thresholds (:class:`~liplanet_cert.assessment.result.Threshold`),
never from their sentences: the ``check`` threshold on the KPI's metric (``kpi.<name>``) with an
ordering operator, in the KPI's own unit (``percent`` is the ``%`` of a rate KPI: 7.5 is 7.5 %).  A
finding without typed thresholds (a stored result of format 1.0) gives no limit: the row shows
``—`` and its chart no threshold line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from liplanet_cert.dossier import charts
from liplanet_cert.dossier.findings import status_of
from liplanet_cert.dossier.formatting import MISSING, fmt_signed, fmt_value, with_unit
from liplanet_cert.dossier.labels import title_of, unit_text

if TYPE_CHECKING:  # pragma: no cover
    from liplanet_cert.assessment.result import KPI, Finding, Result

__all__ = ["KPI_ORDER", "Limit", "kpi_limit", "kpi_names", "kpi_rows"]

KPI_ORDER = [
    "scrap_rate",
    "first_pass_yield",
    "cell_throughput",
    "electrode_throughput",
    "electrode_per_batch",
    "eol_pass_rate",
    "capacity_mean",
    "capacity_cv",
]
# The operators a limit line can show (one side acceptable, the other not), and their symbols.
_ORDERING = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


@dataclass(frozen=True)
class Limit:
    """The limit a criterion sets on a KPI: ``KPI op value``, ``value`` in the KPI's unit."""

    op: str
    value: float
    finding: Finding

    @property
    def symbol(self) -> str:
        return _ORDERING[self.op]


def kpi_names(kpis: dict[str, Any]) -> list[str]:
    """The KPIs of a result in the dossier's order: the known ones first, then the others by name."""
    return [k for k in KPI_ORDER if k in kpis] + sorted(k for k in kpis if k not in KPI_ORDER)


def applicability_known(f: Finding) -> bool:
    """Whether the criterion of ``f`` is known to apply: it is not ``not_applicable``, and the value
    of each of its conditions for applying was measured (when it could not be, nothing tells
    whether the criterion's limits concern the line)."""
    if status_of(f) == "not_applicable":
        return False
    for t in f.thresholds:
        if t.role == "applies_if":
            found = f.measured_value(t.metric)
            if found is None or found.value is None:
                return False
    return True


def kpi_limit(name: str, unit: str, findings: Sequence[Finding]) -> Limit | None:
    """The first limit a criterion that applies sets on KPI ``name`` in ``unit`` (the KPI's unit)."""
    metric, want = f"kpi.{name}", unit_text(unit)
    for f in findings:
        if not applicability_known(f):
            continue
        for t in f.thresholds:
            if (
                t.role == "check"
                and t.metric == metric
                and t.op in _ORDERING
                and isinstance(t.value, (int, float))
                and not isinstance(t.value, bool)
                and unit_text(t.unit) == want
            ):
                return Limit(t.op, float(t.value), f)
    return None


def kpi_row(name: str, kpi: KPI, limit: Limit | None, title: str, *, html: bool) -> dict[str, Any]:
    """KPI ``name``: every number with its unit (deviations of percentages in percentage points)."""
    unit = unit_text(kpi.unit)
    declared, measured = kpi.declared, kpi.measured
    threshold = limit.value if limit is not None else None
    deviation = measured - declared if declared is not None and measured is not None else None
    return {
        "name": name,
        "title": title,
        "unit": unit,
        "declared": declared,
        "measured": measured,
        "threshold": threshold,
        "comparator": limit.op if limit is not None else None,
        "declared_text": with_unit(fmt_value(declared), unit),
        "measured_text": with_unit(fmt_value(measured), unit),
        "threshold_text": with_unit(f"{limit.symbol} {fmt_value(limit.value)}", unit)
        if limit is not None
        else MISSING,
        "deviation_text": with_unit(fmt_signed(deviation), "pp" if unit == "%" else unit)
        if deviation is not None
        else MISSING,
        "declared_location": kpi.declared_location,
        "measured_location": kpi.measured_location,
        "criterion": limit.finding.id if limit is not None else "",
        "status": status_of(limit.finding) if limit is not None else "",
        "chart": charts.bullet_chart(
            title,
            unit,
            measured=measured,
            declared=declared,
            threshold=threshold,
            comparator=limit.op if limit is not None else None,
        )
        if html
        else "",
    }


def kpi_rows(result: Result, titles: dict[str, str], *, html: bool) -> list[dict[str, Any]]:
    """One row per KPI of ``result``, in the dossier's order; ``titles`` (the glossary's) win."""
    rows = []
    for name in kpi_names(result.kpis):
        kpi = result.kpis[name]
        limit = kpi_limit(name, kpi.unit, result.findings)
        rows.append(kpi_row(name, kpi, limit, titles.get(name) or kpi.title or title_of(name), html=html))
    return rows
