"""Render a :class:`~liplanet_cert.assessment.result.Result` as an audit dossier (HTML and Markdown).

The dossier reads nothing but the result (plus the shipped catalogues: KPI glossary, Figure 7
steps, metric catalogue, and the templates).  The criteria pack is cited by id, version and
sha256, never copied in.  :func:`build_context` turns the result into plain, display-ready
values, with internal metric paths put into words (:mod:`.labels`); the Jinja2 templates in
``templates/`` lay them out for screen and for A4 print (running header and "page x of y" in
``@page`` margin boxes).  HTML is rendered with autoescaping on (the running-header strings are
CSS string literals escaped by :func:`_css_string`); the Markdown environment escapes every
expression through :func:`md_escape` with Markdown backslash escapes, so text from a bundle can
inject neither HTML nor Markdown structure (a code span never holds a ``|``, which would end a
table cell).  Both outputs show text cleaned by :func:`liplanet_cert.infra.textsafe.clean`, the
sanitiser of every report: no escape sequence or control character from a bundle is kept.  Output is deterministic: the cover date comes from
``SOURCE_DATE_EPOCH`` when it is set, otherwise from ``result.assessed_on`` (never the wall
clock), and the dossier id is a hash of the canonical result JSON.

Jinja2 and PyYAML are imported inside the functions that need them.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liplanet_cert.dossier import charts
from liplanet_cert.dossier.charts import fmt_value
from liplanet_cert.infra.atomic import check_directory, write_all
from liplanet_cert.infra.textsafe import clean

if TYPE_CHECKING:  # pragma: no cover
    from liplanet_cert.assessment.result import Result

__all__ = [
    "FORMATS",
    "build_context",
    "dossier_date",
    "dossier_id",
    "md_escape",
    "render_html",
    "render_markdown",
    "write_dossier",
]

FORMATS = {"html": ".html", "md": ".md"}

VERDICT_LABELS = {
    "approved": "Approved",
    "approved_with_observations": "Approved with observations",
    "not_approved": "Not approved",
}
VERDICT_SENTENCES = {
    "approved": "The pilot line meets every criterion of the pack and is awarded the LiPLANET approved seal.",
    "approved_with_observations": "The pilot line meets every required criterion and is awarded the LiPLANET "
    "approved seal; advisory criteria it does not meet are listed as observations.",
    "not_approved": "The pilot line does not meet at least one required criterion and is not awarded the "
    "LiPLANET approved seal.",
}
STATUS_LABELS = {
    "pass": "Pass",
    "fail": "Fail",
    "not_applicable": "Not applicable",
    "error": "Error",
    "waived": "Waived",
}
CATEGORY_ORDER = ["eligibility", "process", "throughput", "quality", "scrap", "sustainability"]
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
RATIO_KPIS = {"scrap_rate", "first_pass_yield", "eol_pass_rate", "capacity_cv", "primary_data_share"}
_DIMENSIONLESS = {"", "1", "fraction", "dimensionless", "ratio"}
_COMPARATORS = {"≥": ">=", ">=": ">=", "≤": "<=", "<=": "<=", "<": "<", ">": ">", "=": "=", "==": "="}
_THRESHOLD_RE = re.compile(r"(≥|>=|≤|<=|<|>|==|=)\s*([-+]?\d[\d\u202f ,]*(?:\.\d+)?)\s*([^\s,;()]*)")


# --------------------------------------------------------------------------------------------
# identity and date
# --------------------------------------------------------------------------------------------


def canonical_json(result: Result) -> str:
    """The result as canonical JSON (sorted keys, no whitespace) — the input of the dossier id."""
    return json.dumps(
        result.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def dossier_id(result: Result) -> str:
    """``LPC-`` and the first 12 hex digits of the sha256 of the canonical result JSON."""
    return "LPC-" + hashlib.sha256(canonical_json(result).encode("utf-8")).hexdigest()[:12]


def dossier_date(result: Result) -> tuple[str, str]:
    """The date printed on the cover, and where it came from.

    ``SOURCE_DATE_EPOCH`` (reproducible builds convention) wins when it is a valid integer;
    otherwise the assessment date of the result.  The wall clock is never read.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            when = datetime.fromtimestamp(int(epoch), tz=UTC).date().isoformat()
            return when, f"SOURCE_DATE_EPOCH={epoch}"
        except (ValueError, OverflowError, OSError):
            pass
    return str(result.assessed_on), "assessment date"


# --------------------------------------------------------------------------------------------
# formatting helpers
# --------------------------------------------------------------------------------------------


def _humanize(step: str, titles: dict[str, str]) -> str:
    if step in titles:
        return titles[step]
    s = str(step).replace("_", " ").strip()
    return s[:1].upper() + s[1:]


def _step_titles() -> dict[str, str]:
    """Titles of the Figure 7 steps from the package's step list (ids as fallback)."""
    from liplanet_cert.infra.resources import PACKAGE_DIR

    path = PACKAGE_DIR / "schemas" / "steps.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    titles = {}
    for key in ("steps", "facility_services"):
        for item in data.get(key, []) or []:
            if isinstance(item, dict) and "id" in item and "title" in item:
                titles[str(item["id"])] = str(item["title"])
    return titles


def _num(x: Any) -> float | None:
    """A float from a number or a quantity string (``"5 Ah"`` → 5.0); None when there is none."""
    if x is None or isinstance(x, bool):
        return None
    if isinstance(x, (int, float)):
        return float(x) if math.isfinite(float(x)) else None
    m = re.match(r"\s*([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)", str(x))
    return float(m.group(1)) if m else None


def _norm_unit(u: str) -> str:
    u = str(u or "").strip().lower().replace(" ", "")
    u = re.sub(r"cells\b", "cell", u)
    u = u.replace("batches", "batch").replace("rolls", "roll")
    return u


