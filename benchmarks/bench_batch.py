"""Benchmark of ``liplanet-cert batch`` with the footprint, against a naive baseline.

    python benchmarks/bench_batch.py [--n 1000] [--jobs 2] [--baseline-sample 20]

1. generates N bundles (``make_bundles.py``) in a temporary directory;
2. warms the Brightway unit-impact cache in a temporary BRIGHTWAY dir (not timed: once per machine);
3. runs ``liplanet-cert batch DIR --footprint --jobs J -q`` in a fresh process and measures wall-clock
   time and the peak resident memory of the whole process tree (parent + fork server + workers,
   sampled every 100 ms from /proc);
4. naive baseline: a fresh ``liplanet-cert assess BUNDLE --footprint -f json`` process per bundle,
   run one after another on a sample of bundles and extrapolated to N (stated in the output);
5. reruns the batch with ``--previous`` (nothing changed: every result reused).
Prints bundles/s, peak memory and the ratio to the baseline.  Shared, noisy machine: compare the
ratio within one run rather than absolute figures.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "liplanet_cert"]


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as fh:
                kids.extend(int(x) for x in fh.read().split())
    except (OSError, ValueError):
        pass
    return kids


_PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * _PAGE_KIB
    except (OSError, ValueError, IndexError):
        return 0


def tree_rss_kib(root: int) -> int:
    """Sum of VmRSS over ``root`` and its descendants (Linux /proc).  Walks only this tree (via
    /proc/PID/task/TID/children), not every process: the sampler must not steal the CPU it measures."""
    total, stack = 0, [root]
    while stack:
        p = stack.pop()
        total += _rss_kib(p)
        stack.extend(_children(p))
    return total


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """(seconds, peak tree RSS in KiB, exit code)."""
    peak = [0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_kib(proc.pid))
            time.sleep(0.1)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - t0
    done.set()
    th.join()
    if proc.returncode not in (0, 1, 2):
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err.decode(errors='replace')}")
    return seconds, peak[0], proc.returncode


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--baseline-sample", type=int, default=20)
    ap.add_argument("--criteria", default="liplanet-2026@2.1.0")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        env = {**os.environ, "LIPLANET_BW_DIR": str(tmpd / "bw"), "PYTHONPATH": str(REPO)}
        bundles = tmpd / "bundles"
        subprocess.run(
            [sys.executable, str(REPO / "benchmarks" / "make_bundles.py"), str(a.n), str(bundles)],
            check=True,
            env=env,
        )
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "from liplanet_cert.lca import setup_brightway; setup_brightway()"],
            check=True,
            env=env,
        )
        print(
            f"Brightway setup + unit-impact cache (once per machine, not timed below): {time.perf_counter() - t0:.1f} s"
        )

        out = tmpd / "run"
        cmd = CLI + [
            "batch",
            str(bundles),
            "--footprint",
            "-c",
            a.criteria,
            "--at",
            "2026-11-01",
            "--jobs",
            str(a.jobs),
            "--out",
            str(out),
            "-q",
        ]
        secs, peak, code = timed(cmd, env)
        rate = a.n / secs
        print(
            f"batch: {a.n} bundles with footprint, --jobs {a.jobs}, {os.cpu_count()} cores: {secs:.2f} s wall-clock, "
            f"{rate:.1f} bundles/s, peak memory (process tree) {peak / 1024:.0f} MiB, exit {code}"
        )

        secs2, peak2, _ = timed(cmd + ["--previous", str(out), "--out", str(tmpd / "run2")], env)
        print(
            f"rerun with --previous (inputs and criteria unchanged, results reused): {secs2:.2f} s, {a.n / secs2:.1f} bundles/s, peak {peak2 / 1024:.0f} MiB"
        )

        sample = sorted(p for p in bundles.iterdir() if p.is_dir())[: a.baseline_sample]
        t0 = time.perf_counter()
        for b in sample:
            subprocess.run(
                CLI + ["assess", str(b), "--footprint", "-c", a.criteria, "--at", "2026-11-01", "-f", "json"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        per = (time.perf_counter() - t0) / len(sample)
        base_total = per * a.n
        print(
            f"naive baseline: one `liplanet-cert assess --footprint` process per bundle, sequential: {per:.3f} s per bundle "
            f"(measured on {len(sample)} bundles, extrapolated to {a.n}: {base_total:.0f} s, {1 / per:.1f} bundles/s)"
        )
        print(f"speed-up of batch over the naive baseline: {base_total / secs:.1f}x")
        target = "met" if rate >= 200 else "NOT met"
        print(
            f"target >= 200 bundles/s: {target}; peak memory < 1 GiB: {'met' if peak < 1024 * 1024 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
