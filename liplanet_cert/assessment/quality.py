"""The quality of each production step, measured: for every (step, characteristic) of the bundle's
quality log, process capability against the declaration's specification limits and a control
chart by lot with the Western Electric run rules (:mod:`liplanet_cert.spc`).

Subgroups are lots: an X-bar/S chart when most lots have at least two measurements, else an
individuals chart.  Capability uses the pooled within-lot SD (Cpk) and the overall SD (Ppk).
Minimum sample sizes are the spc module's: below them an index is None with the reason, and a
criterion on it is ``error``, never a pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from liplanet_cert.spc.capability import Capability, capability
from liplanet_cert.spc.control import individuals, run_rules, xbar_s

# The Western Electric rules (1 beyond 3 sigma; 2 of 3 beyond 2 sigma; 4 of 5 beyond 1 sigma; 8 in a
# row on one side): the classic Shewhart-chart set.  Nelson's trend and alternation rules (3, 4) add
# false alarms on the short series of a pilot line's month (about one in four stable 22-lot charts
# here), so a verdict uses these four.
RULES = "western_electric"


@dataclass(frozen=True)
class QualityStat:
    """One (step, characteristic): its values, capability, control chart and run-rule signals."""

    step: str
    characteristic: str
    unit: str
    values: np.ndarray
    lots: list[str]  # the chart's subgroup of each plotted point, in log order
    capability: Capability | None  # None: no specification limits declared
    chart: Any  # spc.control.Chart; None below 2 values (no chart can be drawn)
    signals: dict[int, list[int]]  # plotted point -> the run rules it breaks (Western Electric)
    violations: list[Any]  # spc.rules.Violation
    spec: Any  # the declared limits (lsl, usl, target) or None

    @property
    def out_of_control(self) -> int:
        """Plotted points (lots) that break at least one run rule."""
        return len(self.signals)


def quality_stats(bundle: Any) -> dict[tuple[str, str], QualityStat]:
    """Every (step, characteristic) of the quality log; empty without one."""
    table = getattr(bundle, "quality", None)
    if table is None or not len(table):
        return {}
    specs = getattr(bundle, "quality_specs", None) or {}
    units = _units()
    step_col = np.asarray(table["step"], dtype=object)
    char_col = np.asarray(table["characteristic"], dtype=object)
    values = np.asarray(table["value"], dtype=float)
    lots = np.asarray(table["lot_id"], dtype=object)
    keys = list(dict.fromkeys(zip(step_col.tolist(), char_col.tolist())))
    out: dict[tuple[str, str], QualityStat] = {}
    for step, char in keys:
        at = (step_col == step) & (char_col == char)
        out[(step, char)] = _stat(step, char, units.get((step, char), ""), values[at], lots[at], specs)
    return out


def _units() -> dict[tuple[str, str], str]:
    from liplanet_cert.catalogue import quality_characteristics

    return {
        (step, cid): getattr(c, "symbol", "") or c.unit
        for step, chars in quality_characteristics().items()
        for cid, c in chars.items()
    }


def _stat(step: str, char: str, unit: str, vals: np.ndarray, lots: np.ndarray, specs: Any) -> QualityStat:
    spec = specs.get((step, char))
    cap = None
    if spec is not None:
        cap = capability(
            vals, getattr(spec, "lsl", None), getattr(spec, "usl", None), subgroups=lots.tolist()
        )
    order = list(dict.fromkeys(lots.tolist()))  # lots in log order
    code = {lot: i for i, lot in enumerate(order)}
    codes = np.fromiter((code[x] for x in lots.tolist()), dtype=np.int64, count=len(lots))
    by = np.argsort(codes, kind="stable")
    groups = np.split(vals[by], np.cumsum(np.bincount(codes, minlength=len(order)))[:-1])
    chart: Any = None
    labels: list[str] = []
    if len(groups) >= 2 and min(len(g) for g in groups) >= 2:  # X-bar/S needs 2 values in every lot
        chart, labels = xbar_s(groups), order
    elif len(vals) >= 2:
        chart, labels = individuals(vals), [str(x) for x in lots.tolist()]
    loc = chart.location if chart is not None else None
    violations = run_rules(loc.points, loc.centre, loc.sigma, rules=RULES) if loc is not None else []
    signals: dict[int, list[int]] = {}
    for v in violations:
        signals.setdefault(int(v.index), []).append(int(v.rule))
    return QualityStat(step, char, unit, vals, labels, cap, chart, signals, violations, spec)


def metric_value(name: str, stats: dict[tuple[str, str], QualityStat], file: str) -> tuple[float, str, str]:
    """(value, text, location) of ``quality.<step>.<characteristic>.<what>``; ``LookupError``
    with the reason when it cannot be measured (the criterion is then ``error``)."""
    from liplanet_cert.catalogue import quality_metric

    step, char, what = quality_metric(name) or ("", "", "")
    st = stats.get((step, char))
    where = f"{file} (step {step}, characteristic {char})"
    if st is None:
        raise LookupError(f"no measurements of {char} at {step} in the quality log")
    if what == "out_of_control" and st.chart is None:
        raise LookupError(f"too few measurements for a control chart: n = {len(st.values)}, need ≥ 2")
    if what == "out_of_control":
        bad = ", ".join(
            f"{st.lots[i]} (rule {', '.join(map(str, r))})" for i, r in sorted(st.signals.items())[:6]
        )
        text = (
            f"{st.out_of_control} of {len(st.chart.location.points)} {st.chart.kind} points"
            " break a Western Electric run rule"
        )
        return float(st.out_of_control), text + (f": {bad}" if bad else ""), where
    cap = st.capability
    if cap is None:
        raise LookupError(f"no specification limits for {char} at {step} (declaration quality_specs)")
    limits = f"LSL {_num(cap.lsl)}, USL {_num(cap.usl)} {st.unit}".replace("None", "—")
    if what == "out_of_spec":
        v = cap.out_of_spec * 100
        return v, f"{v:.2f} % of {cap.n} measurements outside {limits}", where
    index, ci = (cap.cpk, cap.cpk_ci) if what == "cpk" else (cap.ppk, cap.ppk_ci)
    if index is None:
        raise LookupError(cap.limitation or f"{what} cannot be computed")
    ci_text = f"95 % CI {ci[0]:.2f}–{ci[1]:.2f}; " if ci else ""
    return float(index), f"{what.capitalize()} {index:.2f} ({ci_text}n = {cap.n}, {limits})", where


def _chart(st: QualityStat) -> dict[str, Any]:
    """The control chart as plain data (empty without one)."""
    if st.chart is None:
        return {}
    loc = st.chart.location
    n = len(loc.points)
    return {
        "kind": st.chart.kind,
        "labels": list(st.lots),
        "points": [float(x) for x in np.asarray(loc.points, dtype=float)],
        "centre": [float(x) for x in np.broadcast_to(loc.centre, n)],
        "ucl": [float(x) for x in np.broadcast_to(loc.ucl, n)],
        "lcl": [float(x) for x in np.broadcast_to(loc.lcl, n)],
        "signals": {str(i): rules for i, rules in sorted(st.signals.items())},
        "rules": RULES,
    }


def _num(x: float | None) -> str:
    return "None" if x is None else f"{x:.4g}"


def summaries(stats: dict[tuple[str, str], QualityStat], *, max_values: int = 5000) -> list[dict[str, Any]]:
    """The result's ``quality`` section: per (step, characteristic) the figures and what the
    dossier's charts need (values rounded to 6 significant digits, at most ``max_values``; the
    control chart's points and limits per lot)."""
    out = []
    for (step, char), st in stats.items():
        cap = st.capability
        spec = st.spec
        out.append(
            {
                "step": step,
                "characteristic": char,
                "unit": st.unit,
                "n": int(len(st.values)),
                "mean": float(np.mean(st.values)) if len(st.values) else None,
                "lsl": getattr(spec, "lsl", None),
                "usl": getattr(spec, "usl", None),
                "target": getattr(spec, "target", None),
                "cpk": None if cap is None else cap.cpk,
                "cpk_ci": None if cap is None or cap.cpk_ci is None else list(cap.cpk_ci),
                "ppk": None if cap is None else cap.ppk,
                "ppk_ci": None if cap is None or cap.ppk_ci is None else list(cap.ppk_ci),
                "sd_within": None if cap is None else cap.sd_within,
                "sd_overall": None if cap is None else cap.sd_overall,
                "out_of_spec": None if cap is None else cap.out_of_spec,
                "limitation": (cap.limitation if cap is not None else "no specification limits declared")
                or "",
                "chart": _chart(st),
                "values": [float(f"{v:.6g}") for v in st.values[:max_values].tolist()],
            }
        )
    return out
