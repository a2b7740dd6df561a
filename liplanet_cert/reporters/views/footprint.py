"""Terminal view of a footprint (``liplanet-cert footprint``): one row per production step (the
main-production stage), one row per cell material (the raw-material stage), the stage totals and
the cradle-to-gate total, and the method and model it was computed with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from liplanet_cert.reporters.views.base import View

if TYPE_CHECKING:  # pragma: no cover
    from liplanet_cert.lca.types import FootprintResult, StepResult


class FootprintView(View["FootprintResult"]):
    """An ``lca.FootprintResult``: the per-step table on the console, its ``to_dict()`` as JSON."""

    def show(self, item: FootprintResult, console: Any) -> None:
        show_footprint(item, console)


def show_footprint(fp: FootprintResult, console: Any) -> None:
    """The table of a footprint: one row per step, the total, the method and model."""
    from liplanet_cert.reporters.safetable import print_text

    unc_steps = (fp.uncertainty or {}).get("steps", [])
    unc = {u["step"]: u for u in unc_steps} if isinstance(unc_steps, list) else dict(unc_steps)
    scen = fp.scenario or {}
    scen_steps = {s["step"]: s for s in scen.get("steps", [])} if isinstance(scen.get("steps"), list) else {}
    fu = fp.functional_unit
    print_text(
        console,
        f"CO2 footprint per production step ({fu.get('country', '')}, {fu.get('cells_produced', 0):.0f} good cells)",
        "italic",
    )
    _table(fp, unc, scen, scen_steps).print(console)
    _show_stages(fp, console)
    _show_contributions(fp, console)
    _show_drivers(fp, console)
    _footer(fp, scen, console)


def _interval(u: Any) -> str:
    """'low–high' of a Monte Carlo summary (2.5 and 97.5 percentiles), '' without one."""
    return f"{u.get('p2_5', 0):.3f}–{u.get('p97_5', 0):.3f}" if isinstance(u, dict) and u else ""


def _stage_interval(fp: FootprintResult, name: str) -> dict[str, Any] | None:
    """The Monte Carlo summary of stage ``name``; an uncertainty stored before stages sampled
    main production only, its ``total`` then is that stage's."""
    unc = fp.uncertainty or {}
    stages = unc.get("stages")
    if not isinstance(stages, list):
        return unc.get("total") if name == "main_production" else None
    return next((s for s in stages if isinstance(s, dict) and s.get("stage") == name), None)


def _table(fp: FootprintResult, unc: dict[str, Any], scen: dict[str, Any], scen_steps: dict[str, Any]) -> Any:
    from liplanet_cert.reporters.safetable import SafeTable, id_col

    cols = [
        id_col("step"),
        id_col("kg/cell", justify="right"),
        id_col("kg/kWh", justify="right"),
        id_col("share", justify="right"),
    ]
    # the per-carrier split is left out when the console is too narrow for it
    cols += [id_col(c, justify="right", optional="carriers") for c in ("electricity", "heat", "materials")]
    cols.append(id_col("data"))
    if unc:
        cols.append(id_col("95 % (kg/cell)", justify="right"))
    if scen_steps:
        cols.append(id_col("saving", justify="right"))
    t = SafeTable(*cols, key=0)
    for s in fp.steps:
        t.add_row(*_step_row(s, unc, scen_steps))
    t.add_section()
    t.add_row(*_total_row(fp, unc, scen, scen_steps), style="bold")
    return t


# primary: all metered; partial: some carriers from the reference model; default: none metered
_SOURCE_STYLE = {"primary": "green", "partial": "dark_orange", "default": "yellow"}


def _step_row(s: StepResult, unc: dict[str, Any], scen_steps: dict[str, Any]) -> list[Any]:
    from liplanet_cert.infra.textsafe import safe_text

    c = s.contributions
    row = [
        s.step,
        f"{s.kg_co2e_per_cell:.4f}",
        f"{s.kg_co2e_per_kwh:.2f}",
        f"{s.share * 100:.1f} %",
        f"{c.get('electricity', 0):.4f}",
        f"{c.get('heat', 0):.4f}",
        f"{c.get('materials', 0):.4f}",
    ]
    row.append(safe_text(s.data_label, style=_SOURCE_STYLE.get(s.data_source, "yellow")))
    if unc:
        row.append(_interval(unc.get(s.step)))
    if scen_steps:
        sc = scen_steps.get(s.step, {})
        red = sc.get("reduction_kg_co2e_per_cell", sc.get("reduction"))
        row.append(f"{sc.get('reduction_share', 0) * 100:.0f} %" if isinstance(red, (int, float)) else "")
    return row


