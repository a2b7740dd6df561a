"""compute_footprint: per-step kg CO2e per cell and per kWh of cell capacity.

Two engines give the same numbers (tested to 1e-9):

- ``brightway``: the bundle's foreground is written as one Brightway activity per step, linked to
  the background, and every step is solved by bw2calc;
- ``fast`` (default): the foreground is linear, so a step's footprint is the sum of its amounts
  times the Brightway-computed unit impacts of the background suppliers, read from a cache in the
  Brightway directory keyed by the model's sha256.  A warm cache means no Brightway import at all;
  a cold one is filled by Brightway first.
"""

from __future__ import annotations

import struct
from dataclasses import replace
from pathlib import Path
from typing import Any

from liplanet_cert.errors import LCAError, Problem, UsageError
from liplanet_cert.lca import bwdir, contribution
from liplanet_cert.lca.inventory import apply_scenario, build_inventory
from liplanet_cert.lca.materials import MATERIALS_ACTIVITY, MaterialsInventory, build_materials, stage_result
from liplanet_cert.lca.model import Model, load_model
from liplanet_cert.lca.types import (
    CARRIERS,
    MAIN_PRODUCTION,
    FootprintInput,
    FootprintResult,
    StageResult,
    StepInventory,
    StepResult,
)


def unit_impacts(model: Model, bw_dir: Path | str | None = None) -> dict[str, float]:
    """kg CO2e per unit of every background supplier (Brightway-computed, cached)."""
    from liplanet_cert.lca import brightway as bw

    cached = bwdir.read_cache(bwdir.resolve_bw_dir(bw_dir), model)
    return cached if cached is not None else bw.setup(model, bw_dir)


