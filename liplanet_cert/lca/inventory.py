"""Turn a :class:`FootprintInput` into the foreground inventory: per step, the kWh and kg it draws
from background suppliers, whether they are primary (metered) or default (reference model), and
their uncertainty.  Scenarios are transformations of this inventory.

Defaults are per (step, carrier): metering a step's electricity leaves its natural-gas default in
place (and the other way round); a step is ``primary`` only where all its carriers are metered,
``partial`` where some are.  Metered natural gas is converted to net calorific value (the basis of
the IPCC combustion factors) when it was metered on gross calorific value, with the sourced
NCV/GCV ratio of ``background.yaml``."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from liplanet_cert.errors import LCAError, Problem
from liplanet_cert.lca.model import Model
from liplanet_cert.lca.types import Flow, FootprintInput, MeteredStep, StepInventory

HEAT_SUPPLIER = "heat|natural_gas"
NORMAL, UNIFORM, TRIANGULAR = 3, 4, 5  # stats_arrays uncertainty type ids


def _problem(location: str, message: str, expected: str = "", found: str = "") -> LCAError:
    return LCAError(
        Problem(file="footprint input", location=location, message=message, expected=expected, found=found)
    )


def resolve_country(inp: FootprintInput, model: Model) -> str:
    """The grid the line draws from; unknown countries are an error unless EU27 fallback is asked."""
    if model.grid(inp.country) is not None:
        return inp.country
    if inp.fallback_to_eu27:
        return "EU27"
    known = sorted(model.background["electricity"]["countries"])
    raise LCAError(
        Problem(
            file=str(model.root / model.manifest["files"]["background"]),
            location="/electricity/countries",
            message=f"no grid electricity factor for country {inp.country!r}",
            expected="an ISO 3166 alpha-3 code with a factor: " + ", ".join(known),
            found=inp.country,
        )
    )


def _normal(amount: float, rel_sd: float) -> dict[str, float]:
    if amount <= 0 or rel_sd <= 0:
        return {}
    return {"uncertainty_type": NORMAL, "loc": amount, "scale": rel_sd * amount}


def _range(lo: float, mode: float, hi: float) -> dict[str, float]:
    if not hi > lo:
        return {}
    return {"uncertainty_type": TRIANGULAR, "loc": mode, "minimum": lo, "maximum": hi}


def _check(inp: FootprintInput, model: Model) -> None:
    problems: list[Problem] = []
    where = "footprint input"
    for name in ("cells_produced", "cell_energy_kwh"):
        val = getattr(inp, name)
        if not (isinstance(val, (int, float)) and math.isfinite(val) and val > 0):
            problems.append(Problem(where, f"/{name}", f"{name} must be a positive number", "> 0", repr(val)))
    known = set(model.production_steps) | set(model.facility_services)
    for s in list(inp.steps) + list(inp.metered):
        if s not in known:
            problems.append(
                Problem(
                    where, f"/steps/{s}", f"unknown step id {s!r}", "one of " + ", ".join(sorted(known)), s
                )
            )
    materials = model.materials()
    for s, m in inp.metered.items():
        loc = m.location or f"/metered/{s}"
        for carrier, val in (
            ("electricity", m.electricity_kwh),
            ("natural gas", m.natural_gas_kwh),
            ("natural gas (GCV)", m.natural_gas_gcv_kwh),
        ):
            if val is not None and not (math.isfinite(val) and val >= 0):
                problems.append(
                    Problem(
                        where, loc, f"{carrier} of step {s} must be a non-negative number", ">= 0", repr(val)
                    )
                )
        for mat, kg in m.materials_kg.items():
            if mat not in materials:
                problems.append(
                    Problem(
                        where,
                        loc,
                        f"no sourced emission factor for material {mat!r}",
                        "one of " + ", ".join(sorted(materials)),
                        mat,
                    )
                )
            elif not (math.isfinite(kg) and kg >= 0):
                problems.append(
                    Problem(where, loc, f"amount of {mat} must be a non-negative number", ">= 0", repr(kg))
                )
    if problems:
        raise LCAError(problems)


def footprint_steps(inp: FootprintInput, model: Model) -> list[str]:
    """Declared steps + metered steps + the facility services, in canonical order."""
    wanted = set(inp.steps) | set(inp.metered) | set(model.facility_services)
    return [s for s in model.production_steps + model.facility_services if s in wanted]


def gas_basis(model: Model) -> tuple[str, float]:
    """(default calorific basis of metered natural gas, NCV/GCV ratio) from the model's
    ``heat.natural_gas.calorific_basis`` (sourced there)."""
    basis = model.background["heat"]["natural_gas"]["calorific_basis"]
    return str(basis["default"]), float(basis["ncv_per_gcv"]["value"])


def _metered_gas(m: MeteredStep, model: Model) -> tuple[float | None, str]:
    """The step's metered natural gas on NCV (the combustion factors' basis) and a note of the
    basis it was metered on (``""`` when all of it was NCV)."""
    if m.natural_gas_gcv_kwh is None:
        return m.natural_gas_kwh, ""
    _, ratio = gas_basis(model)
    ncv = (m.natural_gas_kwh or 0.0) + m.natural_gas_gcv_kwh * ratio
    note = f"natural gas {m.natural_gas_gcv_kwh:.6g} kWh on GCV x {ratio:g} (NCV/GCV) = NCV"
    if m.natural_gas_kwh is not None:
        note += f", plus {m.natural_gas_kwh:.6g} kWh on NCV"
    return ncv, note


def _energy_flows(
    step: str, m: MeteredStep | None, model: Model, grid: str, capacity: float, default_acc: float
) -> tuple[list[Flow], int, int, str]:
    """(flows, carriers metered, carriers the step has, gas-basis note) of a step's electricity
    and heat: each carrier is metered (even 0) or the reference model's default on its own."""
    gas, note = _metered_gas(m, model) if m is not None else (None, "")
    flows: list[Flow] = []
    metered = present = 0
    for carrier, supplier, val in (
        ("electricity", grid, m.electricity_kwh if m else None),
        ("heat", HEAT_SUPPLIER, gas),
    ):
        if m is not None and val is not None:
            metered += 1
            present += 1
            if val:
                acc = m.accuracy.get(
                    carrier, m.accuracy.get("natural_gas" if carrier == "heat" else carrier, default_acc)
                )
                where = "; ".join(x for x in (m.location, note if carrier == "heat" else "") if x)
                flows.append(Flow(carrier, supplier, float(val), True, _normal(float(val), acc), where))
            continue
        lo, mode, hi = model.default_intensity(step, carrier)
        if mode > 0:
            present += 1
            flows.append(
                Flow(
                    carrier,
                    supplier,
                    mode * capacity,
                    False,
                    _range(lo * capacity, mode * capacity, hi * capacity),
                    "reference model (Degen & Schuette 2022)",
                )
            )
    return flows, metered, present, note


