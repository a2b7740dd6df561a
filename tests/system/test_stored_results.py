"""Stored results: ``verify`` of a result of an older readable format (1.0, findings without
``thresholds`` and ``measured``) compares only what that format carries; a stored result that is not
one names where, in the words of :func:`~liplanet_cert.integrity.stored.result_schema_problems`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import EXAMPLES, PACK_2026
from typer.testing import CliRunner

from liplanet_cert.assessment.result import READABLE_SCHEMA_VERSIONS, RESULT_SCHEMA_VERSION
from liplanet_cert.cli.main import app
from liplanet_cert.errors import Problem
from liplanet_cert.integrity.stored import read_result, result_schema_problems
from liplanet_cert.integrity.verify import verify

runner = CliRunner()
AT = "2026-10-15"
BUNDLE = EXAMPLES / "approved"
PREFIX = "not a result written by assess: "
STATUSES = "pass, fail, not_applicable, error, waived"


@pytest.fixture(scope="module")
def fresh() -> dict[str, Any]:
    """A fresh ``assess --format json`` result of the approved example (format 1.2)."""
    r = runner.invoke(
        app, ["assess", str(BUNDLE), "-c", PACK_2026, "--at", AT, "--no-footprint", "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["schema_version"] == RESULT_SCHEMA_VERSION == "1.2"
    assert all("thresholds" in f and "measured" in f for f in doc["findings"])
    return doc


def as_format_1_0(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` as format 1.0 wrote it: its findings without thresholds and measured values."""
    old = json.loads(json.dumps(doc))
    old["schema_version"] = "1.0"
    for f in old["findings"]:
        del f["thresholds"], f["measured"]
    return old


def write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


# -- format 1.0 ----------------------------------------------------------------------------
def test_a_result_of_format_1_0_matches_its_unchanged_bundle(fresh, tmp_path: Path) -> None:
    assert "1.0" in READABLE_SCHEMA_VERSIONS
    result = write(tmp_path / "r10.json", as_format_1_0(fresh))
    report = verify(result, BUNDLE)
    assert report.matches and report.differences == [] and report.exit_code == 0
    assert report.recomputed_verdict == fresh["verdict"]
    assert any("format 1.0" in n for n in report.notes), report.notes
    r = runner.invoke(app, ["verify", str(result), str(BUNDLE)])
    assert r.exit_code == 0, r.output
    assert "matches" in r.output and "format 1.0" in r.output


def test_the_current_format_has_no_format_note(fresh, tmp_path: Path) -> None:
    report = verify(write(tmp_path / "r11.json", fresh), BUNDLE)
    assert report.matches and not any("format" in n for n in report.notes), report.notes


def test_a_changed_finding_of_a_format_1_0_result_is_still_a_difference(fresh, tmp_path: Path) -> None:
    old = as_format_1_0(fresh)
    finding = old["findings"][0]
    finding["actual"] = "forged"
    report = verify(write(tmp_path / "r10.json", old), BUNDLE)
    assert [(d.kind, d.what) for d in report.differences] == [("finding", f"{finding['id']} (actual)")]
    assert report.exit_code == 1


def test_format_1_0_values_it_does_carry_are_compared(fresh, tmp_path: Path) -> None:
    """A 1.0 result that carries thresholds anyway has them compared."""
    old = as_format_1_0(fresh)
    old["findings"][0]["thresholds"] = []
    report = verify(write(tmp_path / "r10.json", old), BUNDLE)
    fid = old["findings"][0]["id"]
    assert [(d.kind, d.what) for d in report.differences] == [("finding", f"{fid} (thresholds)")]


def test_a_result_of_format_1_1_without_measured_values_is_a_difference(fresh, tmp_path: Path) -> None:
    doc = json.loads(json.dumps(fresh))
    del doc["findings"][0]["measured"]
    report = verify(write(tmp_path / "r11.json", doc), BUNDLE)
    fid = doc["findings"][0]["id"]
    assert [(d.kind, d.what) for d in report.differences] == [("finding", f"{fid} (measured)")]


def test_a_result_claiming_format_1_0_with_another_section_changed_names_it(fresh, tmp_path: Path) -> None:
    old = as_format_1_0(fresh)
    old["kpis"] = {}
    report = verify(write(tmp_path / "r10.json", old), BUNDLE)
    assert report.differences and {d.kind for d in report.differences} == {"section"}
    assert all(d.what.startswith("kpis") for d in report.differences)


# -- a stored result that is not one -------------------------------------------------------
def test_schema_problems_of_a_result_name_where_what_and_the_value(fresh) -> None:
    doc = json.loads(json.dumps(fresh))
    doc["findings"][0]["status"] = "passed"
    doc["findings"][1]["expected"] = 5
    doc["findings"][2]["lots"] = {"k": "x" * 100}
    problems = result_schema_problems("r.json", doc)
    assert problems == [
        Problem(
            "r.json",
            "#/findings/0/status",
            PREFIX + f"'passed' is not one of {['pass', 'fail', 'not_applicable', 'error', 'waived']}",
            expected="one of " + STATUSES,
            found="passed",
        ),
        Problem(
            "r.json",
            "#/findings/1/expected",
            PREFIX + "5 is not of type 'string'",
            expected="type string",
            found="5",
        ),
        Problem(
            "r.json",
            "#/findings/2/lots",
            PREFIX + "{'k': '" + "x" * 100 + "'} is not of type 'array'",
            expected="type array",
            found=('{"k": "' + "x" * 100)[:57] + "...",
        ),
    ]


def test_schema_problems_of_a_result_are_the_first_twenty_by_location(fresh) -> None:
    doc = json.loads(json.dumps(fresh))
    assert len(doc["findings"]) > 25
    for f in doc["findings"]:
        f["status"] = "y" * 300
    problems = result_schema_problems("r.json", doc)
    assert len(problems) == 20
    # the validator's first twenty (findings 0 to 19), sorted as text: /10 before /2
    where = [f"#/findings/{i}/status" for i in range(20)]
    assert [p.location for p in problems] == sorted(where)
    long = f"'{'y' * 300}' is not one of {['pass', 'fail', 'not_applicable', 'error', 'waived']}"
    assert {p.message for p in problems} == {PREFIX + long[:200] + "..."}
    assert {p.found for p in problems} == {"y" * 57 + "..."}


def test_read_result_refuses_a_result_of_an_unknown_format(fresh, tmp_path: Path) -> None:
    from liplanet_cert.errors import IntegrityError

    doc = json.loads(json.dumps(fresh))
    doc["schema_version"] = "0.9"
    with pytest.raises(IntegrityError) as exc:
        read_result(write(tmp_path / "r.json", doc))
    assert [p.location for p in exc.value.problems] == ["#/schema_version"]
