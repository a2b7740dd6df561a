"""criteria diff and impact: readable and JSON; impact from stored results agrees with a real re-run."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liplanet_cert.batch.impact import OUTCOMES, Impact, ImpactRow
from liplanet_cert.batch.options import BatchOptions
from liplanet_cert.batch.run import run_batch
from liplanet_cert.batch.store import read_lines
from liplanet_cert.cli.main import app
from liplanet_cert.criteria.diff import (
    AddedCriterion,
    ChangedCriterion,
    FieldChange,
    PackDiff,
    PackRef,
    RemovedCriterion,
    diff_packs,
)
from liplanet_cert.criteria.select import select_pack

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_diff_2023_to_2026_json() -> None:
    res = runner.invoke(
        app, ["criteria", "diff", "liplanet-2023@1.0.0", "liplanet-2026@2.0.0", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    added = {x["id"]: x for x in d["added"]}
    assert (
        "QUAL-SCRAP-FORMATION" in added
        and added["QUAL-SCRAP-FORMATION"]["threshold"] == "step.formation.scrap_rate ≤ 4 %"
    )
    assert added["QUAL-SCRAP-FORMATION"]["applicability"] == "step.formation.declared = true"
    assert d["removed"] == [] and d["old"]["version"] == "1.0.0" and d["new"]["version"] == "2.0.0"
    assert d["unchanged"] + len(d["changed"]) + len(d["added"]) == len(
        select_pack("liplanet-2026@2.0.0").criteria
    )


def test_diff_reports_threshold_severity_applicability_and_removal(tmp_path: Path) -> None:
    import yaml

    src = REPO / "criteria" / "liplanet-2026-2.0.0.yaml"
    doc = yaml.safe_load(src.read_text(encoding="utf-8"))
    doc["version"] = "2.0.1-draft"
    crit = {c["id"]: c for c in doc["criteria"]}
    crit["KPI-SCRAP-OVERALL"]["check"]["value"] = "8 %"
    crit["QUAL-CAPACITY-NOMINAL"]["severity"] = "required"
    crit["ELIG-CELL-OUTPUT-SMALL"]["applies_if"]["value"] = "12 Ah"
    doc["criteria"] = [c for c in doc["criteria"] if c["id"] != "QUAL-SCRAP-QC"]
    draft = tmp_path / "draft.yaml"
    draft.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    d = diff_packs(select_pack("liplanet-2026@2.0.0"), select_pack(str(draft)))
    changed = {x.id: {c.field: c for c in x.changes} for x in d.changed}
    assert changed["KPI-SCRAP-OVERALL"]["threshold"].old == "kpi.scrap_rate < 10 %"
    assert changed["KPI-SCRAP-OVERALL"]["threshold"].new == "kpi.scrap_rate < 8 %"
    assert changed["QUAL-CAPACITY-NOMINAL"]["severity"] == FieldChange("severity", "advisory", "required")
    assert changed["QUAL-CAPACITY-NOMINAL"]["severity"].__dict__ == {
        "field": "severity",
        "old": "advisory",
        "new": "required",
    }
    assert "12 Ah" in changed["ELIG-CELL-OUTPUT-SMALL"]["applicability"].new
    assert [x.id for x in d.removed] == ["QUAL-SCRAP-QC"]
    res = runner.invoke(app, ["criteria", "diff", "liplanet-2026@2.0.0", str(draft)])
    assert res.exit_code == 0 and "KPI-SCRAP-OVERALL" in res.output and "removed" in res.output
    res = runner.invoke(app, ["criteria", "diff", "liplanet-2026@2.0.0", str(draft), "--format", "json"])
    assert json.loads(res.stdout) == d.to_dict()  # the JSON form is the typed diff's to_dict()


def test_pack_diff_to_dict_is_the_json_form() -> None:
    d = PackDiff(
        old=PackRef("p", "1.0.0", "a" * 64),
        new=PackRef("p", "2.0.0", "b" * 64),
        added=(AddedCriterion("N", "new one", "required", "quality", "kpi.x < 1", "always"),),
        removed=(RemovedCriterion("R", "gone", "advisory", "kpi.y > 2"),),
        changed=(ChangedCriterion("C", "changed", (FieldChange("severity", "advisory", "required"),)),),
        unchanged=3,
    )
    assert d.old.ref == "p@1.0.0"
    assert d.to_dict() == {
        "old": {"id": "p", "version": "1.0.0", "sha256": "a" * 64},
        "new": {"id": "p", "version": "2.0.0", "sha256": "b" * 64},
        "added": [
            {
                "id": "N",
                "title": "new one",
                "severity": "required",
                "category": "quality",
                "threshold": "kpi.x < 1",
                "applicability": "always",
            }
        ],
        "removed": [{"id": "R", "title": "gone", "severity": "advisory", "threshold": "kpi.y > 2"}],
        "changed": [
            {
                "id": "C",
                "title": "changed",
                "changes": [{"field": "severity", "old": "advisory", "new": "required"}],
            }
        ],
        "unchanged": 3,
    }


def test_impact_exit_code_and_rows_of_unreadable_results() -> None:
    unread = ImpactRow("b1", "", "approved", "unknown", "needs_reassessment", lacks=("the stored result x",))
    assert unread.to_dict() == {
        "bundle": "b1",
        "pilot_line": "",
        "status": "approved",
        "predicted": "unknown",
        "outcome": "needs_reassessment",
        "criteria": [],
        "unknown": [],
        "lacks": ["the stored result x"],
    }  # no undecided / stored_criteria / definitions_known: the stored result was not read
    judged = ImpactRow("b2", "L", "approved", "not_approved", "lose_approval", ("K",), stored_criteria="p@1")
    assert judged.to_dict()["stored_criteria"] == "p@1" and judged.to_dict()["undecided"] == []

    def rep(**counts: int) -> Impact:
        return Impact(PackRef("p", "2", "c"), "r.jsonl", {k: counts.get(k, 0) for k in OUTCOMES}, (), (), "")

    assert rep().exit_code == 0 and rep(keep_approval=3, invalid=1).exit_code == 0
    assert rep(lose_approval=1).exit_code == 1
    assert rep(lose_approval=1, needs_reassessment=1).exit_code == 4  # cannot tell wins
    assert rep(lose_approval=1).to_dict()["exit_code"] == 1


@pytest.fixture(scope="module")
def old_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    sys.path.insert(0, str(REPO / "benchmarks"))
    import make_bundles

    bundles = tmp_path_factory.mktemp("b")
    make_bundles.main(["20", str(bundles), "--seed", "8"])
    out = tmp_path_factory.mktemp("old")
    run_batch(BatchOptions(paths=(str(bundles),), out=out, criteria="liplanet-2023@1.0.0", jobs=2))
    return bundles, out


def test_impact_from_stored_results_matches_real_rerun(
    old_run: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundles, old = old_run
    # impact must not read bundles: make them unreadable to the loader
    import liplanet_cert.bundle.load as bundle_mod

    monkeypatch.setattr(
        bundle_mod, "load_bundle", lambda *a, **k: (_ for _ in ()).throw(AssertionError("bundle re-read"))
    )
    res = runner.invoke(
        app, ["criteria", "impact", "liplanet-2026@2.0.0", "--against", str(old), "--format", "json"]
    )
    monkeypatch.undo()
    rep = json.loads(res.stdout)
    assert res.exit_code == (1 if rep["counts"]["lose_approval"] else 0)
    predicted = {r["bundle"]: r for r in rep["bundles"]}
    new = tmp_path / "new"
    run_batch(BatchOptions(paths=(str(bundles),), out=new, criteria="liplanet-2026@2.0.0", jobs=2))
    real = {d["bundle"]: d for d in read_lines(new / "results.jsonl") if d.get("result")}
    assert rep["counts"]["lose_approval"] >= 1 and rep["counts"]["needs_reassessment"] == 0
    for b, d in real.items():
        assert predicted[b]["predicted"] == d["status"], b
        if predicted[b]["outcome"] == "lose_approval":
            failing = {c for c, st in d["findings"].items() if st == "fail"}
            assert set(predicted[b]["criteria"]) <= failing
    text = runner.invoke(app, ["criteria", "impact", "liplanet-2026@2.0.0", "--against", str(old)]).output
    assert "would lose the seal" in text


def test_impact_needs_reassessment_when_stored_data_cannot_decide(old_run: tuple[Path, Path]) -> None:
    _, old = old_run
    res = runner.invoke(
        app, ["criteria", "impact", "liplanet-2026@2.1.0", "--against", str(old), "--format", "json"]
    )
    rep = json.loads(res.stdout)
    # the 2023 run computed no footprint: sustainability criteria cannot be decided, never a silent pass
    assert rep["counts"]["keep_approval"] == 0
    assert all("SUST-PRIMARY-DATA" in r["unknown"] for r in rep["bundles"] if r["status"] != "not_approved")


def test_impact_missing_results_is_usage_error(tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["criteria", "impact", "liplanet-2026@2.0.0", "--against", str(tmp_path / "none")]
    )
    assert res.exit_code == 2 and "not found" in res.output


# -- cannot tell: the stored results lack what the new pack measures -------------------------
@pytest.fixture(scope="module")
def run_without_footprint(old_run: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same bundles assessed under 2026@2.0.0, which computes no footprint."""
    bundles, _ = old_run
    out = tmp_path_factory.mktemp("old20")
    run_batch(BatchOptions(paths=(str(bundles),), out=out, criteria="liplanet-2026@2.0.0", jobs=2))
    return out


