"""Peak memory and time of reading large CSV logs (issue "Hostile input": size limits must bound memory).

    python benchmarks/bench_memory.py [--mb 60] [--logs production] [--command validate]

Generates a bundle from the approved example whose logs (``--logs production,eol,energy``: any of
them) are each about ``--mb`` MB of valid rows, then runs ``liplanet-cert COMMAND`` on it as a fresh
process and prints its peak resident memory (``ru_maxrss`` of the child) and wall time, next to the
same command on the example bundle (the interpreter and its imports), and the peak per MB of log.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "bundles" / "approved"
sys.path.insert(0, str(REPO))
from liplanet_cert.catalogue import line_steps  # noqa: E402  (after the sys.path line)

STEPS = line_steps()


def _write(path: Path, header: str, row, size: int) -> int:
    """Write ``header`` and rows ``row(k)`` until the file holds about ``size`` bytes; returns the row count."""
    k = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(header + "\n")
        written = len(header) + 1
        chunk: list[str] = []
        while written < size:
            line = row(k) + "\n"
            chunk.append(line)
            written += len(line)
            k += 1
            if len(chunk) >= 10_000:
                fh.write("".join(chunk))
                chunk.clear()
        fh.write("".join(chunk))
    return k


def make_bundle(dest: Path, mb: float, logs: set[str]) -> dict[str, int]:
    shutil.copytree(EXAMPLE, dest)
    size = int(mb * 1_000_000)
    rows: dict[str, int] = {}
    if "production" in logs:

        def prod(k: int) -> str:
            lot, step = divmod(k, len(STEPS))
            s = STEPS[step]
            return f"2026-09-{1 + lot % 30:02d},{s},L{lot + 1:02d},48,47,1,{'64.1' if s == 'coating_and_drying' else ''}"

        rows["production_log.csv"] = _write(
            dest / "production_log.csv",
            "date,step,lot_id,units_in,good_out,scrap,electrode_length [m]",
            prod,
            size,
        )
    lots = max(1, rows.get("production_log.csv", 11 * 30) // len(STEPS))
    if "production" not in logs:
        lots = 22  # the example's lots L01..L22
    lot_id = lambda j: f"L{j + 1:02d}"  # noqa: E731 - lot ids as in the example (L01, L02, ...)
    if "eol" in logs:

        def eol(k: int) -> str:
            return f"C{k:08d},{lot_id(k % lots)},2026-09-{1 + k % 30:02d},{5 + (k % 97) / 1000:.4f},{1.9 + (k % 13) / 100:.3f},1.1{k % 10},pass"

        rows["eol_tests.csv"] = _write(
            dest / "eol_tests.csv",
            "cell_id,lot_id,date,capacity [Ah],internal_resistance [mohm],ocv_drop [mV],result",
            eol,
            size,
        )
    if "energy" in logs:

        def energy(k: int) -> str:
            return f"{STEPS[1 + k % 2]},2026-09-01,2026-09-30,electricity,{0.001 + (k % 50) / 1000:.3f},kWh,1 %,M-{k:07d}"

        rows["energy.csv"] = _write(
            dest / "energy.csv",
            "step,period_start,period_end,carrier,amount,unit,meter_accuracy,meter_id",
            energy,
            size,
        )
    return rows


def measure(args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(peak RSS in MB, wall seconds, exit code) of ``liplanet-cert ARGS`` as a fresh process."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "liplanet_cert", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        print(f"  (exit {code}: {err.strip()[:300]})")
    return usage.ru_maxrss / 1024, elapsed, code


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=60.0, help="size of each generated log in MB (default 60)")
    ap.add_argument("--logs", default="production", help="comma-separated: production, eol, energy")
    ap.add_argument("--command", default="validate", choices=["validate", "assess"])
    a = ap.parse_args()
    logs = {x.strip() for x in a.logs.split(",") if x.strip()}
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.setdefault("LIPLANET_MAX_FILE_BYTES", str(max(int(a.mb * 1_000_000) + 1_000_000, 64 * 1024 * 1024)))
    env.setdefault(
        "LIPLANET_MAX_BUNDLE_BYTES", str(max(3 * int(a.mb * 1_000_000) + 3_000_000, 256 * 1024 * 1024))
    )
    extra = (
        ["--no-footprint", "--criteria", "liplanet-2026", "--at", "2026-10-15"]
        if a.command == "assess"
        else []
    )
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        bundle = Path(tmp) / "bundle"
        rows = make_bundle(bundle, a.mb, logs)
        sizes = {name: (bundle / name).stat().st_size for name in rows}
        base_rss, base_t, _ = measure([a.command, str(EXAMPLE), *extra], env)
        rss, t, code = measure([a.command, str(bundle), *extra], env)
    total_mb = sum(sizes.values()) / 1e6
    for name, n in rows.items():
        print(f"{name}: {sizes[name] / 1e6:.1f} MB, {n} rows")
    print(f"liplanet-cert {a.command} on the example bundle: peak RSS {base_rss:7.0f} MB, {base_t:6.2f} s")
    print(
        f"liplanet-cert {a.command} on {total_mb:.1f} MB of logs:    peak RSS {rss:7.0f} MB, {t:6.2f} s (exit {code})"
    )
    print(
        f"peak above the example: {rss - base_rss:.0f} MB = {(rss - base_rss) / max(total_mb, 1e-9):.1f} x the logs' size; "
        f"peak in all: {rss / max(total_mb, 1e-9):.1f} x"
    )


if __name__ == "__main__":
    main()
