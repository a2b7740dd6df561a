"""Contribution analysis of the footprint: which processes and which elementary flows make each
stage's result, as Brightway computes them (the characterised inventory matrix
``lca.characterized_inventory`` of a bw2calc LCA: elementary flows x activities, kg CO2e).

The view has two levels per stage:

- **processes**: one row per (foreground activity, background process) pair: the production step
  (main production) or the cell material (raw materials) the exchange comes from, and the
  Brightway activity that emits (grid electricity of a country, natural-gas combustion, the
  natural-gas supply chain, a material's factor, a declared supplier factor); each row carries the
  split of its kg CO2e over the elementary flows;
- **flows**: one row per elementary flow (e.g. ``Carbon dioxide, fossil (air)``) over the stage.

Rows whose share of the stage is at least the cutoff are listed (largest first); the rest is
summed as ``other``.

Both engines give the same numbers (tested to 1e-9).  The ``fast`` engine does not import
Brightway: :func:`liplanet_cert.lca.brightway.setup` solves each background supplier once and
caches its characterised inventory (:func:`cells`) next to the unit impacts; a run multiplies it by
the foreground amounts (the background is linear, so this is exact).  The ``brightway`` engine
reads the characterised inventory of each foreground activity from its own LCA object.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from liplanet_cert.errors import LCAError, Problem
from liplanet_cert.lca.materials import MaterialsInventory
from liplanet_cert.lca.types import MAIN_PRODUCTION, RAW_MATERIALS, StepInventory

DEFAULT_CUTOFF = 0.01  # a presentation threshold (share of the stage), not a data value
# A declared supplier factor enters Brightway as this flow (lca.brightway._materials_foreground).
DECLARED_FLOW = "Carbon dioxide, fossil (air)"

# activity or flow label -> flow label -> kg CO2e: one cell of a characterised inventory
Cells = dict[str, dict[str, float]]
# (foreground activity, process) -> flow -> kg CO2e over the period
Grid = dict[tuple[str, str], dict[str, float]]


def check_cutoff(cutoff: float) -> float:
    """``cutoff`` if it is a share in [0, 1), else an :class:`LCAError` (exit 2)."""
    if isinstance(cutoff, bool) or not isinstance(cutoff, (int, float)) or not 0 <= cutoff < 1:
        raise LCAError(
            Problem(
                file="footprint",
                location="--contribution-cutoff",
                message="the contribution cutoff is a share of the stage",
                expected="a number >= 0 and < 1 (e.g. 0.01 for 1 %)",
                found=repr(cutoff),
            )
        )
    return float(cutoff)


def labels(lca: Any, located: bool = False) -> tuple[dict[int, str], dict[int, str], dict[str, str]]:
    """(column -> activity code, row -> flow label, code -> activity name) of a solved bw2calc
    LCA, read from the Brightway project in one query each.  ``located``: the column is named
    ``name [location]`` instead of its code (a user's database: its codes are opaque, and one
    name stands for many locations)."""
    from bw2data.backends import ActivityDataset as AD

    acts = dict(lca.dicts.activity.items())
    flows = dict(lca.dicts.biosphere.items())
    col: dict[int, str] = {}
    names: dict[str, str] = {}
    for row in AD.select().where(AD.id.in_(list(acts))):
        label = f"{row.name} [{row.location}]" if located else row.code
        col[acts[row.id]] = label
        names[label] = row.name
    lab: dict[int, str] = {}
    for row in AD.select().where(AD.id.in_(list(flows))):
        cats = "/".join(row.data.get("categories", ()))
        lab[flows[row.id]] = f"{row.name} ({cats})" if cats else row.name
    return col, lab, names


def cells(lca: Any, col: dict[int, str], row: dict[int, str]) -> Cells:
    """The characterised inventory of a solved LCA as process code -> flow label -> kg CO2e
    (its non-zero entries)."""
    ci = lca.characterized_inventory.tocoo()
    out: Cells = {}
    for r, c, v in zip(ci.row.tolist(), ci.col.tolist(), ci.data.tolist()):
        if v:
            by_flow = out.setdefault(col[c], {})
            by_flow[row[r]] = by_flow.get(row[r], 0.0) + float(v)
    return out


def _add(grid: Grid, key: tuple[str, str], by_flow: dict[str, float], scale: float) -> None:
    row = grid.setdefault(key, {})
    for flow, kg in by_flow.items():
        row[flow] = row.get(flow, 0.0) + scale * kg


def fast_grids(
    inventory: Iterable[StepInventory],
    materials: MaterialsInventory,
    cells_produced: float,
    unit_cells: dict[str, Cells],
) -> dict[str, Grid]:
    """Stage -> grid of the fast engine: each foreground amount (at Brightway's float32
    precision, as the footprint itself) times its supplier's cached characterised inventory."""
    import numpy as np

    def f32(x: float) -> float:  # the float32 amounts Brightway stores (as lca.compute.f32)
        return float(np.float32(x))

    main: Grid = {}
    for inv in inventory:
        for f in inv.flows:
            for process, by_flow in unit_cells[f.supplier].items():
                _add(main, (inv.step, process), by_flow, f32(f.amount))
    mats: Grid = {}
    for m in materials.flows:
        amount = f32(m.kg_per_cell * cells_produced)
        if m.primary:
            _add(mats, (m.material, m.supplier), {DECLARED_FLOW: f32(m.kg_co2e_per_kg)}, amount)
        else:
            for process, by_flow in unit_cells[m.supplier].items():
                _add(mats, (m.material, process), by_flow, amount)
    return {MAIN_PRODUCTION: main, RAW_MATERIALS: mats}


