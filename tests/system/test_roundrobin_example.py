"""The shipped example round robin end to end: statistics, flags on z′ where ISO 13528 §9.2 asks
for it, and the report's charts on the score the flags use."""

from __future__ import annotations

import json

import pytest
from helpers import REPO
from typer.testing import CliRunner

from liplanet_cert.cli.main import app

EXAMPLE = REPO / "examples" / "roundrobin"


def _run(*fmt: str):
    r = CliRunner().invoke(
        app, ["roundrobin", str(EXAMPLE / "results.csv"), "-p", str(EXAMPLE / "protocol.yaml"), *fmt]
    )
    return r.exit_code, r.stdout


def test_capacity_is_flagged_on_z_prime_because_u_of_the_assigned_value_is_not_negligible() -> None:
    code, out = _run("-f", "json")
    doc = json.loads(out)
    cap = next(m for m in doc["measurands"] if m["measurand"] == "capacity")
    # u(X) = 1.25 s*/sqrt(5) and sigma_pt = s*: u(X)/sigma_pt = 1.25/sqrt(5) = 0.559 > 0.3
    assert cap["u_assigned_value"] / cap["sigma_pt"] == pytest.approx(1.25 / 5**0.5)
    assert {p["flag_score"] for p in cap["participants"]} == {"z_prime"}
    assert code == 1  # one line is clearly off: unsatisfactory
    assert [p["flag"] for p in cap["participants"]].count("unsatisfactory") == 1


def test_the_report_charts_the_score_the_flags_are_given_on() -> None:
    _, md = _run("-f", "markdown")
    assert "participants scored on z′" in md and "scored on z:" not in md