def _display_scale(name: str, unit: str) -> tuple[float, str]:
    """Factor and unit to display a KPI with (fractions of ratio KPIs are shown in %)."""
    if name in RATIO_KPIS and _norm_unit(unit) in _DIMENSIONLESS:
        return 100.0, "%"
    if _norm_unit(unit) in ("percent",):
        return 1.0, "%"
    return 1.0, unit or ""


def parse_thresholds(expected: str) -> list[tuple[str, float, str]]:
    """All ``(comparator, value, unit)`` in an expected-value text like ``"≥ 2 m/day or ≥ 2 m/batch"``."""
    out = []
    for m in _THRESHOLD_RE.finditer(str(expected or "")):
        raw = m.group(2).replace("\u202f", "").replace(" ", "").replace(",", "")
        try:
            value = float(raw)
        except ValueError:
            continue
        out.append((_COMPARATORS[m.group(1)], value, m.group(3).strip()))
    return out


def _threshold_for(kpi_name: str, unit: str, findings: list[Any]) -> tuple[str | None, float | None, Any]:
    """The criterion threshold that applies to a KPI, converted to the KPI's own unit."""
    for f in findings:
        metrics = {m.strip().removeprefix("kpi.") for m in str(getattr(f, "metric", "") or "").split("|")}
        if kpi_name not in metrics:
            continue
        status = getattr(f.status, "value", f.status)
        if status == "not_applicable":
            continue
        cands = parse_thresholds(f.expected)
        ku = _norm_unit(unit)
        for comp, value, tu in cands:
            tn = _norm_unit(tu)
            if comp == "=":
                continue
            if tn == ku or (tn == "" and ku != "%"):
                return comp, value, f
            if tn in ("%", "percent") and ku in _DIMENSIONLESS:
                return comp, value / 100.0, f
            if tn in _DIMENSIONLESS and ku in ("%", "percent"):
                return comp, value * 100.0, f
    return None, None, None


def compress_lots(lots: Sequence[str]) -> str:
    """``["L12", "L13", "L14", "L20"]`` → ``"L12–L14, L20"``: every lot listed, runs of three or more collapsed."""
    from liplanet_cert.assessment.kpis import compress_ids

    return compress_ids([str(x) for x in lots], limit=None, min_run=3)


def _status(f: Any) -> str:
    return str(getattr(f.status, "value", f.status))


def _severity_rank(sev: str) -> int:
    return {"required": 0, "advisory": 1}.get(str(sev), 2)


def is_contradiction(f: Any) -> bool:
    """A declaration-vs-logs cross-check (the line declared one thing, its own logs show another)."""
    return str(getattr(f, "category", "")) == "consistency" or str(getattr(f, "metric", "") or "").startswith(
        "consistency."
    )


def importance(f: Any) -> tuple[int, int]:
    """Sort key of a finding that needs follow-up (lower is more important), ``(group, kind)``.

    Groups: 0 required failures and errors, 1 advisory ones, 2 waived criteria (not met, but
    covered by a waiver), 3 everything else.  Within a group a contradiction between the
    declaration and the logs comes first, then failures, then criteria that could not be evaluated.
    """
    status = _status(f)
    if status in ("fail", "error"):
        group = 0 if str(f.severity) == "required" else 1
    elif status == "waived":
        group = 2
    else:
        group = 3
    kind = 0 if is_contradiction(f) else (1 if status != "error" else 2)
    return group, kind


def top_findings(findings: Sequence[Any], k: int | None = None) -> list[Any]:
    """The findings that matter most, most important first: every failure or error of a required
    criterion (declaration-vs-logs contradictions first), then of advisory criteria, then waived
    criteria; ties keep the pack's order.  Nothing is left out unless ``k`` limits the list."""
    relevant = [(i, f) for i, f in enumerate(findings) if _status(f) in ("fail", "error", "waived")]
    relevant.sort(key=lambda t: (importance(t[1]), t[0]))
    out = [f for _, f in relevant]
    return out if k is None else out[:k]


# --------------------------------------------------------------------------------------------
# context
# --------------------------------------------------------------------------------------------


def _finding_view(f: Any, lab: Any) -> dict[str, Any]:
    status = _status(f)
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
        "category_title": _humanize(f.category, {}),
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


def _explain(f: Any, status: str, expected: str, actual: str, lab: Any) -> str:
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


def _with_unit(text: str, unit: str) -> str:
    if text in ("", "—") or not unit:
        return text
    return f"{text} {unit}"


def _kpi_views(result: Result, html: bool, titles: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """One row per KPI; every number carries its unit (deviations of percentages in percentage points)."""
    titles = titles or {}
    names = [k for k in KPI_ORDER if k in result.kpis] + sorted(k for k in result.kpis if k not in KPI_ORDER)
    rows = []
    for name in names:
        kpi = result.kpis[name]
        comp, thr, finding = _threshold_for(name, kpi.unit, result.findings)
        scale, unit = _display_scale(name, kpi.unit)
        if _norm_unit(unit) in _DIMENSIONLESS:
            unit = ""
        declared = kpi.declared * scale if kpi.declared is not None else None
        measured = kpi.measured * scale if kpi.measured is not None else None
        threshold = thr * scale if thr is not None else None
        deviation = None
        if declared is not None and measured is not None:
            deviation = measured - declared
        dev_unit = "pp" if unit == "%" else unit
        title = titles.get(name) or kpi.title or _humanize(name, {})
        row = {
            "name": name,
            "title": title,
            "unit": unit,
            "declared": declared,
            "measured": measured,
            "threshold": threshold,
            "comparator": comp,
            "declared_text": _with_unit(fmt_value(declared), unit),
            "measured_text": _with_unit(fmt_value(measured), unit),
            "threshold_text": _with_unit(
                f"{_COMP_SYMBOL.get(comp or '', comp or '')} {fmt_value(threshold)}".strip(), unit
            )
            if threshold is not None
            else "—",
            "deviation_text": _with_unit(
                ("+" if deviation > 0 else "−" if deviation < 0 else "") + fmt_value(abs(deviation)), dev_unit
            )
            if deviation is not None
            else "—",
            "declared_location": kpi.declared_location,
            "measured_location": kpi.measured_location,
            "criterion": finding.id if finding is not None else "",
            "status": _status(finding) if finding is not None else "",
            "chart": charts.bullet_chart(
                title, unit, measured=measured, declared=declared, threshold=threshold, comparator=comp
            )
            if html
            else "",
        }
        rows.append(row)
    return rows


_COMP_SYMBOL = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}