def _total_row(
    fp: FootprintResult, unc: dict[str, Any], scen: dict[str, Any], scen_steps: dict[str, Any]
) -> list[Any]:
    main = fp.stage("main_production")
    per_cell = fp.total_per_cell if main is None else (main.kg_co2e_per_cell or 0.0)
    per_kwh = fp.total_per_kwh if main is None else (main.kg_co2e_per_kwh or 0.0)
    total_row = [
        "total" if main is None else "main production",
        f"{per_cell:.4f}",
        f"{per_kwh:.2f}",
        "100 %",
        "",
        "",
        "",
        "",
    ]
    if unc:
        u = (
            _stage_interval(fp, "main_production")
            if main is not None
            else (fp.uncertainty or {}).get("total")
        )
        total_row.append(_interval(u))
    if scen_steps:
        st = scen.get("total", {})
        total_row.append(
            f"{st.get('reduction_share', 0) * 100:.0f} %"
            if isinstance(st, dict) and "reduction_share" in st
            else ""
        )
    return total_row


def _show_stages(fp: FootprintResult, console: Any) -> None:
    """The raw-material stage (one row per material, or why it is not computed) and the stage
    totals with the cradle-to-gate total (nothing for a footprint stored before stages)."""
    from liplanet_cert.reporters.safetable import print_text

    mats = fp.stage("raw_material_acquisition")
    if mats is None:
        return
    print_text(
        console, f"Raw material acquisition (cell materials): {mats.basis or 'not computed'}", "italic"
    )
    if mats.computed:
        _materials_table(mats).print(console)
    else:
        print_text(console, f"Not computed: {mats.not_computed}", "yellow")
    _stages_table(fp).print(console)


def _materials_table(stage: Any) -> Any:
    from liplanet_cert.infra.textsafe import safe_text
    from liplanet_cert.reporters.safetable import SafeTable, id_col

    t = SafeTable(
        id_col("material"),
        id_col("kg/cell", justify="right"),
        id_col("kg CO2e/kg", justify="right"),
        id_col("kg CO2e/cell", justify="right"),
        id_col("data"),
        id_col("source", optional="source"),
        key=0,
    )
    for r in stage.rows:
        primary = r.get("data_source") == "primary"
        t.add_row(
            str(r.get("material", "")),
            f"{float(r.get('kg_per_cell', 0)):.5f}",
            f"{float(r.get('kg_co2e_per_kg', 0)):.2f}",
            f"{float(r.get('kg_co2e_per_cell', 0)):.4f}",
            safe_text(str(r.get("data_source", "")), style="green" if primary else "yellow"),
            str(r.get("source", "")),
        )
    return t


def _stages_table(fp: FootprintResult) -> Any:
    from liplanet_cert.reporters.safetable import SafeTable, id_col

    staged = isinstance((fp.uncertainty or {}).get("stages"), list)  # the stages were sampled
    cols = [id_col("stage"), *(id_col(h, justify="right") for h in ("kg/cell", "kg/kWh", "primary"))]
    if staged:
        cols.append(id_col("95 % (kg/cell)", justify="right"))
    t = SafeTable(*cols, key=0)
    for st in fp.stages:
        if st.computed:
            row = [
                st.name,
                f"{st.kg_co2e_per_cell or 0.0:.4f}",
                f"{st.kg_co2e_per_kwh or 0.0:.2f}",
                f"{(st.primary_data_share or 0.0) * 100:.0f} %",
            ]
        else:
            row = [st.name, "not computed", "", ""]
        t.add_row(*row, *([_interval(_stage_interval(fp, st.name))] if staged else []))
    t.add_section()
    total = [
        "total (cradle-to-gate)",
        f"{fp.total_per_cell:.4f}",
        f"{fp.total_per_kwh:.2f}",
        f"{fp.primary_data_share * 100:.0f} %",
    ]
    t.add_row(*total, *([_interval((fp.uncertainty or {}).get("total"))] if staged else []), style="bold")
    return t


_STAGE_SHORT = {"raw_material_acquisition": "raw materials", "main_production": "main production"}
# a materials-stage process is the material's factor: say which, not its code again
_FACTOR_KIND = {"cell_material": "default factor", "declared_material": "supplier factor"}


