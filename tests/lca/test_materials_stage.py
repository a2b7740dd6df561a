"""The cradle-to-gate materials stage: plausibility against published cell footprints, a declared
bill of materials computed by hand, primary supplier factors, both engines, stage totals, the
criteria that keep reading main production, and the declaration's checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from liplanet_cert.errors import BundleError
from liplanet_cert.lca import FootprintInput, MeteredStep, compute_footprint
from liplanet_cert.lca.types import FootprintResult, MaterialLine

# Published cradle-to-gate cell footprints, kg CO2e per kWh of cell, 5th-95th percentile:
# Peiseler et al. (2024), Nature Communications 15:10301 (NMC811 59-115, LFP 54-69).
NMC811_RANGE = (59.0, 115.0)
LFP_RANGE = (54.0, 69.0)


def _footprint(path: object, bw_dir: Path) -> FootprintResult:
    from liplanet_cert.assessment.footprint import footprint_of

    return footprint_of(str(path), bw_dir=bw_dir)


def _stages(fp: FootprintResult) -> tuple:
    mats, main = fp.stage("raw_material_acquisition"), fp.stage("main_production")
    assert mats is not None and main is not None
    return mats, main


def test_default_nmc811_stage_by_hand(make_bundle, brightway_dir):
    """Default NMC811 bill of materials (BatPaC 5.2 element kg/kWh x molar-mass ratio x factor)."""
    mats, _ = _stages(_footprint(make_bundle("approved"), brightway_dir))
    # LiOH.H2O: 0.09224362690355858 kg Li/kWh x 41.962/6.94 x 17.237322942113362 = 9.6137
    # NiSO4.6H2O: 0.6078222417358392 x 262.839/58.693 x 5.47906485240924 = 14.9138
    # CoSO4.7H2O: 0.07626248659830735 x 281.094/58.933 x 14.99089722439171 = 5.4529
    # synthetic graphite: 0.8538927592672306 x 43.87147798772766 = 37.4616
    # copper: 0.364428417550578 x 6.49564549881209 = 2.3672           sum = 69.809 kg CO2e/kWh
    by_hand = (
        0.09224362690355858 * 41.962 / 6.94 * 17.237322942113362
        + 0.6078222417358392 * 262.839 / 58.693 * 5.47906485240924
        + 0.07626248659830735 * 281.094 / 58.933 * 14.99089722439171
        + 0.8538927592672306 * 43.87147798772766
        + 0.364428417550578 * 6.49564549881209
    )
    assert mats.kg_co2e_per_kwh == pytest.approx(by_hand, rel=1e-6)
    assert mats.kg_co2e_per_kwh == pytest.approx(69.809, abs=0.01)
    assert mats.basis == "default bill of materials NMC811"
    assert mats.primary_data_share == 0.0
    assert {r["data_source"] for r in mats.rows} == {"default"}
    # 18.25 Wh cell: 0.01825 kWh x 0.8538927592672306 kg graphite/kWh = 0.015583542856626957 kg
    graphite = next(r for r in mats.rows if r["material"] == "graphite_synthetic")
    assert graphite["kg_per_cell"] == pytest.approx(0.01825 * 0.8538927592672306, rel=1e-12)


def test_approved_nmc811_example_is_inside_the_published_range(make_bundle, brightway_dir):
    fp = _footprint(make_bundle("approved"), brightway_dir)
    lo, hi = NMC811_RANGE
    assert lo <= fp.total_per_kwh <= hi
    mats, main = _stages(fp)
    # total = sum of the stages, for every functional unit
    assert fp.total_per_kwh == mats.kg_co2e_per_kwh + main.kg_co2e_per_kwh
    assert fp.total_per_cell == mats.kg_co2e_per_cell + main.kg_co2e_per_cell
    assert fp.total_kg_co2e == mats.kg_co2e + main.kg_co2e
    # main production is the plain sum of the steps, as before stages existed
    assert main.kg_co2e_per_cell == sum(s.kg_co2e_per_cell for s in fp.steps)
    assert [r["step"] for r in main.rows] == [s.step for s in fp.steps]


def test_lfp_line_is_inside_the_published_range(make_bundle, brightway_dir):
    """The approved line making 3.2 V, 10 Ah LFP/graphite cells (32 Wh)."""
    b = make_bundle("approved")
    b.set_yaml("chemistry", "LFP/graphite")
    b.set_yaml("nominal_capacity", '"10 Ah"').set_yaml("nominal_voltage", '"3.2 V"')
    b.set_yaml("nominal_energy", '"32 Wh"')
    fp = _footprint(b, brightway_dir)
    mats, _ = _stages(fp)
    assert mats.basis == "default bill of materials LFP"
    # Li2CO3: 0.08895836476385169 x 73.888/(2 x 6.94) x 24.105141972718634 = 11.4152
    # graphite: 0.9553983801471314 x 43.87147798772766 = 41.9148; copper: 0.5655012127007547 x
    # 6.49564549881209 = 3.6733; sum = 57.003 kg CO2e/kWh
    assert mats.kg_co2e_per_kwh == pytest.approx(57.003, abs=0.01)
    lo, hi = LFP_RANGE
    assert lo <= fp.total_per_kwh <= hi


def _small_line(bom: tuple[MaterialLine, ...] | None, chemistry: str = "") -> FootprintInput:
    return FootprintInput(
        country="DEU",
        cells_produced=1000,
        cell_energy_kwh=0.01,
        steps=("formation",),
        metered={"formation": MeteredStep("formation", electricity_kwh=100.0)},
        chemistry=chemistry,
        bill_of_materials=bom,
    )


BOM = (
    MaterialLine("nickel_sulfate", 0.020),  # 20 g, default factor
    MaterialLine("electrolyte", 0.015, 12.5, "supplier EPD 2025"),  # 15 g, the supplier's factor
)


def test_declared_bill_of_materials_by_hand(brightway_dir):
    fp = compute_footprint(_small_line(BOM, chemistry="NMC811/graphite"), bw_dir=brightway_dir)
    mats, main = _stages(fp)
    assert mats.basis == "declared bill of materials"  # replaces the NMC811 default as a whole
    # nickel sulfate: 0.020 kg x 5.47906485240924 kg CO2e/kg = 0.10958129704818 kg CO2e per cell
    # electrolyte:    0.015 kg x 12.5 kg CO2e/kg             = 0.1875
    # stage: 0.29708129704818 kg CO2e per cell; per kWh: / 0.01 = 29.708129704818
    # (the factors enter Brightway at float32 precision: rel 1e-6)
    assert mats.kg_co2e_per_cell == pytest.approx(0.29708129704818, rel=1e-6)
    assert mats.kg_co2e_per_kwh == pytest.approx(29.708129704818, rel=1e-6)
    assert mats.kg_co2e == pytest.approx(297.08129704818, rel=1e-6)  # x 1000 cells
    rows = {r["material"]: r for r in mats.rows}
    assert rows["nickel_sulfate"]["kg_co2e_per_cell"] == pytest.approx(0.10958129704818, rel=1e-6)
    assert rows["nickel_sulfate"]["data_source"] == "default"
    assert rows["electrolyte"]["data_source"] == "primary"  # the supplier's factor: primary
    assert rows["electrolyte"]["source"] == "supplier EPD 2025"
    # primary share of the stage: 0.1875 / 0.29708129704818 = 0.631140
    assert mats.primary_data_share == pytest.approx(0.631140, rel=1e-5)
    # overall primary share = (main primary + materials primary) / total
    want = (
        main.kg_co2e * main.primary_data_share + mats.kg_co2e * mats.primary_data_share
    ) / fp.total_kg_co2e
    assert fp.primary_data_share == pytest.approx(want, rel=1e-12)


def test_material_without_open_factor_must_declare_one(brightway_dir):
    from liplanet_cert.errors import LCAError

    with pytest.raises(LCAError, match="no open emission factor for separator"):
        compute_footprint(_small_line((MaterialLine("separator", 0.001),)), bw_dir=brightway_dir)


def test_chemistry_without_default_is_not_computed_and_adds_nothing(brightway_dir):
    fp = compute_footprint(_small_line(None, chemistry="NCA/graphite"), bw_dir=brightway_dir)
    mats, main = _stages(fp)
    assert not mats.computed and mats.kg_co2e_per_kwh is None
    assert "no default bill of materials for chemistry 'NCA/graphite'" in mats.not_computed
    assert fp.total_per_kwh == main.kg_co2e_per_kwh
    back = FootprintResult.from_dict(fp.to_dict())
    assert back.to_dict() == fp.to_dict()


@pytest.mark.slow
def test_fast_engine_equals_brightway_engine_with_materials(brightway_dir):
    for inp in (_small_line(BOM), _small_line(None, chemistry="NMC622/graphite")):
        fast = compute_footprint(inp, bw_dir=brightway_dir)
        full = compute_footprint(inp, bw_dir=brightway_dir, engine="brightway")
        for a, b in zip(fast.stages, full.stages):
            assert a.name == b.name
            assert a.kg_co2e == pytest.approx(b.kg_co2e, rel=1e-9)
        assert fast.total_kg_co2e == pytest.approx(full.total_kg_co2e, rel=1e-9)


def test_chemistry_strings_map_to_families_by_the_data_file():
    from liplanet_cert.lca import load_model
    from liplanet_cert.lca.materials import family_of

    m = load_model()
    assert family_of("NMC811/graphite", m) == "NMC811"
    assert family_of("graphite / NCM 811", m) == "NMC811"
    assert family_of("LiFePO4/C", m) == "LFP"
    assert family_of("NMC811", m) is None  # the anode must be stated
    assert family_of("ASSB Li-metal/NMC", m) is None


def test_criteria_read_main_production(make_bundle, brightway_dir):
    from liplanet_cert.assessment.metrics import _footprint_metric

    b = make_bundle("approved")
    fp = _footprint(b, brightway_dir)
    _, main = _stages(fp)
    from liplanet_cert.bundle.load import load_bundle

    bundle = load_bundle(str(b))
    assert _footprint_metric("footprint.kg_co2e_per_kwh", fp, bundle).value == main.kg_co2e_per_kwh
    share = _footprint_metric("footprint.primary_share_main_production", fp, bundle).value
    assert share == pytest.approx(main.primary_data_share * 100)
    assert fp.total_per_kwh > main.kg_co2e_per_kwh + 50  # the cradle-to-gate total is not what they read


def test_stored_footprint_without_stages_still_reads():
    d = {
        "method": ["m"],
        "functional_unit": {},
        "steps": [],
        "total": {"kg_co2e_per_cell": 0.2, "kg_co2e_per_kwh": 11.0, "kg_co2e": 5.0},
        "primary_data_share": 0.5,
        "model": {},
        "sources": [],
    }
    fp = FootprintResult.from_dict(d)
    assert fp.stages == () and fp.main_production == (11.0, 0.5)
    assert fp.to_dict() == d


def _declare_bom(b, text: str) -> None:
    b.replace("declaration.yaml", "passport:", text + "passport:")


def test_declared_bill_of_materials_in_the_bundle(make_bundle, brightway_dir):
    b = make_bundle("approved")
    _declare_bom(
        b,
        "bill_of_materials:\n"
        '  - {material: graphite_natural, mass_per_cell: "15 g"}\n'
        '  - {material: electrolyte, mass_per_cell: "14 g", emission_factor: "11 kg CO2e/kg",'
        ' source: "supplier X, EPD 2025"}\n',
    )
    mats, _ = _stages(_footprint(b, brightway_dir))
    rows = {r["material"]: r for r in mats.rows}
    # graphite: 0.015 kg x 10.560489127376108 = 0.15840733691; electrolyte: 0.014 x 11 = 0.154
    assert rows["graphite_natural"]["kg_co2e_per_cell"] == pytest.approx(0.15840733691, rel=1e-6)
    assert rows["electrolyte"]["kg_co2e_per_cell"] == pytest.approx(0.154, rel=1e-6)
    assert rows["electrolyte"]["data_source"] == "primary"


def test_unknown_material_is_a_located_error_with_did_you_mean(make_bundle):
    from liplanet_cert.bundle.load import load_bundle

    b = make_bundle("approved")
    _declare_bom(b, 'bill_of_materials:\n  - {material: nickel_sulphate, mass_per_cell: "12 g"}\n')
    with pytest.raises(BundleError) as err:
        load_bundle(str(b))
    assert err.value.exit_code == 2
    text = str(err.value)
    assert "#/bill_of_materials/0/material" in text and "did you mean nickel_sulfate?" in text


def test_no_open_factor_and_bad_factor_are_declaration_errors(make_bundle):
    from liplanet_cert.bundle.load import load_bundle

    b = make_bundle("approved")
    _declare_bom(
        b,
        "bill_of_materials:\n"
        '  - {material: separator, mass_per_cell: "1 g"}\n'
        '  - {material: copper, mass_per_cell: "5 g", emission_factor: "3 kWh", source: "x"}\n',
    )
    with pytest.raises(BundleError) as err:
        load_bundle(str(b))
    text = str(err.value)
    assert "no open emission factor for separator" in text
    assert "#/bill_of_materials/1/emission_factor" in text


def test_factor_units_convert():
    from liplanet_cert.bundle.declaration import _FACTOR

    m = _FACTOR.match("2500 g CO2e/kg")
    assert m is not None and float(m.group(1)) * 1e-3 == 2.5  # 2500 g per kg = 2.5 kg per kg
    assert _FACTOR.match("2.5 kg CO2e per kg") is not None
    assert _FACTOR.match("2.5 kg CO2/kg") is None  # CO2 alone is not CO2e
