"""The cradle-to-gate materials stage ("raw material acquisition and pre-processing").

The cell materials come from the line's declared bill of materials, else from the default bill of
materials of the chemistry family (``lca_models/cell_materials.yaml``, kg per kWh of cell scaled by
the cell's nominal energy).  Each material is charged with the line's declared emission factor (its
supplier's: primary) or the model's default factor (default).  A chemistry the data file maps onto
no family, with no declared bill of materials, leaves the stage *not computed*, with the reason:
never a guess.

Both engines see the same foreground: a default material draws from the background activity
``cell_material|<id>``; a declared factor is a foreground activity of its own emitting that many
kg of CO2 (the CO2e total enters as CO2, as the background does).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from liplanet_cert.errors import LCAError, Problem
from liplanet_cert.lca.model import Model
from liplanet_cert.lca.types import RAW_MATERIALS, FootprintInput, StageResult

_STRIP = re.compile(r"[\s.\-_]+")
MATERIALS_ACTIVITY = "stage|raw_material_acquisition"  # the stage's foreground activity (Brightway)


@dataclass(frozen=True)
class MaterialFlow:
    """One material of the stage: kg per cell and the factor it is charged with."""

    material: str
    kg_per_cell: float
    kg_co2e_per_kg: float
    primary: bool  # the factor is the line's (supplier-specific)
    source: str
    location: str = ""

    @property
    def supplier(self) -> str:
        """Code of the activity the stage draws the material from (background or foreground)."""
        return f"declared_material|{self.material}" if self.primary else f"cell_material|{self.material}"


@dataclass(frozen=True)
class MaterialsInventory:
    """The stage's inventory: flows, what they come from, or why there are none."""

    flows: tuple[MaterialFlow, ...]
    basis: str
    not_computed: str = ""


def cell_materials(model: Model) -> dict[str, bool]:
    """Material id -> whether the model has a default factor for it (else a line must declare one)."""
    data = model.cell_materials
    return {m: True for m in data["materials"]} | {m: False for m in data["declare_factor_only"]}


def factor_distribution(model: Model, material: str) -> dict[str, float]:
    """stats_arrays fields of a default material factor: triangular (low, central, high) from
    its entry in ``cell_materials.yaml``; empty (not varied) where the file gives no range."""
    entry = model.cell_materials["materials"][material]
    if "low" not in entry or "high" not in entry:
        return {}
    lo, mode, hi = float(entry["low"]), float(entry["kg_co2e_per_kg"]), float(entry["high"])
    if not (hi > lo and lo <= mode <= hi):
        return {}
    return {"uncertainty_type": 5, "loc": mode, "minimum": lo, "maximum": hi}  # 5: triangular


def _norm(text: str) -> str:
    return _STRIP.sub("", text).casefold()


def family_of(chemistry: str, model: Model) -> str | None:
    """The chemistry family (a key of ``chemistry_families``) a declared chemistry string maps
    onto: cathode and anode (split at "/", either order) both among the family's aliases."""
    parts = [_norm(p) for p in chemistry.split("/")]
    if len(parts) != 2:
        return None
    for family, spec in model.cell_materials["chemistry_families"].items():
        cathodes = {_norm(a) for a in spec["cathode"]}
        anodes = {_norm(a) for a in spec["anode"]}
        if (parts[0] in cathodes and parts[1] in anodes) or (parts[1] in cathodes and parts[0] in anodes):
            return family
    return None


def _source_text(model: Model, material: str) -> str:
    key = model.cell_materials["materials"][material]["source"]
    src = model.cell_materials["sources"][key]
    return f"{key} ({src['year']}, {src['licence']})"


def _bom_source(model: Model) -> str:
    key = model.cell_materials["default_bill_of_materials"]["source"]
    src = model.cell_materials["sources"][key]
    return f"{key} ({src['year']}, {src['licence']}) + stoichiometry"


def _material_per_element(entry: dict[str, Any]) -> float:
    """kg of the material that carries 1 kg of its element (stoichiometry in the data file)."""
    el = entry["element"]
    return float(el["compound_molar_mass"]) / (float(el["element_molar_mass"]) * float(el["atoms"]))


