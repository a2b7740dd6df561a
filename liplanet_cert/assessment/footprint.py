"""From a bundle's energy metering to the LCA engine's input.

Each row of ``energy.csv`` is converted with pint to the model's unit (kWh for electricity and
natural-gas heat, kg for materials); amounts given per cell or per lot are multiplied by the cells
(good output of the last logged step) or the lots of that step within the row's period.  Steps the
line does not meter are left to the reference model inside :mod:`liplanet_cert.lca`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from liplanet_cert.assessment.kpis import Measurements
from liplanet_cert.bundle.model import Bundle
from liplanet_cert.errors import LCAError, Problem

if TYPE_CHECKING:  # pragma: no cover  (the LCA package is imported only when a footprint is computed)
    from liplanet_cert.lca.types import FootprintResult


def footprint_input(bundle: Bundle, m: Measurements) -> Any:
    from liplanet_cert.lca import FootprintInput, MeteredStep
    from liplanet_cert.lca.types import MaterialLine

    if m.cells_produced <= 0:
        raise LCAError(
            Problem(
                bundle.files["production_log"],
                message="no good cells produced in the period",
                expected="good_out > 0 at the last logged step",
                found="0",
            )
        )
    totals: dict[str, dict[str, Any]] = {}
    energy = bundle.energy
    prod = bundle.production
    rows_by_step: dict[str, list[int]] = {}
    if energy is not None:
        # plain columns: a handful of metering rows, each needing at most one count from the log
        p_step, p_date, p_good, p_lot = (prod[c] for c in ("step", "date", "good_out", "lot_id"))
        logged = set(p_step.tolist())
        cols = [
            list(energy[c])
            for c in ("_row", "step", "carrier", "kind", "amount", "factor", "basis", "meter_accuracy")
        ]
        starts, ends = energy["period_start"], energy["period_end"]
        for k, (row, step, carrier, kind, amount, factor, basis) in enumerate(zip(*cols[:7])):
            amount = float(amount) * float(factor)
            if isinstance(basis, str):
                at = p_step == (m.final_step if basis == "cell" or step not in logged else step)
                at &= (p_date >= starts[k]) & (p_date <= ends[k])
                count = float(p_good[at].sum()) if basis == "cell" else float(len(set(p_lot[at].tolist())))
                amount *= count
            t = totals.setdefault(
                step, {"electricity": None, "natural_gas": None, "materials": {}, "accuracy": {}}
            )
            if kind == "energy":
                t[carrier] = (t[carrier] or 0.0) + amount
            else:
                t["materials"][carrier] = t["materials"].get(carrier, 0.0) + amount
            rows_by_step.setdefault(step, []).append(int(row))
        for step, carrier, acc in zip(cols[1], cols[2], cols[7]):
            if isinstance(acc, float) and acc == acc:
                t = totals[step]
                t["accuracy"][carrier] = max(t["accuracy"].get(carrier, 0.0), acc)
    metered = {
        step: MeteredStep(
            step=step,
            electricity_kwh=t["electricity"],
            natural_gas_kwh=t["natural_gas"],
            materials_kg=dict(t["materials"]),
            accuracy=dict(t["accuracy"]),
            location=f"{bundle.files['energy']} rows " + _rows(rows_by_step.get(step, [])),
        )
        for step, t in totals.items()
    }
    steps = tuple(bundle.steps) + tuple(s for s in metered if s not in bundle.steps)
    bom = bundle.cell.bill_of_materials
    return FootprintInput(
        country=bundle.country_iso3,
        cells_produced=m.cells_produced,
        cell_energy_kwh=bundle.cell.energy_kwh,
        steps=steps,
        metered=metered,
        chemistry=bundle.cell.chemistry,
        bill_of_materials=None
        if bom is None
        else tuple(
            MaterialLine(b.material, b.kg_per_cell, b.kg_co2e_per_kg, b.source, b.pointer) for b in bom
        ),
    )


def bundle_footprint(
    bundle: Bundle,
    m: Measurements,
    *,
    scenario: str | None = None,
    uncertainty: int = 0,
    seed: int | None = None,
    bw_dir: Path | None = None,
) -> Any:
    from liplanet_cert.lca import compute_footprint

    return compute_footprint(
        footprint_input(bundle, m), scenario=scenario, uncertainty=uncertainty, seed=seed, bw_dir=bw_dir
    )


def _rows(rows: list[int]) -> str:
    from liplanet_cert.assessment.kpis import compress_ids

    return compress_ids([str(r) for r in rows]) if rows else "-"


def bundle_passport(bundle: Bundle, m: Measurements, *, bw_dir: Path | None = None) -> dict[str, Any]:
    """The battery-passport carbon-footprint section for a bundle (validated against the official schema)."""
    from liplanet_cert.lca.passport import build_passport, validate_passport

    fp = bundle_footprint(bundle, m, bw_dir=bw_dir)
    p = bundle.passport or {}
    service_life = {
        "usable_energy_kwh": p.get("usable_energy_kwh"),
        "cycles_per_year": p.get("full_equivalent_cycles_per_year"),
        "service_years": p.get("service_years"),
    }
    doc = build_passport(
        fp, service_life, p.get("stages"), {"study_url": p.get("study_url"), "file": bundle.declaration_file}
    )
    errors = validate_passport(doc)
    if errors:  # our own output failing the official schema is a bug, not the user's fault
        raise RuntimeError("passport export does not validate: " + "; ".join(errors))
    return doc


def footprint_of(
    path: str | Path,
    *,
    scenario: str | None = None,
    uncertainty: int = 0,
    seed: int | None = None,
    bw_dir: Path | None = None,
) -> FootprintResult:
    """The per-step CO2 footprint of the bundle at ``path``: loaded, measured, then computed
    (optionally with a scenario and Monte Carlo ``uncertainty``)."""
    from liplanet_cert.assessment.kpis import measure
    from liplanet_cert.bundle.load import load_bundle

    bundle = load_bundle(path)
    return bundle_footprint(
        bundle, measure(bundle), scenario=scenario, uncertainty=uncertainty, seed=seed, bw_dir=bw_dir
    )


def passport_of(path: str | Path, *, bw_dir: Path | None = None) -> dict[str, Any]:
    """The battery-passport carbon-footprint section of the bundle at ``path``."""
    from liplanet_cert.assessment.kpis import measure
    from liplanet_cert.bundle.load import load_bundle

    bundle = load_bundle(path)
    return bundle_passport(bundle, measure(bundle), bw_dir=bw_dir)
