"""Carbon-footprint section of a battery passport (Battery Pass aspect model 1.2.0).

Values are kg CO2e per kWh of total energy delivered over the service life, as EU Battery
Regulation 2023/1542 Art. 7 asks: per-cell kg CO2e / lifetime energy of one cell (see
:mod:`liplanet_cert.lca.functional_unit`).  Every lifecycle stage the footprint computes is listed
(``RawMaterialExtraction`` from the materials stage, ``MainProduction`` from the production steps);
``Distribution`` and ``Recycling`` appear only when the declaration states them with a source.
``batteryCarbonFootprint`` is the sum of the stages listed.  The stages left out are named in the
document's extension ``x-liplanet`` (the official schema allows additional properties; the
extension is the only key it does not define).  A passport without the raw-material stage is
refused unless asked for as partial, and is then marked partial and given no performance class.
The performance class comes from the provisional table in ``lca_models/``: the legal classes are
not yet set.
"""

from __future__ import annotations

import math
from typing import Any

from liplanet_cert.errors import LCAError, Problem
from liplanet_cert.lca.functional_unit import FunctionalUnit
from liplanet_cert.lca.model import load_model

SCHEMA = "batterypass-carbon-footprint-1.2.0"
EXTENSION = "x-liplanet"
STAGES = ("RawMaterialExtraction", "MainProduction", "Distribution", "Recycling")
DECLARABLE = ("Distribution", "Recycling")
# FootprintResult.stages names -> the Battery Pass lifecycle stages
STAGE_NAMES = {"raw_material_acquisition": "RawMaterialExtraction", "main_production": "MainProduction"}
NOT_COMPUTED = {
    "RawMaterialExtraction": "the footprint has no materials stage: cell materials not computed",
    "MainProduction": "the footprint has no production stage",
    "Distribution": "outside the footprint's cradle-to-gate boundary and not declared; "
    "a declared figure goes in passport.stages.Distribution with its source",
    "Recycling": "end of life and recycling, outside the footprint's cradle-to-gate boundary and not "
    "declared; a declared figure goes in passport.stages.Recycling with its source",
}
NOT_ASSIGNED = "not assigned (partial footprint)"


def computed_stages(footprint: Any) -> dict[str, float]:
    """Battery Pass stage -> kg CO2e per cell of the stages a footprint computed.

    A footprint without ``stages`` (before the materials stage existed) is main production alone:
    its per-cell total.  A stage the footprint could not compute (``not_computed``) is left out:
    the passport is then partial."""
    stages = getattr(footprint, "stages", None)
    if not stages:
        return {"MainProduction": float(footprint.total_per_cell)}
    out: dict[str, float] = {}
    for s in stages:
        if getattr(s, "not_computed", None) or s.kg_co2e_per_cell is None:
            continue  # e.g. no open bill of materials for the chemistry: the stage is missing
        name = STAGE_NAMES.get(getattr(s, "name", None))  # type: ignore[arg-type]
        if name is None:
            raise ValueError(f"unknown footprint stage {getattr(s, 'name', None)!r}")
        out[name] = out.get(name, 0.0) + float(s.kg_co2e_per_cell)
    return out


def performance_class(value: float) -> str:
    """Provisional class label for a footprint in kg CO2e per kWh of lifetime energy."""
    table = load_model().classes
    for row in table["classes"]:
        if row["max"] is None or value <= float(row["max"]):
            return f"{row['class']}{table['label_suffix']}"
    raise LCAError(
        Problem(file="lca_models/passport_performance_classes.yaml", message="no open-ended last class")
    )


def performance_class_basis() -> dict[str, Any]:
    """What the performance class rests on: the provisional table, its source and basis."""
    table = load_model().classes
    return {
        "provisional": True,
        "table": f"{table['id']}@{table['version']}",
        "file": "lca_models/passport_performance_classes.yaml",
        "source": " ".join(str(table["source"]).split()),
        "basis": " ".join(str(table["basis"]).split()),
        "unit": table["unit"],
    }