def _footprint_view(fp: dict[str, Any] | None, titles: dict[str, str], html: bool) -> dict[str, Any] | None:
    if not fp:
        return None
    total = fp.get("total") or {}
    total_kwh = _num(total.get("kg_co2e_per_kwh"))
    total_cell = _num(total.get("kg_co2e_per_cell"))
    kwh_per_cell_factor = (total_kwh / total_cell) if total_kwh and total_cell else 1.0

    def _per_kwh(row: dict[str, Any], key: str) -> float | None:
        """``key`` of a scenario row in kg CO2e/kWh (rows may give it per kWh, per cell or bare)."""
        for k, factor in (
            (f"{key}_kg_co2e_per_kwh", 1.0),
            (f"{key}_kg_co2e_per_cell", kwh_per_cell_factor),
            (key, 1.0),
        ):
            v = _num(row.get(k))
            if v is not None:
                return v * factor
        return None

    unc = fp.get("uncertainty") or {}
    unc_steps: dict[str, Any] = {}
    unc_total = None
    unc_unit = str(unc.get("unit", "")) if isinstance(unc, dict) else ""
    if isinstance(unc, dict):
        raw = unc.get("steps", unc)
        if isinstance(raw, list):
            unc_steps = {str(e.get("step")): e for e in raw if isinstance(e, dict)}
        elif isinstance(raw, dict):
            unc_steps = {str(k): v for k, v in raw.items() if isinstance(v, dict)}
        unc_total = unc.get("total") if isinstance(unc.get("total"), dict) else unc_steps.pop("total", None)
        unc_steps.pop("total", None)

    def interval(entry: Any, per_kwh: float | None, per_cell: float | None) -> dict[str, float] | None:
        """Percentiles of one step, in kg CO2e/kWh (picks per-kWh or per-cell figures by magnitude)."""
        if not isinstance(entry, dict):
            return None
        if isinstance(entry.get("kg_co2e_per_kwh"), dict):
            entry = entry["kg_co2e_per_kwh"]
        elif isinstance(entry.get("kg_co2e_per_cell"), dict) and per_kwh and per_cell:
            e = entry["kg_co2e_per_cell"]
            entry = {k: (_num(v) or 0) * per_kwh / per_cell for k, v in e.items() if _num(v) is not None}
        vals = {k: _num(entry.get(k)) for k in ("mean", "median", "p2_5", "p97_5")}
        if vals["p2_5"] is None or vals["p97_5"] is None:
            return None
        factor = 1.0
        ref = vals["mean"] if vals["mean"] is not None else vals["median"]
        if "kwh" in unc_unit.lower():
            pass
        elif "cell" in unc_unit.lower():
            factor = (per_kwh / per_cell) if per_kwh and per_cell else kwh_per_cell_factor
        elif ref and per_kwh and per_cell and per_cell > 0:
            # per-cell figures are far smaller than per-kWh ones: scale them when that is what they are
            if abs(math.log(abs(ref) / per_cell)) < abs(math.log(abs(ref) / per_kwh)):
                factor = per_kwh / per_cell
        return {k: v * factor for k, v in vals.items() if v is not None}

    steps = []
    for s in fp.get("steps") or []:
        per_kwh = _num(s.get("kg_co2e_per_kwh"))
        per_cell = _num(s.get("kg_co2e_per_cell"))
        contrib = s.get("contributions") or {}
        csum = sum(_num(v) or 0 for v in contrib.values())
        shares = {
            k: ((_num(contrib.get(k)) or 0) / csum if csum > 0 else 0.0)
            for k in ("electricity", "heat", "materials")
        }
        iv = interval(unc_steps.get(str(s.get("step"))), per_kwh, per_cell)
        steps.append(
            {
                "step": s.get("step", ""),
                "title": _humanize(str(s.get("step", "")), titles),
                "per_cell": per_cell,
                "per_kwh": per_kwh,
                "share": _num(s.get("share")),
                "data_source": s.get("data_source", ""),
                "shares": shares,
                "contrib_kwh": {k: (per_kwh or 0) * v for k, v in shares.items()},
                "interval": iv,
            }
        )
    chart_rows = [
        {
            "step": st["title"],
            "value": st["per_kwh"] or 0.0,
            "data_source": st["data_source"],
            "contributions": st["contrib_kwh"],
            "low": st["interval"]["p2_5"] if st["interval"] else None,
            "high": st["interval"]["p97_5"] if st["interval"] else None,
        }
        for st in steps
    ]
    # totals by contribution
    by_kind = {k: sum(st["contrib_kwh"][k] for st in steps) for k in ("electricity", "heat", "materials")}

    scenario = fp.get("scenario")
    scen_view = None
    if isinstance(scenario, dict):
        rows = []
        raw = scenario.get("steps", [])
        if isinstance(raw, dict):
            raw = [dict(v, step=k) for k, v in raw.items() if isinstance(v, dict)]
        for r in raw or []:
            if not isinstance(r, dict):
                continue
            base, scen, red = _per_kwh(r, "baseline"), _per_kwh(r, "scenario"), _per_kwh(r, "reduction")
            if base is None or scen is None:
                continue
            red = base - scen if red is None else red
            rows.append(
                {
                    "step": r.get("step", ""),
                    "title": _humanize(str(r.get("step", "")), titles),
                    "baseline": base,
                    "scenario": scen,
                    "reduction": red,
                    "reduction_pct": (red / base * 100) if base else None,
                }
            )
        st = scenario.get("total") if isinstance(scenario.get("total"), dict) else {}
        base_total = _per_kwh(st, "baseline") if st else None
        scen_total = _per_kwh(st, "scenario") if st else None
        if base_total is None or scen_total is None:
            base_total = sum(r["baseline"] for r in rows)
            scen_total = sum(r["scenario"] for r in rows)
        scen_unit = "kg CO2e/kWh"
        changes = []
        for ch in scenario.get("changes") or []:
            if isinstance(ch, dict):
                what = ", ".join(f"{k} {v}" for k, v in ch.items() if k not in ("source", "year"))
                changes.append(
                    {"what": what, "source": str(ch.get("source", "")), "year": ch.get("year", "")}
                )
            else:
                changes.append({"what": str(ch), "source": "", "year": ""})
        scen_view = {
            "name": scenario.get("name") or scenario.get("id") or "",
            "version": scenario.get("version", ""),
            "changes": changes,
            "title": scenario.get("title") or scenario.get("description") or "",
            "unit": scen_unit,
            "rows": rows,
            "baseline_total": base_total,
            "scenario_total": scen_total,
            "reduction_total": base_total - scen_total,
            "reduction_pct": ((base_total - scen_total) / base_total * 100) if base_total else None,
            "details": {
                k: v
                for k, v in sorted(scenario.items())
                if k not in ("steps", "name", "title", "unit", "id", "version", "description")
                and isinstance(v, (str, int, float))
            },
            "chart": charts.scenario_chart(
                [(r["title"], r["baseline"], r["scenario"]) for r in rows],
                unit=scen_unit,
                title=str(scenario.get("title") or scenario.get("name") or ""),
            )
            if html and rows
            else "",
        }
    method = fp.get("method")
    if isinstance(method, (list, tuple)):
        method = " · ".join(str(m) for m in method)
    sources = []
    text_keys = ("citation", "source", "title", "name")
    for src in fp.get("sources") or []:
        if isinstance(src, dict):
            title = next((src[k] for k in text_keys if src.get(k)), src.get("id", ""))
            used = src.get("what") or src.get("used_for") or ""
            extra = {
                k: v
                for k, v in sorted(src.items())
                if k not in (*text_keys, "id", "what", "used_for", "year")
                and isinstance(v, (str, int, float))
            }
            sources.append(
                {
                    "id": src.get("id", ""),
                    "text": str(title),
                    "year": src.get("year", ""),
                    "used_for": str(used),
                    "extra": "; ".join(f"{k}: {v}" for k, v in extra.items()),
                }
            )
        else:
            sources.append({"id": "", "text": str(src), "year": "", "used_for": "", "extra": ""})
    fu = fp.get("functional_unit")
    if isinstance(fu, dict):
        functional_unit = [_fu_row(str(k), v) for k, v in fu.items()]
    else:
        functional_unit = [("Functional unit", fu)] if fu else []
    primary_share = _num(fp.get("primary_data_share"))
    return {
        "method": method or "",
        "functional_unit": functional_unit,
        "total_kwh": total_kwh,
        "total_cell": total_cell,
        "total_abs": _num(total.get("kg_co2e")),
        "total_interval": interval(unc_total, total_kwh, total_cell),
        "primary_share": primary_share,
        "steps": steps,
        "by_kind": by_kind,
        "uncertainty": {
            k: v
            for k, v in sorted(unc.items())
            if k not in ("steps", "total", "unit") and isinstance(v, (str, int, float))
        }
        if isinstance(unc, dict) and unc
        else None,
        "has_intervals": any(st["interval"] for st in steps),
        "scenario": scen_view,
        "model": fp.get("model") or {},
        "sources": sources,
        "chart": charts.footprint_chart(chart_rows) if html else "",
    }


