"""A batch survives any one bundle, a kill, a full disk and a concurrent run.

- text that splits lines (U+2028, NEL, form feed...) or is no Unicode at all (a lone surrogate, a
  folder name that is not UTF-8) is that bundle's text or problem, never the run's;
- an earlier run's results.jsonl with unusable lines is read around them, with a warning naming them;
- one batch per output directory (a flock, released by the kernel when its holder is killed);
- a full disk stops the run with exit 2 naming the file, and leaves whole lines only;
- a bundle over its time limit is an error and the run goes on (in process, and in a worker pool,
  even when the alarm cannot reach it).

Timing-dependent behaviour is made deterministic with the test gate (tests/gate/sitecustomize.py):
held assessments never finish by themselves."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from helpers import GATE, start_gated_batch
from typer.testing import CliRunner

from liplanet_cert.batch import output
from liplanet_cert.batch.options import DEFAULT_BUNDLE_TIMEOUT, BatchOptions
from liplanet_cert.batch.run import run_batch
from liplanet_cert.batch.store import read_lines
from liplanet_cert.cli.main import app
from liplanet_cert.errors import OutputError

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "bundles"
PACK, AT = "liplanet-2026@2.0.0", "2026-11-01"
runner = CliRunner()
# every character str.splitlines() splits on
LINE_BREAKS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


# the 12 generated bundles of seed 8 (make_bundles): 7 approved, 3 not approved, 2 invalid
STATUSES = {
    "line-00000": "approved",
    "line-00001": "not_approved",
    "line-00002": "not_approved",
    "line-00003": "approved",
    "line-00004": "not_approved",
    "line-00005": "approved",
    "line-00006": "approved",
    "line-00007": "approved",
    "line-00008": "invalid",
    "line-00009": "approved",
    "line-00010": "approved",
    "line-00011": "invalid",
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 generated bundles (seed 8): :data:`STATUSES`."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import make_bundles

    d = tmp_path_factory.mktemp("robust-gen")
    make_bundles.main(["12", str(d), "--seed", "8"])
    return d


def json_bundle(dest: Path, **pilot_line: str) -> Path:
    """The approved example with a JSON declaration whose pilot_line fields are replaced."""
    shutil.copytree(EXAMPLES / "approved", dest)
    decl = yaml.safe_load((dest / "declaration.yaml").read_text(encoding="utf-8"))
    (dest / "declaration.yaml").unlink()
    decl["pilot_line"].update(pilot_line)
    # ensure_ascii: every character as an escape, as a hostile (or careless) exporter may write it
    (dest / "declaration.json").write_text(json.dumps(decl, default=str, ensure_ascii=True), encoding="ascii")
    return dest


def cli(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, ["batch", *args])
    return res.exit_code, res.output


def raw_lines(path: Path) -> list[bytes]:
    raw = path.read_bytes()
    assert raw.endswith(b"\n"), f"{path.name} ends with a partial line"
    return raw[:-1].split(b"\n")


# -- 1. one bundle's text ------------------------------------------------------------------
def test_text_that_splits_lines_stays_in_its_bundle_and_reruns_work(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    names = {f"lb{i:02d}": f"Line{ch}Break {i}" for i, ch in enumerate(LINE_BREAKS)}
    for b, name in names.items():
        json_bundle(subs / b, name=name, operator=f"Op{LINE_BREAKS[-1]}{LINE_BREAKS[-3]}")
    out = tmp_path / "o"
    code, output = cli(str(subs), "-c", PACK, "--at", AT, "--out", str(out), "-j", "1", "-q")
    assert code == 0, output  # all approved: the characters are text, not problems
    text = (out / "results.jsonl").read_text(encoding="utf-8")
    assert len(text.splitlines()) == len(names)  # one line per bundle, for any line splitter
    got = {Path(d["bundle"]).name: d for d in map(json.loads, raw_lines(out / "results.jsonl"))}
    assert {b: d["pilot_line"]["name"] for b, d in got.items()} == names  # the exact text survives
    assert {d["status"] for d in got.values()} == {"approved"}
    for d in got.values():  # the result file too is one line and holds the exact name
        stored = (out / d["result"]).read_text(encoding="utf-8")
        assert (
            len(stored.splitlines()) == 1
            and json.loads(stored)["pilot_line"]["name"] == names[Path(d["bundle"]).name]
        )
    csv_text = (out / "summary.csv").read_text(encoding="utf-8")
    assert len(csv_text.splitlines()) == len(names) + 1
    assert "Line\\u2028Break" in csv_text and "Line\\nBreak" in csv_text  # shown, not obeyed
    first = (out / "results.jsonl").read_bytes()
    # a rerun into the same directory reads them back and reuses every result
    code, _ = cli(str(subs), "-c", PACK, "--at", AT, "--out", str(out), "-j", "1", "-q")
    assert code == 0
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["reused"] == len(names) and s["warnings"] == []
    assert (out / "results.jsonl").read_bytes() == first


def test_lone_surrogate_is_that_bundles_located_problem(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    json_bundle(subs / "bad", site="M\ud800nster")
    json_bundle(subs / "good")
    out = tmp_path / "o"
    reports = {f: tmp_path / f"r.{f}" for f in ("json", "jsonl", "csv", "sarif", "junit", "markdown")}
    code, output = cli(
        str(subs),
        "-c",
        PACK,
        "--at",
        AT,
        "--out",
        str(out),
        "-j",
        "1",
        "-q",
        *[a for f, p in reports.items() for a in ("-o", f"{f}:{p}")],
    )
    assert code == 2, output  # the invalid bundle, not an internal error
    by = {Path(d["bundle"]).name: d for d in read_lines(out / "results.jsonl")}
    assert by["good"]["status"] == "approved"
    bad = by["bad"]
    assert bad["status"] == "invalid" and bad["problem_count"] == 1
    assert (
        bad["details"][0]["file"] == "declaration.json"
        and bad["details"][0]["location"] == "#/pilot_line/site"
    )
    assert "not valid Unicode text" in bad["details"][0]["message"]
    for p in reports.values():
        assert "bad" in p.read_text(encoding="utf-8")
    # the same problem from validate and assess
    res = runner.invoke(app, ["validate", str(subs / "bad"), "--format", "json"])
    assert res.exit_code == 2
    doc = json.loads(res.stdout)
    assert [d["location"] for d in doc["details"]] == ["#/pilot_line/site"]
    assert doc["details"][0]["message"].startswith("not valid Unicode text")


def test_lone_surrogate_in_a_field_name_is_located_too(tmp_path: Path) -> None:
    b = json_bundle(tmp_path / "b")
    decl = json.loads((b / "declaration.json").read_text(encoding="ascii"))
    decl["kpis"]["scrap\udc80"] = "1 %"
    (b / "declaration.json").write_text(json.dumps(decl, ensure_ascii=True), encoding="ascii")
    res = runner.invoke(app, ["validate", str(b), "--format", "json"])
    assert res.exit_code == 2
    assert [d["location"] for d in json.loads(res.stdout)["details"]] == ["#/kpis/scrap\\udc80"]


def test_folder_name_that_is_not_utf8(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    try:
        odd = Path(os.fsdecode(bytes(subs) + b"/lat\xfcn"))
        shutil.copytree(EXAMPLES / "approved", odd)
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    out = tmp_path / "o"
    reports = {f: tmp_path / f"r.{f}" for f in ("json", "jsonl", "csv", "sarif", "junit", "markdown")}
    code, output = cli(
        str(subs),
        "-c",
        PACK,
        "--at",
        AT,
        "--out",
        str(out),
        "-j",
        "1",
        "-q",
        *[a for f, p in reports.items() for a in ("-o", f"{f}:{p}")],
    )
    assert code == 0, output
    [line] = list(read_lines(out / "results.jsonl"))
    assert line["bundle"] == str(odd) and line["status"] == "approved"  # the exact path, escaped in JSON
    assert "lat\\udcfcn" in (out / "summary.csv").read_text(encoding="utf-8")
    for f, p in reports.items():  # valid UTF-8, the name shown (SARIF lists only what did not pass: nothing)
        assert f == "sarif" or "lat\\udcfcn" in p.read_text(encoding="utf-8").replace("\\\\", "\\"), f
    assert json.loads(reports["sarif"].read_text(encoding="utf-8"))["runs"][0]["results"] == []
    code, _ = cli(str(subs), "-c", PACK, "--at", AT, "--out", str(out), "-j", "1", "-q")
    assert code == 0 and json.loads((out / "summary.json").read_text(encoding="utf-8"))["reused"] == 1


def test_unusable_lines_of_an_earlier_run_are_skipped_with_a_warning(generated: Path, tmp_path: Path) -> None:
    first = tmp_path / "first"
    s1 = run_batch(BatchOptions(paths=(str(generated),), out=first, criteria=PACK, jobs=1))
    good = raw_lines(first / "results.jsonl")
    assert len(good) == 12
    bad = [
        b"not json at all",
        b'{"bundle": 7}',
        b'{"bundle": "x", "pilot_line": "a string"}',
        b"[1, 2]",
        b'{"bundle": "y", "findings": {"A": 1}}',
        b"\xff\xfe\x00",
        b"",
        b'{"bundle": "z", "status": "exploded"}',
    ]
    # lines 2..9 are unusable; the last line is cut (a run stopped while writing it)
    (first / "results.jsonl").write_bytes(b"\n".join(good[:1] + bad + good[1:]) + b"\n" + good[0][:40])
    prev = run_batch(
        BatchOptions(paths=(str(generated),), out=tmp_path / "second", criteria=PACK, jobs=1, previous=first)
    )
    assert s1.total == 12 and prev.total == 12 and prev.reused == 10  # all but the 2 invalid bundles
    assert prev.exit_code == s1.exit_code == 2
    for n in range(2, 10):
        assert any(f"line {n} ignored" in w for w in prev.warnings), (n, prev.warnings)
    assert any("line 21 ignored: incomplete" in w for w in prev.warnings)
    assert not any(": line 1 " in w or ": line 10 " in w for w in prev.warnings), prev.warnings
    assert any("line 7 ignored: not UTF-8 text" in w for w in prev.warnings) and any(
        "line 3 ignored: no bundle path" in w for w in prev.warnings
    )
    # the same file as the resumed run's own results.jsonl: read the same way
    resumed = run_batch(BatchOptions(paths=(str(generated),), out=first, criteria=PACK, jobs=1))
    assert resumed.total == 12 and resumed.reused == prev.reused and len(resumed.warnings) == 9
    assert json.loads((first / "summary.json").read_text(encoding="utf-8"))["warnings"] == resumed.warnings
    assert [json.loads(x)["bundle"] for x in raw_lines(first / "results.jsonl")] == sorted(
        json.loads(x)["bundle"] for x in good
    )


# -- 2. one batch per output directory -----------------------------------------------------
@pytest.mark.slow
def test_second_batch_into_the_same_out_stops_at_once_and_a_killed_holder_does_not_block(
    generated: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    cmd = [
        sys.executable,
        "-m",
        "liplanet_cert",
        "batch",
        str(generated),
        "-c",
        PACK,
        "--at",
        AT,
        "--out",
        str(out),
        "-j",
        "1",
        "-q",
    ]
    proc = start_gated_batch(cmd, out / "results.jsonl", 2)  # the first batch holds the directory, midway
    try:
        before = (out / "results.jsonl").read_bytes()
        second = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=120)
        assert second.returncode == 2, second.stderr
        err = " ".join(second.stderr.split())
        assert str(out / ".lock") in err and f"pid {proc.pid}" in err and "another batch" in err
        assert (out / "results.jsonl").read_bytes() == before  # the second touched nothing
        assert proc.poll() is None
    finally:
        proc.kill()  # SIGKILL: no clean-up at all; the kernel drops the lock
        proc.communicate()
    kept = [json.loads(x) for x in raw_lines(out / "results.jsonl")]
    assert len(kept) == 2
    third = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert "another batch" not in third.stderr
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["total"] == 12 and not s["interrupted"] and s["reused"] == sum(1 for d in kept if d["result"])
    assert third.returncode == s["exit_code"]


def test_lock_is_reentrant_in_process_and_exclusive_across_holders(tmp_path: Path) -> None:
    import fcntl

    from liplanet_cert.batch.run import lock_out

    out = tmp_path / "o"
    with lock_out(out):
        with lock_out(out):  # the CLI holds it over the run and its reports
            pass
        assert (out / ".lock").read_text(encoding="ascii").strip() == str(os.getpid())
        other = os.open(out / ".lock", os.O_RDWR)  # another open file description: another holder
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(other)
    other = os.open(out / ".lock", os.O_RDWR)
    try:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released
        with pytest.raises(OutputError, match="another batch"):
            run_batch(BatchOptions(paths=(str(EXAMPLES / "approved"),), out=out, criteria=PACK, jobs=1))
    finally:
        os.close(other)


# -- 3. a full disk ------------------------------------------------------------------------
def test_full_disk_mid_line_is_an_output_error_and_leaves_whole_lines(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "run"
    real_write = os.write
    state = {"lines": 0, "full": False}

    def disk_fills(fd: int, data) -> int:  # type: ignore[no-untyped-def]
        try:
            target = os.readlink(f"/proc/self/fd/{fd}").endswith("/results.jsonl")
        except OSError:
            target = False
        if not target:
            return real_write(fd, data)
        if state["full"]:
            raise OSError(errno.ENOSPC, "No space left on device")
        if state["lines"] == 5:  # the 6th line: only its first half fits
            state["full"] = True
            return real_write(fd, bytes(data)[: len(data) // 2])
        state["lines"] += 1
        return real_write(fd, data)

    if not os.path.exists("/proc/self/fd"):
        pytest.skip("needs /proc/self/fd")
    monkeypatch.setattr(output.os, "write", disk_fills)
    with pytest.raises(OutputError) as exc:
        run_batch(BatchOptions(paths=(str(generated),), out=out, criteria=PACK, jobs=1))
    monkeypatch.undo()
    assert str(out / "results.jsonl") in str(exc.value) and "No space left" in str(exc.value)
    kept = [json.loads(x) for x in raw_lines(out / "results.jsonl")]
    assert len(kept) == 5
    again = run_batch(BatchOptions(paths=(str(generated),), out=out, criteria=PACK, jobs=1))
    assert again.total == 12 and again.reused == sum(1 for d in kept if d["result"])


@pytest.mark.slow
def test_real_file_size_limit_exits_2_naming_the_file_and_a_rerun_finishes(tmp_path: Path) -> None:
    """RLIMIT_FSIZE makes every write past the limit fail with EFBIG (SIGXFSZ ignored): a real
    "disk full" for the batch process, at whatever point of a line the limit falls."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import make_bundles

    bundles = tmp_path / "b"
    make_bundles.main(["40", str(bundles), "--seed", "3"])
    out, limit = (
        tmp_path / "o",
        48_000,
    )  # a result file is ~30 kB, a results.jsonl line ~1.9 kB: 40 lines do not fit
    args = ["batch", str(bundles), "-c", PACK, "--at", AT, "--out", str(out), "-j", "1", "-q"]
    code = (
        "import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit})); "
        f"sys.argv = ['liplanet-cert', *{args!r}]; from liplanet_cert.cli.main import main; main()"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert res.returncode == 2, res.stderr[-800:]
    err = " ".join(res.stderr.split())
    assert str(out / "results.jsonl") in err and "File too large" in err and "internal error" not in err
    size = (out / "results.jsonl").stat().st_size
    kept = [json.loads(x) for x in raw_lines(out / "results.jsonl")]
    assert 0 < len(kept) < 40 and size <= limit
    rerun = subprocess.run(
        [sys.executable, "-m", "liplanet_cert", *args], capture_output=True, text=True, cwd=REPO, timeout=300
    )
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (
        s["total"] == 40
        and s["reused"] == sum(1 for d in kept if d["result"])
        and rerun.returncode == s["exit_code"]
    )


# -- 4. a bundle that takes too long -------------------------------------------------------
def test_bundle_over_its_time_limit_in_process_is_an_error_and_the_run_goes_on(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import liplanet_cert.assessment.core as assess_mod

    real = assess_mod.assess

    def never_ends(path, *a, **k):  # type: ignore[no-untyped-def]
        if str(path).endswith("line-00004"):
            while True:
                time.sleep(0.02)
        return real(path, *a, **k)

    monkeypatch.setattr(assess_mod, "assess", never_ends)
    before = signal.getsignal(signal.SIGALRM)
    s = run_batch(
        BatchOptions(paths=(str(generated),), out=tmp_path / "run", criteria=PACK, jobs=1, bundle_timeout=1)
    )
    assert signal.getsignal(signal.SIGALRM) == before and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    by = {Path(d["bundle"]).name: d for d in read_lines(tmp_path / "run" / "results.jsonl")}
    assert by["line-00004"]["status"] == "error" and by["line-00004"]["kind"] == "timeout"
    assert by["line-00004"]["message"].startswith("took longer than 1 s")
    assert {b: d["status"] for b, d in by.items() if b != "line-00004"} == {
        b: st for b, st in STATUSES.items() if b != "line-00004"
    }
    assert s.total == 12 and s.counts["error"] == 1 and s.exit_code == 2
    # without a limit nothing is stopped (0 = no limit; the default is 300 s)
    assert BatchOptions(paths=(), out=tmp_path).bundle_timeout is None and DEFAULT_BUNDLE_TIMEOUT == 300


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["", ":ignore-alarm"])  # the alarm stops it / only ending the worker does
def test_bundle_over_its_time_limit_in_a_worker_pool(generated: Path, tmp_path: Path, mode: str) -> None:
    out = tmp_path / "run"
    env = dict(
        os.environ,
        LIPLANET_TEST_HOLD=f"line-00004{mode}",
        PYTHONPATH=os.pathsep.join(p for p in (str(GATE), os.environ.get("PYTHONPATH", "")) if p),
    )
    env.pop("LIPLANET_TEST_GATE", None)
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "liplanet_cert",
            "batch",
            str(generated),
            "-c",
            PACK,
            "--at",
            AT,
            "--out",
            str(out),
            "-j",
            "2",
            "-q",
            "--bundle-timeout",
            "1",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=170,
    )
    assert res.returncode == 2, res.stderr[-800:]
    assert (
        "Traceback" not in res.stderr and "Timeout" not in res.stderr
    )  # the watchdog's stacks are not shown
    by = {Path(d["bundle"]).name: d for d in read_lines(out / "results.jsonl")}
    assert len(by) == 12
    held = by["line-00004"]
    assert (
        held["status"] == "error"
        and held["kind"] == "timeout"
        and held["message"].startswith("took longer than 1 s")
    )
    if mode:
        assert "its worker process was ended" in held["message"]
    assert {b: d["status"] for b, d in by.items() if b != "line-00004"} == {
        b: st for b, st in STATUSES.items() if b != "line-00004"
    }


def test_bundle_timeout_option(tmp_path: Path) -> None:
    code, output = cli(str(EXAMPLES / "approved"), "--out", str(tmp_path / "o"), "--bundle-timeout", "-1")
    assert code == 2
    res = runner.invoke(app, ["batch", "--help"])
    assert "--bundle-timeout" in res.output
