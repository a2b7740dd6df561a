"""What a stored result says about one criterion, without re-reading its bundle.

``criteria impact`` (:mod:`liplanet_cert.batch.impact`) predicts each new or changed criterion from
a stored JSON result: its KPIs, per-step scrap rates, cell data, footprint, and the values recorded
in findings of the same metric.  What the stored data cannot decide (e.g. a metric never recorded)
is ``unknown`` (:class:`Unknown` names the metric), never a pass.
"""

from __future__ import annotations

from typing import Any

from liplanet_cert.assessment import metrics
from liplanet_cert.criteria.pack import Condition, Criterion


class Unknown(Exception):
    """Stored data cannot decide this metric."""


def _stored_value(metric: str, r: dict[str, Any], by_metric: dict[str, str]) -> Any:
    """A metric's value (canonical unit) from a stored result, or raise Unknown."""
    from liplanet_cert.units import QuantityError, parse_quantity, to_unit

    kpis = r.get("kpis") or {}
    cell = r.get("cell") or {}

    def qty(text: Any, dim: str, unit: str) -> float:
        try:
            return to_unit(parse_quantity(text, dim), unit)
        except (QuantityError, TypeError, ValueError):
            raise Unknown(metric) from None

    if metric == "cell.format":
        return cell.get("format") or _raise(metric)
    if metric == "cell.nominal_capacity":
        return qty(cell.get("nominal_capacity"), "charge", "Ah")
    if metric == "cell.nominal_energy":
        return qty(cell.get("nominal_energy"), "energy", "kWh")
    if metric == "cell.all_solid_state":
        return bool(cell.get("all_solid_state", False))
    if metric.startswith("kpi."):
        v = (kpis.get(metric[4:]) or {}).get("measured")
        return v if v is not None else _raise(metric)
    if metric.startswith("declared."):
        v = (kpis.get(metric[9:]) or {}).get("declared")
        return v if v is not None else _raise(metric)
    if metric == "eol.capacity_vs_nominal":
        mean = (kpis.get("capacity_mean") or {}).get("measured")
        cap = _stored_value("cell.nominal_capacity", r, by_metric)
        return mean / cap * 100 if mean is not None and cap else _raise(metric)
    if metric.startswith("step.") and metric.endswith(".scrap_rate"):
        step = metric.split(".")[1]
        for s in r.get("steps") or []:
            if s.get("step") == step and s.get("scrap_rate") is not None:
                return s["scrap_rate"]
        raise Unknown(metric)
    if metric.startswith("step.") and metric.endswith(".automation") and metric in by_metric:
        text = by_metric[metric]
        return None if text == "step not declared" else text
    if metric.startswith("step.") and metric.endswith(".declared"):
        step = metric.split(".")[1]
        auto = by_metric.get(f"step.{step}.automation")
        if auto is not None:
            return auto != "step not declared"
        if step in _logged_steps(r):  # the loader only accepts log rows of declared steps
            return True
        raise Unknown(metric)
    if metric == "coating.both_sides" and metric in by_metric:
        return by_metric[metric] == "both sides"
    if metric == "scope.areas" and metric in by_metric:
        return set() if by_metric[metric] == "none" else {x.strip() for x in by_metric[metric].split(",")}
    if metric.startswith("footprint."):
        fp = r.get("footprint")
        if not fp:
            raise Unknown(metric)
        if metric == "footprint.kg_co2e_per_kwh":
            return float(fp["total"]["kg_co2e_per_kwh"])
        if metric == "footprint.primary_share_main_production":
            return float(fp.get("primary_data_share", 0.0)) * 100
        if metric == "footprint.steps_reported":
            declared = _logged_steps(r) | {
                m.split(".")[1]
                for m, v in by_metric.items()
                if m.endswith(".automation") and v != "step not declared"
            }
            reported = {x["step"] for x in fp.get("steps", []) if x.get("kg_co2e_per_cell") is not None}
            return len(declared & reported) / len(declared) * 100 if declared else _raise(metric)
    raise Unknown(metric)


def _logged_steps(r: dict[str, Any]) -> set[str]:
    return {s["step"] for s in r.get("steps") or [] if s.get("lots")}


def recorded_values(findings: Any) -> dict[str, str]:
    """metric -> value text recorded by evaluated findings (any-of findings record one per alternative).

    Total over whatever a stored result holds: a finding that is not an object, lacks its status,
    metric or value, holds them as other types, or whose alternatives do not match its values
    records nothing (the metrics it would have given are then unknown)."""
    out: dict[str, str] = {}
    if not isinstance(findings, list):
        return out
    for x in findings:
        if not isinstance(x, dict):
            continue
        metric, actual = x.get("metric"), x.get("actual")
        if (
            x.get("status") not in ("pass", "fail")
            or not isinstance(metric, str)
            or not isinstance(actual, str)
        ):
            continue
        if not metric or metric.startswith("consistency."):
            continue
        names = metric.split(" | ")
        if len(names) == 1:
            out[metric] = actual
            continue
        parts = actual.split("; ")
        if len(parts) != len(names):
            continue
        for name, part in zip(names, parts):
            pieces = name.split(".")
            prefixes = ([pieces[1] + ": "] if len(pieces) > 1 else []) + [pieces[-1] + ": ", pieces[-1] + " "]
            for prefix in prefixes:
                if part.startswith(prefix):
                    part = part[len(prefix) :]
                    break
            out[name] = part
    return out


def _raise(metric: str) -> Any:
    raise Unknown(metric)


def _test(cond: Condition, r: dict[str, Any], by_metric: dict[str, str]) -> bool:
    v = _stored_value(cond.metric, r, by_metric)
    if cond.kind == "quantity" and not isinstance(v, (int, float)):
        raise Unknown(cond.metric)
    return metrics.compare(cond.op, v, cond.value, cond.kind)


def predict(c: Criterion, r: dict[str, Any], by_metric: dict[str, str]) -> str:
    """pass | fail | not_applicable | unknown for one criterion from stored data."""
    return predict_detail(c, r, by_metric)[0]


def predict_detail(c: Criterion, r: dict[str, Any], by_metric: dict[str, str]) -> tuple[str, list[str]]:
    """(pass | fail | not_applicable | unknown, the metrics the stored data lacks when unknown)."""
    missing: list[str] = []

    def test(cond: Condition) -> bool | None:
        try:
            return _test(cond, r, by_metric)
        except Unknown as exc:
            missing.append(str(exc.args[0]) if exc.args else cond.metric)
            return None

    if c.applies_if is not None:
        applies = test(c.applies_if)
        if applies is None:
            return "unknown", sorted(set(missing))
        if not applies:
            return "not_applicable", []
    if c.consistency:
        spec = c.consistency
        k = (r.get("kpis") or {}).get(spec["kpi"]) or {}
        if k.get("declared") is None:
            return "not_applicable", []
        if k.get("measured") is None:
            return "unknown", [f"kpi.{spec['kpi']}"]
        allowed = (
            spec["tolerance"] if spec["mode"] == "absolute" else abs(k["measured"]) * spec["tolerance"] / 100
        )
        return ("pass" if abs(k["declared"] - k["measured"]) <= allowed + 1e-12 else "fail"), []
    results = [test(cond) for cond in c.check]
    if any(results):
        return "pass", []
    if all(x is False for x in results):
        return "fail", []
    return "unknown", sorted(set(missing))
