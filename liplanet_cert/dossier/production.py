"""The production section of the dossier: per-step statistics, daily output and end-of-line capacity.

Step rates are in percent, as the assessment computes them (``StepStats.scrap_rate`` 1.5 is 1.5 %,
never a fraction), and so are the per-step limits of the pack.  The daily-output chart draws the
cell-throughput limit from the KPI table (:mod:`.kpi_rows`), where it was read from the typed
thresholds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from liplanet_cert.dossier import charts
from liplanet_cert.dossier.formatting import fmt_value, number
from liplanet_cert.dossier.labels import title_of

if TYPE_CHECKING:  # pragma: no cover
    from liplanet_cert.assessment.result import Result

__all__ = ["daily_view", "eol_view", "step_views"]


def step_views(result: Result, titles: dict[str, str]) -> list[dict[str, Any]]:
    """One row per manufacturing step (rates and limits in percent)."""
    return [
        {
            "step": s.step,
            "title": title_of(s.step, titles),
            "lots": s.lots,
            "units_in": fmt_value(s.units_in),
            "good_out": fmt_value(s.good_out),
            "scrap": fmt_value(s.scrap),
            "scrap_rate": s.scrap_rate,
            "yield": s.yield_,
            "limit": s.scrap_limit,
            "over": s.scrap_rate is not None and s.scrap_limit is not None and s.scrap_rate > s.scrap_limit,
        }
        for s in result.steps
    ]


def daily_view(result: Result, throughput: dict[str, Any] | None, *, html: bool) -> dict[str, Any]:
    """Cells per production day; ``throughput`` is the cell-throughput row of the KPI table."""
    daily = [(str(d.get("date", "")), number(d.get("cells"))) for d in result.daily_output or []]
    points = [(d, v) for d, v in daily if v is not None]
    values = [v for _, v in points]
    tp = throughput
    return {
        "days": len(points),
        "total": sum(values),
        "mean": sum(values) / len(values) if values else None,
        "min": min(values) if values else None,
        "max": max(values) if values else None,
        "first": points[0][0] if points else "",
        "last": points[-1][0] if points else "",
        "threshold": tp["threshold"] if tp else None,
        "threshold_text": tp["threshold_text"] if tp and tp["threshold"] is not None else "",
        "chart": charts.daily_output_chart(
            points, threshold=tp["threshold"] if tp and tp["unit"] != "%" else None
        )
        if html
        else "",
    }


def eol_view(result: Result, *, html: bool) -> dict[str, Any]:
    """The end-of-line capacities: count, mean, spread and the nominal capacity."""
    eol = result.eol_capacity or {}
    caps = [v for v in (number(x) for x in eol.get("values", []) or []) if v is not None]
    unit = str(eol.get("unit", "Ah") or "Ah")
    nominal = number(eol.get("nominal"))
    if nominal is None:
        nominal = number((result.cell or {}).get("nominal_capacity"))
    mean = sum(caps) / len(caps) if caps else None
    sd = (
        (sum((c - mean) ** 2 for c in caps) / (len(caps) - 1)) ** 0.5
        if mean is not None and len(caps) > 1
        else None
    )
    return {
        "count": len(caps),
        "unit": unit,
        "nominal": nominal,
        "mean": mean,
        "sd": sd,
        "min": min(caps) if caps else None,
        "max": max(caps) if caps else None,
        "cv": (sd / mean * 100) if sd is not None and mean else None,
        "chart": charts.capacity_histogram(caps, unit=unit, nominal=nominal) if html else "",
    }