def _default_flows(family: str, cell_kwh: float, model: Model) -> tuple[MaterialFlow, ...]:
    data = model.cell_materials
    out = []
    for row in data["default_bill_of_materials"]["families"][family]:
        mat = row["material"]
        entry = data["materials"][mat]
        kg_per_kwh = float(row["element_kg_per_kwh"]) * _material_per_element(entry)
        out.append(
            MaterialFlow(
                material=mat,
                kg_per_cell=kg_per_kwh * cell_kwh,
                kg_co2e_per_kg=float(entry["kg_co2e_per_kg"]),
                primary=False,
                source=_source_text(model, mat) + "; mass: " + _bom_source(model),
            )
        )
    return tuple(out)


def _declared_flows(inp: FootprintInput, model: Model) -> tuple[MaterialFlow, ...]:
    known = cell_materials(model)
    problems: list[Problem] = []
    out = []
    for i, line in enumerate(inp.bill_of_materials or ()):
        loc = line.location or f"/bill_of_materials/{i}"
        if line.material not in known:
            problems.append(
                Problem(
                    "footprint input", loc, f"unknown cell material {line.material!r}", found=line.material
                )
            )
        elif line.kg_co2e_per_kg is None and not known[line.material]:
            problems.append(
                Problem(
                    "footprint input",
                    loc,
                    f"no open emission factor for {line.material}: the line must declare one",
                    expected="emission_factor with its source",
                )
            )
        elif not (math.isfinite(line.kg_per_cell) and line.kg_per_cell >= 0):
            problems.append(
                Problem("footprint input", loc, "mass must be >= 0", found=repr(line.kg_per_cell))
            )
        elif line.kg_co2e_per_kg is not None:
            out.append(
                MaterialFlow(line.material, line.kg_per_cell, line.kg_co2e_per_kg, True, line.source, loc)
            )
        else:
            entry = model.cell_materials["materials"][line.material]
            out.append(
                MaterialFlow(
                    line.material,
                    line.kg_per_cell,
                    float(entry["kg_co2e_per_kg"]),
                    False,
                    _source_text(model, line.material),
                    loc,
                )
            )
    if problems:
        raise LCAError(problems)
    return tuple(out)


def build_materials(inp: FootprintInput, model: Model) -> MaterialsInventory:
    """The materials stage's inventory for ``inp`` (declared bill of materials, else the default of
    the chemistry family, else not computed with the reason)."""
    if inp.bill_of_materials is not None:
        return MaterialsInventory(_declared_flows(inp, model), "declared bill of materials")
    families = sorted(model.cell_materials["default_bill_of_materials"]["families"])
    if not inp.chemistry:
        return MaterialsInventory((), "", "no cell chemistry given")
    family = family_of(inp.chemistry, model)
    if family is None or family not in families:
        return MaterialsInventory(
            (),
            "",
            f"no default bill of materials for chemistry {inp.chemistry!r} (families with one: "
            + ", ".join(families)
            + "); declare bill_of_materials with the emission factors",
        )
    return MaterialsInventory(
        _default_flows(family, inp.cell_energy_kwh, model), f"default bill of materials {family}"
    )


def stage_result(
    inv: MaterialsInventory, scores: list[float], total: float | None, cells: float, kwh: float
) -> StageResult:
    """The materials stage: ``scores`` per flow (kg CO2e over the period), ``total`` the engine's."""
    if inv.not_computed:
        return StageResult(RAW_MATERIALS, None, None, None, None, (), inv.basis, inv.not_computed)
    kg = sum(scores) if total is None else total
    primary = sum(s for s, f in zip(scores, inv.flows) if f.primary)
    rows = tuple(
        {
            "material": f.material,
            "kg_per_cell": f.kg_per_cell,
            "kg_co2e_per_kg": f.kg_co2e_per_kg,
            "kg_co2e_per_cell": s / cells,
            "data_source": "primary" if f.primary else "default",
            "source": f.source,
        }
        for f, s in zip(inv.flows, scores)
    )
    return StageResult(
        RAW_MATERIALS,
        kg,
        kg / cells,
        kg / kwh,
        primary / kg if kg else 0.0,
        rows,
        inv.basis,
    )