def _show_contributions(fp: FootprintResult, console: Any) -> None:
    """The top contributors of each stage (process rows at or above the cutoff, the rest as
    'other') and its elementary flows; nothing for a footprint without the analysis."""
    from liplanet_cert.infra.textsafe import safe_text

    staged = [(st.name, st.contributions) for st in fp.stages if isinstance(st.contributions, dict)]
    if not staged:
        return
    cutoff = float(staged[0][1].get("cutoff", 0))
    console.print(
        safe_text(
            f"Top contributors per stage (Brightway characterised inventory; ≥ {cutoff * 100:g} % of "
            "the stage, the rest as other):",
            style="italic",
        )
    )
    for name, c in staged:
        console.print(safe_text(f"  {_STAGE_SHORT.get(name, name)}", style="bold"))
        _contribution_table(c).print(console)
        parts = [f"{f.get('flow', '')} {float(f.get('share', 0)) * 100:.1f} %" for f in c.get("flows") or []]
        fo = c.get("flows_other") or {}
        if fo.get("count"):
            parts.append(f"other {float(fo.get('share', 0)) * 100:.2f} %")
        agg = float(c.get("co2e_as_co2_share") or 0)
        note = (
            f" ({agg * 100:.0f} % of the stage from factors given in CO2e, carried as CO2: not split by gas)"
        )
        console.print(safe_text("  elementary flows: " + "; ".join(parts) + (note if agg > 0.005 else "")))


def _contribution_table(c: dict[str, Any]) -> Any:
    from liplanet_cert.reporters.safetable import SafeTable, id_col

    t = SafeTable(
        id_col("from"),
        id_col("process"),
        id_col("kg CO2e/cell", justify="right"),
        id_col("share", justify="right"),
        key=0,
    )
    for r in c.get("processes") or []:
        code = str(r.get("process", ""))
        kind, _, _ = code.partition("|")
        t.add_row(str(r.get("foreground", "")), _FACTOR_KIND.get(kind, code), *_kg_share(r))
    other = c.get("processes_other") or {}
    if other.get("count"):
        t.add_row(f"other ({other.get('count')})", "below the cutoff", *_kg_share(other))
    return t


def _kg_share(r: dict[str, Any]) -> tuple[str, str]:
    return f"{float(r.get('kg_co2e_per_cell', 0)):.4f}", f"{float(r.get('share', 0)) * 100:.1f} %"


def _show_drivers(fp: FootprintResult, console: Any) -> None:
    """The drivers of the Monte Carlo spread (top inputs by share of variance) and what it keeps
    fixed (nothing for an uncertainty stored without them)."""
    from liplanet_cert.infra.textsafe import safe_text

    unc = fp.uncertainty or {}
    contrib = unc.get("contributions")
    if not isinstance(contrib, dict):
        return
    console.print(
        safe_text(
            "Drivers of the spread of the total (share of variance: squared Spearman rank correlation, normalised):",
            style="italic",
        )
    )
    for c in contrib.get("total") or []:
        console.print(safe_text(f"  {float(c.get('share', 0)) * 100:5.1f} %  {c.get('input', '')}"))
    per_stage = [
        f"{name}: {rows[0].get('input', '')} {float(rows[0].get('share', 0)) * 100:.0f} %"
        for name, rows in (contrib.get("stages") or {}).items()
        if rows
    ]
    if per_stage:
        console.print(safe_text("  largest per stage: " + "; ".join(per_stage)))
    fixed = [str(f.get("parameter", "")) for f in unc.get("fixed") or [] if isinstance(f, dict)]
    if fixed:
        console.print(
            safe_text(
                "Not varied (no sourced distribution; reasons in the JSON): " + "; ".join(fixed), style="dim"
            )
        )


def _footer(fp: FootprintResult, scen: dict[str, Any], console: Any) -> None:
    from liplanet_cert.infra.textsafe import safe_text

    console.print(
        safe_text(
            f"Absolute over the reporting period: {fp.total_kg_co2e:.1f} kg CO2e · primary data share: {fp.primary_data_share * 100:.0f} % "
            f"(default = sourced reference model, not the line's own data; partial = some carriers"
            f" metered, the others default; default 0 = the model has no value for the step: meter it)"
        )
    )
    if scen:
        console.print(
            safe_text(
                f"Scenario {scen.get('id', '')}: {scen.get('title', '')} — 'saving' is the reduction of each step's footprint.",
                style="cyan",
            )
        )
    method = " / ".join(fp.method)
    model = fp.model
    console.print(
        safe_text(
            f"Method: {method} · model {model.get('id', '')}@{model.get('version', '')} (sha256 {str(model.get('sha256', ''))[:12]})",
            style="dim",
        )
    )