# Functional-unit fields of a footprint: label, and the unit their numbers are in.
_FU_FIELDS = {
    "per_cell": ("Per cell", ""),
    "per_kwh": ("Per kWh", ""),
    "cells_produced": ("Good cells produced in the period", "cells"),
    "cell_energy_kwh": ("Nominal energy per cell", "kWh"),
    "country": ("Country (grid)", ""),
    "grid_factor_year": ("Year of the grid emission factor", ""),
    "system_boundary": ("System boundary", ""),
    "primary_data_share_definition": ("Primary data share: definition", ""),
}
_UNIT_SUFFIXES = {"_kwh": "kWh", "_kg": "kg", "_wh": "Wh", "_ah": "Ah", "_pct": "%", "_percent": "%"}


def _fu_row(key: str, value: Any) -> tuple[str, Any]:
    """One functional-unit field as (label, value with its unit)."""
    label, unit = _FU_FIELDS.get(key, ("", ""))
    if not label:
        words = key
        for suffix, u in _UNIT_SUFFIXES.items():
            if key.endswith(suffix):
                words, unit = key[: -len(suffix)], u
                break
        label = words.replace("_", " ").strip().capitalize() or key
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return label, value
    text = f"{value:,.6g}".replace(",", "\u202f") if isinstance(value, float) else str(value)
    return label, f"{text} {unit}".strip()


def _load_glossary(kpi_names: Sequence[str]) -> list[dict[str, str]]:
    import yaml

    from liplanet_cert.infra.resources import data_dir

    path = data_dir("templates") / "glossary.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    terms = data.get("terms", data) if isinstance(data, dict) else {}
    out = []
    seen = set()
    for name in list(kpi_names) + [k for k in terms if k not in kpi_names]:
        t = terms.get(name)
        if not isinstance(t, dict) or name in seen:
            continue
        seen.add(name)
        out.append(
            {
                "name": name,
                "title": str(t.get("title", name)),
                "definition": str(t.get("definition", "")),
                "unit": str(t.get("unit", "")),
                "source": str(t.get("source", "")),
            }
        )
    return out


