"""The carbon-footprint section of the dossier, from the typed footprint of a result.

Everything is shown per kWh of cell capacity: per-cell figures (of steps, percentiles and scenario
rows) are converted with the ratio of the totals.  The footprint is an ``lca.FootprintResult``;
its analyses (Monte Carlo uncertainty, scenario) are plain JSON, of which older or hand-written
shapes (uncertainty steps as a dict, scenario rows per cell or bare) are read too.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liplanet_cert.dossier import charts
from liplanet_cert.dossier.contribution_view import contribution_view
from liplanet_cert.dossier.formatting import fmt_significant, number
from liplanet_cert.dossier.labels import title_of

if TYPE_CHECKING:  # pragma: no cover
    from liplanet_cert.lca.types import FootprintResult, StepResult

__all__ = ["footprint_view"]

KINDS = ("electricity", "heat", "materials")
_PERCENTILES = ("mean", "median", "p2_5", "p97_5")


class _PerKwh:
    """Converts per-cell figures of one footprint to per kWh of cell capacity."""

    def __init__(self, total_kwh: float | None, total_cell: float | None, unc_unit: str) -> None:
        self.factor = (total_kwh / total_cell) if total_kwh and total_cell else 1.0
        self.unc_unit = unc_unit.lower()

    def row(self, row: dict[str, Any], key: str) -> float | None:
        """``key`` of a scenario row in kg CO2e/kWh (rows may give it per kWh, per cell or bare)."""
        for k, factor in (
            (f"{key}_kg_co2e_per_kwh", 1.0),
            (f"{key}_kg_co2e_per_cell", self.factor),
            (key, 1.0),
        ):
            v = number(row.get(k))
            if v is not None:
                return v * factor
        return None

    def interval(self, entry: Any, per_kwh: float | None, per_cell: float | None) -> dict[str, float] | None:
        """Percentiles of one step, in kg CO2e/kWh (picks per-kWh or per-cell figures by magnitude)."""
        if not isinstance(entry, dict):
            return None
        if isinstance(entry.get("kg_co2e_per_kwh"), dict):
            entry = entry["kg_co2e_per_kwh"]
        elif isinstance(entry.get("kg_co2e_per_cell"), dict) and per_kwh and per_cell:
            e = entry["kg_co2e_per_cell"]
            entry = {k: (number(v) or 0) * per_kwh / per_cell for k, v in e.items() if number(v) is not None}
        vals = {k: number(entry.get(k)) for k in _PERCENTILES}
        if vals["p2_5"] is None or vals["p97_5"] is None:
            return None
        factor = 1.0
        ref = vals["mean"] if vals["mean"] is not None else vals["median"]
        if "kwh" in self.unc_unit:
            pass
        elif "cell" in self.unc_unit:
            factor = (per_kwh / per_cell) if per_kwh and per_cell else self.factor
        elif ref and per_kwh and per_cell and per_cell > 0:
            # per-cell figures are far smaller than per-kWh ones: scale them when that is what they are
            if abs(math.log(abs(ref) / per_cell)) < abs(math.log(abs(ref) / per_kwh)):
                factor = per_kwh / per_cell
        return {k: v * factor for k, v in vals.items() if v is not None}


def _uncertainty(unc: dict[str, Any]) -> tuple[dict[str, Any], Any, str]:
    """(percentiles per step, those of the total, their unit) of a footprint's uncertainty."""
    steps: dict[str, Any] = {}
    raw = unc.get("steps", unc)
    if isinstance(raw, list):
        steps = {str(e.get("step")): e for e in raw if isinstance(e, dict)}
    elif isinstance(raw, dict):
        steps = {str(k): v for k, v in raw.items() if isinstance(v, dict)}
    total = unc.get("total") if isinstance(unc.get("total"), dict) else steps.pop("total", None)
    steps.pop("total", None)
    main = _stage_entry(unc, "main_production")
    if isinstance(unc.get("stages"), list):  # both stages sampled: "total" is cradle-to-gate
        total = main
    return steps, total, str(unc.get("unit", ""))


