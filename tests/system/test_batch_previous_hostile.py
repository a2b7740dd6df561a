"""An earlier run's results.jsonl is untrusted: a crafted line can neither read a file outside that
run's results/ folder, nor copy one into the new run, nor say what a reused bundle's verdict is
(that comes from the stored result document, which must belong to the bundle and the criteria)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from liplanet_cert.batch.options import BatchOptions
from liplanet_cert.batch.run import run_batch

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "bundles"
PACK, AT = "liplanet-2026@2.0.0", "2026-10-15"


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run of the approved and the not-approved example (by hand: approved, not_approved)."""
    from datetime import date

    out = tmp_path_factory.mktemp("prev") / "R1"
    s = run_batch(
        BatchOptions(
            paths=(str(EXAMPLES / "approved"), str(EXAMPLES / "not-approved")),
            out=out,
            criteria=PACK,
            at=date.fromisoformat(AT),
            jobs=1,
            footprint=False,
        )
    )
    assert s.counts["approved"] == 1 and s.counts["not_approved"] == 1
    return out


def lines(run: Path) -> list[dict]:
    return [json.loads(x) for x in (run / "results.jsonl").read_text(encoding="utf-8").splitlines()]


def crafted(first: Path, tmp_path: Path, change) -> Path:
    """A copy of ``first`` whose not-approved line ``change(line, approved_line, copy)`` rewrote."""
    run = tmp_path / "R1c"
    shutil.copytree(first, run)
    ls = lines(run)
    approved = next(d for d in ls if d["bundle"].endswith("approved") and "not-" not in d["bundle"])
    bad = next(d for d in ls if "not-approved" in d["bundle"])
    change(bad, approved, run)
    (run / "results.jsonl").write_text("".join(json.dumps(d) + "\n" for d in ls), encoding="utf-8")
    return run


def rerun(previous: Path, out: Path):
    from datetime import date

    return run_batch(
        BatchOptions(
            paths=(str(EXAMPLES / "approved"), str(EXAMPLES / "not-approved")),
            out=out,
            criteria=PACK,
            at=date.fromisoformat(AT),
            jobs=1,
            footprint=False,
            previous=previous,
        )
    )


def verdicts(out: Path) -> dict[str, str]:
    return {Path(d["bundle"]).name: d["status"] for d in lines(out)}


def test_crafted_line_pointing_at_an_approved_result_by_absolute_path_is_ignored(
    first: Path, tmp_path: Path
) -> None:
    def change(bad, approved, run):
        bad.update(
            status="approved",
            findings=approved["findings"],
            counts=approved["counts"],
            result=str(run / approved["result"]),
        )

    run = crafted(first, tmp_path, change)
    s = rerun(run, tmp_path / "R2")
    assert s.exit_code == 1
    assert verdicts(tmp_path / "R2") == {"approved": "approved", "not-approved": "not_approved"}
    assert s.reused == 1  # the approved bundle's own, untouched line
    assert any("line" in w and "results.jsonl" in w and "inside" in w for w in s.warnings), s.warnings


def test_crafted_line_pointing_inside_results_at_another_bundles_result_is_assessed_afresh(
    first: Path, tmp_path: Path
) -> None:
    # confined, a regular file, the right cache key: only the stored document's inputs tell it is another bundle's
    def change(bad, approved, run):
        bad.update(
            status="approved",
            findings=approved["findings"],
            counts=approved["counts"],
            result=approved["result"],
        )

    run = crafted(first, tmp_path, change)
    s = rerun(run, tmp_path / "R2")
    assert s.exit_code == 1 and s.reused == 1
    assert verdicts(tmp_path / "R2") == {"approved": "approved", "not-approved": "not_approved"}
    doc = json.loads(
        next((tmp_path / "R2" / "results").glob("not-approved-*.json")).read_text(encoding="utf-8")
    )
    assert doc["verdict"] == "not_approved" and doc["bundle"]["name"] == "not-approved"


def test_line_fields_never_override_the_stored_result(first: Path, tmp_path: Path) -> None:
    # the line keeps its own (true) result file, but claims approval: the stored document says otherwise
    def change(bad, approved, run):
        bad.update(
            status="approved",
            findings=approved["findings"],
            counts=approved["counts"],
            pilot_line={"name": "forged"},
        )

    run = crafted(first, tmp_path, change)
    s = rerun(run, tmp_path / "R2")
    assert s.exit_code == 1 and s.reused == 2
    got = {Path(d["bundle"]).name: d for d in lines(tmp_path / "R2")}
    assert got["not-approved"]["status"] == "not_approved"
    assert got["not-approved"]["pilot_line"]["name"] != "forged"
    assert got["not-approved"]["counts"]["fail"] > 0


def test_stored_result_of_other_criteria_is_not_reused(first: Path, tmp_path: Path) -> None:
    def change(bad, approved, run):
        p = run / bad["result"]
        doc = json.loads(p.read_text(encoding="utf-8"))
        doc["verdict"] = "approved"
        doc["criteria"]["sha256"] = "0" * 64
        p.write_text(json.dumps(doc), encoding="utf-8")

    run = crafted(first, tmp_path, change)
    s = rerun(run, tmp_path / "R2")
    assert s.exit_code == 1 and s.reused == 1
    assert verdicts(tmp_path / "R2")["not-approved"] == "not_approved"


