"""Stored results: a stored result that is not one names where, in the words of
:func:`~liplanet_cert.integrity.stored.result_schema_problems`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import EXAMPLES, PACK_2026
from typer.testing import CliRunner

from liplanet_cert.assessment.result import RESULT_SCHEMA_VERSION
from liplanet_cert.cli.main import app
from liplanet_cert.errors import Problem
from liplanet_cert.integrity.stored import read_result, result_schema_problems

runner = CliRunner()
AT = "2026-10-15"
BUNDLE = EXAMPLES / "approved"
PREFIX = "not a result written by assess: "
STATUSES = "pass, fail, not_applicable, error, waived"


@pytest.fixture(scope="module")
def fresh() -> dict[str, Any]:
    """A fresh ``assess --format json`` result of the approved example (format 1.1)."""
    r = runner.invoke(
        app, ["assess", str(BUNDLE), "-c", PACK_2026, "--at", AT, "--no-footprint", "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["schema_version"] == RESULT_SCHEMA_VERSION == "1.1"
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
