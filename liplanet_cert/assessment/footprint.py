"""From a bundle's energy metering to the LCA engine's input.

Each row of ``energy.csv`` is converted with pint to the model's unit (kWh for electricity and
natural-gas heat, kg for materials).

- **Per-unit amounts** (``kWh/cell``, ``kg/lot``) are multiplied by what the metered step itself
  processed in the row's period (``period_start``..``period_end``, both included): per cell by the
  ``units_in`` of that step in the production log, per lot by the lots of that step.  Only a step
  that is not in the production log -- the facility services ``dry_room`` and ``infrastructure``,
  or a step the log does not record -- falls back to the good cells leaving (``good_out``) the last
  logged step, or to its lots; the step's location says so.
- **Natural gas** is fuel energy on the calorific basis of the row's ``calorific_basis`` (``GCV``
  or ``NCV``); a row that does not state it is on the LCA model's default (``GCV``, see
  ``lca_models/background.yaml``).  The LCA converts GCV to NCV; the location records the basis.
- Each (step, carrier) the line meters replaces that carrier's reference-model default only;
  carriers and steps the line does not meter are left to the reference model inside
  :mod:`liplanet_cert.lca`.
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
    """The LCA input of ``bundle``: cells, cell energy, country and what ``energy.csv`` meters per
    step (see the module docstring for how per-unit amounts and the gas basis are read)."""
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
    totals = _metered_totals(bundle, m) if bundle.energy is not None else {}
    metered = {
        step: MeteredStep(
            step=step,
            electricity_kwh=t["electricity"],
            natural_gas_kwh=t["NCV"],
            natural_gas_gcv_kwh=t["GCV"],
            materials_kg=dict(t["materials"]),
            accuracy=dict(t["accuracy"]),
            location="; ".join([f"{bundle.files['energy']} rows " + _rows(t["rows"]), *t["notes"]]),
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


def _metered_totals(bundle: Bundle, m: Measurements) -> dict[str, dict[str, Any]]:
    """Per step: metered electricity, natural gas per calorific basis (kWh), materials (kg), the
    worst stated accuracy per carrier, the energy.csv rows and notes on how they were read."""
    from liplanet_cert.lca.inventory import gas_basis
    from liplanet_cert.lca.model import load_model

    energy, prod = bundle.energy, bundle.production
    default_basis = gas_basis(load_model())[0]
    # plain columns: a handful of metering rows, each needing at most one count from the log
    logged = set(prod["step"].tolist())
    names = ("_row", "step", "carrier", "kind", "amount", "factor", "basis", "meter_accuracy")
    cols = [list(energy[c]) for c in names]
    n = len(cols[0])
    stated = list(energy["calorific_basis"]) if "calorific_basis" in energy else [None] * n
    totals: dict[str, dict[str, Any]] = {}
    for k, (row, step, carrier, kind, amount, factor, basis, acc) in enumerate(zip(*cols)):
        t = totals.setdefault(
            step,
            {"electricity": None, "NCV": None, "GCV": None, "materials": {}, "accuracy": {}},
        )
        t.setdefault("rows", []).append(int(row))
        notes = t.setdefault("notes", [])
        amount = float(amount) * float(factor)
        if isinstance(basis, str):
            own = step in logged
            count = _units(prod, step if own else m.final_step, basis, own, k, energy)
            amount *= count
            if not own:
                notes.append(
                    f"row {int(row)}: per-{basis} amount x {count:g} "
                    + ("good cells leaving" if basis == "cell" else "lots of")
                    + f" {m.final_step} ({step} is not in the production log)"
                )
        if kind != "energy":
            t["materials"][carrier] = t["materials"].get(carrier, 0.0) + amount
        elif carrier == "natural_gas":
            gcv = stated[k] or default_basis
            t[gcv] = (t[gcv] or 0.0) + amount
            key = f"natural gas on {gcv}" + ("" if stated[k] else " (not stated: the default)")
            t.setdefault("gas_rows", {}).setdefault(key, []).append(int(row))
        else:
            t[carrier] = (t[carrier] or 0.0) + amount
        if isinstance(acc, float) and acc == acc:
            t["accuracy"][carrier] = max(t["accuracy"].get(carrier, 0.0), acc)
    for t in totals.values():
        for key, rows in t.pop("gas_rows", {}).items():
            t["notes"].append(f"{'row' if len(rows) == 1 else 'rows'} {_rows(rows)}: {key}")
    return totals


def _units(prod: Any, step: str | None, basis: str, own: bool, k: int, energy: Any) -> float:
    """What a per-cell or per-lot amount of energy.csv row ``k`` is multiplied by: the cells
    ``step`` took in (``own``: the metered step itself) or the good cells leaving it (the last
    logged step, for a facility service), or its lots, within the row's period."""
    at = prod["step"] == step
    at &= (prod["date"] >= energy["period_start"][k]) & (prod["date"] <= energy["period_end"][k])
    if basis == "lot":
        return float(len(set(prod["lot_id"][at].tolist())))
    return float(prod["units_in" if own else "good_out"][at].sum())


