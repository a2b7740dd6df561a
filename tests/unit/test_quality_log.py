"""The quality log (quality_log.csv, optional) and the declared specification limits
(#/quality_specs): values converted to the characteristic's canonical unit, every bad row located.
Expected figures are computed by hand in the comments."""

from __future__ import annotations

import pytest
from helpers import squash

from liplanet_cert.bundle.load import load_bundle
from liplanet_cert.catalogue import production_steps, quality_characteristics
from liplanet_cert.errors import BundleError
from liplanet_cert.units import _dimensionality, unit_quantity

HEADER = "date,step,lot_id,sample_id,characteristic,value,unit\n"


def _without_specs(text: str) -> str:
    """The approved declaration without its own quality_specs block (top-level key to the next)."""
    lines, out, inside = text.splitlines(keepends=True), [], False
    for line in lines:
        if not line.startswith((" ", "#")):
            inside = line.startswith("quality_specs:")
        if not inside:
            out.append(line)
    return "".join(out)


def _load(make_bundle, log: str | None, specs: str = ""):
    """The approved example with ``log`` as its quality log (None: no quality log) and ``specs`` as
    its quality_specs (none: its own)."""
    b = make_bundle("approved")
    if log is None:
        (b.path / "quality_log.csv").unlink()
    else:
        (b.path / "quality_log.csv").write_text(log, encoding="utf-8")
    if specs:
        decl = b.path / "declaration.yaml"
        decl.write_text(_without_specs(decl.read_text(encoding="utf-8")) + specs, encoding="utf-8")
    return load_bundle(b.path)


def _problems(make_bundle, log: str | None, specs: str = "") -> str:
    with pytest.raises(BundleError) as info:
        _load(make_bundle, log, specs)
    return squash("\n".join(str(p) for p in info.value.problems))


def test_catalogue_steps_exist_and_units_have_their_dimension():
    catalogue = quality_characteristics()
    assert set(catalogue) <= set(production_steps())
    ids = [c for chars in catalogue.values() for c in chars]
    assert len(ids) == len(set(ids)) == 14  # 3 + 2 + 1 + 1 + 1 + 1 + 1 + 1 + 3
    for chars in catalogue.values():
        for c in chars.values():
            assert unit_quantity(c.unit).dimensionality == _dimensionality(c.dimension)
    assert catalogue["sealing"]["seal_strength"].unit == "N_per_15mm"


def test_no_quality_log_is_no_quality_data(make_bundle):
    b = make_bundle("approved")
    (b.path / "quality_log.csv").unlink()
    decl = b.path / "declaration.yaml"
    text = _without_specs(decl.read_text(encoding="utf-8")).replace("  quality_log: quality_log.csv\n", "")
    decl.write_text(text, encoding="utf-8")
    bundle = load_bundle(b.path)
    assert bundle.quality is None and bundle.quality_specs == {}
    assert bundle.files["quality_log"] == "quality_log.csv"  # the default name: absent, no data


def test_the_approved_example_has_quality_data(make_bundle):
    b = load_bundle(make_bundle("approved").path)
    # 22 lots (the working days of September 2026) x 4 characteristics x 5 samples = 440 rows
    assert len(b.quality) == 440
    assert set(b.quality_specs) == {
        ("coating_and_drying", "mass_loading"),
        ("calendering", "density"),
        ("tab_welding", "pull_force"),
        ("electrolyte_filling", "fill_mass"),
    }


