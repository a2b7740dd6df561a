"""Criteria evolution: what changed between two packs, and what a new pack would do to stored results.

``diff_packs(old, new)`` compares criteria by their stable id: added, removed, and changed
(``threshold`` — the check, any-of alternatives or consistency tolerance; ``severity``;
``applicability`` — ``applies_if``; and, informatively, title/category).

``impact(new, against)`` predicts the verdict of every stored result (a batch run's
``results.jsonl`` and its ``results/*.json``) under the new pack *without re-reading bundles*:

- a criterion whose definition is identical in the result's own pack keeps its stored outcome
  (including ``waived``);
- a new or changed criterion is re-evaluated from the stored measurements (KPIs, per-step scrap
  rates, cell data, footprint, and the values recorded in findings of the same metric);
- what stored data cannot decide (e.g. a metric never recorded) is ``unknown``: the bundle is listed
  as needing re-assessment, never silently passed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import metrics
from .criteria import Condition, CriteriaPack, Criterion, build_pack, shipped_packs
from .evaluate import verdict_of
from .models import Finding, Status

DEFINITION_KEYS = {"threshold": ("check", "any_of", "consistency"), "severity": ("severity",), "applicability": ("applies_if",)}
INFO_KEYS = ("title", "category")


def _raw(pack: CriteriaPack) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in pack.raw.get("criteria", [])}


def _part(c: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return {k: c[k] for k in keys if k in c}


def _text(c: dict[str, Any], what: str) -> str:
    if what == "threshold":
        if "check" in c:
            return _cond_text(c["check"])
        if "any_of" in c:
            return " or ".join(_cond_text(x) for x in c["any_of"])
        if "consistency" in c:
            k = c["consistency"]
            return f"declared {k['kpi']} within ± {k['tolerance']}" + (" (relative)" if k.get("mode") == "relative" else "")
        return ""
    if what == "applicability":
        return _cond_text(c["applies_if"]) if "applies_if" in c else "always"
    return str(c.get(what, ""))


def _cond_text(cond: dict[str, Any]) -> str:
    v = cond["value"]
    v = ", ".join(map(str, v)) if isinstance(v, list) else (str(v).lower() if isinstance(v, bool) else str(v))
    return f"{cond['metric']} {metrics.OP_TEXT.get(cond['op'], cond['op'])} {v}"


def diff_packs(old: CriteriaPack, new: CriteriaPack) -> dict[str, Any]:
    """Criteria added, removed and changed between two packs (JSON-ready)."""
    a, b = _raw(old), _raw(new)
    added = [{"id": i, "title": b[i]["title"], "severity": b[i]["severity"], "category": b[i]["category"],
              "threshold": _text(b[i], "threshold"), "applicability": _text(b[i], "applicability")} for i in b if i not in a]
    removed = [{"id": i, "title": a[i]["title"], "severity": a[i]["severity"], "threshold": _text(a[i], "threshold")} for i in a if i not in b]
    changed = []
    for i in (x for x in b if x in a):
        changes = []
        for what, keys in DEFINITION_KEYS.items():
            if _part(a[i], keys) != _part(b[i], keys):
                changes.append({"field": what, "old": _text(a[i], what), "new": _text(b[i], what)})
        for k in INFO_KEYS:
            if a[i].get(k) != b[i].get(k):
                changes.append({"field": k, "old": str(a[i].get(k, "")), "new": str(b[i].get(k, ""))})
        if changes:
            changed.append({"id": i, "title": b[i]["title"], "changes": changes})
    return {
        "old": {"id": old.id, "version": old.version, "sha256": old.sha256},
        "new": {"id": new.id, "version": new.version, "sha256": new.sha256},
        "added": added,
        "removed": removed,
        "changed": changed,
        "unchanged": sum(1 for i in b if i in a) - len(changed),
    }


def render_diff(d: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from .textsafe import clean

    con = Console(highlight=False)
    con.print(Text(f"{d['old']['id']}@{d['old']['version']} → {d['new']['id']}@{d['new']['version']}: "
                   f"{len(d['added'])} added · {len(d['removed'])} removed · {len(d['changed'])} changed · {d['unchanged']} unchanged", style="bold"))
    if d["added"]:
        t = Table(title="added", header_style="bold green")
        for col in ("id", "severity", "threshold", "applies if", "title"):
            t.add_column(col)
        for x in d["added"]:
            t.add_row(x["id"], x["severity"], clean(x["threshold"]), clean(x["applicability"]), clean(x["title"]))
        con.print(t)
    if d["removed"]:
        t = Table(title="removed", header_style="bold red")
        for col in ("id", "severity", "threshold", "title"):
            t.add_column(col)
        for x in d["removed"]:
            t.add_row(x["id"], x["severity"], clean(x["threshold"]), clean(x["title"]))
        con.print(t)
    if d["changed"]:
        t = Table(title="changed", header_style="bold yellow")
        for col in ("id", "what", "old", "new"):
            t.add_column(col)
        for x in d["changed"]:
            for c in x["changes"]:
                t.add_row(x["id"], c["field"], clean(c["old"]), clean(c["new"]))
        con.print(t)


# -- impact --------------------------------------------------------------------------------
class Unknown(Exception):
    """Stored data cannot decide this metric."""


def _stored_value(metric: str, r: dict[str, Any], by_metric: dict[str, str]) -> Any:
    """A metric's value (canonical unit) from a stored result, or raise Unknown."""
    from .units import QuantityError, parse_quantity, to_unit

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
            declared = _logged_steps(r) | {m.split(".")[1] for m, v in by_metric.items() if m.endswith(".automation") and v != "step not declared"}
            reported = {x["step"] for x in fp.get("steps", []) if x.get("kg_co2e_per_cell") is not None}
            return len(declared & reported) / len(declared) * 100 if declared else _raise(metric)
    raise Unknown(metric)


