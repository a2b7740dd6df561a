"""Turn a :class:`FootprintInput` into the foreground inventory: per step, the kWh and kg it draws
from background suppliers, whether they are primary (metered) or default (reference model), and
their uncertainty.  Scenarios are transformations of this inventory."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from liplanet_cert.errors import LCAError, Problem
from liplanet_cert.lca.model import Model
from liplanet_cert.lca.types import Flow, FootprintInput, StepInventory

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
        for carrier, val in (("electricity", m.electricity_kwh), ("natural gas", m.natural_gas_kwh)):
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


def build_inventory(inp: FootprintInput, model: Model) -> tuple[str, list[StepInventory]]:
    """Return the grid country used and the per-step foreground inventory."""
    _check(inp, model)
    country = resolve_country(inp, model)
    grid = f"electricity|{country}"
    default_acc = float(model.manifest["meter_accuracy_default"]["relative_sd"])
    capacity = inp.cell_energy_kwh * inp.cells_produced  # kWh of cell capacity over the period
    out: list[StepInventory] = []
    for step in footprint_steps(inp, model):
        m = inp.metered.get(step)
        flows: list[Flow] = []
        if m is not None and m.has_energy:
            source = "primary"
            for carrier, supplier, val in (
                ("electricity", grid, m.electricity_kwh),
                ("heat", HEAT_SUPPLIER, m.natural_gas_kwh),
            ):
                if val:
                    acc = m.accuracy.get(
                        carrier, m.accuracy.get("natural_gas" if carrier == "heat" else carrier, default_acc)
                    )
                    flows.append(
                        Flow(carrier, supplier, float(val), True, _normal(float(val), acc), m.location)
                    )
        else:
            source = "default"
            for carrier, supplier in (("electricity", grid), ("heat", HEAT_SUPPLIER)):
                lo, mode, hi = model.default_intensity(step, carrier)
                if mode > 0:
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
        if m is not None:
            for mat, kg in sorted(m.materials_kg.items()):
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
        out.append(StepInventory(step, source, tuple(flows), m.location if m else ""))
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