def test_per_row_units_convert_to_the_canonical_unit(make_bundle):
    log = (
        HEADER
        + (
            "2026-09-01,coating_and_drying,L01,S1,mass_loading,200,g/m^2\n"  # 200 g/m² = 200e3 mg / 1e4 cm² = 20 mg/cm²
            "2026-09-01,coating_and_drying,L01,S2,mass_loading,20.5,mg/cm^2\n"  # already canonical
            "2026-09-02,sealing,L02,S1,seal_strength,2.7,N/mm\n"  # 2.7 N/mm x 15 mm = 40.5 N/15 mm
            "2026-09-02,calendering,L02,,thickness,0.1,mm\n"  # 0.1 mm = 100 µm
            "2026-09-03,formation,L03,,first_cycle_efficiency,88,%\n"
            "2026-09-03,aging,L03,,k_value,0.05,mV/h\n"  # 0.05 mV/h x 24 h = 1.2 mV/day
        )
    )
    q = _load(make_bundle, log).quality
    assert q["value"].tolist() == pytest.approx([20.0, 20.5, 40.5, 100.0, 88.0, 1.2], rel=1e-12)
    assert q["sample_id"].tolist() == ["S1", "S2", "S1", "", "", ""]
    assert q["_row"].tolist() == [2, 3, 4, 5, 6, 7]
    assert str(q["date"].dtype) == "datetime64[ns]"
    assert set(q.columns) == {"date", "step", "lot_id", "sample_id", "characteristic", "value", "_row"}


def test_header_unit_and_no_sample_column(make_bundle):
    log = "date,step,lot_id,characteristic,value [mm]\n2026-09-01,cutting,L01,burr_height,0.004\n"
    q = _load(make_bundle, log).quality
    assert q["value"].tolist() == pytest.approx([4.0])  # 0.004 mm = 4 µm
    assert q["sample_id"].tolist() == [""]


def test_every_bad_row_is_located_at_once(make_bundle):
    log = HEADER + (
        "2026-09-01,coating_and_drying,L01,S1,mass_loding,200,g/m^2\n"  # row 2
        "2026-09-01,coating_and_drying,L01,S1,density,3.3,g/cm^3\n"  # row 3
        "2026-09-01,sealing,L01,S1,seal_strength,40,N\n"  # row 4
        "2026-09-01,calendering,L99,S1,thickness,100,µm\n"  # row 5
        "2026-09-01,calendering,L01,S1,thickness,100,µm\n"  # row 6
        "2026-09-01,calendering,L01,S1,thickness,101,µm\n"  # row 7: same as row 6
        '2026-10-01,formation,L01,S1,first_cycle_efficiency,"88,5",%\n'  # row 8
        "2026-09-01,formatio,L01,S2,first_cycle_efficiency,nan,%\n"  # row 9
        "2026-09-01,formation,L01,S3,first_cycle_efficiency,inf,%\n"  # row 10
    )
    text = _problems(make_bundle, log)
    for needle in (
        "row 2, column characteristic: unknown characteristic (did you mean mass_loading?)",
        "row 3, column characteristic: density is measured at calendering, not coating_and_drying",
        "row 4, column unit: wrong dimension for seal_strength",
        "row 5, column lot_id: lot not in the production log",
        "row 7: measurement logged twice",
        "row 8, column date: date outside the reporting period",
        "row 8, column value: decimal comma",
        "row 9, column step: unknown step (did you mean formation?)",
        "rows 9 and 10, column value: 2 rows: not a finite number",
    ):
        assert needle in text, f"{needle!r} not in {text}"
    assert "row 6" not in text  # the first of the two is not the repeat


@pytest.mark.parametrize(
    ("log", "needle"),
    [
        (
            "date,step,lot_id,characteristic,value\n2026-09-01,cutting,L01,burr_height,4\n",
            "value unit missing",
        ),
        (
            "date,step,lot_id,characteristic,value [µm],unit\n2026-09-01,cutting,L01,burr_height,4,µm\n",
            "value unit given twice",
        ),
        (
            "date,step,lot_id,characteristic,value [blorb]\n2026-09-01,cutting,L01,burr_height,4\n",
            "line 1, column value: column unit: not a unit of any quality characteristic",
        ),
        (
            "date,step,lot_id,characteristic,value [kg]\n2026-09-01,cutting,L01,burr_height,4\n",
            "row 2, column value: wrong dimension for burr_height",
        ),
        (HEADER + "2026-09-01,cutting,L01,S1,burr_height,4,\n", "row 2, column unit: missing unit"),
        (HEADER + "2026-09-01,cutting,L01,S1,burr_height,4,blorb\n", "row 2, column unit: unknown unit"),
        (HEADER + "2026-09-01,cutting,SAMPLE-L01,S1,burr_height,4,µm\n", "1 sample rows"),
        (HEADER + "2026-09-01,cutting,L01,S1,burr_height,-4,µm\n", "row 2, column value: negative value"),
    ],
)
def test_header_and_unit_problems(make_bundle, log, needle):
    assert needle in _problems(make_bundle, log)


