"""The command line: every command, every exit code, bad input without tracebacks, nothing written on error."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import pytest
import typer.main
import yaml
from helpers import EXAMPLES, PACK_2026, REPO, squash
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from liplanet_cert import __version__
from liplanet_cert.cli.main import app
from liplanet_cert.criteria.select import select_pack
from liplanet_cert.infra import safeyaml

RESULT_SCHEMA = json.loads(
    (REPO / "liplanet_cert" / "schemas" / "result.schema.json").read_text(encoding="utf-8")
)
ISSUE_2_COMMANDS = [
    ["assess"],
    ["validate"],
    ["init"],
    ["schema"],
    ["criteria", "list"],
    ["criteria", "show"],
    ["criteria", "check"],
]


def cli(*args: str):
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "240", "NO_COLOR": "1"})
    # an exception other than the exit itself means a traceback would have reached the user
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def assess_json(*args: str) -> tuple[int, dict]:
    r = cli("assess", *args, "--no-footprint", "-c", PACK_2026, "--format", "json")
    return r.exit_code, json.loads(r.stdout)


def failed(doc: dict) -> dict[str, dict]:
    return {f["id"]: f for f in doc["findings"] if f["status"] == "fail"}


# -- version and help ----------------------------------------------------------------------
def test_version():
    r = cli("--version")
    assert r.exit_code == 0 and r.stdout.strip() == f"liplanet-cert {__version__}"


def _all_commands(group, prefix=()):
    for name, cmd in sorted(group.commands.items()):
        yield [*prefix, name]
        if hasattr(cmd, "commands"):
            yield from _all_commands(cmd, (*prefix, name))


@pytest.mark.parametrize("command", list(_all_commands(typer.main.get_command(app))), ids=" ".join)
def test_every_command_has_help(command):
    r = cli(*command, "--help")
    assert r.exit_code == 0
    assert "Usage:" in r.stdout and f"{command[-1]}" in r.stdout


@pytest.mark.parametrize("command", ISSUE_2_COMMANDS, ids=" ".join)
def test_help_shows_examples(command):
    assert "Example" in cli(*command, "--help").stdout


def test_top_level_help_documents_the_exit_codes():
    out = squash(cli("--help").stdout)
    assert "0 approved · 1 not approved · 2 invalid input or usage · 3 internal error" in out


# -- the three example bundles -------------------------------------------------------------
def test_approved_example_exits_0_and_validates_against_the_result_schema():
    code, doc = assess_json(str(EXAMPLES / "approved"))
    assert code == 0 and doc["verdict"] == "approved"
    Draft202012Validator(RESULT_SCHEMA).validate(doc)
    pack = select_pack(PACK_2026)
    assert doc["criteria"] == {
        "id": "liplanet-2026",
        "version": "2.0.0",
        "sha256": pack.sha256,
        "title": pack.title,
        # 2.0.0 ended on 2026-06-30: an assessment under it today is a what-if, and says so
        "in_force": False,
        "valid": "2026-01-01 .. 2026-06-30",
        "status": "released",
    }
    assert doc["warnings"][0].startswith(
        "what-if assessment: criteria pack liplanet-2026@2.0.0 is not in force"
    )
    assert failed(doc) == {}
    assert doc["kpis"]["scrap_rate"]["declared"] == pytest.approx(7.7)
    assert {i["path"] for i in doc["inputs"]} >= {
        "declaration.yaml",
        "production_log.csv",
        "eol_tests.csv",
        "energy.csv",
    }
    assert doc["pilot_line"]["name"] == "Nordwerk Pouch Pilot Line"


def test_not_approved_example_exits_1_naming_the_failed_criteria():
    code, doc = assess_json(str(EXAMPLES / "not-approved"))
    assert code == 1 and doc["verdict"] == "not_approved"
    Draft202012Validator(RESULT_SCHEMA).validate(doc)
    fails = failed(doc)
    assert len(fails) >= 3
    assert {"CONS-SCRAP-RATE", "KPI-SCRAP-OVERALL", "ELIG-AUTO-STACKING"} <= set(fails)
    cons = fails["CONS-SCRAP-RATE"]
    assert "declared overall production scrap rate 5 %, logs show" in cons["message"]
    # p-chart of each lot's overall loss (22 lots of 18 cells): 396 in, 335 good out of the last step,
    # p̄ = 61/396 = 15.40 %; UCL = 0.1540 + 3·sqrt(0.1540·0.8460/18) = 0.1540 + 3·0.08509 = 0.4093
    # (40.9 %): only L14 (9 lost, 50.0 %) and L16 (8 lost, 44.4 %) are above it; L12 (6 lost,
    # 33.3 %) and L03 (3 lost, 16.7 %) are inside
    assert cons["lots"] == ["L14", "L16"]
    assert "L14 (9 of 18 = 50.0 % > UCL 40.9 % for n = 18)" in cons["message"]
    assert "L16 (8 of 18 = 44.4 % > UCL 40.9 % for n = 18)" in cons["message"]
    assert cons["location"].startswith("declaration.yaml#/kpis/scrap_rate")
    assert fails["ELIG-AUTO-STACKING"]["actual"] == "manual"
    assert fails["ELIG-AUTO-STACKING"]["location"] == "declaration.yaml#/steps/4/automation"


def test_not_approved_table_shows_the_verdict_and_what_failed():
    r = cli("assess", EXAMPLES / "not-approved", "--no-footprint", "-c", PACK_2026)
    out = squash(r.stdout)
    assert r.exit_code == 1
    assert "NOT APPROVED" in out and "CONS-SCRAP-RATE" in out  # (lots above their p-chart limit:)
    assert "L14 (9 of 18 = 50.0 % > UCL 40.9 % for n = 18)" in out  # (hand figures: the test above)


def test_invalid_example_exits_2_listing_every_problem():
    r = cli("validate", EXAMPLES / "invalid")
    err = squash(r.stderr)
    assert r.exit_code == 2
    assert "invalid bundle (7 problems)" in err
    for where in (
        "declaration.yaml #/cell/format",
        "declaration.yaml #/pilot_line/country",
        "declaration.yaml #/cell/nominal_voltage",
        "declaration.yaml #/kpis/electrode_throughput",
        "production_log.csv row 13, column date",
        "production_log.csv row 10, column units_in",
        "production_log.csv row 4, column step",
    ):
        assert where in err
    assert "expected length per time" in err and "2 kg/day with dimension [mass] / [time]" in err
    assert cli("assess", EXAMPLES / "invalid", "--no-footprint").exit_code == 2


def test_assess_example_option_uses_the_shipped_approved_bundle():
    r = cli("assess", "--example", "--no-footprint", "-c", PACK_2026)
    assert r.exit_code == 0 and "LiPLANET APPROVED" in r.stdout


def test_validate_reports_a_valid_bundle():
    r = cli("validate", EXAMPLES / "approved")
    assert r.exit_code == 0 and "valid bundle: Nordwerk Pouch Pilot Line" in squash(r.stdout)


# -- zip bundles ---------------------------------------------------------------------------
@pytest.mark.parametrize(("example", "code"), [("approved", 0), ("not-approved", 1), ("invalid", 2)])
def test_zip_bundle_gives_the_same_result_as_the_directory(tmp_path, example, code):
    zpath = shutil.make_archive(str(tmp_path / example), "zip", EXAMPLES, example)
    from_zip = cli("assess", zpath, "--no-footprint", "-c", PACK_2026, "--format", "json")
    from_dir = cli("assess", EXAMPLES / example, "--no-footprint", "-c", PACK_2026, "--format", "json")
    assert from_zip.exit_code == from_dir.exit_code == code
    if code != 2:
        z, d = json.loads(from_zip.stdout), json.loads(from_dir.stdout)
        assert z["findings"] == d["findings"] and z["inputs"] == d["inputs"]
    else:
        assert squash(from_zip.stderr).split("•")[1:] == squash(from_dir.stderr).split("•")[1:]


# -- output files --------------------------------------------------------------------------
def test_output_file_holds_the_json_report(tmp_path):
    out = tmp_path / "reports" / "result.json"
    r = cli("assess", EXAMPLES / "approved", "--no-footprint", "-c", PACK_2026, "-o", out)
    assert r.exit_code == 0 and "LiPLANET APPROVED" in r.stdout
    doc = json.loads(out.read_text(encoding="utf-8"))
    Draft202012Validator(RESULT_SCHEMA).validate(doc)
    assert doc["verdict"] == "approved"


def test_json_output_is_deterministic():
    a = cli(
        "assess",
        EXAMPLES / "approved",
        "--no-footprint",
        "-c",
        PACK_2026,
        "--format",
        "json",
        "--at",
        "2026-10-01",
    ).stdout
    b = cli(
        "assess",
        EXAMPLES / "approved",
        "--no-footprint",
        "-c",
        PACK_2026,
        "--format",
        "json",
        "--at",
        "2026-10-01",
    ).stdout
    assert a == b


# -- bad input: exit 2, a located message, no traceback, nothing written -------------------
BAD_INPUT = [
    (
        "missing file",
        "eol_tests.csv",
        None,
        None,
        "eol_tests.csv: end-of-line test file not found in the bundle",
    ),
    (
        "malformed YAML",
        "declaration.yaml",
        'format_version: "1.0"',
        'format_version: ["1.0"',
        ("declaration.yaml", "line 4", "malformed YAML"),
    ),
    (
        "duplicate key",
        "declaration.yaml",
        "  site: Münster\n",
        "  site: Münster\n  site: Berlin\n",
        ("declaration.yaml", "line 8", "duplicate key 'site'"),
    ),
    (
        "unknown step",
        "production_log.csv",
        "2026-09-01,mixing,",
        "2026-09-01,mixxing,",
        "production_log.csv row 2, column step: unknown step",
    ),
    (
        "negative count",
        "production_log.csv",
        "2026-09-01,mixing,L01,48,48,0,",
        "2026-09-01,mixing,L01,48,49,-1,",
        "production_log.csv row 2, column scrap: negative value",
    ),
    (
        "NaN",
        "eol_tests.csv",
        "C00001,L01,2026-09-01,5.0674",
        "C00001,L01,2026-09-01,NaN",
        "eol_tests.csv row 2, column capacity: not a finite number",
    ),
    (
        "date outside period",
        "production_log.csv",
        "2026-09-01,mixing,",
        "2026-10-01,mixing,",
        "production_log.csv row 2, column date: date outside the reporting period (expected 2026-09-01 .. 2026-09-30",
    ),
    (
        "wrong dimension",
        "declaration.yaml",
        '"60.5 m/day"',
        '"2 kg/day"',
        "declaration.yaml #/kpis/electrode_throughput: declared KPI electrode_throughput: wrong dimension",
    ),
    (
        "malformed CSV",
        "production_log.csv",
        "2026-09-01,mixing,L01,48,48,0,",
        "2026-09-01,mixing,L01,48,48,0,,",
        "production_log.csv row 2: wrong number of fields",
    ),
]


@pytest.mark.parametrize(("label", "file", "old", "new", "message"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
@pytest.mark.parametrize("command", ["validate", "assess"])
def test_bad_input_exits_2_with_a_located_message_and_reports_it(
    make_bundle, tmp_path, command, label, file, old, new, message
):
    """Exit 2 and a located message; the machine report asked for holds exactly those problems
    (CI gets them when it needs them); nothing else is written and stdout stays empty."""
    b = make_bundle()
    if old is None:
        b.remove(file)
    else:
        b.replace(file, old, new)
    out = tmp_path / "reports" / "out.json"
    extra = ["--no-footprint"] if command == "assess" else []
    r = cli(command, b.path, *extra, "-o", out)
    assert r.exit_code == 2
    for fragment in message if isinstance(message, tuple) else (message,):
        assert fragment in squash(r.stderr)
    assert "nothing was written" not in r.stderr and str(out) in squash(r.stderr)
    assert r.stdout == ""
    assert sorted(p.name for p in out.parent.iterdir()) == ["out.json"]
    doc = json.loads(out.read_text(encoding="utf-8"))
    Draft202012Validator(RESULT_SCHEMA).validate(doc)
    assert doc["verdict"] is None and doc["status"] == "invalid"
    assert doc["details"][0]["file"] == file
    assert squash(doc["problems"][0]) in squash(r.stderr)  # the same problem, as printed


def test_several_problems_are_reported_together(make_bundle):
    b = (
        make_bundle()
        .replace("declaration.yaml", '"60.5 m/day"', '"2 kg/day"')
        .replace("production_log.csv", "2026-09-01,mixing,", "2026-10-01,mixing,")
        .replace("eol_tests.csv", "C00001,L01,2026-09-01,5.0674", "C00001,L01,2026-09-01,NaN")
    )
    err = squash(cli("validate", b.path).stderr)
    assert "(3 problems)" in err
    assert (
        "declaration.yaml #/kpis" in err
        and "production_log.csv row 2" in err
        and "eol_tests.csv row 2" in err
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["assess"], "missing BUNDLE"),
        (["assess", str(EXAMPLES / "approved"), "--example"], "either a BUNDLE or --example"),
        (["assess", "no-such-bundle"], "bundle not found"),
        (["assess", str(EXAMPLES / "approved"), "--format", "yaml"], "unknown output format 'yaml'"),
        (["assess", str(EXAMPLES / "approved"), "--at", "2026-13-01"], "--at must be a date"),
        (
            ["assess", str(EXAMPLES / "approved"), "--at", "2020-01-01", "--no-footprint"],
            "no criteria pack is in force on 2020-01-01",
        ),
        (
            ["assess", str(EXAMPLES / "approved"), "-c", "liplanet-2099"],
            "unknown criteria pack 'liplanet-2099'",
        ),
        (
            ["assess", str(EXAMPLES / "approved"), "-c", "liplanet-2026@9.0.0"],
            "no version 9.0.0 of liplanet-2026",
        ),
        (["schema", "everything"], "unknown schema 'everything'"),
    ],
)
def test_usage_errors_exit_2(args, message):
    r = cli(*args)
    assert r.exit_code == 2 and message in squash(r.stderr)


# -- criteria selection on the command line ------------------------------------------------
@pytest.mark.parametrize(
    ("args", "ref"),
    [
        (["-c", "liplanet-2023"], ("liplanet-2023", "1.0.0")),
        (["-c", "liplanet-2026@2.0.0"], ("liplanet-2026", "2.0.0")),
        (["-c", str(REPO / "criteria" / "liplanet-2023-1.0.0.yaml")], ("liplanet-2023", "1.0.0")),
    ],
)
def test_assess_uses_the_selected_pack(args, ref):
    r = cli("assess", EXAMPLES / "approved", "--no-footprint", "--format", "json", *args)
    doc = json.loads(r.stdout)
    assert (doc["criteria"]["id"], doc["criteria"]["version"]) == ref
    assert r.exit_code == 0


@pytest.mark.parametrize("at", ["2024-06-01", "2026-03-01", "2026-09-29"])
def test_an_assessment_cannot_predate_the_data_it_judges(at, tmp_path):
    # the example's reporting period ends on 2026-09-30 (declaration.yaml)
    out = tmp_path / "r.json"
    r = cli("assess", EXAMPLES / "approved", "--no-footprint", "--at", at, "-o", f"json:{out}")
    assert r.exit_code == 2
    assert f"the assessment day {at} is before the end of the reporting period (2026-09-30)" in squash(
        r.stderr
    )
    assert not out.exists()


@pytest.mark.parametrize(("at", "version"), [("2026-09-30", "2.1.0"), ("2026-10-15", "2.1.0")])
def test_at_on_or_after_the_end_of_the_period_selects_the_pack_in_force(at, version):
    # the period ends on 2026-09-30; liplanet-2026@2.1.0 is in force from 2026-07-01
    r = cli("assess", EXAMPLES / "approved", "--no-footprint", "--at", at, "--format", "json")
    doc = json.loads(r.stdout)
    assert r.exit_code in (0, 1)  # assessed (without the footprint its sustainability criteria cannot pass)
    assert doc["assessed_on"] == at and (doc["criteria"]["id"], doc["criteria"]["version"]) == (
        "liplanet-2026",
        version,
    )


# -- schema, init, criteria commands --------------------------------------------------------
@pytest.mark.parametrize("what", ["bundle", "criteria", "result"])
def test_schema_prints_a_valid_json_schema(what):
    r = cli("schema", what)
    assert r.exit_code == 0
    schema = json.loads(r.stdout)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_bundle_schema_accepts_the_approved_declaration_and_rejects_the_invalid_one():
    schema = json.loads(cli("schema", "bundle").stdout)
    ok = safeyaml.load((EXAMPLES / "approved" / "declaration.yaml").read_text(encoding="utf-8"))
    bad = safeyaml.load((EXAMPLES / "invalid" / "declaration.yaml").read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(ok)) == []
    assert [e.message for e in Draft202012Validator(schema).iter_errors(bad)] == [
        "'coin' is not one of ['pouch', 'prismatic', 'cylindrical']"
    ]


def test_init_scaffolds_a_bundle_that_cannot_pass_until_the_line_fills_it_in(tmp_path):
    target = tmp_path / "my-line"
    r = cli("init", target)
    assert r.exit_code == 0
    assert {p.name for p in target.iterdir()} >= {
        "declaration.yaml",
        "production_log.csv",
        "eol_tests.csv",
        "energy.csv",
    }
    decl = (target / "declaration.yaml").read_text(encoding="utf-8")
    assert "#" in decl  # commented for the pilot line
    # untouched: every placeholder and both sample logs are reported at once, and nothing is assessed
    r = cli("validate", target)
    err = squash(r.stderr)
    assert r.exit_code == 2
    holes = decl.count(': "<fill in: ')  # each a field's value
    assert holes >= 12 and err.count("placeholder not replaced") == holes
    assert "production_log.csv column lot_id: 55 sample rows" in err  # 5 days x 11 steps
    assert "eol_tests.csv column lot_id: 100 sample rows" in err  # 5 lots x 20 cells
    # sample energy amounts would otherwise count as the line's own metered (primary) data
    assert "energy.csv column meter_id: 2 sample rows" in err
    assert "quality_log.csv column lot_id: 30 sample rows" in err  # 5 lots x 3 samples x 2 characteristics
    assert cli("assess", target, "--no-footprint", "-c", PACK_2026).exit_code == 2
    # filled in by the line (here: by hand, with values consistent with the logs), it validates
    filled = {
        "<fill in: name of the pilot line>": "Testwerk",
        "<fill in: operating organisation>": "Test GmbH",
        "<fill in: city>": "Ulm",
        "<fill in: country code, e.g. DE>": "DE",
        "<fill in: first day, YYYY-MM-DD>": "2026-01-05",
        "<fill in: last day, YYYY-MM-DD>": "2026-01-09",
        "<fill in: e.g. NMC811/graphite>": "NMC811/graphite",
        "<fill in: e.g. 5 Ah>": "5 Ah",
        "<fill in: e.g. 3.65 V>": "3.65 V",
        "<fill in: e.g. 18.25 Wh>": "18.25 Wh",
        "<fill in: e.g. 7.5 %>": "0 %",
        "<fill in: e.g. 24 cell/day>": "20 cell/day",
        "<fill in: e.g. 50 m/day>": "50 m/day",
    }
    for hole, value in filled.items():
        decl = decl.replace(hole, value)
    (target / "declaration.yaml").write_text(decl, encoding="utf-8")
    for log in ("production_log.csv", "eol_tests.csv", "energy.csv", "quality_log.csv"):
        path = target / log
        path.write_text(path.read_text(encoding="utf-8").replace("SAMPLE-", ""), encoding="utf-8")
    assert cli("validate", target).exit_code == 0
    again = cli("init", target)
    assert again.exit_code == 2 and "already exists and is not empty" in squash(again.stderr)


def test_criteria_list_shows_the_shipped_packs_and_the_one_in_force():
    out = squash(cli("criteria", "list", "--at", "2024-06-01").stdout)
    assert "liplanet-2023@1.0.0" in out and "liplanet-2026@2.0.0" in out
    line_2023 = next(
        line
        for line in cli("criteria", "list", "--at", "2024-06-01").stdout.splitlines()
        if "liplanet-2023" in line
    )
    assert "in force" in line_2023


def test_criteria_show_gives_the_pack_and_its_hash():
    pack = select_pack(PACK_2026)
    doc = json.loads(cli("criteria", "show", PACK_2026, "--format", "json").stdout)
    assert (doc["id"], doc["version"], doc["sha256"]) == ("liplanet-2026", "2.0.0", pack.sha256)
    table = squash(cli("criteria", "show", PACK_2026).stdout)
    assert "QUAL-SCRAP-FORMATION" in table and pack.sha256 in table


def test_criteria_check_accepts_a_sound_draft(tmp_path):
    path = tmp_path / "draft.yaml"
    shutil.copy(REPO / "criteria" / "liplanet-2023-1.0.0.yaml", path)
    r = cli("criteria", "check", path)
    assert r.exit_code == 0 and "liplanet-2023@1.0.0, 19 criteria" in squash(r.stdout)


def test_criteria_check_lists_every_problem_of_a_draft(tmp_path):
    path = tmp_path / "draft.yaml"
    path.write_text(
        textwrap.dedent("""\
        id: draft
        version: 0.1.0
        title: Draft
        valid_from: "2027-01-01"
        criteria:
          - {id: D-ONE, title: a, category: scrap, severity: required, source: {ref: x},
             check: {metric: kpi.scrap_rate, op: "<", value: "10 kg"}}
          - {id: D-ONE, title: b, category: scrap, severity: required, source: {ref: x},
             check: {metric: kpi.scrap_ratio, op: "<", value: "10 %"}}
        """),
        encoding="utf-8",
    )
    r = cli("criteria", "check", path)
    err = squash(r.stderr)
    assert r.exit_code == 2 and "(3 problems)" in err
    assert "#/criteria/0/check: threshold unit does not fit kpi.scrap_rate" in err
    assert "#/criteria/1/id: duplicate criterion id" in err
    assert "#/criteria/1/check: unknown metric" in err


def test_criteria_check_reports_schema_errors(tmp_path):
    path = tmp_path / "draft.yaml"
    path.write_text(
        yaml.safe_dump(
            {"id": "Draft!", "version": "1", "title": "x", "valid_from": "2027-01-01", "criteria": []}
        ),
        encoding="utf-8",
    )
    r = cli("criteria", "check", path)
    err = squash(r.stderr)
    assert r.exit_code == 2 and "#/id" in err and "#/version" in err and "#/criteria" in err


# -- speed: --help and validate do not import Brightway -------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["assess", "--help"],
        ["validate", str(EXAMPLES / "approved")],
        ["validate", str(EXAMPLES / "invalid")],
    ],
)
def test_help_and_validate_do_not_import_brightway(args):
    code = textwrap.dedent(f"""\
        import sys
        from liplanet_cert.cli.main import main
        sys.argv = ["liplanet-cert", *{args!r}]
        try:
            main()
        except SystemExit as exc:
            status = exc.code
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("bw2data", "bw2calc", "bw2io", "bw_processing", "peewee"))
        print("HEAVY=" + ",".join(heavy), file=sys.stderr)
        """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert "HEAVY=" in proc.stderr, proc.stderr
    assert proc.stderr.rsplit("HEAVY=", 1)[1].strip() == ""


@pytest.mark.parametrize(
    "command",
    [
        ["assess", "--example", "--no-footprint", "-c", PACK_2026, "-o", "json:{blocked}/r.json"],
        ["dossier", "--example", "-c", PACK_2026, "-o", "{blocked}/dossier"],
        ["batch", str(EXAMPLES / "approved"), "-c", PACK_2026, "-j", "1", "-q", "--out", "{blocked}/run"],
        [
            "batch",
            str(EXAMPLES / "approved"),
            "-c",
            PACK_2026,
            "-j",
            "1",
            "-q",
            "--out",
            "{ok}/run",
            "-o",
            "sarif:{blocked}/b.sarif",
        ],
    ],
    ids=["assess-o", "dossier-o", "batch-out", "batch-report"],
)
def test_an_output_that_cannot_be_written_is_exit_2_naming_it(tmp_path, command) -> None:
    blocker = tmp_path / "a-file"  # a path below a regular file cannot be created, even as root
    blocker.write_text("x", encoding="utf-8")
    r = cli(*[a.format(blocked=blocker, ok=tmp_path) for a in command])
    assert r.exit_code == 2, r.output
    assert str(blocker) in squash(r.output) and "cannot write" in r.output