def bundle_footprint(
    bundle: Bundle,
    m: Measurements,
    *,
    scenario: str | None = None,
    uncertainty: int = 0,
    seed: int | None = None,
    bw_dir: Path | None = None,
    background: Any = None,
    contribution_cutoff: float | None = None,
) -> Any:
    """The footprint of a loaded bundle; ``background``: the user's own Brightway background
    (a :class:`~liplanet_cert.lca.userbackground.BackgroundSpec`), else the embedded one;
    ``contribution_cutoff`` ``None``: the default one."""
    from liplanet_cert.lca import compute_footprint

    extra = {} if contribution_cutoff is None else {"contribution_cutoff": contribution_cutoff}
    return compute_footprint(
        footprint_input(bundle, m),
        scenario=scenario,
        uncertainty=uncertainty,
        seed=seed,
        bw_dir=bw_dir,
        background=background,
        **extra,
    )


def _rows(rows: list[int]) -> str:
    from liplanet_cert.assessment.kpis import compress_ids

    return compress_ids([str(r) for r in rows]) if rows else "-"


def footprint_of(
    path: str | Path,
    *,
    scenario: str | None = None,
    uncertainty: int = 0,
    seed: int | None = None,
    bw_dir: Path | None = None,
    background: Any = None,
    contribution_cutoff: float | None = None,
) -> FootprintResult:
    """The per-step CO2 footprint of the bundle at ``path``: loaded, measured, then computed
    (optionally with a scenario, Monte Carlo ``uncertainty`` and the contribution analysis's
    ``contribution_cutoff``)."""
    from liplanet_cert.assessment.kpis import measure
    from liplanet_cert.bundle.load import load_bundle

    bundle = load_bundle(path)
    return bundle_footprint(
        bundle,
        measure(bundle),
        scenario=scenario,
        uncertainty=uncertainty,
        seed=seed,
        bw_dir=bw_dir,
        background=background,
        contribution_cutoff=contribution_cutoff,
    )


def passport_of(
    path: str | Path,
    *,
    bw_dir: Path | None = None,
    partial: bool = False,
    submodel: str = "carbon-footprint",
) -> dict[str, Any]:
    """A battery-passport submodel of the bundle at ``path`` (Battery Pass data model 1.2.0):
    ``carbon-footprint`` (every computed stage listed, the functional unit from the declared
    application category; without the raw-material stage refused unless ``partial``),
    ``performance`` or ``material-composition`` (what the line's data fills; the rest is listed
    as not filled).  Each is validated against its official schema before it is returned."""
    from liplanet_cert.assessment.kpis import measure
    from liplanet_cert.bundle.load import load_bundle
    from liplanet_cert.lca import passport_submodels as sub

    bundle = load_bundle(path)
    if submodel == "performance":
        eol = bundle.eol
        ir = None
        if eol is not None and "internal_resistance" in eol:
            ir = eol["internal_resistance"][eol["passed"]]
        doc = sub.build_performance(
            capacity_ah=bundle.cell.capacity_ah,
            voltage_v=bundle.cell.voltage_v,
            energy_kwh=bundle.cell.energy_kwh,
            resistance_mohm=ir,
            eol_file=bundle.files.get("eol_tests"),
        )
        errors = sub.validate_submodel(submodel, doc)
    elif submodel == "material-composition":
        bom = getattr(bundle, "bill_of_materials", None)
        doc = sub.build_material_composition(bundle.cell.chemistry, bom)
        errors = sub.validate_submodel(submodel, doc)
    elif submodel == "carbon-footprint":
        from liplanet_cert.lca.functional_unit import functional_unit
        from liplanet_cert.lca.passport import build_passport, validate_passport

        p = bundle.passport or {}
        fu = functional_unit(p, bundle.cell.energy_kwh, bundle.declaration_file)
        fp = bundle_footprint(bundle, measure(bundle), bw_dir=bw_dir)
        meta = {"study_url": p.get("study_url"), "file": bundle.declaration_file}
        doc = build_passport(fp, fu, p.get("stages"), meta, partial=partial)
        errors = validate_passport(doc)
    else:
        raise ValueError(f"unknown passport submodel {submodel!r}")
    if errors:  # our own output failing the official schema is a bug, not the user's fault
        raise RuntimeError(f"passport {submodel} export does not validate: " + "; ".join(errors))
    return doc