def test_a_declared_quality_log_that_is_missing_is_a_problem(make_bundle):
    b = make_bundle("approved")
    decl = b.path / "declaration.yaml"
    text = decl.read_text(encoding="utf-8").replace(
        "quality_log: quality_log.csv", "quality_log: q/quality.csv"
    )
    decl.write_text(text, encoding="utf-8")
    with pytest.raises(BundleError) as info:
        load_bundle(b.path)
    assert "q/quality.csv: quality log not found in the bundle" in squash(str(info.value.problems[0]))


SPECS = """
quality_specs:
  - {step: coating_and_drying, characteristic: mass_loading, target: "20 mg/cm^2", tolerance: "0.6 mg/cm^2"}
  - {step: tab_welding, characteristic: pull_force, lsl: "30 N"}
  - {step: calendering, characteristic: thickness, lsl: "0.095 mm", usl: "105 µm"}
"""


def test_specs_are_converted_to_the_canonical_unit(make_bundle):
    specs = _load(make_bundle, None, SPECS).quality_specs
    ml = specs[("coating_and_drying", "mass_loading")]
    assert (ml.lsl, ml.usl, ml.target) == pytest.approx((19.4, 20.6, 20.0))  # 20 - 0.6, 20 + 0.6
    assert ml.unit == "mg/cm^2" and ml.pointer.endswith("#/quality_specs/0")
    pf = specs[("tab_welding", "pull_force")]
    assert (pf.lsl, pf.usl, pf.target) == (30.0, None, None)
    th = specs[("calendering", "thickness")]
    assert (th.lsl, th.usl) == pytest.approx((95.0, 105.0))  # 0.095 mm = 95 µm


@pytest.mark.parametrize(
    ("entry", "needle"),
    [
        (
            '{step: coating_and_drying, characteristic: mass_loding, lsl: "1 mg/cm^2"}',
            "did you mean mass_loading?",
        ),
        (
            '{step: mixing, characteristic: viscosity, lsl: "1 Pa*s"}',
            "no quality characteristics for this step",
        ),
        (
            '{step: tab_welding, characteristic: pull_force, lsl: "30 kg"}',
            "#/quality_specs/0/lsl: pull_force lsl: wrong dimension",
        ),
        ('{step: tab_welding, characteristic: pull_force, lsl: "30,5 N"}', "decimal comma"),
        (
            '{step: tab_welding, characteristic: pull_force, lsl: "50 N", usl: "40 N"}',
            "lower limit not below the upper limit",
        ),
        ('{step: tab_welding, characteristic: pull_force, target: "50 N"}', "no limit for pull_force"),
        (
            '{step: tab_welding, characteristic: pull_force, tolerance: "5 N"}',
            "a tolerance goes with a target only",
        ),
        (
            '{step: tab_welding, characteristic: pull_force, target: "5 N", tolerance: "0 N"}',
            "tolerance must be positive",
        ),
        (
            '{step: tab_welding, characteristic: pull_force, lsl: "30 N", target: "20 N"}',
            "target outside the limits",
        ),
        ('{step: tab_welding, characteristic: pull_force, lsl: "30 N", maximum: "9 N"}', "#/quality_specs/0"),
    ],
)
def test_bad_specs_are_located(make_bundle, entry, needle):
    assert needle in _problems(make_bundle, None, f"\nquality_specs:\n  - {entry}\n")


def test_a_spec_declared_twice(make_bundle):
    twice = '\nquality_specs:\n  - {step: tab_welding, characteristic: pull_force, lsl: "30 N"}\n'
    twice += '  - {step: tab_welding, characteristic: pull_force, usl: "90 N"}\n'
    assert "#/quality_specs/1: limits declared twice" in _problems(make_bundle, None, twice)