def test_impact_cannot_tell_when_stored_results_lack_the_footprint_and_the_real_rerun_agrees(
    old_run: tuple[Path, Path], run_without_footprint: Path, tmp_path: Path
) -> None:
    bundles, _ = old_run
    old = run_without_footprint
    res = runner.invoke(
        app, ["criteria", "impact", "liplanet-2026@2.1.0", "--against", str(old), "--format", "json"]
    )
    assert res.exit_code == 4, res.output  # cannot tell: never 0 "no approved line would lose the seal"
    rep = json.loads(res.stdout)
    assert rep["exit_code"] == 4
    approved_before = {
        d["bundle"]
        for d in read_lines(old / "results.jsonl")
        if d["status"] in ("approved", "approved_with_observations")
    }
    assert approved_before
    assert rep["counts"]["keep_approval"] == 0 and rep["counts"]["lose_approval"] == 0
    unsure = {r["bundle"]: r for r in rep["bundles"] if r["outcome"] == "needs_reassessment"}
    assert set(unsure) == approved_before
    assert rep["lacks"] == ["footprint.primary_share_main_production", "footprint.steps_reported"]
    for r in unsure.values():
        assert r["undecided"] == ["SUST-FOOTPRINT-STEPS", "SUST-PRIMARY-DATA"]

    # the real re-run: every line that really loses the seal was among those that could not be judged
    new = tmp_path / "new"
    summary = run_batch(
        BatchOptions(paths=(str(bundles),), out=new, criteria="liplanet-2026@2.1.0", jobs=2, previous=old)
    )
    real = {d["bundle"]: d["status"] for d in read_lines(new / "results.jsonl")}
    really_lost = {b for b in approved_before if real[b] not in ("approved", "approved_with_observations")}
    assert really_lost, "the fixture must contain lines that lose the seal under 2.1.0"
    assert summary.changes["lost_approval"] == len(really_lost)
    assert really_lost <= set(unsure)

    text = runner.invoke(
        app, ["criteria", "impact", "liplanet-2026@2.1.0", "--against", str(old)], env={"COLUMNS": "80"}
    )
    assert text.exit_code == 4
    flat = " ".join(text.stdout.split())
    assert (
        f"{len(approved_before)} approved lines cannot be judged from stored results: they lack footprint metrics "
        "footprint.primary_share_main_production, footprint.steps_reported; re-run `liplanet-cert batch BUNDLE... "
        f"--criteria liplanet-2026@2.1.0 --previous {old} --out NEW_RUN` to know"
    ) in flat
    assert "no approved line would lose the seal" not in flat
    for b in really_lost:
        assert b in text.stdout


