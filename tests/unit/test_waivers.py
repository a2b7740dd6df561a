"""Waivers: fail closed, waived never pass, expiry, unmatched — through the CLI and the core."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liplanet_cert.assessment.result import Finding, Status, Verdict
from liplanet_cert.assessment.waivers import apply_waivers, load_waivers, unmatched
from liplanet_cert.cli.main import app
from liplanet_cert.errors import WaiverError

REPO = Path(__file__).resolve().parents[2]
NOT_APPROVED = REPO / "examples" / "bundles" / "not-approved"
APPROVED = REPO / "examples" / "bundles" / "approved"
PACK = "liplanet-2026@2.0.0"
runner = CliRunner()

GOOD = """\
format_version: "1.0"
waivers:
  - id: W-FORM
    criterion: QUAL-SCRAP-FORMATION
    pilot_line: Vistula Cylindrical Line
    justification: Formation cycler replaced in week 38; lots L12-L19 reworked.
    approver: Certification board (M. Weber)
    granted_on: "2026-10-01"
    expires_on: "2027-03-31"
"""


def write(tmp_path: Path, text: str, name: str = "waivers.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def assess_json(*args: str) -> tuple[int, dict]:
    res = runner.invoke(app, ["assess", *args, "-c", PACK, "--format", "json"])
    return res.exit_code, (
        json.loads(res.stdout) if res.stdout.strip().startswith("{") else {"_out": res.output}
    )


def finding(result: dict, cid: str) -> dict:
    return next(f for f in result["findings"] if f["id"] == cid)


def test_active_waiver_turns_failure_into_waived_not_pass(tmp_path: Path) -> None:
    code, result = assess_json(
        str(NOT_APPROVED), "--at", "2026-11-01", "--waivers", str(write(tmp_path, GOOD))
    )
    f = finding(result, "QUAL-SCRAP-FORMATION")
    assert f["status"] == "waived"
    assert f["waiver"]["id"] == "W-FORM"
    assert f["waiver"]["justification"].startswith("Formation cycler replaced")
    assert f["waiver"]["approver"] == "Certification board (M. Weber)"
    assert f["waiver"]["expires_on"] == "2027-03-31"
    assert f["waiver"]["original_status"] == "fail"
    assert result["summary"]["waived"] == 1
    assert code == 1  # other required criteria still fail


def test_waiving_every_failure_gives_approved_with_observations(tmp_path: Path) -> None:
    # find what fails without waivers, then waive all of it
    _, plain = assess_json(str(NOT_APPROVED), "--at", "2026-11-01")
    failing = [f["id"] for f in plain["findings"] if f["status"] in ("fail", "error")]
    assert len(failing) >= 3
    entries = "".join(
        f"  - criterion: {cid}\n    bundle: not-approved\n    justification: corrective action plan CAP-{i}\n"
        f'    approver: board\n    granted_on: "2026-10-01"\n    expires_on: "2026-12-31"\n'
        for i, cid in enumerate(failing)
    )
    code, result = assess_json(
        str(NOT_APPROVED), "--at", "2026-11-01", "--waivers", str(write(tmp_path, "waivers:\n" + entries))
    )
    assert code == 0
    assert result["verdict"] == "approved_with_observations"
    assert all(f["status"] != "fail" for f in result["findings"])
    assert {f["id"] for f in result["findings"] if f["status"] == "waived"} == set(failing)


def test_expired_waiver_is_ignored_with_a_warning(tmp_path: Path) -> None:
    code, result = assess_json(
        str(NOT_APPROVED), "--at", "2027-04-01", "--waivers", str(write(tmp_path, GOOD))
    )
    assert finding(result, "QUAL-SCRAP-FORMATION")["status"] == "fail"
    assert any("W-FORM" in w and "expired on 2027-03-31" in w for w in result["warnings"])
    assert code == 1


def test_expiry_day_itself_is_still_active(tmp_path: Path) -> None:
    _, result = assess_json(str(NOT_APPROVED), "--at", "2027-03-31", "--waivers", str(write(tmp_path, GOOD)))
    assert finding(result, "QUAL-SCRAP-FORMATION")["status"] == "waived"


def test_waiver_for_a_passing_criterion_is_reported_not_needed(tmp_path: Path) -> None:
    text = GOOD.replace("QUAL-SCRAP-FORMATION", "QUAL-SCRAP-MIXING")
    _, result = assess_json(str(NOT_APPROVED), "--at", "2026-11-01", "--waivers", str(write(tmp_path, text)))
    assert finding(result, "QUAL-SCRAP-MIXING")["status"] == "pass"
    assert any("not needed" in w for w in result["warnings"])


def test_waiver_naming_unknown_criterion_is_reported(tmp_path: Path) -> None:
    text = GOOD.replace("QUAL-SCRAP-FORMATION", "NO-SUCH-CRITERION")
    _, result = assess_json(str(NOT_APPROVED), "--at", "2026-11-01", "--waivers", str(write(tmp_path, text)))
    assert any("NO-SUCH-CRITERION" in w and "matches nothing" in w for w in result["warnings"])


@pytest.mark.parametrize(
    "text, where",
    [
        (
            GOOD.replace(
                "    justification: Formation cycler replaced in week 38; lots L12-L19 reworked.\n", ""
            ),
            "justification",
        ),
        (GOOD.replace('"2027-03-31"', '"2027-02-30"'), "#/waivers/0/expires_on"),
        (GOOD.replace('"2027-03-31"', '"31.03.2027"'), "#/waivers/0/expires_on"),
        (GOOD.replace('"2027-03-31"', '"2026-09-01"'), "expires before it is granted"),
        (GOOD.replace("    pilot_line: Vistula Cylindrical Line\n", ""), "pilot_line or bundle"),
        (GOOD + "    colour: red\n", "colour"),
        ("waivers: [\n", "malformed"),
        (GOOD + GOOD.split("waivers:\n")[1], "duplicate waiver id"),
    ],
)
def test_malformed_waiver_file_stops_before_assessing(tmp_path: Path, text: str, where: str) -> None:
    out = tmp_path / "result.json"
    res = runner.invoke(
        app,
        [
            "assess",
            str(NOT_APPROVED),
            "-c",
            PACK,
            "--waivers",
            str(write(tmp_path, text)),
            "-o",
            f"json:{out}",
        ],
    )
    assert res.exit_code == 2, res.output
    assert "invalid waiver file" in res.output
    assert where in res.output
    assert not out.exists()
    assert "Traceback" not in res.output


def test_missing_waiver_file_is_exit_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["assess", str(APPROVED), "-c", PACK, "--waivers", str(tmp_path / "nope.yaml")])
    assert res.exit_code == 2
    assert "waiver file not found" in res.output


def test_bundle_target_matches_name_path_and_zip_stem(tmp_path: Path) -> None:
    ws = load_waivers(
        write(tmp_path, GOOD.replace("pilot_line: Vistula Cylindrical Line", "bundle: lines/vistula.zip"))
    )
    w = ws.waivers[0]
    assert w.covers("anything", "/data/lines/vistula.zip")
    assert w.covers("anything", "lines/vistula.zip")
    assert not w.covers("anything", "/data/other/vistula.zip")
    ws2 = load_waivers(
        write(tmp_path, GOOD.replace("pilot_line: Vistula Cylindrical Line", "bundle: vistula"), "w2.yaml")
    )
    assert ws2.waivers[0].covers("x", "/data/lines/vistula.zip") and ws2.waivers[0].covers(
        "x", "/data/vistula/"
    )


def test_apply_waivers_core_and_unmatched(tmp_path: Path) -> None:
    ws = load_waivers(write(tmp_path, GOOD))
    f = Finding(
        id="QUAL-SCRAP-FORMATION",
        title="t",
        category="scrap",
        severity="required",
        status=Status.ERROR,
        expected="x",
        actual="n/a",
        message="could not be evaluated",
        location="production_log.csv",
    )
    applied = apply_waivers(
        [f], ws, pilot_line="vistula  cylindrical LINE", bundle_path="b", day=date(2026, 12, 1)
    )
    assert (
        applied.findings[0].status is Status.WAIVED
        and applied.findings[0].waiver["original_status"] == "error"
    )
    assert applied.used == ["W-FORM"]
    other = apply_waivers([f], ws, pilot_line="Another line", bundle_path="b", day=date(2026, 12, 1))
    assert other.findings[0].status is Status.ERROR and other.used == []
    assert [w.id for w in unmatched(ws, other.used)] == ["W-FORM"]


def test_verdict_counts_waived_as_observation() -> None:
    from liplanet_cert.assessment.evaluate import verdict_of

    f = Finding(
        id="A",
        title="t",
        category="c",
        severity="required",
        status=Status.WAIVED,
        expected="",
        actual="",
        message="",
        location="",
    )
    assert verdict_of([f]) is Verdict.APPROVED_WITH_OBSERVATIONS


def test_waiver_error_is_a_liplanet_error(tmp_path: Path) -> None:
    with pytest.raises(WaiverError) as exc:
        load_waivers(write(tmp_path, "- just a list\n"))
    assert exc.value.problems[0].file.endswith("waivers.yaml")