def _pack_citation(result: Result) -> dict[str, str]:
    """How the dossier cites the criteria pack: id, version, sha256 and the command that shows it.

    The pack is never copied into the dossier.  A pack shipped with the tool is shown with
    ``liplanet-cert criteria show <id>@<version>``; a pack the user gave as a file is shown by its
    file name as recorded (never an absolute install path).
    """
    crit = result.criteria
    ref = f"{crit.id}@{crit.version}"
    path = str(getattr(crit, "path", "") or "")
    shipped = True
    if path:
        from liplanet_cert.infra.resources import data_dir

        try:
            shipped = Path(path).resolve().parent == data_dir("criteria").resolve()
        except (OSError, ValueError):
            shipped = False
    target = ref if shipped or not path else (path if not Path(path).is_absolute() else Path(path).name)
    return {"ref": ref, "show": f"liplanet-cert criteria show {target}", "shipped": "yes" if shipped else ""}


def bundle_label(result: Result) -> str:
    """The bundle as the user gave it; an example bundle shipped with the tool as ``example: <name>``.

    ``--example`` resolves to a directory inside the installation (``…/site-packages/…`` or the
    source checkout); that path says nothing to an auditor and differs between machines.
    """
    bundle = result.bundle or {}
    path = str(bundle.get("path", "") or "")
    if not path:
        return str(bundle.get("name", "") or "")
    from liplanet_cert.infra.resources import PACKAGE_DIR

    roots = [PACKAGE_DIR / "_data" / "examples" / "bundles", PACKAGE_DIR.parent / "examples" / "bundles"]
    try:
        where = Path(path).resolve()
        for root in roots:
            root = root.resolve()
            if where.parent == root and root.is_dir():
                return f"example: {where.name}"
    except (OSError, ValueError):
        pass
    return path


HEAD_NAME_CHARS = 60  # the pilot-line name in the running header: one line beside the pack reference


def _css_string(text: str, limit: int = 90) -> str:
    """``text`` as a CSS string literal that nothing can break out of (for ``@page`` margin boxes).

    Every character but ASCII letters, digits, space and a few punctuation marks is written as a
    six-digit CSS escape, so quotes, backslashes and ``</style>`` cannot end the string or the
    style element.  Long text is shortened with an ellipsis: a margin box holds one line.
    """
    text = re.sub(r"[\x00-\x1f\x7f]+", " ", str(text))
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    out = []
    for ch in text:
        if (ch.isascii() and ch.isalnum()) or ch in " -_.,:@()+=":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):06x} ")  # the space ends the escape (CSS consumes it)
    return '"' + "".join(out) + '"'


def _tiles(counts: dict[str, int]) -> list[dict[str, Any]]:
    """The count tiles of the summary.  A zero is neutral: only a count above zero is coloured."""
    spec = [
        ("pass", "passed"),
        ("fail", "failed"),
        ("error", "not evaluable"),
        ("waived", "waived"),
        ("not_applicable", "not applicable"),
    ]
    out = []
    for key, label in spec:
        value = int(counts.get(key, 0) or 0)
        out.append({"key": key, "value": value, "label": label, "cls": key if value else "zero"})
    return out


