"""Evaluate a criteria pack against a bundle's declaration, measurements and footprint.

Each criterion gives one :class:`~liplanet_cert.assessment.result.Finding` stating what was expected, what was
found and where in the bundle.  A criterion whose data is missing is ``error`` — never a silent
pass; one whose applicability condition does not hold is ``not_applicable`` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from liplanet_cert import catalogue
from liplanet_cert.assessment import metrics
from liplanet_cert.assessment.kpis import Measurements, compress_ids
from liplanet_cert.assessment.pchart import PChart, blame_text, p_chart
from liplanet_cert.assessment.result import Finding, Measured, Status, Threshold, Verdict
from liplanet_cert.bundle.model import Bundle
from liplanet_cert.catalogue import KPI_SPECS
from liplanet_cert.criteria.pack import Condition, CriteriaPack, Criterion
from liplanet_cert.units import format_value

if TYPE_CHECKING:  # pragma: no cover  (the LCA package is imported only when a footprint is wanted)
    from liplanet_cert.assessment.roundrobin_line import RoundRobinLine
    from liplanet_cert.lca.types import FootprintResult


@dataclass
class Context:
    bundle: Bundle
    measurements: Measurements
    footprint: FootprintResult | None = None
    footprint_error: str | None = None
    roundrobin: RoundRobinLine | None = None  # the line in a round-robin result (assess --roundrobin)
    quality: dict[Any, Any] | None = None  # assessment.quality.quality_stats, computed on first use


def evaluate(pack: CriteriaPack, ctx: Context) -> list[Finding]:
    return [evaluate_one(c, ctx) for c in pack.criteria]


def verdict_of(findings: list[Finding]) -> Verdict:
    required_bad = any(f.severity == "required" and f.status in (Status.FAIL, Status.ERROR) for f in findings)
    if required_bad:
        return Verdict.NOT_APPROVED
    observed = any(f.status in (Status.FAIL, Status.ERROR, Status.WAIVED) for f in findings)
    return Verdict.APPROVED_WITH_OBSERVATIONS if observed else Verdict.APPROVED


def _finding(
    c: Criterion,
    status: Status,
    expected: str,
    actual: str,
    message: str,
    location: str,
    lots: list[str] | None = None,
    measured: list[Measured] | None = None,
) -> Finding:
    return Finding(
        id=c.id,
        title=c.title,
        category=c.category,
        severity=c.severity,
        status=status,
        expected=expected,
        actual=actual,
        message=message,
        location=location,
        source=c.source_text,
        metric=c.metric,
        lots=lots or [],
        thresholds=thresholds_of(c),
        measured=measured or [],
    )


def _unit(metric: str) -> str | None:
    spec = catalogue.spec(metric)
    return spec.value_unit if spec is not None else None


def _threshold(cond: Condition, role: str) -> Threshold:
    return Threshold(cond.metric, cond.op, cond.value, _unit(cond.metric), role)


def thresholds_of(c: Criterion) -> list[Threshold]:
    """The limits criterion ``c`` tests, as data: its applicability condition, then its checks (or
    the tolerance of a consistency check), each in the unit the metric is computed in."""
    out = [_threshold(c.applies_if, "applies_if")] if c.applies_if is not None else []
    if c.consistency:
        spec = c.consistency
        relative = spec["mode"] == "relative"
        unit = "percent" if relative else spec["unit"]
        out.append(Threshold(f"declared.{spec['kpi']}", "within", spec["tolerance"], unit, "check", relative))
    return out + [_threshold(cond, "check") for cond in c.check]


def _measured(metric: str, value: metrics.Value | None) -> Measured:
    return Measured(metric, value.value if value is not None else None, _unit(metric))


def _test(cond: Condition, ctx: Context) -> tuple[bool, metrics.Value]:
    v = metrics.read(cond.metric, ctx)
    return metrics.compare(cond.op, v.value, cond.value, cond.kind), v


def evaluate_one(c: Criterion, ctx: Context) -> Finding:
    found: list[Measured] = []
    if c.applies_if is not None:
        try:
            ok, v = _test(c.applies_if, ctx)
        except metrics.Unavailable as exc:
            return _finding(
                c,
                Status.ERROR,
                c.applies_if.expected,
                "n/a",
                f"cannot tell whether the criterion applies: {exc}",
                "",
                measured=[_measured(c.applies_if.metric, None)],
            )
        found.append(_measured(c.applies_if.metric, v))
        if not ok:
            return _finding(
                c,
                Status.NOT_APPLICABLE,
                f"applies if {c.applies_if.expected}",
                v.text,
                f"not applicable: {c.applies_if.metric} is {v.text}",
                v.location,
                measured=found,
            )
    if c.consistency:
        return _consistency(c, ctx, found)
    expected = " or ".join(cond.expected for cond in c.check)
    actuals, locations, reasons = [], [], []
    passed = False
    for cond in c.check:
        try:
            ok, v = _test(cond, ctx)
        except metrics.Unavailable as exc:
            reasons.append(str(exc))
            actuals.append(f"{_label(cond.metric)}: n/a")
            found.append(_measured(cond.metric, None))
            continue
        found.append(_measured(cond.metric, v))
        actuals.append(v.text if len(c.check) == 1 else f"{_label(cond.metric)}: {v.text}")
        if v.location:
            locations.append(v.location)
        passed = passed or ok
    actual = "; ".join(actuals)
    location = "; ".join(dict.fromkeys(locations))
    if passed:
        return _finding(
            c, Status.PASS, expected, actual, f"{c.title}: met ({actual})", location, measured=found
        )
    if reasons and len(reasons) == len(c.check):
        why = "could not be evaluated: " + "; ".join(reasons)
        return _finding(c, Status.ERROR, expected, actual, why, location, measured=found)
    lots, why = _lots_for(c, ctx)
    msg = f"{c.title}: expected {expected}, found {actual}{why}"
    return _finding(c, Status.FAIL, expected, actual, msg, location, lots, found)


def _overall_chart(m: Measurements) -> PChart | None:
    """The p-chart of each lot's overall loss: 1 - good out of its last step / units into its first
    (the balance's two ends, as the overall scrap rate)."""
    bal = m.balance
    if bal is None:
        return None
    return p_chart(bal.lot_ids, bal.lot_units_in - bal.lot_good_out, bal.lot_units_in)


def _step_chart(m: Measurements, step: str) -> PChart | None:
    """The p-chart of the lots' scrap at ``step`` (scrap / units in of each lot)."""
    counts = getattr(m.lot_step_scrap, "counts", None)  # (kpis.LotStepScrap: arrays, no dict per lot)
    return p_chart(*counts(step)) if counts is not None else None


def _named(chart: PChart | None) -> tuple[list[str], str]:
    """The lots above their p-chart upper limit, and the basis in words (to follow a message)."""
    if chart is None:
        return [], ""
    text = blame_text(chart)
    return chart.names, (f"; {text}" if text else "")


def _lots_for(c: Criterion, ctx: Context) -> tuple[list[str], str]:
    """Lots behind a failed criterion, and the words to add to its message: for scrap, the lots above
    the upper control limit of a p-chart for their size (or that the scrap is spread across lots);
    for the balance and the end-of-line reconciliation, the lots concerned."""
    m = ctx.measurements
    metric = c.check[0].metric if len(c.check) == 1 else ""
    if metric.startswith("step.") and metric.endswith(".scrap_rate"):
        return _named(_step_chart(m, metric.split(".")[1]))
    if metric.startswith("balance.") and m.balance is not None:
        lots = m.balance.lots(1 if metric == "balance.unlogged_loss" else -1)
        return lots, (f" (lots {compress_ids(lots)})" if lots else "")
    if metric.startswith("quality.") and metric.endswith(".out_of_control") and ctx.quality:
        from liplanet_cert.catalogue import quality_metric

        step, char, _ = quality_metric(metric) or ("", "", "")
        st = ctx.quality.get((step, char))
        lots = [st.lots[i] for i in sorted(st.signals)] if st is not None else []
        return lots, (f" (lots {compress_ids(lots)})" if lots else "")
    if metric.startswith("eol.") and m.eol_check is not None:
        lots = m.eol_check.lots(metric)
        return lots, (f" (lots {compress_ids(lots)})" if lots else "")
    if metric == "kpi.scrap_rate":
        return _named(_overall_chart(m))
    return [], ""


def _consistency(c: Criterion, ctx: Context, found: list[Measured]) -> Finding:
    spec = c.consistency or {}
    kpi, tol, mode, unit = spec["kpi"], spec["tolerance"], spec["mode"], spec["unit"]
    b, m = ctx.bundle, ctx.measurements
    declared = b.declared_kpis.get(kpi)
    found = [
        *found,
        Measured(f"declared.{kpi}", declared.value if declared is not None else None, unit),
        Measured(f"kpi.{kpi}", m.values.get(kpi), unit),
    ]
    tol_text = f"± {spec['text']}" + (" (relative)" if mode == "relative" else "")
    if declared is None:
        return _finding(
            c,
            Status.NOT_APPLICABLE,
            f"declared {kpi} within {tol_text} of the logs",
            "not declared",
            f"not applicable: {kpi} is not declared",
            f"{b.declaration_file}#/kpis",
            measured=found,
        )
    measured = m.values.get(kpi)
    where = f"{declared.pointer}; {m.locations.get(kpi, '')}"
    if measured is None:
        return _finding(
            c,
            Status.ERROR,
            f"declared {kpi} within {tol_text} of the logs",
            f"declared {declared.text}, logs: n/a",
            f"cannot cross-check {kpi}: the logs do not allow measuring it",
            where,
            measured=found,
        )
    diff = abs(declared.value - measured)
    allowed = tol if mode == "absolute" else abs(measured) * tol / 100
    shown = format_value(measured, unit, percent_digits=1)
    expected = f"declared {kpi} within {tol_text} of the measured {shown}"
    actual = f"declared {declared.text}, logs show {shown}"
    if diff <= allowed + 1e-12:
        agrees = f"declared {kpi} agrees with the logs ({actual})"
        return _finding(c, Status.PASS, expected, actual, agrees, where, measured=found)
    lots, why = _named(_overall_chart(m)) if kpi == "scrap_rate" else ([], "")
    msg = f"declared {KPI_SPECS[kpi][2].lower()} {declared.text}, logs show {shown}{why}"
    return _finding(c, Status.FAIL, expected, actual, msg, where, lots, found)


def _label(metric: str) -> str:
    """Short name of a metric for an any-of 'actual' text: the step for step metrics, else the last part."""
    parts = metric.split(".")
    return parts[1] if parts[0] == "step" and len(parts) == 3 else parts[-1]
