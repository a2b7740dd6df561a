"""An honest battery passport (issue 13, item 3): every computed stage listed and summed, the missing
ones named, a partial footprint refused unless asked for, the functional unit from the declared
application category, and the Performance / MaterialComposition exports checked against the
official Battery Pass schemas.

The footprints here are FootprintResult-like objects built by hand (``stages`` with or without the
raw-material stage, or no ``stages`` at all as before the materials stage existed), so the numbers
are checked by hand and the tests do not depend on the materials model.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from types import SimpleNamespace

import jsonschema
import pytest
import yaml
from helpers import EXAMPLES, REPO, squash
from typer.testing import CliRunner

from liplanet_cert.cli.main import app
from liplanet_cert.errors import LCAError
from liplanet_cert.lca.functional_unit import application_categories, functional_unit
from liplanet_cert.lca.passport import build_passport, missing_stages, validate_passport
from liplanet_cert.lca.passport_submodels import (
    build_material_composition,
    build_performance,
    validate_submodel,
)

SCHEMAS = REPO / "liplanet_cert" / "schemas"
URL = {"study_url": "https://example.org/liplanet/study", "file": "declaration.yaml"}


@dataclass(frozen=True)
class Stage:
    """The StageResult interface of the materials helper (only what the passport reads matters)."""

    name: str
    kg_co2e_per_cell: float
    kg_co2e: float = 0.0
    kg_co2e_per_kwh: float = 0.0
    primary_data_share: float = 0.0
    rows: tuple = ()


def footprint(*stages: tuple[str, float]) -> SimpleNamespace:
    return SimpleNamespace(
        total_per_cell=sum(kg for _, kg in stages), stages=tuple(Stage(n, kg) for n, kg in stages)
    )


BOTH = footprint(("raw_material_acquisition", 2.4), ("main_production", 1.2))
MAIN_ONLY = footprint(("main_production", 1.2))
NO_STAGES = SimpleNamespace(total_per_cell=1.2)  # a FootprintResult from before the materials stage
# 20 Wh usable, passenger car (M1: 60 cycles/year), 10-year warranty
M1 = {"usable_energy_kwh": 0.02, "application_category": "M1", "warranty_years": 10}


def official(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))


# -- functional unit -------------------------------------------------------------------------
def test_lifetime_energy_follows_the_application_category():
    m1 = functional_unit(M1, 0.025)
    m2 = functional_unit({**M1, "application_category": "M2"}, 0.025)
    assert m1.lifetime_energy_kwh == pytest.approx(12.0)  # 0.02 kWh x 60 cycles x 10 years
    assert m2.lifetime_energy_kwh == pytest.approx(50.0)  # 0.02 kWh x 250 cycles x 10 years
    assert (m1.cycles_per_year, m2.cycles_per_year) == (60, 250)
    assert functional_unit({**M1, "application_category": "L"}, 0.025).cycles_per_year == 20
    assert m1.cycles_basis == "application category" and m1.usable_energy_basis == "declared"
    # per kWh of lifetime energy: 2.4 / 12 = 0.2 and 1.2 / 12 = 0.1 (M1); 2.4 / 50 = 0.048 and
    # 1.2 / 50 = 0.024 (M2): the car's figure is 250 / 60 = 4.17 times the bus's
    car, bus = build_passport(BOTH, m1, None, URL), build_passport(BOTH, m2, None, URL)
    assert [s["carbonFootprint"] for s in car["carbonFootprintPerLifecycleStage"]] == pytest.approx(
        [0.2, 0.1]
    )
    assert [s["carbonFootprint"] for s in bus["carbonFootprintPerLifecycleStage"]] == pytest.approx(
        [0.048, 0.024]
    )
    assert car["batteryCarbonFootprint"] / bus["batteryCarbonFootprint"] == pytest.approx(250 / 60)


def test_usable_energy_defaults_to_the_nominal_energy():
    fu = functional_unit({"application_category": "N1", "warranty_years": 8}, 0.025)
    assert fu.usable_energy_basis == "nominal"
    assert fu.lifetime_energy_kwh == pytest.approx(12.0)  # 0.025 kWh x 60 x 8


def test_a_free_cycle_count_is_an_override_with_its_reason_recorded():
    p = {**M1, "cycles_per_year_override": {"value": 365, "reason": "stationary storage, one cycle a day"}}
    fu = functional_unit(p, 0.025)
    assert fu.lifetime_energy_kwh == pytest.approx(73.0)  # 0.02 kWh x 365 x 10
    doc = build_passport(BOTH, fu, None, URL)
    unit = doc["x-liplanet"]["functionalUnit"]
    assert unit["cyclesPerYearBasis"] == "override"
    assert unit["override"] == {
        "fullEquivalentCyclesPerYear": 365,
        "reason": "stationary storage, one cycle a day",
        "categoryCyclesPerYear": 60,
    }
    assert doc["batteryCarbonFootprint"] == pytest.approx(3.6 / 73)  # (2.4 + 1.2) kg / 73 kWh
    # no category at all (e.g. a stationary battery): the override alone is enough
    alone = functional_unit(
        {"warranty_years": 10, "cycles_per_year_override": p["cycles_per_year_override"]}, 0.02
    )
    assert alone.application_category is None and alone.cycles_per_year == 365
    with pytest.raises(LCAError, match="needs its reason"):
        functional_unit({**M1, "cycles_per_year_override": {"value": 365, "reason": " "}}, 0.025)


def test_missing_category_and_warranty_are_named():
    with pytest.raises(LCAError) as err:
        functional_unit({"usable_energy_kwh": 0.02}, 0.025, "declaration.yaml")
    text = str(err.value)
    assert "passport.application_category" in text and "passport.warranty_years" in text
    assert err.value.exit_code == 2
    with pytest.raises(LCAError, match="unknown application category"):
        functional_unit({**M1, "application_category": "stationary"}, 0.025)


def test_the_declaration_schema_offers_exactly_the_sourced_categories():
    decl = official("declaration")["properties"]["passport"]["properties"]
    table = application_categories()
    assert decl["application_category"]["enum"] == list(table["categories"])
    assert "draft" in table["source"].lower() and "third-party summaries" in table["source"]
    assert "full_equivalent_cycles_per_year" not in decl and "service_years" not in decl


# -- stages ----------------------------------------------------------------------------------
def test_battery_footprint_is_the_sum_of_the_stages_listed():
    fu = functional_unit(M1, 0.025)
    declared = {"Distribution": {"kg_co2e_per_kwh": 0.01, "source": "carrier declaration 2026"}}
    doc = build_passport(BOTH, fu, declared, URL)
    stages = doc["carbonFootprintPerLifecycleStage"]
    assert [s["lifecycleStage"] for s in stages] == [
        "RawMaterialExtraction",
        "MainProduction",
        "Distribution",
    ]
    assert doc["batteryCarbonFootprint"] == pytest.approx(0.31)  # 0.2 + 0.1 + 0.01
    assert doc["batteryCarbonFootprint"] == pytest.approx(sum(s["carbonFootprint"] for s in stages))
    assert doc["absoluteCarbonFootprint"] == pytest.approx(3.72)  # 0.31 x 12 kWh
    ext = doc["x-liplanet"]
    assert ext["partial"] is False and missing_stages(doc) == ["Recycling"]
    assert ext["stagesIncluded"][2] == {
        "lifecycleStage": "Distribution",
        "basis": "declared",
        "source": "carrier declaration 2026",
    }
    assert doc["carbonFootprintPerformanceClass"].endswith("(provisional)")
    assert ext["performanceClass"]["provisional"] is True and ext["performanceClass"]["assigned"] is True
    assert ext["performanceClass"]["file"] == "lca_models/passport_performance_classes.yaml"
    with pytest.raises(LCAError, match="cannot be declared"):  # computed, never declared
        build_passport(BOTH, fu, {"RawMaterialExtraction": {"kg_co2e_per_kwh": 0, "source": "x"}}, URL)


@pytest.mark.parametrize("fp", [MAIN_ONLY, NO_STAGES], ids=["main-stage-only", "no-stages"])
def test_without_the_raw_material_stage_the_passport_is_refused_unless_partial(fp):
    fu = functional_unit(M1, 0.025)
    with pytest.raises(LCAError, match="--partial") as err:
        build_passport(fp, fu, None, URL)
    assert err.value.exit_code == 2
    doc = build_passport(fp, fu, None, URL, partial=True)
    assert doc["x-liplanet"]["partial"] is True
    assert doc["carbonFootprintPerformanceClass"] == "not assigned (partial footprint)"
    assert doc["batteryCarbonFootprint"] == pytest.approx(0.1)  # 1.2 kg / 12 kWh, main production only
    assert missing_stages(doc) == ["RawMaterialExtraction", "Distribution", "Recycling"]
    assert validate_passport(doc) == []
    # --partial does not mark a complete footprint partial
    assert build_passport(BOTH, fu, None, URL, partial=True)["x-liplanet"]["partial"] is False


def test_the_document_validates_and_the_schema_allows_the_extension():
    schema = official("batterypass-carbon-footprint-1.2.0")
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema"
    assert "additionalProperties" not in schema  # hence the extension key inside the document
    doc = build_passport(BOTH, functional_unit(M1, 0.025), None, URL)
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(doc)
    jsonschema.Draft4Validator(schema).validate({k: v for k, v in doc.items() if k != "x-liplanet"})


# -- Performance and MaterialComposition ----------------------------------------------------
def _strict_missing(name: str, doc: dict) -> set[str]:
    """The required attributes the full official schema misses in ``doc`` (every error must be one)."""
    errors = list(jsonschema.Draft4Validator(official(name)).iter_errors(doc))
    assert {e.validator for e in errors} <= {"required"}, [e.message for e in errors]
    return {"/".join([*map(str, e.absolute_path), e.message.split("'")[1]]) for e in errors}


def test_performance_export_validates_and_names_what_it_cannot_fill():
    doc = build_performance(
        capacity_ah=5.0,
        voltage_v=3.65,
        energy_kwh=0.01825,
        resistance_mohm=[2.0, 2.2, math.nan],
        eol_file="e.csv",
    )
    props = doc["batteryTechicalProperties"]
    assert (
        props["ratedCapacity"] == 5.0 and props["nominalVoltage"] == 3.65 and props["ratedEnergy"] == 0.01825
    )
    # (2.0 + 2.2) / 2 = 2.1 mohm = 0.0021 ohm; the blank (NaN) is not measured, not zero
    assert props["initialInternalResistance"] == [
        {"ohmicResistance": pytest.approx(0.0021), "batteryComponent": "cell"}
    ]
    assert validate_submodel("performance", doc) == []
    schema = official("batterypass-performance-1.2.0")
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema"
    assert schema["x-samm-aspect-model-urn"].endswith("Performance:1.2.0#PerformanceAndDurability")
    not_filled = {n["attribute"] for n in doc["x-liplanet"]["notFilled"]}
    assert _strict_missing("batterypass-performance-1.2.0", doc) == not_filled
    assert "batteryTechicalProperties/initialSelfDischarge" in not_filled
    reason = next(
        n["reason"] for n in doc["x-liplanet"]["notFilled"] if n["attribute"].endswith("SelfDischarge")
    )
    assert "per month" in reason and "OCV" in reason
    # no resistance measured: not filled either
    bare = build_performance(
        capacity_ah=5, voltage_v=3.65, energy_kwh=0.01825, resistance_mohm=None, eol_file=None
    )
    assert "initialInternalResistance" not in bare["batteryTechicalProperties"]
    assert validate_submodel("performance", bare) == []


def test_performance_of_the_example_uses_the_passing_cells_resistance():
    from liplanet_cert.assessment.footprint import passport_of

    with (EXAMPLES / "approved" / "eol_tests.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["result"] == "pass" and r["internal_resistance [mohm]"]]
    mean_ohm = sum(float(r["internal_resistance [mohm]"]) for r in rows) / len(rows) / 1000
    doc = passport_of(EXAMPLES / "approved", submodel="performance")
    props = doc["batteryTechicalProperties"]
    assert props["initialInternalResistance"][0]["ohmicResistance"] == pytest.approx(mean_ohm)
    assert (props["ratedCapacity"], props["nominalVoltage"]) == (5.0, 3.65)  # "5 Ah", "3.65 V"
    assert props["ratedEnergy"] == pytest.approx(0.01825)  # "18.25 Wh"


def test_material_composition_exports_chemistry_and_the_declared_materials():
    name = "batterypass-material-composition-1.2.0"
    chem = build_material_composition("NMC811/graphite", None)
    assert chem["batteryChemistry"]["shortName"] == "NMC811/graphite"
    assert "lithium nickel manganese cobalt oxide" in chem["batteryChemistry"]["clearName"]
    assert validate_submodel("material-composition", chem) == []
    assert _strict_missing(name, chem) == {"batteryMaterials", "hazardousSubstances"}
    bom = [
        {
            "material": "graphite",
            "mass_kg": 0.025,
            "component": "anode",
            "cas": "7782-42-5",
            "critical_raw_material": True,
        },
        SimpleNamespace(material="copper foil", mass_kg=0.004),
    ]
    doc = build_material_composition("NMC811/graphite", bom)
    first, second = doc["batteryMaterials"]
    assert first["batteryMaterialMass"] == pytest.approx(25.0)  # 0.025 kg = 25 g (SAMM unit: gram)
    assert second == {"batteryMaterialName": "copper foil", "batteryMaterialMass": pytest.approx(4.0)}
    assert validate_submodel("material-composition", doc) == []
    not_filled = {n["attribute"] for n in doc["x-liplanet"]["notFilled"]}
    assert (
        _strict_missing(name, doc)
        == not_filled
        == {
            "hazardousSubstances",
            "batteryMaterials/1/batteryMaterialLocation",
            "batteryMaterials/1/batteryMaterialIdentifier",
            "batteryMaterials/1/isCriticalRawMaterial",
        }
    )


def test_the_battery_pass_schemas_are_the_official_files_converted():
    readme = (REPO / "lca_models" / "README.md").read_text(encoding="utf-8")
    for file in ("batterypass-performance-1.2.0", "batterypass-material-composition-1.2.0"):
        raw = (SCHEMAS / f"{file}.schema.json").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and not raw.startswith(b"\xff\xfe")  # UTF-8, no BOM
        jsonschema.Draft4Validator.check_schema(json.loads(raw.decode("utf-8")))
        assert f"{file}.schema.json" in readme
    assert "CC-BY-4.0" in readme and "4c96de2947a9bd6f56481a9103aadd7c712defc8" in readme


# -- the command -------------------------------------------------------------------------------
def cli(*args: object):
    r = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "240", "NO_COLOR": "1"})
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r


@pytest.fixture
def fake_footprint(monkeypatch):
    """``passport`` on the approved example with a footprint chosen by the test."""

    def use(fp):
        monkeypatch.setattr("liplanet_cert.assessment.footprint.bundle_footprint", lambda *a, **k: fp)

    return use


def test_cli_refuses_a_partial_passport_without_the_flag(fake_footprint):
    fake_footprint(NO_STAGES)
    r = cli("passport", "--example")
    assert r.exit_code == 2 and r.stdout == ""
    assert "--partial" in squash(r.stderr) and "RawMaterialExtraction" in squash(r.stderr)
    r = cli("passport", "--example", "--partial")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["x-liplanet"]["partial"] is True
    err = squash(r.stderr)
    assert "PARTIAL" in err
    for stage in ("RawMaterialExtraction", "Distribution", "Recycling"):
        assert f"stage not included: {stage}" in err


def test_cli_names_the_missing_stages_of_a_complete_passport(fake_footprint, tmp_path):
    fake_footprint(BOTH)
    out = tmp_path / "cf.json"
    r = cli("passport", "--example", "-o", out)
    assert r.exit_code == 0, r.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    err = squash(r.stderr)
    assert "PARTIAL" not in err and doc["x-liplanet"]["partial"] is False
    assert "stage not included: Distribution" in err and "stage not included: Recycling" in err
    # the example: 17.3 Wh usable, M1 (60 cycles/year), 8-year warranty: 0.0173 x 60 x 8 = 8.304 kWh
    assert doc["x-liplanet"]["functionalUnit"]["lifetimeEnergyKwh"] == pytest.approx(8.304)
    assert doc["batteryCarbonFootprint"] == pytest.approx(3.6 / 8.304)  # (2.4 + 1.2) kg per cell
    assert "8.304 kWh" in err


def test_cli_exports_the_other_submodels(tmp_path):
    for sub in ("performance", "material-composition"):
        r = cli("passport", "--example", "--submodel", sub)
        assert r.exit_code == 0, r.stderr
        assert validate_submodel(sub, json.loads(r.stdout)) == []
        assert "not filled:" in r.stderr
    r = cli("passport", "--example", "--submodel", "circularity")
    assert r.exit_code == 2 and "carbon-footprint, performance, material-composition" in squash(r.stderr)


def test_the_old_free_cycle_fields_are_refused(make_bundle):
    b = make_bundle("approved").replace("declaration.yaml", "  warranty_years: 8", "  service_years: 10")
    r = cli("validate", b)
    assert r.exit_code == 2 and "unknown field: 'service_years'" in squash(r.stderr)


def test_cli_on_the_real_footprint(brightway_dir):
    """The example with the footprint as computed: whatever stages it has, they are summed, the
    functional unit is M1's, and the document validates (--partial: accepted with or without the
    materials stage)."""
    r = cli("passport", "--example", "--partial", "--bw-dir", brightway_dir)
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert validate_passport(doc) == []
    stages = doc["carbonFootprintPerLifecycleStage"]
    assert doc["batteryCarbonFootprint"] == pytest.approx(sum(s["carbonFootprint"] for s in stages))
    assert doc["x-liplanet"]["functionalUnit"]["fullEquivalentCyclesPerYear"] == 60
    assert (
        yaml.safe_load((EXAMPLES / "approved" / "declaration.yaml").read_text())["passport"][
            "application_category"
        ]
        == "M1"
    )