def build_context(result: Result, *, command: str, html: bool = True) -> dict[str, Any]:
    """Every value the templates show, computed once and formatted for display.

    Every text of the result (bundle, criteria pack, waivers) and the command line are cleaned
    first with :func:`liplanet_cert.infra.textsafe.clean`, the sanitiser of every report: no escape
    sequence, control or bidirectional-control character reaches the HTML, its SVG charts or the
    Markdown.  The dossier id is still the hash of the result as it is.

    With ``html=True`` the chart entries hold SVG strings (escaped inside); Markdown does not
    need them.
    """
    from liplanet_cert.dossier.labels import labeller
    from liplanet_cert.infra.textsafe import clean_tree

    ident = dossier_id(result)
    result = clean_tree(result)
    command = clean(command)

    titles = _step_titles()
    verdict = str(getattr(result.verdict, "value", result.verdict))
    counts = result.counts
    glossary = _load_glossary(
        [k for k in KPI_ORDER if k in result.kpis] + sorted(k for k in result.kpis if k not in KPI_ORDER)
    )
    lab = labeller({g["name"]: g["title"] for g in glossary})
    findings = [_finding_view(f, lab) for f in result.findings]
    by_id = {f["id"]: f for f in findings}
    top = [by_id[f.id] for f in top_findings(result.findings)]
    order = {f.id: (importance(f), i) for i, f in enumerate(result.findings)}
    issues = sorted(
        (f for f in findings if f["status"] in ("fail", "error", "waived")), key=lambda f: order[f["id"]]
    )
    advisory_ok = [
        f for f in findings if f["severity"] == "advisory" and f["status"] not in ("fail", "error", "waived")
    ]
    required_bad = sum(
        1 for f in findings if f["severity"] == "required" and f["status"] in ("fail", "error")
    )
    observations = sum(1 for f in findings if f["status"] in ("fail", "error", "waived")) - required_bad

    cats = [c for c in CATEGORY_ORDER if any(f["category"] == c for f in findings)]
    cats += sorted({f["category"] for f in findings} - set(cats))
    groups = [
        {"category": c, "title": _humanize(c, {}), "findings": [f for f in findings if f["category"] == c]}
        for c in cats
    ]

    steps = []
    # StepStats rates may be fractions (0–1) or percentages: yields above 1 mean percentages
    pct_scale = (
        1.0
        if any(
            (s.yield_ or 0) > 1.0 or (s.scrap_rate or 0) > 1.0 or (s.scrap_limit or 0) > 1.0
            for s in result.steps
        )
        else 100.0
    )
    for s in result.steps:
        steps.append(
            {
                "step": s.step,
                "title": _humanize(s.step, titles),
                "lots": s.lots,
                "units_in": fmt_value(s.units_in),
                "good_out": fmt_value(s.good_out),
                "scrap": fmt_value(s.scrap),
                "scrap_rate": s.scrap_rate * pct_scale if s.scrap_rate is not None else None,
                "yield": s.yield_ * pct_scale if s.yield_ is not None else None,
                "limit": s.scrap_limit * pct_scale if s.scrap_limit is not None else None,
                "over": s.scrap_rate is not None
                and s.scrap_limit is not None
                and s.scrap_rate > s.scrap_limit,
            }
        )
    kpis = _kpi_views(result, html, {g["name"]: g["title"] for g in glossary})
    kpi_by_name = {k["name"]: k for k in kpis}

    daily = [(str(d.get("date", "")), _num(d.get("cells"))) for d in result.daily_output or []]
    daily = [(d, v) for d, v in daily if v is not None]
    daily_vals = [v for _, v in daily]
    tp = kpi_by_name.get("cell_throughput")
    daily_view = {
        "days": len(daily),
        "total": sum(daily_vals),
        "mean": sum(daily_vals) / len(daily_vals) if daily_vals else None,
        "min": min(daily_vals) if daily_vals else None,
        "max": max(daily_vals) if daily_vals else None,
        "first": daily[0][0] if daily else "",
        "last": daily[-1][0] if daily else "",
        "threshold": tp["threshold"] if tp else None,
        "threshold_text": tp["threshold_text"] if tp and tp["threshold"] is not None else "",
        "chart": charts.daily_output_chart(
            daily, threshold=tp["threshold"] if tp and tp["unit"] != "%" else None
        )
        if html
        else "",
    }

    eol = result.eol_capacity or {}
    caps = [v for v in (_num(x) for x in eol.get("values", []) or []) if v is not None]
    unit = str(eol.get("unit", "Ah") or "Ah")
    nominal = _num(eol.get("nominal"))
    if nominal is None:
        nominal = _num((result.cell or {}).get("nominal_capacity"))
    mean = sum(caps) / len(caps) if caps else None
    sd = (
        (sum((c - mean) ** 2 for c in caps) / (len(caps) - 1)) ** 0.5
        if mean is not None and len(caps) > 1
        else None
    )
    eol_view = {
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

    fp = _footprint_view(result.footprint, titles, html)
    date, date_source = dossier_date(result)
    assessed_on = str(result.assessed_on)
    pilot_line = {
        k: str((result.pilot_line or {}).get(k, "") or "") for k in ("name", "operator", "site", "country")
    }
    verdict_label = VERDICT_LABELS.get(verdict, verdict)
    pack = _pack_citation(result)
    tool = {
        "name": (result.tool or {}).get("name", "liplanet-cert"),
        "version": (result.tool or {}).get("version", ""),
    }
    # The verdict leads the running header and is never shortened: only the name is (ellipsis),
    # so a long pilot-line name cannot push the verdict out of the margin box on any page.
    head_name = pilot_line["name"] or "Pilot line"
    if len(head_name) > HEAD_NAME_CHARS:
        head_name = head_name[: HEAD_NAME_CHARS - 1].rstrip() + "…"
    head_left = " · ".join(x for x in (verdict_label.upper(), head_name) if x)
    page_css = {
        "top_left": _css_string(head_left),
        "top_right": _css_string(pack["ref"], 40),
        "bottom_left": _css_string(f"{ident} · {tool['name']} {tool['version']}".strip(), 60),
    }
    if verdict == "not_approved":
        headline = (
            f"{required_bad} required criteri{'on is' if required_bad == 1 else 'a are'} not met: "
            "the LiPLANET approved seal is not awarded."
        )
    elif verdict == "approved_with_observations":
        headline = (
            f"Every required criterion is met; {observations} observation{'' if observations == 1 else 's'} "
            "(advisory criteria not met or waived) to follow up, listed in section 4."
        )
    else:
        headline = VERDICT_SENTENCES.get(verdict, "")
    return {
        "dossier_id": ident,
        "date": date,
        "date_source": date_source,
        "date_differs": date != assessed_on,
        "verdict": verdict,
        "verdict_label": verdict_label,
        "verdict_sentence": VERDICT_SENTENCES.get(verdict, ""),
        "verdict_headline": headline,
        "seal_awarded": verdict in ("approved", "approved_with_observations"),
        "seal": charts.seal_badge(verdict) if html else "",
        "required_bad": required_bad,
        "observations": observations,
        "pilot_line": pilot_line,
        "period": {
            "start": (result.reporting_period or {}).get("start", ""),
            "end": (result.reporting_period or {}).get("end", ""),
        },
        "cell": [
            (k.replace("_", " ").capitalize(), (result.cell or {}).get(k, ""))
            for k in ("format", "chemistry", "nominal_capacity", "nominal_voltage", "nominal_energy")
            if (result.cell or {}).get(k, "") not in ("", None)
        ],
        "criteria": {
            "id": result.criteria.id,
            "version": result.criteria.version,
            "sha256": result.criteria.sha256,
            "title": result.criteria.title,
            "ref": pack["ref"],
            "show": pack["show"],
        },
        "tool": tool,
        "bundle": {
            "label": bundle_label(result),
            "format_version": (result.bundle or {}).get("format_version", ""),
        },
        "assessed_on": assessed_on,
        "counts": counts,
        "tiles": _tiles(counts),
        "total_findings": len(findings),
        "top_findings": top,
        "issues": issues,
        "advisory_ok": advisory_ok,
        "groups": groups,
        "steps": steps,
        "step_chart": charts.step_scrap_chart([(s["title"], s["scrap_rate"], s["limit"]) for s in steps])
        if html
        else "",
        "kpis": kpis,
        "daily": daily_view,
        "eol": eol_view,
        "footprint": fp,
        "inputs": [
            {"path": i.path, "sha256": i.sha256, "size": i.size, "size_text": _size(i.size)}
            for i in result.inputs
        ],
        "glossary": glossary,
        "warnings": [lab.words(w) for w in (result.warnings or [])],
        "command": command,
        "page_css": page_css,
    }


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / 1024 / 1024:.1f} MiB"


# --------------------------------------------------------------------------------------------
# Markdown escaping
# --------------------------------------------------------------------------------------------


