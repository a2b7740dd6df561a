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

import os
from pathlib import Path
from typing import Any

from liplanet_cert.assessment import metrics
from liplanet_cert.assessment.evaluate import verdict_of
from liplanet_cert.assessment.result import Finding, Status
from liplanet_cert.criteria.pack import Condition, CriteriaPack, Criterion, build_pack, shipped_packs
from liplanet_cert.errors import LiplanetError

DEFINITION_KEYS = {
    "threshold": ("check", "any_of", "consistency"),
    "severity": ("severity",),
    "applicability": ("applies_if",),
}
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
            return f"declared {k['kpi']} within ± {k['tolerance']}" + (
                " (relative)" if k.get("mode") == "relative" else ""
            )
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
    added = [
        {
            "id": i,
            "title": b[i]["title"],
            "severity": b[i]["severity"],
            "category": b[i]["category"],
            "threshold": _text(b[i], "threshold"),
            "applicability": _text(b[i], "applicability"),
        }
        for i in b
        if i not in a
    ]
    removed = [
        {"id": i, "title": a[i]["title"], "severity": a[i]["severity"], "threshold": _text(a[i], "threshold")}
        for i in a
        if i not in b
    ]
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

    from liplanet_cert.infra.textsafe import clean
    from liplanet_cert.reporters.safetable import SafeTable, id_col, print_text, text_col, words_col

    con = Console(highlight=False)
    print_text(
        con,
        f"{d['old']['id']}@{d['old']['version']} → {d['new']['id']}@{d['new']['version']}: "
        f"{len(d['added'])} added · {len(d['removed'])} removed · {len(d['changed'])} changed · {d['unchanged']} unchanged",
        "bold",
    )
    if d["added"]:
        t = SafeTable(
            id_col("id"),
            id_col("severity"),
            words_col("threshold"),
            words_col("applies if"),
            text_col("title", optional=True),
            title="added",
            header_style="bold green",
        )
        for x in d["added"]:
            t.add_row(
                x["id"], x["severity"], clean(x["threshold"]), clean(x["applicability"]), clean(x["title"])
            )
        t.print(con)
    if d["removed"]:
        t = SafeTable(
            id_col("id"),
            id_col("severity"),
            words_col("threshold"),
            text_col("title", optional=True),
            title="removed",
            header_style="bold red",
        )
        for x in d["removed"]:
            t.add_row(x["id"], x["severity"], clean(x["threshold"]), clean(x["title"]))
        t.print(con)
    if d["changed"]:
        t = SafeTable(
            id_col("id"),
            id_col("what"),
            words_col("old"),
            words_col("new"),
            title="changed",
            header_style="bold yellow",
        )
        for x in d["changed"]:
            for c in x["changes"]:
                t.add_row(x["id"], c["field"], clean(c["old"]), clean(c["new"]))
        t.print(con)


# -- impact --------------------------------------------------------------------------------
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


def _pack_of(ref: dict[str, Any]) -> CriteriaPack | None:
    for p in shipped_packs():
        if p.sha256 == ref.get("sha256"):
            return p
    return None


OUTCOMES = (
    "lose_approval",
    "needs_reassessment",
    "keep_approval",
    "gain_approval",
    "may_gain_approval",
    "stay_not_approved",
    "invalid",
)
EXIT_NONE_LOSE, EXIT_SOME_LOSE, EXIT_CANNOT_TELL = 0, 1, 4


def impact_exit_code(rep: dict[str, Any]) -> int:
    """4 when any approved line cannot be judged from the stored results (then the list of lines
    that would lose the seal may be incomplete, even if some are certain), else 1 when some approved
    line would lose the seal, else 0."""
    c = rep["counts"]
    if c.get("needs_reassessment"):
        return EXIT_CANNOT_TELL
    return EXIT_SOME_LOSE if c.get("lose_approval") else EXIT_NONE_LOSE


def _stored_result(path: Path) -> dict[str, Any]:
    """A stored result of a batch run, read as ``verify`` reads one (bounded, strict JSON, checked
    against the published result schema): :class:`LiplanetError` if it is not one."""
    from liplanet_cert.integrity.verify import read_result

    return read_result(path)


