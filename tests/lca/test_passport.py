"""Battery-passport carbon-footprint export: formula, errors, and the official 1.2.0 schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from liplanet_cert.errors import LCAError
from liplanet_cert.lca import FootprintInput, MeteredStep, compute_footprint
from liplanet_cert.lca.functional_unit import functional_unit
from liplanet_cert.lca.passport import build_passport, computed_stages, performance_class, validate_passport

SCHEMA = (
    Path(__file__).resolve().parents[2]
    / "liplanet_cert"
    / "schemas"
    / "batterypass-carbon-footprint-1.2.0.schema.json"
)
# 18 Wh usable, a bus (M2: 250 full equivalent cycles a year), 10-year warranty
LIFE = functional_unit(
    {"usable_energy_kwh": 0.018, "application_category": "M2", "warranty_years": 10}, 0.018
)


@pytest.fixture(scope="module")
def footprint(brightway_dir: Path):
    path = brightway_dir
    inp = FootprintInput(
        country="DEU",
        cells_produced=20_000,
        cell_energy_kwh=0.018,
        steps=("mixing", "coating_and_drying", "formation"),
        metered={"formation": MeteredStep("formation", electricity_kwh=5000.0)},
    )
    return compute_footprint(inp, bw_dir=path)


def test_passport_validates_against_the_official_schema(footprint):
    doc = build_passport(
        footprint,
        LIFE,
        {"Distribution": {"kg_co2e_per_kwh": 0.0004, "source": "carrier declaration 2026"}},
        {"study_url": "https://example.org/liplanet/footprint-study"},
        partial=True,  # a production-only footprint (no materials stage)
    )
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["x-samm-aspect-model-urn"].endswith("1.2.0#CarbonFootprintForBatteries")
    jsonschema.Draft4Validator(schema).validate(doc)
    assert validate_passport(doc) == []
    computed = [s for s in ("RawMaterialExtraction", "MainProduction") if s in computed_stages(footprint)]
    assert [s["lifecycleStage"] for s in doc["carbonFootprintPerLifecycleStage"]] == [
        *computed,
        "Distribution",
    ]


def test_passport_values_are_per_kwh_of_lifetime_energy(footprint):
    doc = build_passport(footprint, LIFE, None, {"study_url": "https://example.org/s"}, partial=True)
    lifetime = 0.018 * 250 * 10
    per_cell = computed_stages(footprint)  # MainProduction (and RawMaterialExtraction once computed)
    main = next(s for s in doc["carbonFootprintPerLifecycleStage"] if s["lifecycleStage"] == "MainProduction")
    assert main["carbonFootprint"] == pytest.approx(per_cell["MainProduction"] / lifetime)
    assert doc["batteryCarbonFootprint"] == pytest.approx(sum(per_cell.values()) / lifetime)
    assert doc["absoluteCarbonFootprint"] == pytest.approx(sum(per_cell.values()))
    partial = "RawMaterialExtraction" not in per_cell
    assert doc["x-liplanet"]["partial"] is partial
    # a production-only footprint is partial: no performance class is assigned to it
    if partial:
        assert doc["carbonFootprintPerformanceClass"] == "not assigned (partial footprint)"
    else:
        assert doc["carbonFootprintPerformanceClass"] == performance_class(doc["batteryCarbonFootprint"])
    assert performance_class(0.001).endswith("(provisional)")


def test_declared_stages_need_a_source_and_cannot_override_main_production(footprint):
    meta = {"study_url": "https://example.org/s"}
    with pytest.raises(LCAError, match="MainProduction are computed"):
        build_passport(
            footprint, LIFE, {"MainProduction": {"kg_co2e_per_kwh": 0.0, "source": "x"}}, meta, partial=True
        )
    with pytest.raises(LCAError, match="needs its source"):
        build_passport(
            footprint, LIFE, {"Recycling": {"kg_co2e_per_kwh": 0.001, "source": ""}}, meta, partial=True
        )
    with pytest.raises(LCAError, match="study_url"):
        build_passport(footprint, LIFE, None, {}, partial=True)


def test_invalid_document_is_reported():
    assert validate_passport({"batteryCarbonFootprint": "high"})
