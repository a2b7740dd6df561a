"""batch: per-bundle results, streamed summary, exit codes, status changes, reuse, containment, resume."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import start_gated_batch
from typer.testing import CliRunner

from liplanet_cert.batch import worker
from liplanet_cert.batch.discover import discover
from liplanet_cert.batch.options import BatchOptions
from liplanet_cert.batch.run import Progress, run_batch
from liplanet_cert.batch.store import read_lines
from liplanet_cert.cli.main import app

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "bundles"
NEW, OLD = "liplanet-2026@2.0.0", "liplanet-2023@1.0.0"
AT = "2026-11-01"
runner = CliRunner()


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(REPO / "benchmarks"))
    import make_bundles

    d = tmp_path_factory.mktemp("gen")
    make_bundles.main(["20", str(d), "--seed", "8"])
    return d


def lines(out: Path) -> list[dict]:
    return list(read_lines(out / "results.jsonl"))


def cli(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, ["batch", *args])
    return res.exit_code, res.output


def test_examples_plus_generated(generated: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    code, output = cli(str(EXAMPLES), str(generated), "-c", NEW, "--at", AT, "--out", str(out), "-j", "2")
    assert code == 2, output  # the invalid example
    got = lines(out)
    assert len(got) == 23
    by = {Path(d["bundle"]).name: d for d in got}
    assert by["approved"]["status"] == "approved"
    assert by["not-approved"]["status"] == "not_approved"
    assert by["invalid"]["status"] == "invalid" and "problems" in by["invalid"]["message"]
    assert by["invalid"]["result"] is None
    for d in got:
        if d["status"] != "invalid":
            r = json.loads((out / d["result"]).read_text(encoding="utf-8"))
            assert r["verdict"] == d["status"]
            assert r["criteria"]["sha256"] == d["criteria"]["sha256"]
    assert [d["bundle"] for d in got] == sorted(d["bundle"] for d in got)
    csv_rows = (out / "summary.csv").read_text(encoding="utf-8").splitlines()
    assert len(csv_rows) == 24 and csv_rows[0].startswith("bundle,pilot_line")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert sum(summary["counts"].values()) == 23 and summary["exit_code"] == 2
    assert "approved" in output and "invalid" in output


def test_exit_codes(tmp_path: Path) -> None:
    assert (
        cli(str(EXAMPLES / "approved"), "-c", NEW, "--at", AT, "--out", str(tmp_path / "a"), "-j", "1")[0]
        == 0
    )
    assert (
        cli(
            str(EXAMPLES / "approved"),
            str(EXAMPLES / "not-approved"),
            "-c",
            NEW,
            "--at",
            AT,
            "--out",
            str(tmp_path / "b"),
            "-j",
            "1",
            "-q",
        )[0]
        == 1
    )
    code, out = cli(str(tmp_path / "nothing-*"), "--out", str(tmp_path / "c"))
    assert code == 2 and "no file or folder matches" in out


def test_status_changes_against_previous_run(generated: Path, tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    assert cli(str(generated), "-c", OLD, "--at", AT, "--out", str(old), "-j", "2", "-q")[0] == 2
    code, output = cli(
        str(generated), "-c", NEW, "--at", AT, "--out", str(new), "--previous", str(old), "-j", "2"
    )
    prev = {d["bundle"]: d for d in lines(old)}
    cur = {d["bundle"]: d for d in lines(new)}
    import csv

    changes = {r["bundle"]: r for r in csv.DictReader((new / "changes.csv").open(encoding="utf-8"))}
    assert set(changes) == set(cur)
    lost = [
        b
        for b in cur
        if prev[b]["status"] in ("approved", "approved_with_observations")
        and cur[b]["status"] == "not_approved"
    ]
    assert lost, "the 2026 per-step criteria should take the seal from some lines"
    for b in lost:
        assert changes[b]["change"] == "lost_approval"
        crit = changes[b]["criteria"].split()
        assert crit and all(cur[b]["findings"][c] in ("fail", "error") for c in crit)
        assert all(prev[b]["findings"].get(c) not in ("fail", "error") for c in crit)
    assert all(changes[b]["change"] == "unchanged" for b in cur if prev[b]["status"] == cur[b]["status"])
    s = json.loads((new / "summary.json").read_text(encoding="utf-8"))
    assert s["changes"]["lost_approval"] == len(lost)
    assert "lost approval" in output


def test_unchanged_bundles_are_reused_and_force_recomputes(generated: Path, tmp_path: Path) -> None:
    src = tmp_path / "bundles"
    shutil.copytree(generated, src)
    first, second, third = tmp_path / "r1", tmp_path / "r2", tmp_path / "r3"
    run_batch(BatchOptions(paths=(str(src),), out=first, criteria=NEW, jobs=2))
    valid = sum(1 for d in lines(first) if d["result"])
    # change one input byte of one valid bundle
    changed = next(Path(d["bundle"]) for d in lines(first) if d["status"] == "approved")
    energy = changed / "energy.csv"
    energy.write_text(energy.read_text(encoding="utf-8").replace(",1 %,", ",2 %,", 1), encoding="utf-8")
    s2 = run_batch(BatchOptions(paths=(str(src),), out=second, criteria=NEW, jobs=2, previous=first))
    assert s2.reused == valid - 1
    assert (second / "results.jsonl").read_text(encoding="utf-8").count("\n") == 20
    for d in lines(second):
        if d["result"]:
            assert (second / d["result"]).is_file()
    s3 = run_batch(
        BatchOptions(paths=(str(src),), out=third, criteria=NEW, jobs=2, previous=second, force=True)
    )
    assert s3.reused == 0
    assert (third / "results.jsonl").read_bytes() == (second / "results.jsonl").read_bytes()  # deterministic
    s4 = run_batch(BatchOptions(paths=(str(src),), out=third, criteria=OLD, jobs=1, previous=second))
    assert s4.reused == 0  # other criteria: nothing reused


@pytest.mark.parametrize(
    "chunk", [1, 4]
)  # one bundle per task, or several (the crash takes its chunk-mates down too)
def test_worker_crash_is_contained(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    import liplanet_cert.assessment.core as assess_mod

    real = assess_mod.assess

    def crashing(path, *a, **k):  # type: ignore[no-untyped-def]
        if str(path).endswith("line-00003"):
            os._exit(7)  # the worker process dies
        if str(path).endswith("line-00005"):
            raise RuntimeError("boom")
        return real(path, *a, **k)

    monkeypatch.setattr(assess_mod, "assess", crashing)
    out = tmp_path / "run"
    s = run_batch(
        BatchOptions(paths=(str(generated),), out=out, criteria=NEW, jobs=2, start_method="fork", chunk=chunk)
    )
    by = {Path(d["bundle"]).name: d for d in lines(out)}
    assert len(by) == 20
    assert by["line-00003"]["status"] == "error" and "worker process died" in by["line-00003"]["message"]
    assert [n for n, d in by.items() if d["status"] == "error"] == ["line-00003", "line-00005"]
    assert by["line-00005"]["status"] == "error" and "RuntimeError: boom" in by["line-00005"]["message"]
    assert (
        sum(
            1
            for d in by.values()
            if d["status"] in ("approved", "approved_with_observations", "not_approved")
        )
        >= 15
    )
    assert s.exit_code == 2


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_result_that_cannot_be_written_is_an_error_not_a_dangling_line(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    real = worker.write_text

    def full_disk(path, text):  # type: ignore[no-untyped-def]
        if "line-00002" in str(path):
            raise OSError(28, "No space left on device")
        return real(path, text)

    monkeypatch.setattr(worker, "write_text", full_disk)
    out = tmp_path / "run"
    run_batch(
        BatchOptions(paths=(str(generated),), out=out, criteria=NEW, jobs=jobs, start_method="fork", chunk=4)
    )
    by = {Path(d["bundle"]).name: d for d in lines(out)}
    assert len(by) == 20
    bad = by["line-00002"]
    assert bad["status"] == "error" and bad["result"] is None and "No space left" in bad["message"]
    for d in by.values():
        if d["result"]:
            assert (out / d["result"]).is_file()


def test_pool_that_breaks_while_submitting_loses_no_bundle(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression (CI, 2026-11): a worker died between ``wait`` and the next ``submit``, and
    ``submit`` raised BrokenProcessPool out of the batch. The bundle being submitted never ran:
    it must be requeued on the fresh pool, not lost or blamed."""
    from concurrent.futures.process import BrokenProcessPool

    from liplanet_cert.batch import pool

    real_new_pool = pool._new_pool
    calls = {"pools": 0}

    class BreaksOnce:
        def __init__(self, pool):  # type: ignore[no-untyped-def]
            self._pool, self._n = pool, 0

        def submit(self, *a, **k):  # type: ignore[no-untyped-def]
            self._n += 1
            if calls["pools"] == 1 and self._n == 5:  # the first pool "breaks" at its 5th submission
                raise BrokenProcessPool("simulated: a child process terminated abruptly")
            return self._pool.submit(*a, **k)

        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(self._pool, name)

    def new_pool(*a, **k):  # type: ignore[no-untyped-def]
        calls["pools"] += 1
        return BreaksOnce(real_new_pool(*a, **k))

    monkeypatch.setattr(pool, "_new_pool", new_pool)
    monkeypatch.setattr(pool, "_kill", lambda pool: pool._pool.shutdown(wait=True))
    out = tmp_path / "run"
    run_batch(BatchOptions(paths=(str(generated),), out=out, criteria=NEW, jobs=2, start_method="fork"))
    by = {Path(d["bundle"]).name: d for d in lines(out)}
    assert len(by) == 20 and calls["pools"] >= 2
    assert not [n for n, d in by.items() if d["status"] == "error"]


