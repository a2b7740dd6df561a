"""Submission bundle v1: loading, and every user mistake named with its file and location."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile

import pytest
from helpers import EXAMPLES

from liplanet_cert.bundle.load import load_bundle
from liplanet_cert.errors import BundleError
from liplanet_cert.infra import safeyaml


def problems_of(path) -> list[tuple[str, str, str]]:
    """(file, location, message) of every problem load_bundle reports."""
    with pytest.raises(BundleError) as info:
        load_bundle(path)
    return [(p.file, p.location, p.message) for p in info.value.problems]


def test_approved_example_loads_with_quantities_in_canonical_units():
    b = load_bundle(EXAMPLES / "approved")
    assert b.pilot_line["country"] == "DE" and b.country_iso3 == "DEU"
    assert (b.period_start.isoformat(), b.period_end.isoformat()) == ("2026-09-01", "2026-09-30")
    assert b.cell.format == "pouch"
    assert b.cell.capacity_ah == 5.0 and b.cell.voltage_v == 3.65
    assert b.cell.energy_kwh == pytest.approx(0.01825)
    assert b.steps["coating_and_drying"] == "automatic" and len(b.steps) == 11
    assert b.declared_kpis["scrap_rate"].value == pytest.approx(7.7)
    assert b.declared_kpis["electrode_per_batch"].pointer == "declaration.yaml#/kpis/electrode_per_batch"
    assert len(b.production) == 242 and len(b.eol) == 981
    # every file of the bundle is listed with its sha256 (provenance)
    decl = (EXAMPLES / "approved" / "declaration.yaml").read_bytes()
    by_path = {i.path: i.sha256 for i in b.inputs}
    assert by_path["declaration.yaml"] == hashlib.sha256(decl).hexdigest()
    assert "evidence/formation-equipment-calibration.txt" in by_path


def test_invalid_example_lists_every_problem_at_once_with_its_location():
    found = problems_of(EXAMPLES / "invalid")
    locations = {(f, loc) for f, loc, _ in found}
    assert locations == {
        ("declaration.yaml", "#/cell/format"),
        ("declaration.yaml", "#/pilot_line/country"),
        ("declaration.yaml", "#/cell/nominal_voltage"),
        ("declaration.yaml", "#/kpis/electrode_throughput"),
        ("production_log.csv", "row 13, column date"),
        ("production_log.csv", "row 10, column units_in"),
        ("production_log.csv", "row 4, column step"),
    }


def test_wrong_dimension_is_reported_by_field_with_expected_and_given_dimension():
    with pytest.raises(BundleError) as info:
        load_bundle(EXAMPLES / "invalid")
    p = next(p for p in info.value.problems if p.location == "#/kpis/electrode_throughput")
    assert "electrode_throughput" in p.message and "wrong dimension" in p.message
    assert "length per time" in p.expected
    assert "2 kg/day" in p.found and "[mass] / [time]" in p.found


def test_zip_of_a_bundle_loads_the_same_as_the_directory(tmp_path):
    zpath = shutil.make_archive(str(tmp_path / "approved"), "zip", EXAMPLES, "approved")
    from_zip, from_dir = load_bundle(zpath), load_bundle(EXAMPLES / "approved")
    assert from_zip.declared_kpis.keys() == from_dir.declared_kpis.keys()
    assert [(i.path, i.sha256) for i in from_zip.inputs] == [(i.path, i.sha256) for i in from_dir.inputs]
    assert from_zip.production.frame.drop(columns="_row").equals(
        from_dir.production.frame.drop(columns="_row")
    )


def test_zip_with_unsafe_entry_is_refused(tmp_path):
    zpath = tmp_path / "evil.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("../declaration.yaml", "x: 1\n")
    assert "unsafe zip entry" in problems_of(zpath)[0][2]


def test_json_declaration_is_read_like_yaml(make_bundle):
    b = make_bundle()
    doc = safeyaml.load(b.read("declaration.yaml"))
    b.remove("declaration.yaml").write("declaration.json", json.dumps(doc))
    loaded = load_bundle(b.path)
    assert loaded.declaration_file == "declaration.json"
    assert loaded.declared_kpis["cell_throughput"].value == pytest.approx(44.3)


@pytest.mark.parametrize(
    ("file", "old", "new", "where", "message"),
    [
        (
            "declaration.yaml",
            "  site: Münster\n",
            "  site: Münster\n  site: Berlin\n",
            ("declaration.yaml", None),
            "duplicate key 'site'",
        ),
        (
            "declaration.yaml",
            'format_version: "1.0"',
            'format_version: ["1.0"',
            ("declaration.yaml", None),
            "malformed YAML",
        ),
        (
            "declaration.yaml",
            '"44.3 cell/day"',
            '"44.3 m/day"',
            ("declaration.yaml", "#/kpis/cell_throughput"),
            "wrong dimension",
        ),
        ("declaration.yaml", '"5 Ah"', '"nan Ah"', ("declaration.yaml", "#/cell/nominal_capacity"), "number"),
        (
            "declaration.yaml",
            '"18.25 Wh"',
            '"30 Wh"',
            ("declaration.yaml", "#/cell/nominal_energy"),
            "capacity x voltage",
        ),
        (
            "declaration.yaml",
            "automation: automatic",
            "automation: robotic",
            ("declaration.yaml", "#/steps/1/automation"),
            "value not allowed",
        ),
        (
            "declaration.yaml",
            "step: aging",
            "step: ageing",
            ("declaration.yaml", "#/steps/9/step"),
            "value not allowed",
        ),
        (
            "declaration.yaml",
            'end: "2026-09-30"',
            'end: "2026-09-31"',
            ("declaration.yaml", "#/reporting_period/end"),
            "is not a 'date'",
        ),
        (
            "declaration.yaml",
            '  start: "2026-09-01"\n',
            "",
            ("declaration.yaml", "#/reporting_period/start"),
            "'start' is required",
        ),
        (
            "declaration.yaml",
            "957ac87b",
            "057ac87b",
            ("declaration.yaml", "#/evidence/0/sha256"),
            "does not match",
        ),
        (
            "production_log.csv",
            "2026-09-01,mixing,L01,48,48,0,",
            "2026-09-01,mixing,L01,NaN,48,0,",
            ("production_log.csv", "row 2, column units_in"),
            "not a finite number",
        ),
        (
            "production_log.csv",
            "2026-09-01,mixing,L01,48,48,0,",
            "2026-09-01,mixing,L01,48,48,-1,",
            ("production_log.csv", "row 2, column scrap"),
            "negative value",
        ),
        (
            "production_log.csv",
            "2026-09-01,mixing,L01,48,48,0,",
            "2026-09-01,mixing,L01,48.5,48,0,",
            ("production_log.csv", "row 2, column units_in"),
            "not a whole number",
        ),
        (
            "production_log.csv",
            "L01,48,48,0,64.1",
            'L01,48,48,0,"64,1"',
            ("production_log.csv", "row 3, column electrode_length"),
            "decimal comma",
        ),
        (
            "production_log.csv",
            "2026-09-01,mixing,L01,48,48,0,",
            "2026-09-01,mixing,L01,48,47,0,",
            ("production_log.csv", "row 2"),
            "units do not add up",
        ),
        # the vectorised number/date paths must not accept what Python's float()/numpy would
        (
            "production_log.csv",
            "2026-09-01,mixing,L01,48,48,0,",
            "2026-09-01,mixing,L01,4_8,48,0,",
            ("production_log.csv", "row 2, column units_in"),
            "not a finite number",
        ),
        (
            "production_log.csv",
            "2026-09-01,mixing,L01,48,48,0,",
            "2026-09-01,mixing,L01,٤٨,48,0,",
            ("production_log.csv", "row 2, column units_in"),
            "not a finite number",
        ),
        (
            "production_log.csv",
            "2026-09-01,mixing,L01,48,48,0,",
            "2026-09-01,mixing,L01,inf,48,0,",
            ("production_log.csv", "row 2, column units_in"),
            "not a finite number",
        ),
        (
            "production_log.csv",
            "2026-09-01,mixing,L01,48,48,0,",
            "2026-09-01,mixing,L01,,48,0,",
            ("production_log.csv", "row 2, column units_in"),
            "missing value",
        ),
        (
            "production_log.csv",
            "2026-09-01,mixing,L01,48,48,0,",
            "2026-02-30,mixing,L01,48,48,0,",
            ("production_log.csv", "row 2, column date"),
            "not a date",
        ),
        (
            "production_log.csv",
            "2026-09-01,mixing,L01,48,48,0,",
            "2026-09,mixing,L01,48,48,0,",
            ("production_log.csv", "row 2, column date"),
            "not a date",
        ),
        (
            "production_log.csv",
            "2026-09-01,mixing,L01,48,48,0,",
            "20260901,mixing,L01,48,48,0,",
            ("production_log.csv", "row 2, column date"),
            "not a date",
        ),
        (
            "production_log.csv",
            "2026-09-01,mixing,L01,48,48,0,",
            "2026-09-01,mixing,L01,48,48,0,\n2026-09-01,mixing,L01,48,48,0,",
            ("production_log.csv", "row 3"),
            "lot logged twice",
        ),
        (
            "eol_tests.csv",
            "C00002,",
            "C00001,",
            ("eol_tests.csv", "row 3, column cell_id"),
            "cell tested twice",
        ),
        ("eol_tests.csv", "1.17,pass", "1.17,PASS", None, None),
        (
            "production_log.csv",
            "2026-09-01,mixing,L01,48,48,0,",
            "2026-09-01, mixing ,L01,48 ,48,\t0,",
            None,
            None,
        ),  # padding is stripped
        (
            "energy.csv",
            "coating_and_drying,2026-09-01,2026-09-30",
            "coating_and_drying,2026-09-30,2026-09-01",
            ("energy.csv", "row 2, column period_end"),
            "period ends before it starts",
        ),
        ("energy.csv", "82.9,kWh", "82.9,kWh/zorkmid", ("energy.csv", "row 2, column unit"), "unknown unit"),
        (
            "production_log.csv",
            "2026-09-01,mixing,L01,48,48,0,",
            "2026-10-01,mixing,L01,48,48,0,",
            ("production_log.csv", "row 2, column date"),
            "outside the reporting period",
        ),
        (
            "production_log.csv",
            "2026-09-01,mixing,L01,48,48,0,",
            "2026-09-01,mixxing,L01,48,48,0,",
            ("production_log.csv", "row 2, column step"),
            "unknown step",
        ),
        (
            "production_log.csv",
            "2026-09-01,mixing,L01,48,48,0,",
            "2026-09-01,mixing,L01,48,48,0,,extra",
            ("production_log.csv", "row 2"),
            "wrong number of fields",
        ),
        (
            "production_log.csv",
            "2026-09-01,mixing,L01,48,48,0,",
            '2026-09-01,"mixing,L01,48,48,0,',
            ("production_log.csv", None),
            "malformed CSV",
        ),
        (
            "production_log.csv",
            "date,step,lot_id,units_in,good_out,scrap",
            "date,step,lot_id,units_in,good_out",
            ("production_log.csv", "line 1"),
            "missing column scrap",
        ),
        (
            "eol_tests.csv",
            "C00001,L01",
            "C00001,L99",
            ("eol_tests.csv", "row 2, column lot_id"),
            "lot not in the production log",
        ),
        (
            "eol_tests.csv",
            "capacity [Ah]",
            "capacity [kg]",
            ("eol_tests.csv", "line 1, column capacity"),
            "wrong dimension",
        ),
        (
            "eol_tests.csv",
            "capacity [Ah]",
            "capacity",
            ("eol_tests.csv", "line 1, column capacity"),
            "column unit missing",
        ),
        (
            "eol_tests.csv",
            "1.17,pass",
            "1.17,ok",
            ("eol_tests.csv", "row 2, column result"),
            "unknown test result",
        ),
        (
            "energy.csv",
            "82.9,kWh",
            "82.9,kg",
            ("energy.csv", "row 2, column unit"),
            "does not fit electricity",
        ),
        (
            "energy.csv",
            "coating_and_drying,2026-09-01",
            "coating_and_drying,2025-09-01",
            ("energy.csv", "row 2, column period_start"),
            "outside the reporting period",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None,
)
def test_a_user_mistake_is_named_with_file_and_location(make_bundle, file, old, new, where, message):
    b = make_bundle().replace(file, old, new)
    if where is None:  # accepted as is
        load_bundle(b.path)
        return
    found = problems_of(b.path)
    # where[1] None: the location may be given in the message instead (YAML line and column)
    assert any(
        f == where[0] and loc == (loc if where[1] is None else where[1]) and message in msg
        for f, loc, msg in found
    ), found
    if where[1] is None:
        assert "line" in found[0][1] + found[0][2]


@pytest.mark.parametrize("name", ["production_log.csv", "eol_tests.csv", "energy.csv"])
def test_missing_file_is_named(make_bundle, name):
    found = problems_of(make_bundle().remove(name).path)
    assert [(f, msg) for f, _, msg in found if f == name and "not found in the bundle" in msg]


def test_missing_declaration_and_missing_bundle(make_bundle, tmp_path):
    assert "no declaration found" in problems_of(make_bundle().remove("declaration.yaml").path)[0][2]
    assert "bundle not found" in problems_of(tmp_path / "nowhere")[0][2]


def test_missing_top_level_section_is_a_problem_not_a_crash(make_bundle):
    # used to raise KeyError (exit 3): the schema's "required" error pointed at "#/", not at the field
    b = make_bundle().replace(
        "declaration.yaml", 'reporting_period:\n  start: "2026-09-01"\n  end: "2026-09-30"\n', ""
    )
    assert problems_of(b.path) == [
        ("declaration.yaml", "#/reporting_period", "'reporting_period' is required")
    ]


def test_reversed_period_is_one_problem_not_one_per_log_row(make_bundle):
    b = make_bundle().replace("declaration.yaml", 'end: "2026-09-30"', 'end: "2026-08-30"')
    assert problems_of(b.path) == [
        ("declaration.yaml", "#/reporting_period", "reporting period ends before it starts")
    ]


def test_problems_in_several_files_are_all_reported(make_bundle):
    b = (
        make_bundle()
        .replace("declaration.yaml", '"60 m/batch"', '"60 kg"')
        .replace("production_log.csv", "2026-09-01,mixing,L01,48,48,0,", "2026-09-01,mixing,L01,48,48,x,")
        .replace("eol_tests.csv", "1.17,pass", "1.17,maybe")
    )
    files = {f for f, _, _ in problems_of(b.path)}
    assert files == {"declaration.yaml", "production_log.csv", "eol_tests.csv"}