def build_inventory(inp: FootprintInput, model: Model) -> tuple[str, list[StepInventory]]:
    """Return the grid country used and the per-step foreground inventory.

    Each (step, carrier) is primary or default on its own: a carrier the line metered (even 0)
    is primary, one it did not meter keeps the reference-model default.  A step is ``primary``
    when every carrier it has (metered, or with a non-zero default) is metered, ``partial`` when
    some are, ``default`` when none is."""
    _check(inp, model)
    country = resolve_country(inp, model)
    grid = f"electricity|{country}"
    default_acc = float(model.manifest["meter_accuracy_default"]["relative_sd"])
    capacity = inp.cell_energy_kwh * inp.cells_produced  # kWh of cell capacity over the period
    out: list[StepInventory] = []
    for step in footprint_steps(inp, model):
        m = inp.metered.get(step)
        flows, metered, present, note = _energy_flows(step, m, model, grid, capacity, default_acc)
        if m is not None:
            for mat, kg in sorted(m.materials_kg.items()):
                metered += 1
                present += 1
                if kg:
                    acc = m.accuracy.get(mat, m.accuracy.get("materials", default_acc))
                    flows.append(
                        Flow(
                            "materials",
                            f"material|{mat}",
                            float(kg),
                            True,
                            _normal(float(kg), acc),
                            m.location,
                        )
                    )
        source = "default" if metered == 0 else "primary" if metered == present else "partial"
        location = "; ".join(x for x in (m.location if m else "", note) if x)
        out.append(StepInventory(step, source, tuple(flows), location))
    return country, out


def _scaled(flow: Flow, factor: float, **changes: Any) -> Flow:
    unc = dict(flow.uncertainty)
    for key in ("loc", "scale", "minimum", "maximum"):
        if key in unc:
            unc[key] *= factor
    return replace(flow, amount=flow.amount * factor, uncertainty=unc, **changes)


def apply_scenario(
    inventory: list[StepInventory], scenario: dict[str, Any], country: str
) -> list[StepInventory]:
    """Apply a scenario's changes (in file order) to a copy of the inventory."""
    grid = f"electricity|{country}"
    result = list(inventory)
    for change in scenario["changes"]:
        op, steps = change["op"], change.get("steps", "all")
        new: list[StepInventory] = []
        for inv in result:
            if steps != "all" and inv.step not in steps:
                new.append(inv)
                continue
            flows: list[Flow] = []
            for f in inv.flows:
                if op == "electricity_supplier" and f.carrier == "electricity":
                    flows.append(replace(f, supplier=f"electricity|{change['supplier']}"))
                elif op == "heat_pump" and f.carrier == "heat":
                    factor = float(change["heat_per_kwh_gas"]["value"]) / float(change["cop"]["value"])
                    flows.append(_scaled(f, factor, carrier="electricity", supplier=grid))
                elif op == "scale" and f.carrier in change["carriers"]:
                    flows.append(_scaled(f, float(change["factor"])))
                elif op not in ("electricity_supplier", "heat_pump", "scale"):
                    raise _problem(
                        f"/scenario/{scenario['id']}",
                        f"unknown scenario operation {op!r}",
                        "electricity_supplier, heat_pump or scale",
                        op,
                    )
                else:
                    flows.append(f)
            new.append(replace(inv, flows=_merge(flows)))
        result = new
    return result


def _merge(flows: list[Flow]) -> tuple[Flow, ...]:
    """One flow per (carrier, supplier) -- e.g. heat-pump electricity joins the step's grid
    electricity -- so that Brightway sees no duplicate exchanges.  Merged flows lose their
    uncertainty (scenario results are deterministic; Monte Carlo runs on the baseline)."""
    merged: dict[tuple[str, str], Flow] = {}
    for f in flows:
        key = (f.carrier, f.supplier)
        if key in merged:
            old = merged[key]
            merged[key] = replace(
                old, amount=old.amount + f.amount, primary=old.primary and f.primary, uncertainty={}
            )
        else:
            merged[key] = f
    return tuple(merged.values())
