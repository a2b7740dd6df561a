"""What a stored result says about one criterion, without re-reading its bundle.

``criteria impact`` (:mod:`liplanet_cert.batch.impact`) predicts each new or changed criterion from
a stored JSON result.  A metric's value is, first, the one a stored finding measured (result format
1.1: each finding's ``measured`` values, as data); else it is derived from the result's sections
(KPIs, per-step scrap rates, cell data, footprint).  What the stored data cannot decide (e.g. a
metric never recorded) is ``unknown`` (:class:`Unknown` names the metric), never a pass.

Results of format 1.0 have no typed values: :func:`legacy_recorded_values` reads the few metrics
that only a finding's text holds (automation levels, coating sides, scope areas).
"""

from __future__ import annotations

from typing import Any

from liplanet_cert.assessment import metrics
from liplanet_cert.assessment.result import Finding
from liplanet_cert.criteria.pack import Condition, Criterion


class Unknown(Exception):
    """Stored data cannot decide this metric."""


def measured_values(r: dict[str, Any]) -> dict[str, Any]:
    """metric -> the value the stored result's findings measured for it (in the unit the program
    computes it in; None where the bundle did not allow measuring it, or, for an automation level,
    where the step is not declared)."""
    if r.get("schema_version") == "1.0":
        return _legacy_values(legacy_recorded_values(r.get("findings")))
    out: dict[str, Any] = {}
    for f in r["findings"]:
        for m in Finding.from_dict(f).measured:
            if out.get(m.metric) is None:
                out[m.metric] = m.value
    return out


def _stored_value(metric: str, r: dict[str, Any], measured: dict[str, Any]) -> Any:
    """A metric's value (canonical unit) from a stored result, or raise Unknown."""
    if metric in measured:
        return measured[metric]
    return _from_sections(metric, r, measured)


def _from_sections(metric: str, r: dict[str, Any], measured: dict[str, Any]) -> Any:
    """A metric no stored finding measured, derived from the result's sections, or raise Unknown."""
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
        cap = _stored_value("cell.nominal_capacity", r, measured)
        return mean / cap * 100 if mean is not None and cap else _raise(metric)
    if metric.startswith("step.") and metric.endswith(".scrap_rate"):
        step = metric.split(".")[1]
        for s in r.get("steps") or []:
            if s.get("step") == step and s.get("scrap_rate") is not None:
                return s["scrap_rate"]
        raise Unknown(metric)
    if metric.startswith("step.") and metric.endswith(".declared"):
        step = metric.split(".")[1]
        if f"step.{step}.automation" in measured:
            return measured[f"step.{step}.automation"] is not None
        if step in _logged_steps(r):  # the loader only accepts log rows of declared steps
            return True
        raise Unknown(metric)
    if metric.startswith("footprint."):
        return _footprint_value(metric, r, measured)
    raise Unknown(metric)


def _footprint_value(metric: str, r: dict[str, Any], measured: dict[str, Any]) -> Any:
    fp = r.get("footprint")
    if not fp:
        raise Unknown(metric)
    # as assessment.metrics: the main-production stage (a result stored before stages: its totals)
    main = next((s for s in fp.get("stages") or [] if s.get("name") == "main_production"), None)
    if metric == "footprint.kg_co2e_per_kwh":
        return float(main["kg_co2e_per_kwh"] if main else fp["total"]["kg_co2e_per_kwh"])
    if metric == "footprint.primary_share_main_production":
        return float(main["primary_data_share"] if main else fp.get("primary_data_share", 0.0)) * 100
    if metric == "footprint.steps_reported":
        declared = _declared_steps(r, measured)
        reported = {x["step"] for x in fp.get("steps", []) if x.get("kg_co2e_per_cell") is not None}
        return len(declared & reported) / len(declared) * 100 if declared else _raise(metric)
    raise Unknown(metric)


def _logged_steps(r: dict[str, Any]) -> set[str]:
    return {s["step"] for s in r.get("steps") or [] if s.get("lots")}


def _declared_steps(r: dict[str, Any], measured: dict[str, Any]) -> set[str]:
    """The steps a stored result shows declared: logged, or with a level or ``declared`` measured."""
    shown = {
        m.split(".")[1]
        for m, v in measured.items()
        if m.startswith("step.")
        and m.count(".") == 2
        and ((m.endswith(".automation") and v is not None) or (m.endswith(".declared") and v is True))
    }
    return _logged_steps(r) | shown


# -- result format 1.0 (legacy): values only a finding's text holds -------------------------
def legacy_recorded_values(findings: Any) -> dict[str, str]:
    """Format 1.0 only: metric -> value text recorded by evaluated findings (``actual``, split by
    prefix: any-of findings record one per alternative).

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


def _legacy_values(texts: dict[str, str]) -> dict[str, Any]:
    """Format 1.0 only: the values of the metrics whose text is the only record of them (an
    automation level, ``None`` for a step not declared; coating on both sides; scope areas)."""
    out: dict[str, Any] = {}
    for metric, text in texts.items():
        if metric.startswith("step.") and metric.endswith(".automation"):
            out[metric] = None if text == "step not declared" else text
        elif metric == "coating.both_sides":
            out[metric] = text == "both sides"
        elif metric == "scope.areas":
            out[metric] = [] if text == "none" else sorted({x.strip() for x in text.split(",")})
    return out


def _raise(metric: str) -> Any:
    raise Unknown(metric)


def _test(cond: Condition, r: dict[str, Any], measured: dict[str, Any]) -> bool:
    v = _stored_value(cond.metric, r, measured)
    if v is None and cond.kind != "automation":  # not measurable (an automation level: step not declared)
        raise Unknown(cond.metric)
    if cond.kind == "quantity" and not isinstance(v, (int, float)):
        raise Unknown(cond.metric)
    return metrics.compare(cond.op, v, cond.value, cond.kind)


def predict(c: Criterion, r: dict[str, Any], measured: dict[str, Any]) -> str:
    """pass | fail | not_applicable | unknown for one criterion from stored data."""
    return predict_detail(c, r, measured)[0]


def predict_detail(c: Criterion, r: dict[str, Any], measured: dict[str, Any]) -> tuple[str, list[str]]:
    """(pass | fail | not_applicable | unknown, the metrics the stored data lacks when unknown)."""
    missing: list[str] = []

    def test(cond: Condition) -> bool | None:
        try:
            return _test(cond, r, measured)
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