def _declared(
    declared_stages: dict[str, dict[str, Any]] | None, file: str, problems: list[Problem]
) -> dict[str, tuple[float, str]]:
    """Stage -> (kg CO2e per kWh of lifetime energy, source) of the stages the declaration states."""
    out = {}
    for stage, item in sorted((declared_stages or {}).items()):
        loc = f"/passport/stages/{stage}"
        if stage not in DECLARABLE:
            problems.append(
                Problem(
                    file,
                    loc,
                    "this lifecycle stage cannot be declared (RawMaterialExtraction and MainProduction are computed)",
                    "one of " + ", ".join(DECLARABLE),
                    stage,
                )
            )
            continue
        value, source = (item or {}).get("kg_co2e_per_kwh"), (item or {}).get("source")
        if not (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value >= 0
        ):
            problems.append(
                Problem(
                    file,
                    loc + "/kg_co2e_per_kwh",
                    "stage footprint must be a non-negative number",
                    "kg CO2e per kWh of lifetime energy",
                    repr(value),
                )
            )
        elif not (isinstance(source, str) and source.strip()):
            problems.append(
                Problem(
                    file, loc + "/source", "a declared stage needs its source", "a citation", repr(source)
                )
            )
        else:
            out[stage] = (float(value), source.strip())
    return out


def build_passport(
    footprint: Any,
    fu: FunctionalUnit,
    declared_stages: dict[str, dict[str, Any]] | None,
    meta: dict[str, Any],
    *,
    partial: bool = False,
) -> dict[str, Any]:
    """The passport's carbon-footprint section (validates against the official 1.2.0 schema).

    ``meta`` needs ``study_url``; ``file`` (the declaration's name) is used in error messages.
    Without a computed ``RawMaterialExtraction`` stage: LCAError naming ``--partial`` unless
    ``partial``, then the document is marked partial and gets no performance class."""
    file = str(meta.get("file", "declaration"))
    problems: list[Problem] = []
    url = meta.get("study_url")
    if not (isinstance(url, str) and url.strip()):
        problems.append(
            Problem(
                file,
                "/passport/study_url",
                "add passport.study_url, a public link to the footprint study",
                "a URL",
                repr(url),
            )
        )
    lifetime = fu.lifetime_energy_kwh
    per_cell = computed_stages(footprint)
    declared = _declared(declared_stages, file, problems)
    is_partial = "RawMaterialExtraction" not in per_cell
    if is_partial and not partial:
        problems.append(
            Problem(
                file,
                "/passport",
                "the footprint has no RawMaterialExtraction stage (cell materials): a passport without it "
                "understates the battery's carbon footprint; pass --partial to export it marked partial",
                "a footprint with the raw-material stage, or --partial",
                "stages computed: " + ", ".join(per_cell),
            )
        )
    if problems:
        raise LCAError(problems)
    values = {s: kg / lifetime for s, kg in per_cell.items()}
    values.update({s: v for s, (v, _) in declared.items()})
    listed = [s for s in STAGES if s in values]
    total = sum(values[s] for s in listed)
    included = [
        {"lifecycleStage": s, "basis": "computed", "kgCO2ePerCell": per_cell[s]}
        if s in per_cell
        else {"lifecycleStage": s, "basis": "declared", "source": declared[s][1]}
        for s in listed
    ]
    return {
        "batteryCarbonFootprint": total,
        "carbonFootprintPerLifecycleStage": [
            {"lifecycleStage": s, "carbonFootprint": values[s]} for s in listed
        ],
        "carbonFootprintPerformanceClass": NOT_ASSIGNED if is_partial else performance_class(total),
        "carbonFootprintStudy": url.strip(),
        "absoluteCarbonFootprint": total * lifetime,
        EXTENSION: {
            "partial": is_partial,
            "batteryCarbonFootprint": "sum of the lifecycle stages listed in carbonFootprintPerLifecycleStage",
            "unit": "kg CO2e per kWh of total energy delivered over the service life",
            "stagesIncluded": included,
            "stagesNotIncluded": [
                {"lifecycleStage": s, "reason": NOT_COMPUTED[s]} for s in STAGES if s not in values
            ],
            "functionalUnit": fu.to_dict(),
            "performanceClass": performance_class_basis()
            | ({"assigned": False, "reason": "partial footprint"} if is_partial else {"assigned": True}),
        },
    }


def missing_stages(document: dict[str, Any]) -> list[str]:
    """The lifecycle stages a passport document leaves out (from its extension)."""
    return [s["lifecycleStage"] for s in document.get(EXTENSION, {}).get("stagesNotIncluded", [])]


def validate_passport(document: dict[str, Any]) -> list[str]:
    """Schema errors of a passport section (empty list when valid)."""
    import jsonschema

    from liplanet_cert.infra.resources import load_schema

    validator = jsonschema.Draft4Validator(load_schema(SCHEMA), format_checker=jsonschema.FormatChecker())
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '/'}: {e.message}" for e in validator.iter_errors(document)
    ]
