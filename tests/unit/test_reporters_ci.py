"""CI outputs: SARIF validates against the OASIS schema, JUnit parses with the expected structure,
CSV is spreadsheet-safe, Markdown and JSONL render; several formats in one run."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from typer.testing import CliRunner

from liplanet_cert.assessment.core import AssessOptions, assess
from liplanet_cert.assessment.waivers import load_waivers
from liplanet_cert.cli.main import app
from liplanet_cert.reporters import formats, get_reporter
from liplanet_cert.reporters.csv_ import safe_cell

REPO = Path(__file__).resolve().parents[2]
BUNDLES = REPO / "examples" / "bundles"
PACK = "liplanet-2026@2.0.0"
SARIF_SCHEMA = json.loads(
    (REPO / "liplanet_cert" / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)
WAIVERS = """\
waivers:
  - id: W-FORM
    criterion: QUAL-SCRAP-FORMATION
    pilot_line: Vistula Cylindrical Line
    justification: Formation cycler replaced; lots L12-L19 reworked.
    approver: Board
    granted_on: "2026-10-01"
    expires_on: "2027-03-31"
"""
runner = CliRunner()


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list:
    w = tmp_path_factory.mktemp("w") / "waivers.yaml"
    w.write_text(WAIVERS, encoding="utf-8")
    opts = AssessOptions(
        criteria=PACK, at=__import__("datetime").date(2026, 11, 1), waivers=load_waivers(w), footprint=False
    )
    return [assess(BUNDLES / name, opts) for name in ("approved", "not-approved")]


def test_all_ci_formats_registered() -> None:
    assert {"table", "json", "jsonl", "csv", "markdown", "sarif", "junit"} <= set(formats())


def test_sarif_validates_and_carries_rules_results_suppressions_artifacts(results: list) -> None:
    doc = json.loads(get_reporter("sarif").render_many(results))
    Draft4Validator(SARIF_SCHEMA).validate(doc)
    run = doc["runs"][0]
    rules = (
        {r["id"]: r for r in run["tools"]["driver"]["rules"]}
        if "tools" in run
        else {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    )
    assert "QUAL-SCRAP-FORMATION" in rules
    assert rules["QUAL-SCRAP-FORMATION"]["properties"]["criteria_version"] == "2.0.0"
    assert rules["QUAL-SCRAP-FORMATION"]["help"]["text"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    waived = by_rule["QUAL-SCRAP-FORMATION"]
    assert waived["suppressions"][0]["justification"].startswith("Formation cycler replaced")
    assert waived["suppressions"][0]["kind"] == "external"
    failed = by_rule["KPI-SCRAP-OVERALL"]
    assert failed["level"] == "error"
    assert (
        "expected kpi.scrap_rate < 10 %" in failed["message"]["text"]
        and "actual 15.40 %" in failed["message"]["text"]
    )
    assert failed["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "not-approved/production_log.csv"
    )
    assert all(r["ruleId"] for r in run["results"])
    assert not any(
        r["properties"]["pilot_line"] == "Nordwerk Pouch Pilot Line" for r in run["results"]
    )  # approved line: nothing to report
    hashes = {a["location"]["uri"]: a["hashes"]["sha-256"] for a in run["artifacts"]}
    decl = next(i for i in results[1].inputs if i.path == "declaration.yaml")
    assert any(u.endswith("not-approved/declaration.yaml") and h == decl.sha256 for u, h in hashes.items())


def test_sarif_fingerprints_stable_when_values_change(results: list) -> None:
    r = results[1]
    changed = replace(r, findings=[replace(f, actual=f.actual + " (changed)") for f in r.findings])
    a = json.loads(get_reporter("sarif").render(r))["runs"][0]["results"]
    b = json.loads(get_reporter("sarif").render(changed))["runs"][0]["results"]
    assert [x["partialFingerprints"] for x in a] == [x["partialFingerprints"] for x in b]
    assert len({json.dumps(x["partialFingerprints"]) for x in a}) == len(a)
    assert get_reporter("sarif").render(r) == get_reporter("sarif").render(r)  # deterministic


def test_junit_structure(results: list) -> None:
    root = ET.fromstring(get_reporter("junit").render_many(results))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 2
    na = suites[1]
    cases = na.findall("testcase")
    assert len(cases) == len(results[1].findings) == int(na.get("tests"))
    assert len({(c.get("classname"), c.get("name")) for c in cases}) == len(cases)
    failures = [c for c in cases if c.find("failure") is not None]
    assert int(na.get("failures")) == len(failures) == results[1].counts["fail"]
    f = next(c for c in failures if "[KPI-SCRAP-OVERALL]" in c.get("name")).find("failure")
    assert (
        "15.40 %" in f.get("message")
        and "expected:  kpi.scrap_rate < 10 %" in f.text
        and "actual:    15.40 %" in f.text
    )
    skipped = [c for c in cases if c.find("skipped") is not None]
    assert (
        int(na.get("skipped"))
        == len(skipped)
        == results[1].counts["not_applicable"] + results[1].counts["waived"]
    )
    waived = next(c for c in cases if "[QUAL-SCRAP-FORMATION]" in c.get("name")).find("skipped")
    assert "waived by W-FORM" in waived.get("message")
    assert int(root.get("failures")) == results[1].counts["fail"]
    assert suites[0].get("failures") == "0"


def test_csv_neutralises_formulas(results: list) -> None:
    assert safe_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    for s in ("+1", "-2", "@SUM(A1)", "\tx"):
        assert safe_cell(s).startswith("'")
    assert safe_cell("5 %") == "5 %"
    r = results[1]
    evil = replace(r, pilot_line={**r.pilot_line, "name": "=cmd|' /C calc'!A0"})
    rows = list(csv.reader(io.StringIO(get_reporter("csv").render(evil))))
    assert rows[0][:4] == ["bundle", "pilot_line", "criteria", "criterion"]
    assert all(row[1] == "'=cmd|' /C calc'!A0" for row in rows[1:])
    assert len(rows) == 1 + len(r.findings)
    assert any(row[7] == "waived" and row[11] == "W-FORM" for row in rows[1:])


def test_markdown_and_jsonl(results: list) -> None:
    md = get_reporter("markdown").render_many(results)
    assert "| Nordwerk Pouch Pilot Line |" in md and "not approved" in md
    r = results[1]
    evil = replace(r, pilot_line={**r.pilot_line, "name": "<script>x</script> | y"})
    assert "<script>" not in get_reporter("markdown").render(evil)
    lines = get_reporter("jsonl").render_many(results).splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["verdict"] == "not_approved"


def test_assess_writes_several_formats_in_one_run(tmp_path: Path) -> None:
    outs = {fmt: tmp_path / f"r.{fmt}" for fmt in ("sarif", "junit", "csv", "markdown", "jsonl")}
    args = ["assess", str(BUNDLES / "not-approved"), "-c", PACK, "--at", "2026-11-01", "-f", "json"]
    for fmt, p in outs.items():
        args += ["-o", f"{fmt}:{p}"]
    res = runner.invoke(app, args)
    assert res.exit_code == 1, res.output
    assert json.loads(res.stdout)["verdict"] == "not_approved"
    Draft4Validator(SARIF_SCHEMA).validate(json.loads(outs["sarif"].read_text(encoding="utf-8")))
    ET.fromstring(outs["junit"].read_text(encoding="utf-8"))
    assert all(p.stat().st_size > 0 for p in outs.values())


def test_unknown_format_is_usage_error() -> None:
    res = runner.invoke(app, ["assess", str(BUNDLES / "approved"), "-c", PACK, "-f", "pdf"])
    assert res.exit_code == 2 and "unknown output format" in res.output


@pytest.mark.parametrize(
    "prefix",
    ["\u2028", "\u2029", "\u200b", "\ufeff", "\u00a0", " ", "\u3000", "\u200b \u2060", "\x0b", "\u0085"],
)
@pytest.mark.parametrize("formula", ["=1+1", "+1", "-1", "@SUM(A1)"])
def test_csv_neutralises_formulas_after_invisible_characters(prefix: str, formula: str) -> None:
    cell = safe_cell(prefix + formula)
    assert cell.startswith("'"), repr(cell)
    from liplanet_cert.reporters.csv_ import csv_line

    [row] = list(csv.reader(io.StringIO(csv_line(["b", prefix + formula]))))
    assert row[1].startswith("'")


def test_csv_leaves_text_with_invisible_characters_and_no_formula_alone() -> None:
    for text in ("\u200bplain", "\ufeff5 %", "a=1", "\u2028x-1"):
        assert not safe_cell(text).startswith("'"), text
