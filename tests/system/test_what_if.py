"""An assessment records its day and the day the command ran, and a pack that is not in force on
the assessment day (a what-if run) is marked as such in the result and in every report (issue 12)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from helpers import EXAMPLES, PACK_2026
from typer.testing import CliRunner

from liplanet_cert.cli.main import app

runner = CliRunner()
BUNDLE = str(EXAMPLES / "approved")
# liplanet-2023@1.0.0 is in force 2023-01-01 .. 2025-12-31: on 2026-10-15 it is a what-if
OLD = ["-c", "liplanet-2023@1.0.0", "--at", "2026-10-15", "--no-footprint"]


def run(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout


def test_json_records_assessment_day_run_day_and_that_the_pack_is_not_in_force() -> None:
    code, out = run("assess", BUNDLE, *OLD, "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert doc["assessed_on"] == "2026-10-15"
    assert doc["run_on"] == date.today().isoformat()
    assert doc["criteria"]["in_force"] is False
    assert doc["criteria"]["valid"] == "2023-01-01 .. 2025-12-31"
    assert doc["warnings"][0] == (
        "what-if assessment: criteria pack liplanet-2023@1.0.0 is not in force on 2026-10-15"
        " (in force 2023-01-01 .. 2025-12-31); this is not a certification verdict"
    )


def test_a_pack_in_force_is_no_what_if() -> None:
    # liplanet-2026 without a version: the version in force on --at (2.1.0 from 2026-07-01)
    code, out = run(
        "assess", BUNDLE, "-c", "liplanet-2026", "--at", "2026-10-15", "--format", "json", "--no-footprint"
    )
    doc = json.loads(out)
    assert doc["criteria"]["in_force"] is True
    assert not any(w.startswith("what-if") for w in doc["warnings"])


def test_every_report_says_what_if(tmp_path: Path) -> None:
    outs = {f: tmp_path / f"r.{f}" for f in ("md", "csv", "sarif", "xml")}
    code, table = run(
        "assess",
        BUNDLE,
        *OLD,
        "-o",
        f"markdown:{outs['md']}",
        "-o",
        f"csv:{outs['csv']}",
        "-o",
        f"sarif:{outs['sarif']}",
        "-o",
        f"junit:{outs['xml']}",
    )
    assert code == 0
    assert "WHAT-IF: LiPLANET APPROVED" in table
    assert "what-if assessment" in table
    md = outs["md"].read_text(encoding="utf-8")
    assert "— WHAT-IF: ✅ LiPLANET approved" in md
    assert "not in force on 2026-10-15" in md
    assert "(what-if: not a certification verdict;" in outs["csv"].read_text(encoding="utf-8")
    sarif = json.loads(outs["sarif"].read_text(encoding="utf-8"))
    assert all("what_if" in r["properties"] for r in sarif["runs"][0]["results"])
    assert 'name="what_if" value="what-if assessment: criteria pack liplanet-2023@1.0.0' in outs[
        "xml"
    ].read_text(encoding="utf-8")


def test_the_dossier_awards_no_seal_in_a_what_if(tmp_path: Path, brightway_dir: Path) -> None:
    code, out = run("assess", BUNDLE, *OLD[:-1], "--dossier", str(tmp_path), "--bw-dir", str(brightway_dir))
    assert code == 0, out
    text = next(tmp_path.glob("*.md")).read_text(encoding="utf-8")
    html = next(tmp_path.glob("*.html")).read_text(encoding="utf-8")
    assert "what-if assessment: criteria pack liplanet-2023@1.0.0" in html
    assert "**Verdict: What-if:" in text
    assert "| LiPLANET approved seal | not awarded (what-if assessment) |" in text


def test_a_later_assessment_day_shows_the_day_the_command_ran() -> None:
    code, out = run("assess", BUNDLE, "-c", PACK_2026, "--at", "2026-10-15", "--no-footprint")
    assert f"assessed on 2026-10-15 (run {date.today().isoformat()})" in " ".join(out.split())


def test_an_assessment_day_after_today_is_a_what_if() -> None:
    # the pack in force on 2099-01-01 is the newest one (open-ended): only the day makes it a what-if
    code, out = run("assess", BUNDLE, "--at", "2099-01-01", "--no-footprint", "--format", "json")
    doc = json.loads(out)
    assert doc["what_if"] == (
        f"what-if assessment: the assessment day 2099-01-01 is after the day the command ran"
        f" ({date.today().isoformat()}); this is not a certification verdict"
    )
    assert not any(w.startswith("what-if") for w in doc["warnings"])  # (verify recomputes those)
    # (--no-footprint: the pack's footprint criteria cannot be evaluated, so not approved)
    _, table = run("assess", BUNDLE, "--at", "2099-01-01", "--no-footprint")
    assert "WHAT-IF: NOT APPROVED" in table


def test_a_verdict_under_the_pack_in_force_today_has_no_what_if() -> None:
    _, out = run("assess", BUNDLE, "--no-footprint", "--format", "json", "-c", "liplanet-2026@2.0.0")
    doc = json.loads(out)
    # 2.0.0 is named explicitly and is not in force today: a what-if; the pack in force is not
    assert doc["what_if"] is not None
    _, out = run("assess", BUNDLE, "--format", "json", "--no-footprint")
    assert json.loads(out)["what_if"] is None