def material_of(process: str) -> str:
    """The cell material a materials-stage activity code stands for (``cell_material|x`` -> x)."""
    return process.partition("|")[2] or process


def brightway_grids(per_activity: dict[str, Cells], materials_activity: str) -> dict[str, Grid]:
    """Stage -> grid of the brightway engine from each foreground activity's characterised
    inventory (a step id, or ``materials_activity`` for the raw-material stage)."""
    main: Grid = {}
    mats: Grid = {}
    for activity, by_process in per_activity.items():
        for process, by_flow in by_process.items():
            if activity == materials_activity:
                _add(mats, (material_of(process), process), by_flow, 1.0)
            else:
                _add(main, (activity, process), by_flow, 1.0)
    return {MAIN_PRODUCTION: main, RAW_MATERIALS: mats}


def user_grids(steps: dict[str, Cells], materials: dict[str, Cells]) -> dict[str, Grid]:
    """Stage -> grid on a user's background: each step's and each material's characterised
    inventory (solved one by one, so that every row keeps the step or material it comes from)."""
    main: Grid = {}
    mats: Grid = {}
    for grid, per in ((main, steps), (mats, materials)):
        for fg, by_process in per.items():
            for process, by_flow in by_process.items():
                _add(grid, (fg, process), by_flow, 1.0)
    return {MAIN_PRODUCTION: main, RAW_MATERIALS: mats}


def _top(
    rows: list[tuple[Any, float]], total: float, cutoff: float
) -> tuple[list[tuple[Any, float, float]], dict[str, Any] | None]:
    """(key, kg, share) of the rows at or above ``cutoff`` (largest first) and the rest summed."""
    ranked = sorted(rows, key=lambda r: (-abs(r[1]), str(r[0])))
    shown, rest = [], []
    for key, kg in ranked:
        share = kg / total if total else 0.0
        (shown if abs(share) >= cutoff else rest).append((key, kg, share))
    other = None
    if rest:
        kg = math.fsum(r[1] for r in rest)
        other = {"count": len(rest), "kg_co2e": kg, "share": kg / total if total else 0.0}
    return shown, other


def section(grid: Grid, cells_produced: float, cutoff: float, names: dict[str, str]) -> dict[str, Any]:
    """The JSON of one stage's contributions (see the module docstring)."""
    per = 1.0 / cells_produced
    procs = {k: math.fsum(v.values()) for k, v in grid.items()}
    flows: dict[str, float] = {}
    for by_flow in grid.values():
        for flow, kg in by_flow.items():
            flows[flow] = flows.get(flow, 0.0) + kg
    total = math.fsum(procs.values())
    shown, other = _top(list(procs.items()), total, cutoff)
    fshown, fother = _top(list(flows.items()), total, cutoff)

    def rest(o: dict[str, Any] | None) -> dict[str, Any]:
        o = o or {"count": 0, "kg_co2e": 0.0, "share": 0.0}
        return {"count": o["count"], "kg_co2e_per_cell": o["kg_co2e"] * per, "share": o["share"]}

    # factors given in CO2e (grid intensities, gas supply chain, materials) are carried as fossil CO2
    aggregated = math.fsum(kg for (_fg, p), kg in procs.items() if CO2E_AS_CO2 in names.get(p, ""))
    return {
        "cutoff": cutoff,
        "kg_co2e_per_cell": total * per,
        "co2e_as_co2_share": aggregated / total if total else 0.0,
        "processes": [
            {
                "foreground": fg,
                "process": process,
                "name": names.get(process, process),
                "kg_co2e_per_cell": kg * per,
                "share": share,
                "flows": {f: v * per for f, v in sorted(grid[(fg, process)].items())},
            }
            for (fg, process), kg, share in shown
        ],
        "processes_other": rest(other),
        "flows": [{"flow": f, "kg_co2e_per_cell": kg * per, "share": share} for f, kg, share in fshown],
        "flows_other": rest(fother),
    }


CO2E_AS_CO2 = "(CO2e as CO2)"  # in the name of every activity whose factor is a CO2e total


def supplier_specific_name(material: str) -> str:
    """The name of the activity carrying a declared supplier factor (as Brightway names it)."""
    return f"{material}, supplier-specific {CO2E_AS_CO2}"


def declared_names(materials: MaterialsInventory) -> dict[str, str]:
    """Names of the foreground activities of declared supplier factors (as Brightway names them)."""
    return {m.supplier: supplier_specific_name(m.material) for m in materials.flows if m.primary}


def contributions(
    grids: dict[str, Grid], cells_produced: float, cutoff: float, names: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Stage name -> its contributions section (stages with an empty grid are left out)."""
    return {stage: section(g, cells_produced, cutoff, names) for stage, g in grids.items() if g}
