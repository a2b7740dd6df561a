"""The findings of a result as the dossier shows them: one card per finding, in words, and the
order an auditor reads them in (what matters most first).

Every finding keeps the pack's wording for what was expected and found, with internal metric
paths put into words (:mod:`.labels`); lots are listed with runs collapsed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from liplanet_cert.dossier.labels import title_of

if TYPE_CHECKING:  # pragma: no cover
    from liplanet_cert.assessment.result import Finding
    from liplanet_cert.dossier.labels import Labeller

__all__ = [
    "STATUS_LABELS",
    "compress_lots",
    "findings_section",
    "importance",
    "is_contradiction",
    "status_of",
    "top_findings",
]

STATUS_LABELS = {
    "pass": "Pass",
    "fail": "Fail",
    "not_applicable": "Not applicable",
    "error": "Error",
    "waived": "Waived",
}
CATEGORY_ORDER = ["eligibility", "process", "throughput", "quality", "scrap", "sustainability"]
NOT_MET = ("fail", "error", "waived")  # what needs follow-up


def status_of(f: Finding) -> str:
    return str(getattr(f.status, "value", f.status))


def compress_lots(lots: Sequence[str]) -> str:
    """``["L12", "L13", "L14", "L20"]`` → ``"L12–L14, L20"``: every lot listed, runs of three or more collapsed."""
    from liplanet_cert.assessment.kpis import compress_ids

    return compress_ids([str(x) for x in lots], limit=None, min_run=3)


def is_contradiction(f: Finding) -> bool:
    """A declaration-vs-logs cross-check (the line declared one thing, its own logs show another)."""
    return str(getattr(f, "category", "")) == "consistency" or str(getattr(f, "metric", "") or "").startswith(
        "consistency."
    )


def importance(f: Finding) -> tuple[int, int]:
    """Sort key of a finding that needs follow-up (lower is more important), ``(group, kind)``.

    Groups: 0 required failures and errors, 1 advisory ones, 2 waived criteria (not met, but
    covered by a waiver), 3 everything else.  Within a group a contradiction between the
    declaration and the logs comes first, then failures, then criteria that could not be evaluated.
    """
    status = status_of(f)
    if status in ("fail", "error"):
        group = 0 if str(f.severity) == "required" else 1
    elif status == "waived":
        group = 2
    else:
        group = 3
    kind = 0 if is_contradiction(f) else (1 if status != "error" else 2)
    return group, kind


def top_findings(findings: Sequence[Finding], k: int | None = None) -> list[Finding]:
    """The findings that matter most, most important first: every failure or error of a required
    criterion (declaration-vs-logs contradictions first), then of advisory criteria, then waived
    criteria; ties keep the pack's order.  Nothing is left out unless ``k`` limits the list."""
    relevant = [(i, f) for i, f in enumerate(findings) if status_of(f) in NOT_MET]
    relevant.sort(key=lambda t: (importance(t[1]), t[0]))
    out = [f for _, f in relevant]
    return out if k is None else out[:k]


def finding_view(f: Finding, lab: Labeller) -> dict[str, Any]:
    """One finding, ready to show: labels, the expected and found texts in words, an explanation."""
    status = status_of(f)
    consistency_kpi = str(f.metric or "").removeprefix("consistency.") if is_contradiction(f) else ""
    if consistency_kpi:
        expected = lab.consistency(f.expected, consistency_kpi)
    else:
        expected = lab.condition(f.expected)
    actual = lab.actual(f.actual)
    return {
        "id": f.id,
        "title": f.title,
        "category": f.category,
        "category_title": title_of(f.category),
        "severity": f.severity,
        "severity_label": str(f.severity).capitalize(),
        "status": status,
        "status_label": STATUS_LABELS.get(status, status),
        "expected": expected,
        "actual": actual,
        "message": lab.condition(f.message) if f.message else "",
        "location": f.location,
        "source": f.source,
        "metric": f.metric,
        "contradiction": is_contradiction(f),
        "lots": list(f.lots or []),
        "lots_text": compress_lots(f.lots or []),
        "waiver": dict(f.waiver) if f.waiver else None,
        "explanation": _explain(f, status, expected, actual, lab),
    }


def _explain(f: Finding, status: str, expected: str, actual: str, lab: Labeller) -> str:
    """One sentence on a finding, beyond what its Expected and Found already say."""
    if status == "not_applicable" and str(f.expected or "").startswith("applies if "):
        return f"Does not apply: it {expected}; the bundle shows {actual or 'nothing'}."
    message = str(f.message or "")
    if (
        message
        and status in ("pass", "fail")
        and (message.startswith(f"{f.title}: expected ") or message.startswith(f"{f.title}: met"))
    ):
        return ""  # the evaluator's generic "title: expected X, found Y" repeats the rows below it
    if message:
        text = lab.condition(message)
        return text[:1].upper() + text[1:]
    if status == "fail":
        return f"Expected {expected}; the bundle shows {actual}."
    if status == "error":
        return "The criterion could not be evaluated from the bundle; this is never counted as a pass."
    if status == "waived":
        return "The criterion is not met, but an active waiver covers it."
    return ""


def findings_section(findings: Sequence[Finding], lab: Labeller) -> dict[str, Any]:
    """The findings as the dossier shows them: what matters most, the criteria not met (in order of
    importance), advisory criteria met, every finding grouped by category, and the counts."""
    views = [finding_view(f, lab) for f in findings]
    by_id = {v["id"]: v for v in views}
    order = {f.id: (importance(f), i) for i, f in enumerate(findings)}
    required_bad = sum(1 for v in views if v["severity"] == "required" and v["status"] in ("fail", "error"))
    cats = [c for c in CATEGORY_ORDER if any(v["category"] == c for v in views)]
    cats += sorted({v["category"] for v in views} - set(cats))
    return {
        "total_findings": len(views),
        "top_findings": [by_id[f.id] for f in top_findings(findings)],
        "issues": sorted((v for v in views if v["status"] in NOT_MET), key=lambda v: order[v["id"]]),
        "advisory_ok": [v for v in views if v["severity"] == "advisory" and v["status"] not in NOT_MET],
        "groups": [
            {"category": c, "title": title_of(c), "findings": [v for v in views if v["category"] == c]}
            for c in cats
        ],
        "required_bad": required_bad,
        "observations": sum(1 for v in views if v["status"] in NOT_MET) - required_bad,
    }