def impact(new: CriteriaPack, against: Path, criteria_arg: str | None = None) -> dict[str, Any]:
    """Predicted outcome of ``new`` for every stored result of a batch run (JSON-ready).

    Per bundle ``outcome``: ``lose_approval`` (approved, fails a new or changed required criterion
    on stored data), ``needs_reassessment`` (approved, and whether it keeps the seal depends on
    criteria the stored results cannot decide: ``lacks`` names the metrics they lack),
    ``keep_approval``, ``gain_approval``, ``may_gain_approval`` (not approved, and only undecidable
    criteria stand in the way), ``stay_not_approved``; bundles without a result are ``invalid``.
    """
    from liplanet_cert.batch.store import confined_result as _confined_result
    from liplanet_cert.batch.store import read_lines, results_file

    f = results_file(Path(against))
    from liplanet_cert.infra.inputfile import open_input_file

    open_input_file(f, "results of the run (--against)")[0].close()  # not found / not a regular file: exit 2
    new_raw = _raw(new)
    # stored pack sha256 -> (its definitions are known, criteria the new pack defines identically)
    unchanged_in: dict[str, tuple[bool, set[str]]] = {}
    rows: list[dict[str, Any]] = []
    counts = {k: 0 for k in OUTCOMES}
    results_dir = os.path.realpath(f.parent / "results")
    for line in read_lines(f):
        if not line.get("result"):
            counts["invalid"] += 1
            continue

        def cannot_judge(why: str, line: dict[str, Any] = line) -> None:
            approved = line.get("status") in ("approved", "approved_with_observations")
            outcome = "needs_reassessment" if approved else "may_gain_approval"
            counts[outcome] += 1
            rows.append(
                {
                    "bundle": line["bundle"],
                    "pilot_line": (line.get("pilot_line") or {}).get("name", ""),
                    "status": line.get("status"),
                    "predicted": "unknown",
                    "outcome": outcome,
                    "criteria": [],
                    "unknown": [],
                    "lacks": [f"the stored result {line['result']}" + (f" ({why})" if why else "")],
                }
            )

        where = _confined_result(f.parent, results_dir, str(line["result"]))
        if where is None:  # an absolute path, '..' or a link leading out of the run: never read
            cannot_judge(f"not a regular file inside {f.parent / 'results'}")
            continue
        try:
            r = _stored_result(Path(where))
        except (OSError, ValueError, LiplanetError):
            cannot_judge("")
            continue
        try:  # a stored value of an unexpected shape: this bundle cannot be judged, the others can
            sha = r["criteria"]["sha256"]
            if sha not in unchanged_in:
                old = _pack_of(r["criteria"])
                old_raw = _raw(old) if old else {}
                unchanged_in[sha] = (
                    old is not None,
                    {
                        c.id
                        for c in new.criteria
                        if c.id in old_raw
                        and all(
                            _part(old_raw[c.id], k) == _part(new_raw[c.id], k)
                            for k in DEFINITION_KEYS.values()
                        )
                    },
                )
            known, unchanged = unchanged_in[sha]
            stored = {x["id"]: x for x in r["findings"]}
            by_metric = recorded_values(r["findings"])
            findings, unknown, lacks, changed_outcome, blocking_known, blocking_unknown = (
                [],
                [],
                set(),
                [],
                [],
                [],
            )
            for c in new.criteria:
                same = c.id in unchanged and c.id in stored
                st, missing = (stored[c.id]["status"], []) if same else predict_detail(c, r, by_metric)
                if st == "unknown":
                    unknown.append(c.id)
                    if c.severity == "required":
                        lacks.update(missing)
                        blocking_unknown.append(c.id)
                    st = "error"  # for the verdict: cannot be decided -> not a pass
                elif c.severity == "required" and st in ("fail", "error"):
                    blocking_known.append(c.id)
                findings.append(
                    Finding(
                        id=c.id,
                        title=c.title,
                        category=c.category,
                        severity=c.severity,
                        status=Status(st),
                        expected="",
                        actual="",
                        message="",
                        location="",
                    )
                )
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
            elif blocking_unknown and not blocking_known:
                outcome = "may_gain_approval"
            else:
                outcome = "stay_not_approved"
            row = {
                "bundle": line["bundle"],
                "pilot_line": r.get("pilot_line", {}).get("name", ""),
                "status": r["verdict"],
                "predicted": predicted,
                "outcome": outcome,
                "criteria": known_bad if outcome == "lose_approval" else [],
                "unknown": unknown,
                "undecided": blocking_unknown
                if outcome in ("needs_reassessment", "may_gain_approval")
                else [],
                "lacks": sorted(lacks) if outcome in ("needs_reassessment", "may_gain_approval") else [],
                "stored_criteria": f"{r['criteria']['id']}@{r['criteria']['version']}",
                "definitions_known": known,
            }
        except (
            Unknown,
            KeyError,
            TypeError,
            ValueError,
            IndexError,
            AttributeError,
            ZeroDivisionError,
            OverflowError,
            RecursionError,
        ) as exc:
            cannot_judge(f"malformed: {type(exc).__name__}")
            continue
        counts[outcome] += 1
        rows.append(row)
    rank = {o: i for i, o in enumerate(OUTCOMES)}
    rows.sort(key=lambda x: (rank.get(x.get("outcome", ""), len(rank)), x["bundle"]))
    arg = criteria_arg or f"{new.id}@{new.version}"
    rep = {
        "new": {"id": new.id, "version": new.version, "sha256": new.sha256},
        "against": str(f),
        "counts": counts,
        "bundles": rows,
        "lacks": sorted({m for x in rows if x["outcome"] == "needs_reassessment" for m in x["lacks"]}),
        "rerun": f"liplanet-cert batch BUNDLE... --criteria {arg} --previous {against} --out NEW_RUN",
    }
    rep["exit_code"] = impact_exit_code(rep)
    return rep


