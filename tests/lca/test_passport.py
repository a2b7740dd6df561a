"""Battery-passport carbon-footprint export: formula, errors, and the official 1.2.0 schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from liplanet_cert.errors import LCAError
from liplanet_cert.lca import FootprintInput, MeteredStep, compute_footprint
from liplanet_cert.lca.passport import build_passport, performance_class, validate_passport

SCHEMA = (
    Path(__file__).resolve().parents[2]
    / "liplanet_cert"
    / "schemas"
    / "batterypass-carbon-footprint-1.2.0.schema.json"
)
LIFE = {"usable_energy_kwh": 0.018, "cycles_per_year": 250.0, "service_years": 10.0}


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
    )
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["x-samm-aspect-model-urn"].endswith("1.2.0#CarbonFootprintForBatteries")
    jsonschema.Draft4Validator(schema).validate(doc)
    assert validate_passport(doc) == []
    assert [s["lifecycleStage"] for s in doc["carbonFootprintPerLifecycleStage"]] == [
        "MainProduction",
        "Distribution",
    ]


def test_passport_values_are_per_kwh_of_lifetime_energy(footprint):
    doc = build_passport(footprint, LIFE, None, {"study_url": "https://example.org/s"})
    lifetime = 0.018 * 250 * 10
    main = doc["carbonFootprintPerLifecycleStage"][0]
    assert main == {
        "lifecycleStage": "MainProduction",
        "carbonFootprint": pytest.approx(footprint.total_per_cell / lifetime),
    }
    assert doc["batteryCarbonFootprint"] == main["carbonFootprint"]
    assert doc["absoluteCarbonFootprint"] == pytest.approx(footprint.total_per_cell)
    assert doc["carbonFootprintPerformanceClass"].endswith("(provisional)")
    assert doc["carbonFootprintPerformanceClass"] == performance_class(doc["batteryCarbonFootprint"])


def test_missing_service_life_names_the_fields_to_add(footprint):
    with pytest.raises(LCAError) as err:
        build_passport(
            footprint,
            {"usable_energy_kwh": 0.018},
            None,
            {"study_url": "https://example.org/s", "file": "declaration.yaml"},
        )
    text = str(err.value)
    assert "passport.full_equivalent_cycles_per_year" in text and "passport.service_years" in text
    assert "passport.usable_energy" not in text
    assert err.value.exit_code == 2
    with pytest.raises(LCAError, match="passport.usable_energy"):
        build_passport(footprint, None, None, {"study_url": "https://example.org/s"})


def test_declared_stages_need_a_source_and_cannot_override_main_production(footprint):
    meta = {"study_url": "https://example.org/s"}
    with pytest.raises(LCAError, match="MainProduction is computed"):
        build_passport(footprint, LIFE, {"MainProduction": {"kg_co2e_per_kwh": 0.0, "source": "x"}}, meta)
    with pytest.raises(LCAError, match="needs its source"):
        build_passport(footprint, LIFE, {"Recycling": {"kg_co2e_per_kwh": 0.001, "source": ""}}, meta)
    with pytest.raises(LCAError, match="study_url"):
        build_passport(footprint, LIFE, None, {})


def test_invalid_document_is_reported():
    assert validate_passport({"batteryCarbonFootprint": "high"})
