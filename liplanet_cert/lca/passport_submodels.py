"""Battery Pass Performance and MaterialComposition exports (data model 1.2.0), at cell level.

Only what the line's data can honestly fill is written; every attribute the official schema
requires and the data cannot give is listed, with the reason, in the extension ``x-liplanet``
(``notFilled``).  The exports therefore validate against the official schemas *without* their
``required`` keywords (:func:`validate_submodel`): each value present has the type, unit and
enumeration the schema asks for, and the only errors the full schema reports are the absent
attributes that ``notFilled`` names (tests check both).

Units follow the SAMM aspect models: Ah, V, kWh, ohm; material mass in gram.
"""

from __future__ import annotations

import copy
from typing import Any

SCHEMAS = {
    "performance": "batterypass-performance-1.2.0",
    "material-composition": "batterypass-material-composition-1.2.0",
}
EXTENSION = "x-liplanet"
PROPS = "batteryTechicalProperties"  # sic: the data model's spelling
_NOT_MEASURED = "not measured by the line's end-of-line test: no value in the bundle"
PERFORMANCE_NOT_FILLED = {
    "originalPowerCapability": "power at 80 % and 20 % SoC is " + _NOT_MEASURED,
    "ratedMaximumPower": "a rating of the battery maker, not declared in the bundle",
    "powerCapabilityRatio": "a rating of the battery maker, not declared in the bundle",
    "expectedNumberOfCycles": "needs a cycle-life test, not part of the end-of-line data",
    "initialSelfDischarge": "the schema asks for % of capacity per month under defined conditions; "
    "the end-of-line test records an OCV drop in mV over the line's rest period, which converts to "
    "capacity only through the cell's OCV-SoC curve and the rest duration, neither in the bundle",
    "roundtripEfficiency": _NOT_MEASURED,
    "expectedLifetime": "the expected lifetime in years is a rating of the battery maker, not declared",
    "minimumVoltage": "not declared in the bundle, which gives the nominal voltage only",
    "maximumVoltage": "not declared in the bundle, which gives the nominal voltage only",
    "capacityThresholdForExhaustion": "a rating of the battery maker, not declared in the bundle",
    "lifetimeReferenceTest": "needs a cycle-life test, not part of the end-of-line data",
    "cRateLifeCycleTest": "needs a cycle-life test, not part of the end-of-line data",
    "temperatureRangeIdleState": "a rating of the battery maker, not declared in the bundle",
}
CONDITION_REASON = "in-use data of the battery condition: nothing to report before the battery is used"
# chemistry tokens (cathode or anode, as declared) -> clear names; nomenclature, not figures
CLEAR_NAMES = {
    "NMC": "lithium nickel manganese cobalt oxide",
    "NCM": "lithium nickel cobalt manganese oxide",
    "NCA": "lithium nickel cobalt aluminium oxide",
    "LMFP": "lithium manganese iron phosphate",
    "LFP": "lithium iron phosphate",
    "LCO": "lithium cobalt oxide",
    "LMO": "lithium manganese oxide",
    "LNMO": "lithium nickel manganese oxide",
    "LTO": "lithium titanate",
    "GRAPHITE": "graphite",
    "SI": "silicon",
    "LI-METAL": "lithium metal",
}


def _not_filled(where: str, reason: str) -> dict[str, str]:
    return {"attribute": where, "reason": reason}


def build_performance(
    *,
    capacity_ah: float,
    voltage_v: float,
    energy_kwh: float,
    resistance_mohm: Any,
    eol_file: str | None,
) -> dict[str, Any]:
    """Performance submodel of one cell model: rated capacity, nominal voltage and rated energy as
    declared (nominal values), and the initial internal resistance at cell level as the mean of the
    end-of-line resistances given (``resistance_mohm``: the passing cells' values, NaN = not
    measured; None or none measured: not filled)."""
    import numpy as np

    props: dict[str, Any] = {
        "ratedCapacity": float(capacity_ah),
        "ratedEnergy": float(energy_kwh),
        "nominalVoltage": float(voltage_v),
    }
    not_filled = [_not_filled(f"{PROPS}/{k}", r) for k, r in PERFORMANCE_NOT_FILLED.items()]
    values = np.asarray(resistance_mohm if resistance_mohm is not None else [], dtype=float)
    values = values[np.isfinite(values)]
    measured: dict[str, Any] = {}
    if values.size:
        props["initialInternalResistance"] = [
            {"ohmicResistance": float(values.mean()) / 1000.0, "batteryComponent": "cell"}
        ]
        measured = {
            "initialInternalResistance": f"mean of {values.size} end-of-line internal resistances of the "
            f"cells that passed ({eol_file}), mohm / 1000 = ohm; measurement method as the line's test"
        }
    else:
        not_filled.append(
            _not_filled(
                f"{PROPS}/initialInternalResistance", "no end-of-line internal resistance in the bundle"
            )
        )
    not_filled.append(_not_filled("batteryCondition", CONDITION_REASON))
    return {
        PROPS: props,
        EXTENSION: {
            "level": "cell",
            "sources": {
                "ratedCapacity": "cell.nominal_capacity as declared (Ah)",
                "ratedEnergy": "cell.nominal_energy as declared (kWh); the cell's nominal energy, "
                "not a UN GTR 22 certified usable energy",
                "nominalVoltage": "cell.nominal_voltage as declared (V)",
                **measured,
            },
            "notFilled": not_filled,
        },
    }