def _logged_steps(r: dict[str, Any]) -> set[str]:
    return {s["step"] for s in r.get("steps") or [] if s.get("lots")}


def recorded_values(findings: list[dict[str, Any]]) -> dict[str, str]:
    """metric -> value text recorded by evaluated findings (any-of findings record one per alternative)."""
    out: dict[str, str] = {}
    for x in findings:
        if x["status"] not in ("pass", "fail") or not x.get("metric") or x["metric"].startswith("consistency."):
            continue
        names = x["metric"].split(" | ")
        if len(names) == 1:
            out[names[0]] = x["actual"]
            continue
        parts = x["actual"].split("; ")
        if len(parts) == len(names):
            for name, part in zip(names, parts):
                for prefix in (name.split(".")[1] + ": ", name.split(".")[-1] + ": ", name.split(".")[-1] + " "):
                    if part.startswith(prefix):
                        part = part[len(prefix):]
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
    try:
        if c.applies_if is not None and not _test(c.applies_if, r, by_metric):
            return "not_applicable"
        if c.consistency:
            spec = c.consistency
            k = (r.get("kpis") or {}).get(spec["kpi"]) or {}
            if k.get("declared") is None:
                return "not_applicable"
            if k.get("measured") is None:
                raise Unknown(spec["kpi"])
            allowed = spec["tolerance"] if spec["mode"] == "absolute" else abs(k["measured"]) * spec["tolerance"] / 100
            return "pass" if abs(k["declared"] - k["measured"]) <= allowed + 1e-12 else "fail"
        results = []
        for cond in c.check:
            try:
                results.append(_test(cond, r, by_metric))
            except Unknown:
                results.append(None)
        if any(results):
            return "pass"
        if all(x is False for x in results):
            return "fail"
        raise Unknown(c.metric)
    except Unknown:
        return "unknown"


def _pack_of(ref: dict[str, Any]) -> CriteriaPack | None:
    for p in shipped_packs():
        if p.sha256 == ref.get("sha256"):
            return p
    return None