class MdRaw(str):
    """Markdown that the template builds on purpose (code spans, fences): not escaped again."""


# Characters that are Markdown wherever they stand (emphasis, code, links, tables, escapes).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
# "<" only starts HTML (a tag, comment, declaration) or an autolink before a letter, "/", "!" or "?";
# "&" only starts a character reference before a name or "#" and a ";".
_MD_LT = re.compile(r"<(?=[A-Za-z/!?])")
_MD_AMP = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# What makes a line a heading, list item, block quote, table rule or setext underline when it starts one.
_MD_LEADING = re.compile(r"^(\s*)([#>]|[-+*=](?=\s|$|[-=])|\d{1,9}(?=[.)](?:\s|$)))")
# What closes an ATX heading when it ends one (after a space).
_MD_TRAILING_HASHES = re.compile(r"(?<![\\#])#+$")


def md_escape(value: Any) -> str:
    """Neutralise HTML and Markdown in one value shown inline (also usable inside table cells).

    Markdown is escaped the Markdown way, with backslashes (``\\|``, ``\\*``, ``\\<b>``): never with
    HTML character references, which a reader of the raw ``.md`` would see verbatim.
    """
    if value is None:
        return ""
    if isinstance(value, MdRaw):
        return str(value)
    s = re.sub(r"\s*[\r\n]+\s*", " ", clean(value)).strip()  # trimmed: leading spaces could make a code block
    s = _MD_SPECIAL.sub(r"\\\1", s)
    s = _MD_LT.sub(r"\\<", s)
    s = _MD_AMP.sub(r"\\&", s)
    m = _MD_LEADING.match(s)
    if m:
        if m.group(2).isdigit():  # "1. text" would start an ordered list: escape the "."
            end = m.end()
            s = s[:end] + "\\" + s[end:]
        else:
            s = s[: m.start(2)] + "\\" + s[m.start(2) :]
    t = _MD_TRAILING_HASHES.search(s)
    if t and s[t.start() - 1 : t.start()] in (
        " ",
        "\t",
    ):  # would close a heading: "### title ##" loses its "##"
        s = s[: t.start()] + "\\" + s[t.start() :]
    return s


def md_code(value: Any) -> MdRaw:
    """An inline code span that no content can break out of, also in a table cell (HTML inside it
    is shown as text); text with a ``|`` is escaped text instead (:func:`md_escape`).

    - the fence is one backtick longer than the longest run of backticks inside;
    - a GFM table splits its cells at every ``|`` not escaped, code spans included, and ``\\|``
      inside a code span shows its backslash outside a table: so no code span holds a pipe;
    - the text is cleaned (:func:`liplanet_cert.infra.textsafe.clean`), on one line.
    """
    s = clean("" if value is None else value, oneline=True)
    if not s:
        return MdRaw("")
    if "|" in s:
        return MdRaw(md_escape(s))
    longest = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    # a space either side keeps a backtick at the edge apart from the fence, and a space at the
    # edge as it is (a renderer strips one space from each side of a code span that has both)
    pad = " " if not s.isspace() and (s[0] in "` " or s[-1] in "` ") else ""
    return MdRaw(f"{fence}{pad}{s}{pad}{fence}")


def md_block(value: Any, lang: str = "") -> MdRaw:
    """A fenced code block that no content can close early (cleaned, keeping its lines)."""
    s = clean("" if value is None else value).rstrip("\n")
    longest = max((len(m) for m in re.findall(r"^\s*(`{3,}|~{3,})", s, flags=re.M)), default=0)
    fence = "`" * max(3, longest + 1)
    return MdRaw(f"{fence}{lang}\n{s}\n{fence}")


# --------------------------------------------------------------------------------------------
# rendering
# --------------------------------------------------------------------------------------------


def _filters() -> dict[str, Any]:
    def num(x: Any, digits: int | None = None) -> str:
        return fmt_value(_num(x), digits)

    def pct(x: Any, digits: int = 1) -> str:
        v = _num(x)
        if v is None:
            return "—"
        smallest = 10.0**-digits
        if 0 < abs(v * 100) < smallest / 2:
            return f"< {fmt_value(smallest, digits)} %"
        return f"{fmt_value(v * 100, digits)} %"

    return {"num": num, "pct": pct}


_BREAK_AFTER = re.compile(r"(?<=[/#])(?=[^/#\s])")  # never after a "." (inside a file name)


def wbr(value: Any, limit: int = 30) -> Any:
    """An identifier, path or pointer, HTML-escaped, that may wrap only after ``/`` or ``#``.

    Text longer than ``limit`` characters (``declaration.yaml#/steps/4/automation``) gets a
    ``<wbr>`` after each separator; shorter text stays one unbroken token.  The CSS of the dossier
    forbids breaking inside a token, so a line never ends in ``coating_and_d``.
    """
    from markupsafe import Markup, escape

    text = "" if value is None else str(value)
    if len(text) <= limit:
        return escape(text)
    return Markup("<wbr>").join(escape(part) for part in _BREAK_AFTER.split(text))