def unit_cells(model: Model, bw_dir: Path | str | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """(supplier -> its characterised inventory per unit, process code -> name), Brightway-computed
    and cached with the unit impacts (:mod:`liplanet_cert.lca.contribution`)."""
    from liplanet_cert.lca import brightway as bw

    path = bwdir.resolve_bw_dir(bw_dir)
    hit = bwdir.read_cells(path, model)
    if hit is None:
        bw.setup(model, path)
        hit = bwdir.read_cells(path, model)
    if hit is None:  # pragma: no cover - setup writes it
        raise LCAError(Problem(file=str(path), message="the contribution cache could not be read back"))
    return hit


def f32(x: float) -> float:
    """``x`` at the float32 precision Brightway stores exchange amounts with (bw_processing)."""
    return struct.unpack("f", struct.pack("f", x))[0]


def _carrier_scores(inventory: list[StepInventory], impacts: dict[str, float]) -> dict[str, dict[str, float]]:
    """kg CO2e over the period, per step and carrier, plus the primary part under key 'primary'."""
    out: dict[str, dict[str, float]] = {}
    for inv in inventory:
        row = {c: 0.0 for c in CARRIERS} | {"primary": 0.0}
        for f in inv.flows:
            kg = f32(f.amount) * impacts[f.supplier]  # same precision as the Brightway engine
            row[f.carrier] += kg
            if f.primary:
                row["primary"] += kg
        out[inv.step] = row
    return out


def material_scores(inv: MaterialsInventory, cells: float, impacts: dict[str, float]) -> list[float]:
    """kg CO2e over the period per material, at the precision the Brightway engine uses: the amount
    (kg over the period) and a declared factor are float32, as Brightway stores them."""
    return [
        f32(f.kg_per_cell * cells) * (f32(f.kg_co2e_per_kg) if f.primary else impacts[f.supplier])
        for f in inv.flows
    ]


def _main_stage(steps: list[StepResult], cells: float, kwh: float) -> StageResult:
    kg = sum(s.kg_co2e for s in steps)
    primary = sum(s.primary_kg_co2e for s in steps)
    return StageResult(
        MAIN_PRODUCTION,
        kg,
        sum(s.kg_co2e_per_cell for s in steps),
        sum(s.kg_co2e_per_kwh for s in steps),
        primary / kg if kg else 0.0,
        tuple(s.to_dict() for s in steps),
        "per-step energy of the line (metered, else reference model)",
    )


def _result(
    inp: FootprintInput,
    model: Model,
    inventory: list[StepInventory],
    per_step: dict[str, dict[str, float]],
    totals: dict[str, float],
    engine: str,
    country: str,
    materials: StageResult,
) -> FootprintResult:
    cells, kwh = inp.cells_produced, inp.cells_produced * inp.cell_energy_kwh
    grand = sum(totals.values())
    steps = []
    for inv in inventory:
        kg = totals[inv.step]
        steps.append(
            StepResult(
                step=inv.step,
                kg_co2e=kg,
                kg_co2e_per_cell=kg / cells,
                kg_co2e_per_kwh=kg / kwh,
                share=kg / grand if grand else 0.0,
                data_source=inv.data_source,
                contributions={c: per_step[inv.step][c] / cells for c in CARRIERS},
                primary_kg_co2e=per_step[inv.step]["primary"],
            )
        )
    grid = model.grid(country) or {}
    main = _main_stage(steps, cells, kwh)
    stages = (materials, main)
    done = [s for s in stages if s.computed]
    # totals are the plain left-to-right sums of the computed stages' values (main production is
    # the plain sum of its steps), so they equal the sum of the stages
    total_kg = sum(s.kg_co2e or 0.0 for s in done)
    total_cell = sum(s.kg_co2e_per_cell or 0.0 for s in done)
    total_kwh = sum(s.kg_co2e_per_kwh or 0.0 for s in done)
    primary = sum((s.kg_co2e or 0.0) * (s.primary_data_share or 0.0) for s in done)
    return FootprintResult(
        method=model.method,
        functional_unit={
            "per_cell": "1 good cell",
            "per_kwh": "1 kWh of nominal cell capacity",
            "cells_produced": cells,
            "cell_energy_kwh": inp.cell_energy_kwh,
            "country": country,
            "grid_factor_year": grid.get("year"),
            "system_boundary": " ".join(model.manifest["system_boundary"].split()),
            "primary_data_share_definition": " ".join(model.manifest["primary_data_share"].split()),
        },
        steps=tuple(steps),
        total_kg_co2e=total_kg,
        total_per_cell=total_cell,
        total_per_kwh=total_kwh,
        primary_data_share=primary / total_kg if total_kg else 0.0,
        model=model.info,
        sources=model.sources(),
        engine=engine,
        stages=stages,
    )


def _evaluate(
    inp: FootprintInput,
    model: Model,
    inventory: list[StepInventory],
    country: str,
    engine: str,
    bw_dir: Path | str | None,
    materials: MaterialsInventory,
    background: Any = None,
    cutoff: float = contribution.DEFAULT_CUTOFF,
) -> FootprintResult:
    impacts = unit_impacts(model, bw_dir)
    mat_total: float | None = None
    record = None
    grids: Any = None
    if background is not None:  # the user's own background: linked and solved in their project
        from liplanet_cert.lca.userbw import user_background_scores

        solve = None if materials.not_computed else (materials, inp.cells_produced)
        impacts, totals, record, grids = user_background_scores(
            model, inventory, solve, background, impacts, bw_dir
        )
        mat_total, engine = totals.pop(MATERIALS_ACTIVITY, None), "brightway"
    per_step = _carrier_scores(inventory, impacts)
    mat_scores = material_scores(materials, inp.cells_produced, impacts)
    if background is None and engine == "brightway":
        from liplanet_cert.lca import brightway as bw

        solve = None if materials.not_computed else (materials, inp.cells_produced)
        characterized: dict[str, Any] = {}
        totals = bw.brightway_step_scores(
            model, inventory, bw_dir, materials=solve, characterized=characterized
        )
        mat_total = totals.pop(MATERIALS_ACTIVITY, None)
        grids = contribution.brightway_grids(characterized, MATERIALS_ACTIVITY)
    elif background is None and engine == "fast":
        totals = {s: v["electricity"] + v["heat"] + v["materials"] for s, v in per_step.items()}
        grids = contribution.fast_grids(
            inventory, materials, inp.cells_produced, unit_cells(model, bw_dir)[0]
        )
    elif background is None:
        raise LCAError(
            Problem(
                file="footprint",
                message=f"unknown engine {engine!r}",
                expected="fast or brightway",
                found=engine,
            )
        )
    kwh = inp.cells_produced * inp.cell_energy_kwh
    stage = stage_result(materials, mat_scores, mat_total, inp.cells_produced, kwh)
    result = _result(inp, model, inventory, per_step, totals, engine, country, stage)
    if record is not None:
        result = replace(result, background=record)
        names: dict[str, str] = {p: p for g in grids.values() for _fg, p in g}  # ("name [location]")
    else:
        names = unit_cells(model, bw_dir)[1] | contribution.declared_names(materials)
    sections = contribution.contributions(grids, inp.cells_produced, cutoff, names)
    stages = tuple(
        replace(st, contributions=sections.get(st.name)) if st.computed else st for st in result.stages
    )
    return replace(result, stages=stages)


def _uncertainty(
    inp: FootprintInput,
    model: Model,
    inventory: list[StepInventory],
    materials: MaterialsInventory,
    country: str,
    n: int,
    seed: int | None,
    bw_dir: Path | str | None,
) -> dict[str, Any]:
    """Monte Carlo of both stages (the materials stage when computed) through Brightway: intervals
    per step, per stage and in total, the drivers of the spread and the parameters kept fixed."""
    from liplanet_cert.lca import montecarlo, uncertainty

    solve = None if materials.not_computed else (materials, inp.cells_produced)
    samples = montecarlo.monte_carlo(model, inventory, n, seed, bw_dir, materials=solve)
    return uncertainty.section(inp, model, inventory, materials, country, samples, seed)


def _scenario_section(result: FootprintResult, alt: FootprintResult, scen: dict[str, Any]) -> dict[str, Any]:
    """The scenario's reduction per step and in total (main production, where the energy is)."""
    rows = []
    for base in result.steps:
        new = alt.step(base.step)
        red = base.kg_co2e_per_cell - new.kg_co2e_per_cell
        rows.append(
            {
                "step": base.step,
                "baseline_kg_co2e_per_cell": base.kg_co2e_per_cell,
                "scenario_kg_co2e_per_cell": new.kg_co2e_per_cell,
                "reduction_kg_co2e_per_cell": red,
                "reduction_share": red / base.kg_co2e_per_cell if base.kg_co2e_per_cell else 0.0,
            }
        )
    # a scenario changes the line's energy: it is reported against main production (gate-to-gate)
    base_main, alt_main = result.stage(MAIN_PRODUCTION), alt.stage(MAIN_PRODUCTION)
    assert base_main is not None and alt_main is not None
    base_cell, alt_cell = base_main.kg_co2e_per_cell or 0.0, alt_main.kg_co2e_per_cell or 0.0
    red_total = base_cell - alt_cell
    return {
        "id": scen["id"],
        "version": str(scen["version"]),
        "title": scen["title"],
        "steps": rows,
        "total": {
            "baseline_kg_co2e_per_cell": base_cell,
            "scenario_kg_co2e_per_cell": alt_cell,
            "reduction_kg_co2e_per_cell": red_total,
            "reduction_share": red_total / base_cell if base_cell else 0.0,
            "baseline_kg_co2e_per_kwh": base_main.kg_co2e_per_kwh,
            "scenario_kg_co2e_per_kwh": alt_main.kg_co2e_per_kwh,
        },
        "changes": [
            {
                k: v
                for k, v in c.items()
                if k in ("op", "steps", "supplier", "carriers", "factor", "source", "year")
            }
            | ({"cop": c["cop"]["value"]} if "cop" in c else {})
            for c in scen["changes"]
        ],
    }


def compute_footprint(
    inp: FootprintInput,
    *,
    scenario: str | None = None,
    uncertainty: int = 0,
    seed: int | None = None,
    bw_dir: Path | None = None,
    engine: str = "fast",
    model_dir: Path | None = None,
    background: Any = None,
    contribution_cutoff: float = contribution.DEFAULT_CUTOFF,
) -> FootprintResult:
    """Per-step footprint of a bundle; optional Monte Carlo (``uncertainty`` iterations) and scenario.

    ``engine='brightway'`` solves every step with bw2calc; the default ``'fast'`` engine multiplies
    by cached Brightway unit impacts (identical results, no Brightway import when warm).  Each
    computed stage carries its contribution analysis (:mod:`liplanet_cert.lca.contribution`): the
    processes and elementary flows with at least ``contribution_cutoff`` of the stage, the rest
    summed as other.  ``background`` (a :class:`~liplanet_cert.lca.userbackground.BackgroundSpec`):
    the user's own Brightway background, linked and solved by bw2calc in their project (recorded
    in the result's ``background``; the contributions are its emitting activities); not with ``uncertainty`` (the
    Monte Carlo runs on the embedded background).
    """
    cutoff = contribution.check_cutoff(contribution_cutoff)
    if uncertainty < 0:
        raise LCAError(
            Problem(file="footprint", message="uncertainty iterations must be >= 0", found=str(uncertainty))
        )
    if background is not None and uncertainty:
        raise UsageError(
            Problem(
                "--uncertainty",
                message="Monte Carlo on the user's own background is not supported",
                expected="--uncertainty 0 with --background (the Monte Carlo uses the embedded background)",
                found=str(uncertainty),
            )
        )
    model = load_model(model_dir)
    country, inventory = build_inventory(inp, model)
    scen = model.scenario(scenario) if scenario else None  # fail early on an unknown name
    materials = build_materials(inp, model)
    result = _evaluate(inp, model, inventory, country, engine, bw_dir, materials, background, cutoff)
    extra: dict[str, Any] = {}
    if uncertainty:
        extra["uncertainty"] = _uncertainty(
            inp, model, inventory, materials, country, uncertainty, seed, bw_dir
        )
    if scen is not None:
        alt = _evaluate(
            inp,
            model,
            apply_scenario(inventory, scen, country),
            country,
            engine,
            bw_dir,
            materials,
            background,
            cutoff,
        )
        extra["scenario"] = _scenario_section(result, alt, scen)
    if extra:
        result = replace(result, **extra)
    return result
