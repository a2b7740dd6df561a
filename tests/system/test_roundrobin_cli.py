"""``liplanet-cert roundrobin``: reading results CSVs and bundles, grouping in the protocol's units,
protocol files, pseudonyms, outputs and exit codes.

The statistics (``roundrobin.analyse``) are tested on their own; here they are replaced by a fake
that scores each participant's mean against the median of the means with sigma_pt = 0.01 (or the
protocol's), so that every figure below is computed by hand.  The tests that run the real
statistics on the example are skipped while ``roundrobin.analyse`` is not there.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
import sys
import textwrap
import types
from pathlib import Path

import pytest
from helpers import EXAMPLES, REPO
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

import liplanet_cert.cli.roundrobin as rr_cli
from liplanet_cert.cli.main import app
from liplanet_cert.roundrobin.data import codes, group, read_results_csv
from liplanet_cert.roundrobin.model import MeasurandResult, ParticipantScore, RoundRobinResult
from liplanet_cert.roundrobin.protocol import RoundRobinError, load_protocol

RR = REPO / "examples" / "roundrobin"
HEADER = "participant,measurand,replicate,value,unit,uncertainty\n"


def cli(*args: str):
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def flat(text: str) -> str:
    return " ".join(text.split())


class FakeAnalyse:
    """Stands in for roundrobin.analyse.analyse and keeps what it was given."""

    def __call__(self, data, protocol, codes=None):
        self.data, self.protocol, self.codes = data, protocol, codes
        out = []
        for name, md in data.items():
            means = {p: statistics.fmean(v for v, _u in vs) for p, vs in md.by_participant.items()}
            x, s = statistics.median(means.values()), md.spec.sigma_pt or 0.01
            scores = []
            for p, v in means.items():
                z = (v - x) / s
                flag = "unsatisfactory" if abs(z) >= 3 else "questionable" if abs(z) > 2 else "satisfactory"
                shown = codes[p] if codes else p
                scores.append(
                    ParticipantScore(shown, v, None, z, None, None, None, flag, len(md.by_participant[p]))
                )
            out.append(MeasurandResult(name, md.spec.unit, len(means), x, None, s, "median (fake)", scores))
        return RoundRobinResult(protocol, out)


@pytest.fixture
def fake(monkeypatch) -> FakeAnalyse:
    f = FakeAnalyse()
    monkeypatch.setattr(rr_cli, "_analyse", f)
    return f


def write(tmp_path: Path, text: str, name: str = "results.csv") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


# -- reading and grouping -----------------------------------------------------------------------
def test_units_are_converted_to_the_measurands_unit(tmp_path):
    f = write(
        tmp_path,
        HEADER
        + "Line A,capacity,1,5000,mAh,10\n"  # 5000 mAh = 5 Ah; u 10 mAh = 0.01 Ah
        + "Line A,capacity,2,5.02,Ah,\n"
        + "Line B,capacity,,4.9,Ah,0.02\n",
    )
    obs = read_results_csv(f)
    assert [o.location for o in obs] == [f"{f} row 2", f"{f} row 3", f"{f} row 4"]
    data = group(obs)  # no protocol: the unit of the first row (mAh)
    assert data["capacity"].spec.unit == "mAh"
    assert data["capacity"].by_participant["Line B"] == [(pytest.approx(4900.0), pytest.approx(20.0))]
    proto = tmp_path / "p.yaml"
    proto.write_text(protocol_text(), encoding="utf-8")
    data = group(obs, load_protocol(proto))
    assert data["capacity"].by_participant["Line A"] == [
        (pytest.approx(5.0), pytest.approx(0.01)),
        (pytest.approx(5.02), None),
    ]


def test_the_example_reads_as_five_lines_with_five_cells_per_measurand():
    data = group(read_results_csv(RR / "results.csv"), load_protocol(RR / "protocol.yaml"))
    assert list(data) == ["capacity", "internal_resistance", "ocv_drop"]
    for md in data.values():
        assert len(md.by_participant) == 5
        assert {len(v) for v in md.by_participant.values()} == {5}
    rows = (RR / "results.csv").read_text(encoding="utf-8").splitlines()
    mah = next(r for r in rows if r.startswith("Vistula Cell Lab,capacity,1,")).split(",")
    assert mah[4] == "mAh"  # written in mAh, scored in Ah: / 1000
    assert data["capacity"].by_participant["Vistula Cell Lab"][0][0] == pytest.approx(float(mah[3]) / 1000)
    ohm = next(r for r in rows if r.startswith("Danube Cell Foundry,internal_resistance,1,")).split(",")
    assert ohm[4] == "ohm"  # ohm -> mohm: x 1000
    assert data["internal_resistance"].by_participant["Danube Cell Foundry"][0][0] == pytest.approx(
        float(ohm[3]) * 1000
    )


def test_the_example_is_what_its_script_generates():
    import numpy as np

    sys.path.insert(0, str(REPO / "examples"))
    try:
        import make_roundrobin as mk
    finally:
        sys.path.pop(0)
    lines = (RR / "results.csv").read_text(encoding="utf-8").splitlines()
    assert [",".join(r) for r in mk.rows(np.random.default_rng(mk.SEED))] == lines[1:]
    assert (RR / "protocol.yaml").read_text(encoding="utf-8") == mk.PROTOCOL


BAD_INPUTS = [
    # (csv body rows, location, words of the message)
    ("A,capacity,1,,Ah,\n", "row 2, column value", "no value (an empty cell)"),
    ("A,capacity,1,nan,Ah,\n", "row 2, column value", "not a finite number"),
    ("A,capacity,1,inf,Ah,\n", "row 2, column value", "not a finite number"),
    ("A,capacity,1,5.0,Ah,-1\n", "row 2, column uncertainty", "negative value"),
    ("A,capacity,1.5,5.0,Ah,\n", "row 2, column replicate", "not a whole number"),
    (",capacity,1,5.0,Ah,\n", "row 2, column participant", "missing value"),
    ("A,capacity,1,5.0,V,\n", "row 2", "unit of capacity: does not convert to Ah (other dimension)"),
    ("A,capacity,1,5.0,Ahr_x,\n", "row 2", "unit of capacity: unknown unit"),
    ("A,capacity,1,5.0,Ah,\nA,capacity,1,5.1,Ah,\n", "row 3", "duplicate result: 'A', capacity, replicate 1"),
    ("A,voltage,1,3.7,V,\n", "row 2", "measurand 'voltage' is not in the protocol"),
]


@pytest.mark.parametrize(("body", "where", "message"), BAD_INPUTS)
def test_bad_results_are_located_errors(tmp_path, fake, body, where, message):
    f = write(tmp_path, HEADER + body)
    proto = write(tmp_path, protocol_text(), "p.yaml")
    r = cli("roundrobin", f, "--protocol", proto)
    assert r.exit_code == 2, r.output
    err = flat(r.stderr)
    assert f"{f} {where}" in err and message in err, err
    assert not hasattr(fake, "data")  # never scored


def test_decimal_commas_and_every_problem_at_once(tmp_path, fake):
    f = write(tmp_path, "participant;measurand;value;unit\nA;capacity;5,02;Ah\nB;capacity;;Ah\n")
    r = cli("roundrobin", f)
    assert r.exit_code == 2
    err = flat(r.stderr)
    assert "(2 problems)" in err
    assert f"{f} row 2, column value: decimal comma: found '5,02'; write 5.02" in err
    assert f"{f} row 3, column value: no value (an empty cell)" in err


def test_several_rows_without_replicate_numbers_are_refused(tmp_path, fake):
    f = write(tmp_path, "participant,measurand,value,unit\nA,capacity,5.0,Ah\nA,capacity,5.1,Ah\n")
    r = cli("roundrobin", f)
    assert r.exit_code == 2
    assert "several results of 'A' for capacity without replicate numbers" in flat(r.stderr)


def test_a_missing_column_and_a_missing_file(tmp_path, fake):
    f = write(tmp_path, "participant,measurand,value\nA,capacity,5.0\n")
    r = cli("roundrobin", f)
    assert r.exit_code == 2 and "missing column unit" in flat(r.stderr)
    r = cli("roundrobin", tmp_path / "nope.csv")
    assert r.exit_code == 2 and "results file not found" in flat(r.stderr)
    r = cli("roundrobin")
    assert r.exit_code == 2 and "missing DATA" in flat(r.stderr)


def test_one_participant_and_equal_values_are_not_input_errors(tmp_path, fake):
    # the statistics state them as limitations; reading and grouping accept them
    f = write(tmp_path, HEADER + "A,capacity,1,5.0,Ah,\nA,capacity,2,5.0,Ah,\n")
    r = cli("roundrobin", f, "--format", "json")
    assert r.exit_code == 0, r.output
    assert fake.data["capacity"].by_participant == {"A": [(5.0, None), (5.0, None)]}


# -- pseudonyms ---------------------------------------------------------------------------------
def test_codes_follow_the_sha256_order_not_the_names():
    names = ["Alpha", "Beta", "Gamma"]
    # by hand: order by sha256("R1\n" + name)
    order = sorted(names, key=lambda n: hashlib.sha256(f"R1\n{n}".encode()).hexdigest())
    assert codes(names, "R1") == {n: f"P{i:02d}" for i, n in enumerate(order, 1)}
    assert codes(reversed(names), "R1") == codes(names, "R1")  # stable, whatever the input order
    assert list(codes([f"L{i}" for i in range(100)]).values())[0][:2] == "P0"
    assert sorted(codes([f"L{i}" for i in range(100)]).values())[-1] == "P100"


def test_names_are_hidden_by_default_and_shown_with_reveal(fake):
    args = ("roundrobin", RR / "results.csv", "--protocol", RR / "protocol.yaml")
    expected = codes(
        [
            "Nordwerk Pouch Pilot Line",
            "Vistula Cell Lab",
            "Ebro Prototype Line",
            "Fjord Battery Pilot",
            "Danube Cell Foundry",
        ],
        "RR-2026-01",
    )
    for fmt in ("table", "json"):
        r = cli(*args, "--format", fmt)
        assert not any(name in r.output for name in expected), fmt
        assert all(code in r.stdout for code in expected.values())
    doc = json.loads(cli(*args, "--format", "json").stdout)
    assert doc["pseudonymised"] is True
    assert fake.codes == expected
    revealed = cli(*args, "--reveal", "--format", "json")
    doc = json.loads(revealed.stdout)
    assert doc["pseudonymised"] is False
    assert {p["participant"] for p in doc["measurands"][0]["participants"]} == set(expected)


def test_hostile_names_are_shown_literally(tmp_path, fake):
    f = write(tmp_path, HEADER + "[bold]Evil\x1b[31m Line,capacity,1,5.0,Ah,\n")
    r = cli("roundrobin", f, "--reveal")
    assert r.exit_code == 0
    assert "\x1b" not in r.stdout and "[bold]Evil" in r.stdout


# -- exit codes and outputs ---------------------------------------------------------------------
def test_exit_1_on_an_unsatisfactory_score_0_otherwise(tmp_path, fake):
    # means 5.00, 5.01, 5.05; median 5.01; sigma 0.01: z = -1, 0, +4 -> unsatisfactory
    f = write(tmp_path, HEADER + "A,capacity,1,5.00,Ah,\nB,capacity,1,5.01,Ah,\nC,capacity,1,5.05,Ah,\n")
    r = cli("roundrobin", f, "--reveal")
    assert r.exit_code == 1 and "1 unsatisfactory and 0 questionable scores" in flat(r.stdout)
    # 5.00, 5.01, 5.025: z = -1, 0, +1.5 -> all satisfactory
    f = write(tmp_path, HEADER + "A,capacity,1,5.00,Ah,\nB,capacity,1,5.01,Ah,\nC,capacity,1,5.025,Ah,\n")
    assert cli("roundrobin", f).exit_code == 0


def test_json_follows_the_published_result_schema_and_outputs_are_written(tmp_path, fake):
    schema = json.loads(cli("schema", "roundrobin-result").stdout)
    Draft202012Validator.check_schema(schema)
    out = tmp_path / "r.json"
    table = tmp_path / "r.txt"
    r = cli(
        "roundrobin",
        RR / "results.csv",
        "-p",
        RR / "protocol.yaml",
        "--format",
        "json",
        "-o",
        f"json:{out}",
        "-o",
        table,
    )
    assert r.exit_code == 1  # the fake's sigma 0.01 Ah flags capacity
    doc = json.loads(r.stdout)
    assert list(Draft202012Validator(schema).iter_errors(doc)) == []
    assert json.loads(out.read_text(encoding="utf-8")) == doc
    assert "capacity [Ah]: assigned value" in table.read_text(encoding="utf-8")
    assert doc["protocol"]["reference_design"] == "NMC622/graphite pouch cell, 5 Ah"


def test_bad_outputs_and_formats_are_refused_before_reading(tmp_path, fake):
    r = cli("roundrobin", RR / "results.csv", "-o", tmp_path / "r.pdf")
    assert r.exit_code == 2 and "cannot tell the report format" in flat(r.stderr)
    r = cli("roundrobin", RR / "results.csv", "--format", "sarif")
    assert r.exit_code == 2 and "unknown format 'sarif'" in flat(r.stderr)
    assert not hasattr(fake, "data")


def test_markdown_and_html_come_from_the_round_robin_report(monkeypatch, tmp_path, fake):
    seen = []
    module = types.ModuleType("liplanet_cert.reporters.roundrobin_report")
    module.render = lambda doc, fmt: seen.append((doc["protocol"]["id"], fmt)) or f"<{fmt}>\n"
    monkeypatch.setitem(sys.modules, "liplanet_cert.reporters.roundrobin_report", module)
    html = tmp_path / "r.html"
    r = cli("roundrobin", RR / "results.csv", "-p", RR / "protocol.yaml", "--format", "markdown", "-o", html)
    assert r.stdout == "<markdown>\n" and html.read_text(encoding="utf-8") == "<html>\n"
    assert sorted(seen) == [("liplanet-rr-nmc622", "html"), ("liplanet-rr-nmc622", "markdown")]


# -- protocols ----------------------------------------------------------------------------------
def protocol_text(**changes: str) -> str:
    text = textwrap.dedent("""\
        id: test
        version: "1"
        round_id: R1
        reference_design: {chemistry: NMC622/graphite, format: cylindrical, nominal_capacity: "4.8 Ah"}
        measurands:
          capacity:
            unit: Ah
            assigned_value: {method: algorithm_a}
            sigma_pt: {method: robust_sd}
            limits: {satisfactory: 2, unsatisfactory: 3}
        """)
    for old, new in changes.items():
        text = text.replace(old.replace("_", " "), new)
    return text


def test_the_schema_command_prints_the_protocol_schema_and_it_accepts_the_example():
    from liplanet_cert.infra import safeyaml

    schema = json.loads(cli("schema", "roundrobin").stdout)
    Draft202012Validator.check_schema(schema)
    doc = safeyaml.load((RR / "protocol.yaml").read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(doc)) == []
    p = load_protocol(RR / "protocol.yaml")
    assert p.measurands["internal_resistance"].sigma_pt == 0.08
    assert p.measurands["capacity"].sigma_pt is None and p.measurands["capacity"].limits == (2.0, 3.0)
    assert p.design.nominal_capacity_ah == 5.0


PROTOCOL_ERRORS = [
    ({"round_id: R1\n": ""}, "#/round_id", "'round_id' is required"),
    (
        {"{method: algorithm_a}": "{method: consensus}"},
        "#/measurands/capacity/assigned_value",
        "is not valid",
    ),
    (
        {"unsatisfactory: 3": "unsatisfactory: 1.5"},
        "#/measurands/capacity/limits",
        "below the unsatisfactory",
    ),
    ({"unit: Ah": "unit: furlongz"}, "#/measurands/capacity/unit", "unknown unit"),
    ({'"4.8 Ah"': '"4.8 V"'}, "#/reference_design/nominal_capacity", "wrong dimension"),
    ({"format: cylindrical": "format: round"}, "#/reference_design/format", "value not allowed"),
    ({'version: "1"': "version: [1"}, "line ", "malformed protocol"),
]


@pytest.mark.parametrize(("changes", "where", "message"), PROTOCOL_ERRORS)
def test_protocol_errors_are_located(tmp_path, fake, changes, where, message):
    text = protocol_text()
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    proto = write(tmp_path, text, "p.yaml")
    with pytest.raises(RoundRobinError) as exc:
        load_protocol(proto)
    assert any(
        p.file == str(proto) and p.location.startswith(where) and message in str(p)
        for p in exc.value.problems
    ), [str(p) for p in exc.value.problems]
    r = cli("roundrobin", RR / "results.csv", "--protocol", proto)
    assert r.exit_code == 2 and str(proto) in r.stderr


# -- from bundles -------------------------------------------------------------------------------
def test_from_bundles_takes_the_reference_design_and_names_what_it_skipped(tmp_path, fake):
    proto = write(
        tmp_path, protocol_text().replace("    limits", "    limits") + "  ocv_drop: {unit: mV}\n", "p.yaml"
    )
    r = cli(
        "roundrobin",
        "--from-bundles",
        EXAMPLES / "approved",
        EXAMPLES / "not-approved",
        "-p",
        proto,
        "--reveal",
    )
    assert r.exit_code in (0, 1), r.output
    assert (
        f"skipped {EXAMPLES / 'approved'}: not the reference design: chemistry NMC811/graphite is not "
        "NMC622/graphite; format pouch is not cylindrical; nominal capacity 5 Ah is not 4.8 Ah"
    ) in flat(r.stderr)
    assert list(fake.data) == ["capacity", "ocv_drop"]  # the protocol's measurands only
    cap = fake.data["capacity"].by_participant
    assert list(cap) == ["Vistula Cylindrical Line"]  # the not-approved bundle's pilot line
    eol = (EXAMPLES / "not-approved" / "eol_tests.csv").read_text(encoding="utf-8").splitlines()
    assert len(cap["Vistula Cylindrical Line"]) == len(eol) - 1  # one value per cell
    assert cap["Vistula Cylindrical Line"][0] == (float(eol[1].split(",")[3]), None)  # capacity [Ah] column


def test_from_bundles_needs_a_protocol_and_a_bundle_of_its_design(tmp_path, fake):
    r = cli("roundrobin", "--from-bundles", EXAMPLES / "approved")
    assert r.exit_code == 2 and "--from-bundles needs --protocol" in flat(r.stderr)
    r = cli(
        "roundrobin",
        "--from-bundles",
        EXAMPLES / "approved",
        EXAMPLES / "not-approved",
        "-p",
        RR / "protocol.yaml",
    )
    assert r.exit_code == 2
    err = flat(r.stderr)
    assert "no bundle is of the reference design NMC622/graphite pouch cell, 5 Ah" in err
    assert (
        "chemistry NMC811/graphite is not NMC622/graphite" in err and "format cylindrical is not pouch" in err
    )
    r = cli("roundrobin", "--from-bundles", EXAMPLES / "invalid", "-p", RR / "protocol.yaml")
    assert r.exit_code == 2 and "invalid bundle" in r.stderr


# -- the real statistics on the example (once roundrobin.analyse is merged) -----------------------
def test_the_example_round_robin_flags_the_line_that_is_off():
    pytest.importorskip("liplanet_cert.roundrobin.analyse")
    r = cli("roundrobin", RR / "results.csv", "-p", RR / "protocol.yaml", "--format", "json")
    # Ebro's cells are ~50 mAh low; by hand on the lab means Algorithm A gives x* ≈ 5.0435 Ah,
    # s* ≈ 0.0122 Ah, so z ≈ (5.0013 - 5.0435) / 0.0122 ≈ -3.5: unsatisfactory, exit 1
    assert r.exit_code == 1, r.output
    doc = json.loads(r.stdout)
    schema = json.loads(cli("schema", "roundrobin-result").stdout)
    assert list(Draft202012Validator(schema).iter_errors(doc)) == []
    ebro = codes(
        [
            "Nordwerk Pouch Pilot Line",
            "Vistula Cell Lab",
            "Ebro Prototype Line",
            "Fjord Battery Pilot",
            "Danube Cell Foundry",
        ],
        "RR-2026-01",
    )["Ebro Prototype Line"]
    capacity = next(m for m in doc["measurands"] if m["measurand"] == "capacity")
    flagged = {p["participant"] for p in capacity["participants"] if p["flag"] == "unsatisfactory"}
    assert flagged == {ebro}
    assert re.fullmatch(r"P0[1-5]", ebro)
