"""criteria impact over crafted stored results: a malformed stored value makes that bundle "cannot
be judged" (never an internal error, exit 3), and a stored result is read only inside the run."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liplanet_cert.batch.options import BatchOptions
from liplanet_cert.batch.predict import legacy_recorded_values as recorded_values
from liplanet_cert.batch.run import run_batch
from liplanet_cert.cli.main import app

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "bundles"
OLD, NEW = "liplanet-2023@1.0.0", "liplanet-2026@2.0.0"
runner = CliRunner()


@pytest.fixture(scope="module")
def old_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("impact-hostile") / "run"
    run_batch(
        BatchOptions(
            paths=(str(EXAMPLES / "approved"),),
            out=out,
            criteria=OLD,
            at=date(2026, 10, 15),
            jobs=1,
            footprint=False,
        )
    )
    return out


def impact(run: Path) -> tuple[int, dict]:
    res = runner.invoke(app, ["criteria", "impact", NEW, "--against", str(run), "--format", "json"])
    return res.exit_code, (
        json.loads(res.stdout) if res.stdout.strip().startswith("{") else {"output": res.output}
    )


MALFORMED = [
    {"metric": "foo | bar", "actual": "1; 2"},  # alternatives without a dot
    {"metric": "foo | bar", "actual": "1"},  # fewer values than alternatives
    {"metric": "a.b | c", "actual": "x; y; z"},  # more values
    {"metric": "step.mixing.scrap_rate", "actual": "not a number"},
    {"metric": ".", "actual": ";"},
    {"metric": " | ", "actual": "; "},
]


@pytest.mark.parametrize("change", MALFORMED)
def test_malformed_stored_finding_never_exits_3(old_run: Path, tmp_path: Path, change: dict) -> None:
    run = tmp_path / "run"
    shutil.copytree(old_run, run)
    [p] = list((run / "results").glob("*.json"))
    doc = json.loads(p.read_text(encoding="utf-8"))
    for f in doc["findings"]:  # every evaluated finding
        if f["status"] in ("pass", "fail"):
            f.update(change)
    p.write_text(json.dumps(doc), encoding="utf-8")
    code, rep = impact(run)
    assert code in (0, 1, 4), rep
    assert len(rep["bundles"]) == 1 and rep["bundles"][0]["outcome"] in (
        "keep_approval",
        "lose_approval",
        "needs_reassessment",
    )  # approved before: judged or cannot be judged


def test_recorded_values_is_total() -> None:
    findings = [
        "not an object",
        1,
        None,
        [],
        {},
        {"status": "pass"},  # no metric
        {"status": "pass", "metric": 3, "actual": "1"},  # wrong types
        {"status": "pass", "metric": "a.b", "actual": 1.5},
        {"status": ["pass"], "metric": "a.b", "actual": "1"},
        {"status": "pass", "metric": "foo | bar", "actual": "1; 2"},  # no dot: the whole alternative name
        {
            "status": "fail",
            "metric": "step.mixing.automation | step.coating.automation",
            "actual": "mixing: automated; coating: manual",
        },
        {"status": "pass", "metric": "x | y", "actual": "only one"},
        {"status": "pass", "metric": "kpi.scrap_rate", "actual": "4 %"},
        {"status": "error", "metric": "kpi.other", "actual": "5 %"},  # not evaluated: nothing recorded
    ]
    assert recorded_values(findings) == {
        "foo": "1",
        "bar": "2",
        "step.mixing.automation": "automated",
        "step.coating.automation": "manual",
        "kpi.scrap_rate": "4 %",
    }
    assert recorded_values(None) == {} and recorded_values({"a": 1}) == {}  # type: ignore[arg-type]


@pytest.mark.parametrize("target", ["/etc/passwd", "../../../../../../../../etc/hostname", "results"])
def test_stored_result_outside_the_run_is_not_read(old_run: Path, tmp_path: Path, target: str) -> None:
    run = tmp_path / "run"
    shutil.copytree(old_run, run)
    [line] = [json.loads(x) for x in (run / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    line["result"] = target
    (run / "results.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    code, rep = impact(run)
    assert code == 4, rep  # approved, cannot be judged
    [row] = rep["bundles"]
    assert row["outcome"] == "needs_reassessment" and "not a regular file inside" in row["lacks"][0]