def clear_name(chemistry: str) -> str:
    """A clear name of a declared chemistry (``NMC811/graphite`` -> names of cathode and anode);
    a part without a known name is kept as declared."""
    parts = []
    for token in chemistry.replace(" ", "").split("/"):
        key = next(
            (k for k in sorted(CLEAR_NAMES, key=len, reverse=True) if token.upper().startswith(k)), None
        )
        name = CLEAR_NAMES[key] if key else token
        parts.append(name if name.lower() == token.lower() else f"{name} ({token})")
    return " / ".join(parts)


def _material(line: Any) -> tuple[dict[str, Any], list[str]]:
    """One declared bill-of-materials line as a batteryMaterials entry, and the attributes it lacks."""

    def get(*keys: str) -> Any:
        for k in keys:
            v = line.get(k) if isinstance(line, dict) else getattr(line, k, None)
            if v is not None:
                return v
        return None

    entry: dict[str, Any] = {}
    name = get("material", "name")
    if name is not None:
        entry["batteryMaterialName"] = str(name)
    kg = get("mass_kg", "kg_per_cell", "mass_per_cell_kg")
    if isinstance(kg, (int, float)) and not isinstance(kg, bool):
        entry["batteryMaterialMass"] = float(kg) * 1000.0  # SAMM unit: gram
    cas = get("cas", "cas_number")
    if cas is not None:
        entry["batteryMaterialIdentifier"] = str(cas)
    component = get("component")
    if component is not None:
        entry["batteryMaterialLocation"] = {"componentName": str(component)}
    critical = get("critical_raw_material", "is_critical_raw_material")
    if isinstance(critical, bool):
        entry["isCriticalRawMaterial"] = critical
    required = ("batteryMaterialLocation", "batteryMaterialIdentifier", "batteryMaterialName")
    return entry, [k for k in (*required, "batteryMaterialMass", "isCriticalRawMaterial") if k not in entry]


def build_material_composition(chemistry: str, bill_of_materials: Any) -> dict[str, Any]:
    """MaterialComposition submodel: the declared chemistry and, when the declaration gives one,
    its bill of materials (mass per cell, in gram); nothing is inferred from defaults."""
    doc: dict[str, Any] = {"batteryChemistry": {"shortName": chemistry, "clearName": clear_name(chemistry)}}
    not_filled = [
        _not_filled(
            "hazardousSubstances",
            "the bundle declares no hazardous substances: CLP class, concentration, CAS number, location",
        )
    ]
    lines = list(bill_of_materials or [])
    if lines:
        materials = []
        for i, line in enumerate(lines):
            entry, lacking = _material(line)
            materials.append(entry)
            not_filled += [
                _not_filled(f"batteryMaterials/{i}/{k}", "not declared in the bill of materials")
                for k in lacking
            ]
        doc["batteryMaterials"] = materials
    else:
        not_filled.append(_not_filled("batteryMaterials", "the declaration has no bill_of_materials"))
    doc[EXTENSION] = {
        "level": "cell",
        "sources": {
            "batteryChemistry": "cell.chemistry as declared; clear name from the chemistry's short name",
            **({"batteryMaterials": "bill_of_materials as declared, mass per cell in g"} if lines else {}),
        },
        "notFilled": not_filled,
    }
    return doc


def _drop_required(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _drop_required(v) for k, v in node.items() if k != "required"}
    if isinstance(node, list):
        return [_drop_required(v) for v in node]
    return node


def submodel_schema(submodel: str, *, strict: bool = True) -> dict[str, Any]:
    """The official schema of a submodel; ``strict=False``: without its ``required`` keywords."""
    from liplanet_cert.infra.resources import load_schema

    schema = load_schema(SCHEMAS[submodel])
    return copy.deepcopy(schema) if strict else _drop_required(schema)


def validate_submodel(submodel: str, document: dict[str, Any], *, strict: bool = False) -> list[str]:
    """Schema errors of an export (draft-04, as the files declare); ``strict=False`` (default): the
    values present are checked, absent required attributes are not (they are in ``notFilled``)."""
    import jsonschema

    validator = jsonschema.Draft4Validator(
        submodel_schema(submodel, strict=strict), format_checker=jsonschema.FormatChecker()
    )
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '/'}: {e.message}" for e in validator.iter_errors(document)
    ]
