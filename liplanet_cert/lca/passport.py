"""Carbon-footprint section of a battery passport (Battery Pass aspect model 1.2.0).

Values are kg CO2e per kWh of total energy delivered over the service life, as EU Battery
Regulation 2023/1542 Art. 7 asks:  per-cell kg CO2e / (usable energy kWh x full equivalent cycles
per year x service years).  ``MainProduction`` comes from this tool's footprint; other lifecycle
stages appear only when the declaration states them with a source.  The performance class comes
from the provisional table in ``lca_models/`` -- the legal classes are not yet set.
"""

from __future__ import annotations

import math
from typing import Any

from liplanet_cert.errors import LCAError, Problem
from liplanet_cert.lca.model import load_model
from liplanet_cert.lca.types import FootprintResult

SCHEMA = "batterypass-carbon-footprint-1.2.0"
STAGES = ("RawMaterialExtraction", "MainProduction", "Distribution", "Recycling")
SERVICE_LIFE_FIELDS = {
    "usable_energy_kwh": 'passport.usable_energy (e.g. "18 Wh")',
    "cycles_per_year": "passport.full_equivalent_cycles_per_year (e.g. 250)",
    "service_years": "passport.service_years (e.g. 10)",
}


def _positive(value: Any) -> bool:
    return (
        isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0
    )


def lifetime_energy_kwh(service_life: dict[str, Any] | None, file: str = "declaration") -> float:
    """Total energy over the service life of one cell; LCAError names every field to add."""
    service_life = service_life or {}
    problems = [
        Problem(
            file=file,
            location="/passport",
            message=f"add {hint} to compute the passport footprint",
            expected="a positive number",
            found=repr(service_life.get(key)),
        )
        for key, hint in SERVICE_LIFE_FIELDS.items()
        if not _positive(service_life.get(key))
    ]
    if problems:
        raise LCAError(problems)
    return (
        float(service_life["usable_energy_kwh"])
        * float(service_life["cycles_per_year"])
        * float(service_life["service_years"])
    )


def performance_class(value: float) -> str:
    """Provisional class label for a footprint in kg CO2e per kWh of lifetime energy."""
    table = load_model().classes
    for row in table["classes"]:
        if row["max"] is None or value <= float(row["max"]):
            return f"{row['class']}{table['label_suffix']}"
    raise LCAError(
        Problem(file="lca_models/passport_performance_classes.yaml", message="no open-ended last class")
    )


def build_passport(
    footprint: FootprintResult,
    service_life: dict[str, Any] | None,
    declared_stages: dict[str, dict[str, Any]] | None,
    meta: dict[str, Any],
) -> dict[str, Any]:
    """The passport's carbon-footprint section (validates against the official 1.2.0 schema).

    ``meta`` needs ``study_url``; ``file`` (the declaration's name) is used in error messages.
    """
    file = str(meta.get("file", "declaration"))
    lifetime = lifetime_energy_kwh(service_life, file)
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
    values = {"MainProduction": footprint.total_per_cell / lifetime}
    for stage, item in sorted((declared_stages or {}).items()):
        loc = f"/passport/stages/{stage}"
        if stage not in STAGES or stage == "MainProduction":
            problems.append(
                Problem(
                    file,
                    loc,
                    "this lifecycle stage cannot be declared",
                    "one of RawMaterialExtraction, Distribution, Recycling (MainProduction is computed)",
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
            values[stage] = float(value)
    if problems:
        raise LCAError(problems)
    total = sum(values[s] for s in STAGES if s in values)
    return {
        "batteryCarbonFootprint": total,
        "carbonFootprintPerLifecycleStage": [
            {"lifecycleStage": s, "carbonFootprint": values[s]} for s in STAGES if s in values
        ],
        "carbonFootprintPerformanceClass": performance_class(total),
        "carbonFootprintStudy": url.strip(),
        "absoluteCarbonFootprint": total * lifetime,
    }


def validate_passport(document: dict[str, Any]) -> list[str]:
    """Schema errors of a passport section (empty list when valid)."""
    import jsonschema

    from liplanet_cert.infra.resources import load_schema

    validator = jsonschema.Draft4Validator(load_schema(SCHEMA), format_checker=jsonschema.FormatChecker())
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '/'}: {e.message}" for e in validator.iter_errors(document)
    ]