def impact(new: CriteriaPack, against: Path) -> dict[str, Any]:
    """Predicted outcome of ``new`` for every stored result of a batch run (JSON-ready)."""
    from .batch import read_lines, results_file

    f = results_file(Path(against))
    if not f.is_file():
        from .errors import UsageError

        raise UsageError(f"--against: {f} not found", file="--against", )
    new_raw = _raw(new)
    # stored pack sha256 -> (its definitions are known, criteria the new pack defines identically)
    unchanged_in: dict[str, tuple[bool, set[str]]] = {}
    rows: list[dict[str, Any]] = []
    counts = {"keep_approval": 0, "lose_approval": 0, "gain_approval": 0, "stay_not_approved": 0, "needs_reassessment": 0, "invalid": 0}
    for line in read_lines(f):
        if not line.get("result"):
            counts["invalid"] += 1
            continue
        try:
            r = json.loads((f.parent / line["result"]).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            counts["needs_reassessment"] += 1
            rows.append({"bundle": line["bundle"], "pilot_line": (line.get("pilot_line") or {}).get("name", ""), "status": line.get("status"),
                         "predicted": "unknown", "criteria": [], "unknown": ["stored result missing"]})
            continue
        sha = r["criteria"]["sha256"]
        if sha not in unchanged_in:
            old = _pack_of(r["criteria"])
            old_raw = _raw(old) if old else {}
            unchanged_in[sha] = (old is not None, {c.id for c in new.criteria if c.id in old_raw
                                 and all(_part(old_raw[c.id], k) == _part(new_raw[c.id], k) for k in DEFINITION_KEYS.values())})
        known, unchanged = unchanged_in[sha]
        stored = {x["id"]: x for x in r["findings"]}
        by_metric = recorded_values(r["findings"])
        findings, unknown, changed_outcome = [], [], []
        for c in new.criteria:
            same = c.id in unchanged and c.id in stored
            st = stored[c.id]["status"] if same else predict(c, r, by_metric)
            if st == "unknown":
                unknown.append(c.id)
                st = "error"  # for the verdict: cannot be decided -> not a pass
            findings.append(Finding(id=c.id, title=c.title, category=c.category, severity=c.severity, status=Status(st),
                                    expected="", actual="", message="", location=""))
            before = stored.get(c.id, {}).get("status")
            if c.severity == "required" and st in ("fail", "error") and before not in ("fail", "error"):
                changed_outcome.append(c.id)
        predicted = verdict_of(findings).value
        was = r["verdict"] in ("approved", "approved_with_observations")
        now = predicted in ("approved", "approved_with_observations")
        known_bad = [cid for cid in changed_outcome if cid not in unknown]
        if was and not now and known_bad:
            outcome = "lose_approval"
        elif was and not now:
            outcome = "needs_reassessment"
        elif was:
            outcome = "keep_approval"
        elif now:
            outcome = "gain_approval"
        else:
            outcome = "stay_not_approved"
        counts[outcome] += 1
        rows.append({"bundle": line["bundle"], "pilot_line": r.get("pilot_line", {}).get("name", ""), "status": r["verdict"], "predicted": predicted,
                     "outcome": outcome, "criteria": known_bad if outcome == "lose_approval" else [], "unknown": unknown,
                     "stored_criteria": f"{r['criteria']['id']}@{r['criteria']['version']}", "definitions_known": known})
    rows.sort(key=lambda x: (x.get("outcome") != "lose_approval", x["bundle"]))
    return {"new": {"id": new.id, "version": new.version, "sha256": new.sha256}, "against": str(f), "counts": counts, "bundles": rows}


def render_impact(rep: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from .textsafe import clean

    con = Console(highlight=False)
    c = rep["counts"]
    con.print(Text(f"impact of {rep['new']['id']}@{rep['new']['version']} on {rep['against']}: {c['lose_approval']} would lose the seal · "
                   f"{c['keep_approval']} keep it · {c['gain_approval']} would gain it · {c['stay_not_approved']} stay not approved · "
                   f"{c['needs_reassessment']} need re-assessment · {c['invalid']} invalid", style="bold"))
    lost = [r for r in rep["bundles"] if r.get("outcome") == "lose_approval"]
    if lost:
        t = Table(title="would lose the seal", header_style="bold red")
        for col in ("pilot line", "bundle", "criteria"):
            t.add_column(col)
        for r in lost:
            t.add_row(clean(r["pilot_line"]), clean(r["bundle"]), ", ".join(r["criteria"]))
        con.print(t)
    unsure = [r for r in rep["bundles"] if r.get("outcome") == "needs_reassessment"]
    for r in unsure[:50]:
        con.print(Text(f"needs re-assessment: {clean(r['pilot_line'] or r['bundle'])} (cannot decide from stored data: {', '.join(r['unknown'])})", style="yellow"))


__all__ = ["build_pack", "diff_packs", "impact", "predict", "render_diff", "render_impact"]