def render_impact(rep: dict[str, Any]) -> None:
    from rich.console import Console

    from liplanet_cert.infra.textsafe import clean
    from liplanet_cert.reporters.safetable import SafeTable, id_col, print_text, text_col, words_col

    con = Console(highlight=False)
    c = rep["counts"]

    def lines(n: int) -> str:
        return f"{n} approved line{'s' if n != 1 else ''}"

    print_text(
        con,
        f"impact of {rep['new']['id']}@{rep['new']['version']} on {clean(rep['against'])}: {c['lose_approval']} would lose the seal · "
        f"{c['needs_reassessment']} cannot be judged · {c['keep_approval']} keep it · {c['gain_approval']} would gain it · "
        f"{c['may_gain_approval']} might gain it · {c['stay_not_approved']} stay not approved · {c['invalid']} invalid",
        "bold",
    )
    lost = [r for r in rep["bundles"] if r.get("outcome") == "lose_approval"]
    unsure = [r for r in rep["bundles"] if r.get("outcome") == "needs_reassessment"]
    if lost:
        print_text(
            con,
            f"{lines(len(lost))} would lose the seal"
            + (f", and more may: {len(unsure)} cannot be judged (below)" if unsure else ""),
            "bold red",
        )
        t = SafeTable(
            text_col("pilot line"),
            id_col("bundle"),
            words_col("criteria"),
            title="would lose the seal",
            header_style="bold red",
            key=1,
        )
        for r in lost:
            t.add_row(clean(r["pilot_line"]), clean(r["bundle"]), ", ".join(r["criteria"]))
        t.print(con)
    if unsure:
        n = len(unsure)
        print_text(
            con,
            f"{lines(n)} cannot be judged from stored results: {'they lack' if n != 1 else 'it lacks'} {_metric_list(rep['lacks'])}; "
            f"re-run `{clean(rep['rerun'])}` to know",
            "bold yellow",
        )
        t = SafeTable(
            text_col("pilot line"),
            id_col("bundle"),
            words_col("undecided criteria"),
            words_col("stored results lack"),
            title="cannot be judged from stored results",
            header_style="bold yellow",
            key=1,
        )
        for r in unsure:
            t.add_row(
                clean(r["pilot_line"]),
                clean(r["bundle"]),
                ", ".join(r.get("undecided") or []),
                ", ".join(clean(m) for m in r["lacks"]),
            )
        t.print(con)
    maybe = [r for r in rep["bundles"] if r.get("outcome") == "may_gain_approval"]
    if maybe:
        print_text(
            con,
            f"{len(maybe)} not-approved line{'s' if len(maybe) != 1 else ''} might gain the seal (cannot be judged from stored results): "
            + ", ".join(clean(r["bundle"]) for r in maybe[:10])
            + (f" and {len(maybe) - 10} more" if len(maybe) > 10 else ""),
            "yellow",
        )
    if not lost and not unsure:
        print_text(con, "no approved line would lose the seal", "bold green")


def _metric_list(names: list[str]) -> str:
    """'footprint metrics footprint.a, footprint.b; logs metrics step.x.scrap_rate' (at most 12 names)."""
    from liplanet_cert.infra.textsafe import clean

    groups: dict[str, list[str]] = {}
    for m in names[:12]:
        spec = metrics.spec(m)
        groups.setdefault(f"{spec.source} metrics " if spec is not None else "", []).append(clean(m))
    text = "; ".join(label + ", ".join(ms) for label, ms in groups.items()) or "data"
    return text + (f" and {len(names) - 12} more" if len(names) > 12 else "")


__all__ = [
    "build_pack",
    "diff_packs",
    "impact",
    "impact_exit_code",
    "predict",
    "predict_detail",
    "render_diff",
    "render_impact",
]
