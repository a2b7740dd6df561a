"""Wall time of the everyday commands on the example bundle (issue 2's speed figures).

    python benchmarks/bench_cli.py [--runs 5]

Runs each command as a fresh process (what a user or a CI job pays), prints median and min wall
time, and checks that `--help` and `validate` do not import Brightway.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS = {
    "--help": ["--help"],
    "validate --example": ["validate", "--example"],
    "assess --example --no-footprint": ["assess", "--example", "--no-footprint"],
    "assess --example (with footprint, warm)": ["assess", "--example"],
    "footprint --example (warm)": ["footprint", "--example"],
}


def wall(args: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "liplanet_cert", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    elapsed = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise SystemExit(f"liplanet-cert {' '.join(args)} failed with exit {proc.returncode}:\n{proc.stderr}")
    return elapsed


def imports_brightway(args: list[str], env: dict[str, str]) -> bool:
    code = (
        f"import sys, runpy; sys.argv=['liplanet-cert', *{args!r}]\n"
        "try:\n    runpy.run_module('liplanet_cert', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print(any(m.startswith(('bw2data','bw2calc','bw2io')) for m in sys.modules))"
    )
    out = (
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        .stdout.strip()
        .splitlines()
    )
    return bool(out) and out[-1] == "True"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    env = dict(
        os.environ, LIPLANET_BW_DIR=os.environ.get("LIPLANET_BW_DIR", tempfile.mkdtemp(prefix="bw-bench-"))
    )
    wall(["assess", "--example"], env)  # warm the Brightway project and caches once
    print(f"{'command':45s} {'median s':>9s} {'min s':>7s}")
    for name, args in COMMANDS.items():
        times = [wall(args, env) for _ in range(a.runs)]
        print(f"{name:45s} {statistics.median(times):9.3f} {min(times):7.3f}")
    for name in ("--help", "validate --example"):
        print(f"{name} imports Brightway: {imports_brightway(COMMANDS[name], env)}")


if __name__ == "__main__":
    main()