def _environment(*, markdown: bool) -> Any:
    import jinja2

    from liplanet_cert.infra.resources import data_dir

    loader = jinja2.FileSystemLoader(str(data_dir("templates")))
    if markdown:
        env = jinja2.Environment(
            loader=loader,
            autoescape=False,
            undefined=jinja2.StrictUndefined,
            finalize=md_escape,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters.update(code=md_code, block=md_block, raw_md=MdRaw)
    else:
        env = jinja2.Environment(
            loader=loader,
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            finalize=_html_finalize,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["wbr"] = wbr
    env.filters.update(_filters())
    env.globals.update(status_labels=STATUS_LABELS)
    return env


def _html_finalize(value: Any) -> Any:
    """Every text an HTML expression shows is cleaned (the context already is: this keeps it so for
    values a template computes); autoescaping follows.  Markup (SVG built by :mod:`.charts`) is kept."""
    from markupsafe import Markup

    from liplanet_cert.infra.textsafe import clean

    return clean(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def _mark_svg(ctx: dict[str, Any]) -> dict[str, Any]:
    """Mark the chart SVG strings (built and escaped by :mod:`charts`) as safe for autoescaping."""
    from markupsafe import Markup

    def mark(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {
                k: (Markup(v) if k in ("chart", "seal", "step_chart") and isinstance(v, str) else mark(v))
                for k, v in obj.items()
            }
        if isinstance(obj, list):
            return [mark(v) for v in obj]
        return obj

    return mark(ctx)


def render_html(result: Result, *, command: str) -> str:
    """The dossier as one self-contained HTML document (inline CSS and SVG, no scripts)."""
    env = _environment(markdown=False)
    from markupsafe import Markup

    ctx = _mark_svg(build_context(result, command=command, html=True))
    ctx["page_css"] = {
        k: Markup(v) for k, v in ctx["page_css"].items()
    }  # CSS string literals, escaped by _css_string
    return glue(env.get_template("dossier.html.j2").render(**ctx))


# -- no line break inside a value -------------------------------------------------------------------
# A line never ends between a comparator and its number ("≥ | 20"), a number and its unit
# ("20 | cell/day", "4 | %") or inside a hyphenated value ("semi- | automatic"): the spaces become
# non-breaking (U+00A0) and the declaration's hyphenated enum values are wrapped in a no-wrap span (the text
# stays searchable and copies as typed).  Applied to the text of the rendered HTML only: never to
# tags, attributes, the style sheet, the <title>, SVG (where a span would not belong) or code.
UNITS = (
    "%",
    "‰",
    "pp",
    "Ah",
    "mAh",
    "Wh",
    "kWh",
    "MWh",
    "GWh",
    "V",
    "mV",
    "A",
    "mA",
    "mohm",
    "ohm",
    "mΩ",
    "Ω",
    "m",
    "mm",
    "µm",
    "um",
    "cm",
    "km",
    "m²",
    "kg",
    "g",
    "t",
    "kPa",
    "Pa",
    "bar",
    "s",
    "h",
    "min",
    "d",
    "day",
    "days",
    "cell",
    "cells",
    "°C",
    "K",
    "ppm",
    "MJ",
    "kJ",
    "J",
)
_UNIT = "(?:" + "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True)) + r")(?:/[^\s<>,;()]+)?"
_NUMBER_UNIT = re.compile(r"(?<=\d) (?=" + _UNIT + r"(?![\w°²]))")
_COMPARATOR_NUMBER = re.compile(r"(≥|≤|≠|±|=|&lt;|&gt;|&lt;=|&gt;=) (?=[-+−]?\d)")


@lru_cache(maxsize=1)
def _hyphenated_values() -> re.Pattern[str]:
    """The hyphenated enum values of a declaration ("semi-automatic"), as whole words."""
    from liplanet_cert.infra.resources import schema_path

    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "enum" and isinstance(v, list):
                    found.update(
                        x for x in v if isinstance(x, str) and re.fullmatch(r"[a-z]+(?:-[a-z]+)+", x)
                    )
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads(schema_path("declaration").read_text(encoding="utf-8")))
    alternatives = "|".join(re.escape(v) for v in sorted(found, key=len, reverse=True)) or "(?!)"
    return re.compile(r"(?<![\w./#@&-])(?:" + alternatives + r")(?![\w./#@-])")


_RAW = re.compile(
    r"(<style\b.*?</style>|<title\b.*?</title>|<svg\b.*?</svg>|<pre\b.*?</pre>|<code\b.*?</code>|<[^>]*>)",
    re.S | re.I,
)


def glue(html: str) -> str:
    """``html`` with no line break between a number and its unit or comparator, or inside a
    hyphenated value (see above); tags, attributes, style, title and SVG are left as they are."""
    parts = _RAW.split(html)
    for i in range(0, len(parts), 2):  # the even parts are text between tags
        text = parts[i]
        if not text or not any(ch.isdigit() or ch == "-" for ch in text):
            continue
        text = _COMPARATOR_NUMBER.sub("\\1\u00a0", text)
        text = _NUMBER_UNIT.sub("\u00a0", text)
        parts[i] = _hyphenated_values().sub(lambda m: f'<span class="nowrap">{m.group(0)}</span>', text)
    return "".join(parts)


def render_markdown(result: Result, *, command: str) -> str:
    """The dossier as Markdown (every value from the bundle escaped)."""
    env = _environment(markdown=True)
    ctx = build_context(result, command=command, html=False)
    return env.get_template("dossier.md.j2").render(**ctx)


_RENDERERS = {"html": render_html, "md": render_markdown}


def write_dossier(
    result: Result, out_dir: Path, formats: Sequence[str] = ("html", "md"), *, command: str
) -> list[Path]:
    """Render the dossier in every format and write ``<dossier-id>.<ext>`` files atomically.

    Everything is rendered before anything is written, then the files are written all or nothing
    (:func:`liplanet_cert.infra.atomic.write_all`): an existing dossier stays as it was on any error.
    """
    from liplanet_cert.errors import UsageError

    wanted = []
    for fmt in formats:
        key = str(fmt).strip().lower()
        if key == "markdown":
            key = "md"
        if key not in FORMATS:
            raise UsageError(
                f"unknown dossier format {fmt!r} (expected one of: {', '.join(FORMATS)})", file="--format"
            )
        if key not in wanted:
            wanted.append(key)
    if not wanted:
        raise UsageError("no dossier format given (expected html and/or md)", file="--format")
    ident = dossier_id(result)
    rendered = {key: _RENDERERS[key](result, command=command).encode("utf-8") for key in wanted}

    out_dir = Path(out_dir)
    check_directory(out_dir)  # a file, or a folder below a file: exit 2 naming it, nothing written
    return write_all([(out_dir / f"{ident}{FORMATS[key]}", data) for key, data in rendered.items()])