def test_impact_says_both_when_some_lose_and_others_cannot_be_judged(old_run: tuple[Path, Path]) -> None:
    _, old = (
        old_run  # the 2023 run: 2.1.0 adds per-step scrap limits (decidable) and footprint criteria (not)
    )
    res = runner.invoke(
        app, ["criteria", "impact", "liplanet-2026@2.1.0", "--against", str(old), "--format", "json"]
    )
    rep = json.loads(res.stdout)
    assert rep["counts"]["lose_approval"] >= 1 and rep["counts"]["needs_reassessment"] >= 1
    assert res.exit_code == 4  # cannot tell wins over "some would lose": the list of losses is incomplete
    text = runner.invoke(
        app, ["criteria", "impact", "liplanet-2026@2.1.0", "--against", str(old)], env={"COLUMNS": "80"}
    )
    flat = " ".join(text.stdout.split())
    assert text.exit_code == 4
    assert (
        f"{rep['counts']['lose_approval']} approved line" in flat
        and "would lose the seal, and more may" in flat
    )
    assert (
        f"{rep['counts']['needs_reassessment']} approved lines cannot be judged from stored results" in flat
    )


def test_impact_exits_0_only_when_every_approved_line_is_judged_and_keeps_the_seal(
    run_without_footprint: Path,
) -> None:
    res = runner.invoke(
        app, ["criteria", "impact", "liplanet-2026@2.0.0", "--against", str(run_without_footprint)]
    )
    assert res.exit_code == 0, res.output
    assert "no approved line would lose the seal" in " ".join(res.stdout.split())