def test_interrupt_keeps_whole_lines_and_rerun_resumes(generated: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    seen = []

    def advance(line: dict) -> None:
        seen.append(line)
        if len(seen) == 6:
            raise KeyboardInterrupt

    s = run_batch(
        BatchOptions(paths=(str(generated),), out=out, criteria=NEW, jobs=1),
        Progress(advance=advance),
    )
    assert s.interrupted
    raw = (out / "results.jsonl").read_bytes()
    assert raw.endswith(b"\n") and raw.count(b"\n") == 6
    assert all(json.loads(x) for x in raw.splitlines())
    again = run_batch(BatchOptions(paths=(str(generated),), out=out, criteria=NEW, jobs=2))
    assert not again.interrupted and again.total == 20
    assert again.reused == sum(1 for d in seen if d.get("result"))
    assert len(lines(out)) == 20 and not (out / ".resume.jsonl").exists()


@pytest.mark.slow
def test_sigterm_stops_cleanly_and_rerun_finishes(generated: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    cmd = [
        sys.executable,
        "-m",
        "liplanet_cert",
        "batch",
        str(generated),
        "-c",
        NEW,
        "--at",
        AT,
        "--out",
        str(out),
        "-j",
        "1",
        "-q",
    ]
    proc = start_gated_batch(cmd, out / "results.jsonl", 2)  # held after 2 results: SIGTERM lands midway
    proc.terminate()
    code = proc.wait(60)
    raw = (out / "results.jsonl").read_bytes()
    assert code == 130, proc.stderr.read()[-500:]
    assert raw.endswith(b"\n") and 2 <= raw.count(b"\n") < 20
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["interrupted"] is True
    res = subprocess.run(cmd, capture_output=True)
    assert res.returncode in (1, 2)
    assert len(lines(out)) == 20


def test_zip_glob_discovery_and_batch_reports(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    from jsonschema import Draft4Validator

    z = tmp_path / "subs" / "nordwerk.zip"
    z.parent.mkdir()
    with zipfile.ZipFile(z, "w") as zf:
        for f in sorted((EXAMPLES / "approved").rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(EXAMPLES / "approved").as_posix())
    shutil.copytree(EXAMPLES / "not-approved", tmp_path / "subs" / "vistula")
    found = discover([str(tmp_path / "subs" / "*")])
    assert [Path(p).name for p in found] == ["nordwerk.zip", "vistula"]
    assert discover([str(tmp_path / "subs")]) == discover([str(tmp_path / "subs" / "*")])
    sarif, junit = tmp_path / "b.sarif", tmp_path / "b.xml"
    waivers = tmp_path / "w.yaml"
    waivers.write_text(
        "waivers:\n  - criterion: QUAL-SCRAP-FORMATION\n    bundle: vistula\n    justification: rework\n    approver: board\n"
        '    granted_on: "2026-10-01"\n    expires_on: "2026-12-31"\n  - id: ORPHAN\n    criterion: KPI-SCRAP-OVERALL\n'
        '    pilot_line: Nobody\n    justification: x\n    approver: y\n    granted_on: "2026-01-01"\n    expires_on: "2026-12-31"\n',
        encoding="utf-8",
    )
    code, output = cli(
        str(tmp_path / "subs" / "*"),
        "-c",
        NEW,
        "--at",
        AT,
        "--out",
        str(tmp_path / "o"),
        "-j",
        "1",
        "--waivers",
        str(waivers),
        "-o",
        f"sarif:{sarif}",
        "-o",
        f"junit:{junit}",
    )
    assert code == 1, output
    schema = json.loads(
        (REPO / "liplanet_cert" / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
    )
    doc = json.loads(sarif.read_text(encoding="utf-8"))
    Draft4Validator(schema).validate(doc)
    assert any(r.get("suppressions") for r in doc["runs"][0]["results"])
    assert len(ET.fromstring(junit.read_text(encoding="utf-8")).findall("testsuite")) == 2
    s = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert [w["id"] for w in s["unmatched_waivers"]] == ["ORPHAN"]
    assert "ORPHAN" in output


def test_malformed_waivers_stop_batch_before_anything(tmp_path: Path) -> None:
    w = tmp_path / "w.yaml"
    w.write_text("waivers:\n  - criterion: X\n", encoding="utf-8")
    code, output = cli(str(EXAMPLES / "approved"), "--waivers", str(w), "--out", str(tmp_path / "o"))
    assert code == 2 and "invalid waiver file" in output
    assert not (tmp_path / "o").exists()


def test_help_is_fast_and_does_not_import_pandas() -> None:
    code = "import sys; from liplanet_cert.cli.main import app; assert 'pandas' not in sys.modules and 'bw2data' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_batch_reports_include_invalid_bundles_in_every_format(tmp_path: Path) -> None:
    """CI must see a bundle that could not be assessed: JUnit <error>, a SARIF result (still valid
    against the schema), a CSV/JSONL/JSON entry and a Markdown row — and the exit code 2."""
    import csv as csv_mod
    import io
    import xml.etree.ElementTree as ET

    from jsonschema import Draft4Validator

    subs = tmp_path / "subs"
    shutil.copytree(EXAMPLES / "approved", subs / "nordwerk")
    shutil.copytree(EXAMPLES / "invalid", subs / "broken")
    outs = {f: tmp_path / f"b.{f}" for f in ("sarif", "junit", "csv", "jsonl", "json", "markdown")}
    args = [a for f, p in outs.items() for a in ("-o", f"{f}:{p}")]
    code, output = cli(str(subs), "-c", NEW, "--at", AT, "--out", str(tmp_path / "o"), "-j", "1", *args)
    assert code == 2, output

    schema = json.loads(
        (REPO / "liplanet_cert" / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
    )
    doc = json.loads(outs["sarif"].read_text(encoding="utf-8"))
    Draft4Validator(schema).validate(doc)
    run = doc["runs"][0]
    bad = [r for r in run["results"] if r["ruleId"] == "bundle"]
    # one result per located problem of the invalid example (7, counted by hand), each in its file
    assert len(bad) == 7 and {r["level"] for r in bad} == {"error"}
    assert all("/broken/" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in bad)
    assert run["invocations"][0]["exitCode"] == 2
    assert run["tool"]["driver"]["rules"][bad[0]["ruleIndex"]]["id"] == "bundle"

    root = ET.fromstring(outs["junit"].read_text(encoding="utf-8"))
    suites = root.findall("testsuite")
    assert len(suites) == 2
    errors = [
        c
        for c in root.iter("testcase")
        if c.find("error") is not None and c.get("classname") == "liplanet.bundle"
    ]
    assert len(errors) == 7 and all("broken" in e.get("file", "") for e in errors)
    assert errors[0].find("error").text.strip()  # the problems, in the body too
    assert int(root.get("errors")) >= 1 and int(root.get("tests")) == sum(int(s.get("tests")) for s in suites)

    rows = list(csv_mod.DictReader(io.StringIO(outs["csv"].read_text(encoding="utf-8"))))
    assert [r["status"] for r in rows if r["bundle"].endswith("broken")] == ["invalid"]
    jl = [json.loads(x) for x in outs["jsonl"].read_text(encoding="utf-8").splitlines()]
    assert [(d["verdict"], d["status"]) for d in jl if d["bundle"]["name"] == "broken"] == [(None, "invalid")]
    arr = json.loads(outs["json"].read_text(encoding="utf-8"))
    assert sorted((d["bundle"]["name"], d["verdict"]) for d in arr) == [
        ("broken", None),
        ("nordwerk", "approved"),
    ]
    assert "could not be assessed" in outs["markdown"].read_text(encoding="utf-8")


def test_streamed_json_report_equals_json_dumps_of_the_list() -> None:
    """The JSON reporter streams a batch item by item; the bytes must be those of dumping the list."""
    from liplanet_cert.assessment.core import assess
    from liplanet_cert.assessment.result import Unassessed
    from liplanet_cert.reporters import get_reporter

    items = [assess(EXAMPLES / n, criteria=NEW, at=AT, footprint=False) for n in ("approved", "not-approved")]
    items.append(
        Unassessed("x/broken", "invalid", "declaration.yaml: bad \u2028 line", ["p1", "p2"], "bundle")
    )
    from liplanet_cert.infra.textsafe import json_escape

    # the bytes of dumping the list (unsafe characters such as U+2028 as \uXXXX escapes), the same data
    want = (
        json_escape(
            json.dumps(
                [i.to_dict() for i in items], sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False
            )
        )
        + "\n"
    )
    got = get_reporter("json").render_many(items)
    assert got == want and "\\u2028" in got
    assert json.loads(got) == [i.to_dict() for i in items]
    assert get_reporter("json").render_many([]) == "[]\n"


@pytest.mark.slow
def test_progress_lines_when_not_on_a_terminal(tmp_path: Path) -> None:
    """CI logs and pipes get plain progress lines (no bar, no escape codes); -q silences them."""
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "liplanet_cert",
            "batch",
            str(EXAMPLES / "approved"),
            str(EXAMPLES / "not-approved"),
            "-c",
            NEW,
            "--at",
            AT,
            "--out",
            str(tmp_path / "o"),
            "-j",
            "1",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert res.returncode == 1, res.stderr
    assert "assessed 2/2 bundles" in res.stderr and "\x1b[" not in res.stderr
    quiet = subprocess.run(
        [
            sys.executable,
            "-m",
            "liplanet_cert",
            "batch",
            str(EXAMPLES / "approved"),
            "-c",
            NEW,
            "--at",
            AT,
            "--out",
            str(tmp_path / "q"),
            "-j",
            "1",
            "-q",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert quiet.returncode == 0 and quiet.stderr == "" and quiet.stdout == ""
