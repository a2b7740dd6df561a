"""Nothing lost: a real ``liplanet-cert batch`` with a process pool is stopped by Ctrl-C (SIGINT)
midway.  Everything it wrote must stay valid (whole ``results.jsonl`` lines, result files that
``verify`` confirms against their bundles, no temporary files), the bundles must be untouched, and
rerunning — into the same directory, or with ``--previous`` — computes only what is missing."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import start_gated_batch

from liplanet_cert.integrity.verify import verify

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # real batches, interrupted midway and rerun
PACK, AT, N = (
    "liplanet-2026@2.0.0",
    "2026-11-01",
    40,
)  # enough: the gate, not the size, keeps the batch from finishing


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(REPO / "benchmarks"))
    import make_bundles

    d = tmp_path_factory.mktemp("kill-gen")
    make_bundles.main([str(N), str(d), "--seed", "11"])
    return d


def _cmd(bundles: Path, out: Path, jobs: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "liplanet_cert",
        "batch",
        str(bundles),
        "-c",
        PACK,
        "--at",
        AT,
        "--out",
        str(out),
        "-j",
        jobs,
        "-q",
        *extra,
    ]


def _interrupt(bundles: Path, out: Path, jobs: str) -> tuple[int, bytes]:
    """Start a batch, press Ctrl-C (SIGINT) once a few results are out; return (exit code, stderr).
    Deterministic: the gate holds every assessment once results.jsonl has 3 lines (helpers.start_gated_batch)."""
    proc = start_gated_batch(_cmd(bundles, out, jobs), out / "results.jsonl", 3)
    proc.send_signal(signal.SIGINT)  # what Ctrl-C sends to the foreground process
    try:
        _stdout, stderr = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError("the batch did not stop within 120 s of Ctrl-C") from None
    return proc.returncode, stderr


@pytest.mark.parametrize("jobs", ["1", "2"])  # in-process and with a worker pool
def test_ctrl_c_midway_keeps_valid_results_and_rerun_finishes_only_the_rest(
    bundles: Path, tmp_path: Path, jobs: str
) -> None:
    before = _digest(bundles)
    out = tmp_path / "run"
    code, stderr = _interrupt(bundles, out, jobs)
    assert code == 130, f"not stopped midway (exit {code}): {stderr.decode(errors='replace')[-500:]}"
    assert b"Traceback" not in stderr
    jsonl = out / "results.jsonl"

    raw = jsonl.read_bytes()
    assert raw.endswith(b"\n"), "results.jsonl ends with a partial line"
    first = [json.loads(x) for x in raw.splitlines()]
    assert 3 <= len(first) < N, len(first)
    assert len({d["bundle"] for d in first}) == len(first)
    # every result already written is complete and still belongs to its bundle
    written = [d for d in first if d.get("result")]
    assert written
    for d in written:
        report = verify(out / d["result"], d["bundle"])
        assert report.matches, (d["bundle"], [str(x) for x in report.differences])
    for p in (
        out / "results"
    ).iterdir():  # every result file is whole (a killed worker may leave only a hidden .tmp)
        if not p.name.startswith("."):
            json.loads(p.read_text(encoding="utf-8"))
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["interrupted"] is True
    assert _digest(bundles) == before, "a bundle was modified"

    # rerun into the same directory: only what is missing is computed
    res = subprocess.run(_cmd(bundles, out, jobs), capture_output=True, timeout=300)
    assert res.returncode in (0, 1, 2), res.stderr.decode(errors="replace")[-500:]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["interrupted"] is False and summary["total"] == N
    assert summary["reused"] == len(written)
    final = [json.loads(x) for x in jsonl.read_bytes().splitlines()]
    assert len(final) == N and len({d["bundle"] for d in final}) == N
    kept = {d["bundle"]: d["result"] for d in written}
    assert all(d["result"] == kept[d["bundle"]] for d in final if d["bundle"] in kept)

    # a later run against this one with --previous reuses every result and recomputes nothing
    res = subprocess.run(
        _cmd(bundles, tmp_path / "next", jobs, "--previous", str(out)), capture_output=True, timeout=300
    )
    assert res.returncode in (0, 1, 2)
    nxt = json.loads((tmp_path / "next" / "summary.json").read_text(encoding="utf-8"))
    assert nxt["reused"] == sum(1 for d in final if d.get("result")) and nxt["total"] == N
    assert _digest(bundles) == before