@pytest.mark.parametrize(
    "target",
    [
        "/etc/passwd",
        "../../../../../../../../etc/hostname",
        "results/../../../../../../../../etc/hostname",
        "results",
        "results/missing.json",
        "results.jsonl",
    ],
)
def test_result_outside_the_runs_results_folder_is_never_read_or_copied(
    first: Path, tmp_path: Path, target: str
) -> None:
    def change(bad, approved, run):
        bad["result"] = target

    run = crafted(first, tmp_path, change)
    s = rerun(run, tmp_path / "R2")
    assert s.exit_code == 1 and s.reused == 1
    assert verdicts(tmp_path / "R2") == {"approved": "approved", "not-approved": "not_approved"}
    for f in (tmp_path / "R2" / "results").iterdir():
        doc = json.loads(
            f.read_text(encoding="utf-8")
        )  # only result documents, nothing copied from elsewhere
        assert doc["verdict"] in ("approved", "not_approved")
    assert len(list((tmp_path / "R2" / "results").iterdir())) == 2
    assert any("line 2" in w or "line 1" in w for w in s.warnings), s.warnings


def test_symbolic_link_leading_out_of_results_is_not_followed(first: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.json"
    outside.write_text('{"secret": 1}', encoding="utf-8")

    def change(bad, approved, run):
        link = run / "results" / "link.json"
        link.symlink_to(outside)
        bad["result"] = "results/link.json"

    run = crafted(first, tmp_path, change)
    s = rerun(run, tmp_path / "R2")
    assert s.exit_code == 1 and s.reused == 1
    assert not any("secret" in f.read_text(encoding="utf-8") for f in (tmp_path / "R2" / "results").iterdir())


def test_oversized_stored_result_is_not_read(
    first: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from liplanet_cert.integrity import stored

    monkeypatch.setattr(stored, "MAX_RESULT_BYTES", 1000)  # the stored results are larger than this
    s = rerun(first, tmp_path / "R2")
    assert s.exit_code == 1 and s.reused == 0
    assert verdicts(tmp_path / "R2") == {"approved": "approved", "not-approved": "not_approved"}


def test_honest_previous_run_is_still_reused(first: Path, tmp_path: Path) -> None:
    s = rerun(first, tmp_path / "R2")
    assert s.exit_code == 1 and s.reused == 2 and s.warnings == []
    assert verdicts(tmp_path / "R2") == {"approved": "approved", "not-approved": "not_approved"}
    for name in ("approved", "not-approved"):
        a = next((first / "results").glob(f"{name}-*.json")).read_text(encoding="utf-8")
        b = next((tmp_path / "R2" / "results").glob(f"{name}-*.json")).read_text(encoding="utf-8")
        assert json.loads(a) == json.loads(b)


def test_zip_bundle_is_reused_and_its_stored_result_checked_file_by_file(tmp_path: Path) -> None:
    from datetime import date

    z = Path(shutil.make_archive(str(tmp_path / "approved"), "zip", EXAMPLES / "approved"))
    other = Path(shutil.make_archive(str(tmp_path / "other"), "zip", EXAMPLES / "not-approved"))
    opts = dict(criteria=PACK, at=date.fromisoformat(AT), jobs=1, footprint=False)
    s1 = run_batch(BatchOptions(paths=(str(z), str(other)), out=tmp_path / "A", **opts))
    s2 = run_batch(
        BatchOptions(paths=(str(z), str(other)), out=tmp_path / "B", previous=tmp_path / "A", **opts)
    )
    assert s1.exit_code == s2.exit_code == 1 and s2.reused == 2
    # the approved zip's line made to name the other zip's result: assessed afresh
    ls = lines(tmp_path / "A")
    mine = next(d for d in ls if d["bundle"] == str(z))
    mine["result"] = next(d for d in ls if d["bundle"] == str(other))["result"]
    (tmp_path / "A" / "results.jsonl").write_text("".join(json.dumps(d) + "\n" for d in ls), encoding="utf-8")
    s3 = run_batch(
        BatchOptions(paths=(str(z), str(other)), out=tmp_path / "C", previous=tmp_path / "A", **opts)
    )
    assert s3.reused == 1 and {d["bundle"]: d["status"] for d in lines(tmp_path / "C")}[str(z)] == "approved"


def test_an_over_long_line_is_skipped_with_a_warning_in_bounded_memory(
    first: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A results.jsonl line longer than the bound (here 4 KiB instead of 16 MiB) is read through in
    pieces and skipped with a warning; the other lines are still reused; verdicts are right."""
    from liplanet_cert.batch import store

    monkeypatch.setattr(store, "MAX_RESULTS_LINE", 4096)
    run = crafted(first, tmp_path, lambda bad, approved, copy: bad.update(message="x" * 100_000))
    s = rerun(run, tmp_path / "R2")
    assert verdicts(tmp_path / "R2") == {"approved": "approved", "not-approved": "not_approved"}
    assert s.reused == 1
    assert any("longer than" in w and "line" in w for w in s.warnings), s.warnings


@pytest.mark.parametrize("target", ["/dev/zero", "fifo", "missing"])
def test_previous_must_be_a_regular_file(tmp_path: Path, target: str) -> None:
    from liplanet_cert.errors import UsageError

    path = Path(target)
    if target == "fifo":
        path = tmp_path / "results.jsonl"
        os.mkfifo(path)
    elif target == "missing":
        path = tmp_path / "nothing.jsonl"
    with pytest.raises(UsageError) as err:
        rerun(path, tmp_path / "R2")
    text = str(err.value)
    assert str(path) in text
    assert ("not found" in text) if target == "missing" else ("not a regular file" in text)