def _stage_entry(unc: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The Monte Carlo summary of one stage (None for an uncertainty sampled before stages)."""
    stages = unc.get("stages")
    if not isinstance(stages, list):
        return None
    return next((e for e in stages if isinstance(e, dict) and e.get("stage") == name), None)


def _drivers(unc: dict[str, Any]) -> dict[str, Any] | None:
    """The top inputs by share of the variance of the total and the parameters kept fixed."""
    contrib = unc.get("contributions")
    if not isinstance(contrib, dict):
        return None
    rows = [
        {"input": str(c.get("input", "")), "share": number(c.get("share"))}
        for c in contrib.get("total") or []
        if isinstance(c, dict)
    ]
    fixed = [str(f.get("parameter", "")) for f in unc.get("fixed") or [] if isinstance(f, dict)]
    return {"rows": rows, "fixed": fixed}


def _step_view(s: StepResult, titles: dict[str, str], unc: dict[str, Any], conv: _PerKwh) -> dict[str, Any]:
    per_kwh = number(s.kg_co2e_per_kwh)
    per_cell = number(s.kg_co2e_per_cell)
    contrib = {k: number(s.contributions.get(k, 0.0)) or 0 for k in KINDS}
    csum = sum(contrib.values())
    shares = {k: (contrib[k] / csum if csum > 0 else 0.0) for k in KINDS}
    return {
        "step": s.step,
        "title": title_of(s.step, titles),
        "per_cell": per_cell,
        "per_kwh": per_kwh,
        "share": number(s.share),
        "data_source": s.data_source,
        "data_label": s.data_label,
        "shares": shares,
        "contrib_kwh": {k: (per_kwh or 0) * v for k, v in shares.items()},
        "interval": conv.interval(unc.get(s.step), per_kwh, per_cell),
    }


def _chart_rows(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "step": st["title"],
            "value": st["per_kwh"] or 0.0,
            # the chart stars every step with default data: default, and partial (some carriers)
            "data_source": "primary" if st["data_source"] == "primary" else "default",
            "contributions": st["contrib_kwh"],
            "low": st["interval"]["p2_5"] if st["interval"] else None,
            "high": st["interval"]["p97_5"] if st["interval"] else None,
        }
        for st in steps
    ]


def _scenario_rows(scenario: dict[str, Any], titles: dict[str, str], conv: _PerKwh) -> list[dict[str, Any]]:
    rows = []
    raw = scenario.get("steps", [])
    if isinstance(raw, dict):
        raw = [dict(v, step=k) for k, v in raw.items() if isinstance(v, dict)]
    for r in raw or []:
        if not isinstance(r, dict):
            continue
        base, scen, red = conv.row(r, "baseline"), conv.row(r, "scenario"), conv.row(r, "reduction")
        if base is None or scen is None:
            continue
        red = base - scen if red is None else red
        rows.append(
            {
                "step": r.get("step", ""),
                "title": title_of(str(r.get("step", "")), titles),
                "baseline": base,
                "scenario": scen,
                "reduction": red,
                "reduction_pct": (red / base * 100) if base else None,
            }
        )
    return rows


def _changes(scenario: dict[str, Any]) -> list[dict[str, Any]]:
    changes = []
    for ch in scenario.get("changes") or []:
        if isinstance(ch, dict):
            what = ", ".join(f"{k} {v}" for k, v in ch.items() if k not in ("source", "year"))
            changes.append({"what": what, "source": str(ch.get("source", "")), "year": ch.get("year", "")})
        else:
            changes.append({"what": str(ch), "source": "", "year": ""})
    return changes


def _scalars(d: dict[str, Any], leave_out: tuple[str, ...]) -> dict[str, Any]:
    """The text and number fields of ``d`` but ``leave_out``, by key."""
    return {k: v for k, v in sorted(d.items()) if k not in leave_out and isinstance(v, (str, int, float))}


def _scenario_view(
    scenario: dict[str, Any] | None, titles: dict[str, str], conv: _PerKwh, html: bool
) -> dict[str, Any] | None:
    if scenario is None:
        return None
    rows = _scenario_rows(scenario, titles, conv)
    st = scenario.get("total") if isinstance(scenario.get("total"), dict) else {}
    base_total = conv.row(st, "baseline") if st else None
    scen_total = conv.row(st, "scenario") if st else None
    if base_total is None or scen_total is None:
        base_total = sum(r["baseline"] for r in rows)
        scen_total = sum(r["scenario"] for r in rows)
    unit = "kg CO2e/kWh"
    return {
        "name": scenario.get("name") or scenario.get("id") or "",
        "version": scenario.get("version", ""),
        "changes": _changes(scenario),
        "title": scenario.get("title") or scenario.get("description") or "",
        "unit": unit,
        "rows": rows,
        "baseline_total": base_total,
        "scenario_total": scen_total,
        "reduction_total": base_total - scen_total,
        "reduction_pct": ((base_total - scen_total) / base_total * 100) if base_total else None,
        "details": _scalars(scenario, ("steps", "name", "title", "unit", "id", "version", "description")),
        "chart": charts.scenario_chart(
            [(r["title"], r["baseline"], r["scenario"]) for r in rows],
            unit=unit,
            title=str(scenario.get("title") or scenario.get("name") or ""),
        )
        if html and rows
        else "",
    }


_SOURCE_TEXT = ("citation", "source", "title", "name")


def _source(src: dict[str, Any]) -> dict[str, Any]:
    """One data source of the footprint: its text, year, what it was used for and the rest."""
    title = next((src[k] for k in _SOURCE_TEXT if src.get(k)), src.get("id", ""))
    extra = _scalars(src, (*_SOURCE_TEXT, "id", "what", "used_for", "year"))
    return {
        "id": src.get("id", ""),
        "text": str(title),
        "year": src.get("year", ""),
        "used_for": str(src.get("what") or src.get("used_for") or ""),
        "extra": "; ".join(f"{k}: {v}" for k, v in extra.items()),
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
    return label, f"{fmt_significant(value)} {unit}".strip()


def footprint_view(fp: FootprintResult | None, titles: dict[str, str], html: bool) -> dict[str, Any] | None:
    """The footprint section (None without a footprint); ``titles`` are the steps' titles."""
    if fp is None:
        return None
    # the production totals are the main-production stage's (a footprint stored before stages: its
    # totals); the cradle-to-gate totals and the materials stage are under "stages"
    main = fp.stage("main_production")
    total_kwh = number(fp.total_per_kwh if main is None else main.kg_co2e_per_kwh)
    total_cell = number(fp.total_per_cell if main is None else main.kg_co2e_per_cell)
    unc = fp.uncertainty or {}
    unc_steps, unc_total, unc_unit = _uncertainty(unc)
    conv = _PerKwh(total_kwh, total_cell, unc_unit)
    steps = [_step_view(s, titles, unc_steps, conv) for s in fp.steps]
    return {
        "method": " · ".join(str(m) for m in fp.method),
        "functional_unit": [_fu_row(str(k), v) for k, v in fp.functional_unit.items()],
        "total_kwh": total_kwh,
        "total_cell": total_cell,
        "total_abs": number(fp.total_kg_co2e if main is None else main.kg_co2e),
        "total_interval": conv.interval(unc_total, total_kwh, total_cell),
        "primary_share": number(fp.primary_data_share if main is None else main.primary_data_share),
        "stages": stages_view(fp, conv),
        "steps": steps,
        "by_kind": {k: sum(st["contrib_kwh"][k] for st in steps) for k in KINDS},
        "uncertainty": _scalars(unc, ("steps", "total", "unit")) if unc else None,
        "drivers": _drivers(unc),
        "has_intervals": any(st["interval"] for st in steps),
        "scenario": _scenario_view(fp.scenario, titles, conv, html),
        "model": fp.model,
        "sources": [_source(src) for src in fp.sources],
        "chart": charts.footprint_chart(_chart_rows(steps)) if html else "",
        "contributions": contribution_view(fp, html),
        "background": background_view(fp.background),
    }


def background_view(rec: dict[str, Any] | None) -> dict[str, Any] | None:
    """One line on the user's Brightway background the footprint was computed on (None: the
    embedded one): project/database and its version, the mapping's version (and the user's), and
    the needs that kept the embedded default."""
    if not isinstance(rec, dict):
        return None
    meta = rec.get("database_metadata") if isinstance(rec.get("database_metadata"), dict) else {}
    mapping = rec.get("mapping") if isinstance(rec.get("mapping"), dict) else {}
    user = mapping.get("user") if isinstance(mapping.get("user"), dict) else None
    needs = rec.get("needs") if isinstance(rec.get("needs"), dict) else {}
    embedded = sorted(str(n) for n, v in needs.items() if isinstance(v, dict) and v.get("embedded"))
    return {
        "label": f"{rec.get('project', '')}/{rec.get('database', '')}",
        "version": str(meta.get("version", "")),
        "mapping": f"{mapping.get('file', '')} {mapping.get('version', '')}".strip(),
        "user_mapping": f"{Path(str(user.get('file', ''))).name} {user.get('version', '')}".strip()
        if user
        else "",
        "embedded": embedded,
        "linked": len(needs) - len(embedded),
    }


_STAGE_TITLES = {
    "raw_material_acquisition": "Raw material acquisition and pre-processing (cell materials)",
    "main_production": "Main production (gate-to-gate, this line)",
}


def stages_view(fp: FootprintResult, conv: _PerKwh | None = None) -> dict[str, Any] | None:
    """The life-cycle stages (None for a footprint stored before stages): one row per stage, the
    cradle-to-gate totals, and the materials stage's rows (material, mass, factor, emissions);
    with ``conv`` and a Monte Carlo of the stages, their 95 % intervals in kg CO2e/kWh."""
    if not fp.stages:
        return None
    mats = fp.stage("raw_material_acquisition")
    unc = fp.uncertainty or {}
    staged = conv is not None and isinstance(unc.get("stages"), list)

    def interval(entry: Any, per_kwh: Any, per_cell: Any) -> dict[str, float] | None:
        return conv.interval(entry, number(per_kwh), number(per_cell)) if staged and conv else None

    return {
        "has_intervals": staged,
        "intervals": {
            st.name: interval(_stage_entry(unc, st.name), st.kg_co2e_per_kwh, st.kg_co2e_per_cell)
            for st in fp.stages
        },
        "total_interval": interval(unc.get("total"), fp.total_per_kwh, fp.total_per_cell),
        "rows": [
            {
                "name": st.name,
                "title": _STAGE_TITLES.get(st.name, st.name),
                "per_cell": number(st.kg_co2e_per_cell),
                "per_kwh": number(st.kg_co2e_per_kwh),
                "primary_share": number(st.primary_data_share),
                "basis": st.basis,
                "not_computed": st.not_computed,
            }
            for st in fp.stages
        ],
        "total_kwh": number(fp.total_per_kwh),
        "total_cell": number(fp.total_per_cell),
        "total_abs": number(fp.total_kg_co2e),
        "primary_share": number(fp.primary_data_share),
        "materials": [
            {
                "material": str(r.get("material", "")),
                "kg_per_cell": number(r.get("kg_per_cell")),
                "factor": number(r.get("kg_co2e_per_kg")),
                "per_cell": number(r.get("kg_co2e_per_cell")),
                "data_source": str(r.get("data_source", "")),
                "source": str(r.get("source", "")),
            }
            for r in (mats.rows if mats is not None else ())
        ],
    }