def test_impact_help_and_readme_document_the_cannot_tell_exit_code() -> None:
    help_text = " ".join(
        runner.invoke(app, ["criteria", "impact", "--help"], env={"COLUMNS": "200"}).stdout.split()
    )
    assert "4 some approved lines cannot be judged from the stored results" in help_text
    assert "4 wins over 1" in help_text
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert (
        "| 4 | `criteria impact` only: some approved lines cannot be judged from the stored results" in readme
    )
    assert (
        "`criteria impact`: 0 no approved line would lose the seal, 1 some would lose it, 4 some approved lines cannot be judged"
        in readme
    )


def _as_format_1_0(run: Path, dest: Path) -> Path:
    """A copy of a batch run whose stored results are of format 1.0 (no typed thresholds/values)."""
    import shutil

    shutil.copytree(run, dest)
    for p in (dest / "results").glob("*.json"):
        doc = json.loads(p.read_text(encoding="utf-8"))
        doc["schema_version"] = "1.0"
        for f in doc["findings"]:
            f.pop("thresholds", None), f.pop("measured", None)
        p.write_text(json.dumps(doc), encoding="utf-8")
    return dest


@pytest.mark.parametrize("new", ["liplanet-2026@2.0.0", "liplanet-2026@2.1.0"])
def test_impact_on_results_of_format_1_0_predicts_as_on_typed_ones(
    old_run: tuple[Path, Path], tmp_path: Path, new: str
) -> None:
    _bundles, old = old_run
    legacy = _as_format_1_0(old, tmp_path / "legacy")

    def rows(run: Path) -> tuple[int, list[dict]]:
        res = runner.invoke(app, ["criteria", "impact", new, "--against", str(run), "--format", "json"])
        return res.exit_code, json.loads(res.stdout)["bundles"]

    assert rows(legacy) == rows(old)
