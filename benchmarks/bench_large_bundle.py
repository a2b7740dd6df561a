"""Near-industrial bundles (issue 16): a year of a 1,000 and a 10,000 cells/day line, as CSV and Parquet.

    python benchmarks/bench_large_bundle.py [--rate 1000,10000] [--days 365] [--formats csv,parquet]
                                            [--lot-size 50] [--timeout 600] [--keep DIR]

Generates deterministically (numpy, fixed seed) a bundle of the approved example's shape per cells/day
rate: every lot (``--lot-size`` cells) flows through the 11 steps on consecutive days (the line runs
every day of the period, so 1,000 cells/day over 365 days is about 355,000 end-of-line rows: lots
started in the last 10 days would finish after the period and are not started), with realistic
scrap per step; the units balance (good out of a step = units into the next), end-of-line rows =
units into quality control and end-of-line fails = quality-control scrap per lot; energy.csv per
step and month; quality_log.csv; a declaration with the year's period and the logs' own KPIs.  The
Parquet variant holds the same columns (quantity columns named without ``[unit]``, the unit in the
field metadata key ``unit``) and its declaration points at production_log.parquet / eol_tests.parquet.

Then runs ``liplanet-cert validate`` and ``liplanet-cert assess`` (footprint as by default) on each
as fresh processes and prints wall time and peak RSS (``ru_maxrss`` of the child, from ``os.wait4``),
and the time a bare ``pandas.read_csv(engine="pyarrow")`` (``pyarrow.parquet.read_table`` for Parquet)
takes to read the same log files, measured in the same run two ways: as a fresh process too
(interpreter, ``import pandas``, the read: what ``validate``'s wall time compares with), and in one
warm process next to ``load_bundle`` (the reading and checking ``validate`` does, without the
interpreter and the imports); both ratios, and PASS/MISS against the issue's targets.  Generation time is printed apart.  Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "bundles" / "approved"
STEPS = [
    "mixing",
    "coating_and_drying",
    "calendering",
    "cutting",
    "stacking_or_winding",
    "tab_welding",
    "electrolyte_filling",
    "sealing",
    "formation",
    "aging",
    "quality_control",
]  # fmt: skip  (catalogue.line_steps(), in order; the last step is quality control)
# per-step scrap probability: the approved example's (its overall scrap 7.7 %, each step within its limit)
SCRAP = [0.003, 0.015, 0.008, 0.01, 0.008, 0.004, 0.004, 0.004, 0.01, 0.004, 0.008]
# quality_log.csv: (step, characteristic, unit, mean, sigma, decimals); the declaration's limits are the
# approved example's quality_specs (sigma = tolerance / 6, as there)
QUALITY = [
    ("coating_and_drying", "mass_loading", "mg/cm^2", 20.0, 0.1, 2),
    ("calendering", "density", "g/cm^3", 3.30, 0.01, 3),
    ("tab_welding", "pull_force", "N", 45.0, 2.0, 1),
    ("electrolyte_filling", "fill_mass", "g", 7.0, 0.02, 3),
]
# energy.csv per step and month: (step, carrier, meter, unit, amount per good cell): the examples' factors
ENERGY = [
    ("coating_and_drying", "electricity", "M-101", "kWh", 0.085),
    ("calendering", "electricity", "M-102", "kWh", 0.045),
    ("formation", "electricity", "M-201", "kWh", 0.21),
    ("aging", "electricity", "M-202", "MJ", 0.072),
    ("dry_room", "electricity", "M-301", "kWh", 0.16),
    ("dry_room", "natural_gas", "G-301", "kWh", 0.14),
    ("formation", "natural_gas", "none: no gas supply to formation", "kWh", 0.0),
    ("coating_and_drying", "natural_gas", "G-101", "MJ", 0.62),
]
PROD_UNITS = {"electrode_length": "m"}
EOL_UNITS = {"capacity": "Ah", "internal_resistance": "mohm", "ocv_drop": "mV"}
START = date(2025, 1, 1)
# the targets: cells/day -> (seconds, MB) for validate and assess; validate within 5x the bare read
TARGETS = {1000: (3.0, 400.0), 10000: (20.0, 1536.0)}
READ_FACTOR = 5.0


def generate(rate: int, days: int, lot_size: int = 500, seed: int = 2026) -> dict[str, Any]:
    """The line's logs as numpy columns: ``prod`` (one row per lot and step), ``eol`` (one per cell
    into quality control), ``quality`` and the lots' figures; vectorised over lots and cells."""
    rng = np.random.default_rng([seed, rate, days, lot_size])
    per_day = max(1, rate // lot_size)
    start_days = max(1, days - (len(STEPS) - 1))  # every lot ends within the period
    first = np.repeat(np.arange(start_days), per_day)  # start day index of each lot
    n_lots = len(first)
    units_in = np.empty((n_lots, len(STEPS)), dtype=np.int64)
    scrap = np.empty_like(units_in)
    n = np.full(n_lots, lot_size, dtype=np.int64)
    for k, p in enumerate(SCRAP):  # a loop over the 11 steps, vectorised over lots
        units_in[:, k] = n
        scrap[:, k] = rng.binomial(n, p)
        n = n - scrap[:, k]
    day = first[:, None] + np.arange(len(STEPS))[None, :]  # step k of a lot on its start day + k
    length = np.full((n_lots, len(STEPS)), np.nan)
    length[:, 1] = np.round(lot_size * 1.25 * rng.uniform(0.95, 1.05, n_lots), 1)
    lot_ids = np.char.add("L", np.char.zfill(np.arange(1, n_lots + 1).astype(str), 6))
    prod = {
        "date": day.ravel(),
        "step": np.tile(np.array(STEPS), n_lots),
        "lot_id": np.repeat(lot_ids, len(STEPS)),
        "units_in": units_in.ravel(),
        "good_out": (units_in - scrap).ravel(),
        "scrap": scrap.ravel(),
        "electrode_length": length.ravel(),
    }
    eol = _eol(rng, units_in[:, -1], scrap[:, -1], day[:, -1], lot_ids)
    return {
        "prod": prod,
        "eol": eol,
        "quality": _quality(rng, day, lot_ids),
        "units_first": units_in[:, 0],
        "good_last": units_in[:, -1] - scrap[:, -1],
        "qc_day": day[:, -1],
        "length": length[:, 1],
        "days": days,
    }


def _eol(rng: Any, tested: Any, fails: Any, qc_day: Any, lot_ids: Any) -> dict[str, Any]:
    """One row per cell into quality control; a lot's quality-control scrap fails, at random places."""
    lot = np.repeat(np.arange(len(tested)), tested)
    n = len(lot)
    order = np.lexsort((rng.random(n), lot))  # cells of a lot in random order
    pos = np.arange(n) - np.repeat(np.cumsum(tested) - tested, tested)
    fail = np.empty(n, dtype=bool)
    fail[order] = pos < fails[lot]
    cap = np.where(fail, rng.normal(5.0 * 0.93, 0.07, n), rng.normal(5.0 * 1.01, 0.035, n))
    ir = np.where(fail, rng.normal(2.6, 0.2, n), rng.normal(1.9, 0.06, n))
    ocv = np.abs(np.where(fail, rng.normal(4.5, 1.0, n), rng.normal(1.2, 0.25, n)))
    return {
        "cell_id": np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), 9)),
        "lot_id": lot_ids[lot],
        "date": qc_day[lot],
        "capacity": np.round(cap, 4),
        "internal_resistance": np.round(ir, 3),
        "ocv_drop": np.round(ocv, 2),
        "result": np.where(fail, "fail", "pass"),
    }


def _quality(rng: Any, day: Any, lot_ids: Any, samples: int = 5) -> dict[str, Any]:
    """quality_log.csv: per lot and measured step, ``samples`` values on the day of that step."""
    cols: dict[str, list[Any]] = {k: [] for k in ("date", "step", "lot_id", "sample_id", "characteristic")}
    cols.update(value=[], unit=[])
    m = len(lot_ids) * samples
    for step, char, unit, mean, sigma, decimals in QUALITY:
        cols["date"].append(np.repeat(day[:, STEPS.index(step)], samples))
        cols["step"].append(np.full(m, step))
        cols["lot_id"].append(np.repeat(lot_ids, samples))
        cols["sample_id"].append(np.tile(np.array([f"S{j + 1}" for j in range(samples)]), len(lot_ids)))
        cols["characteristic"].append(np.full(m, char))
        cols["value"].append(np.round(rng.normal(mean, sigma, m), decimals))
        cols["unit"].append(np.full(m, unit))
    return {k: np.concatenate(v) for k, v in cols.items()}


def _table(cols: dict[str, Any], units: dict[str, str], parquet: bool) -> Any:
    """An Arrow table of ``cols`` (day indexes become dates); CSV names carry ``[unit]``, Parquet
    fields the metadata ``unit``."""
    import pyarrow as pa

    fields, arrays = [], []
    for name, values in cols.items():
        if name in ("date", "period_start", "period_end") and values.dtype.kind == "i":
            arr = pa.array(values.astype("int32") + (START - date(1970, 1, 1)).days, pa.int32()).cast(
                pa.date32()
            )
        else:
            arr = pa.array(values, from_pandas=True)  # (NaN: an empty cell / a null)
        unit = units.get(name)
        meta = {b"unit": unit.encode()} if (unit and parquet) else None
        fields.append(
            pa.field(name if (parquet or not unit) else f"{name} [{unit}]", arr.type, metadata=meta)
        )
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _write_csv(path: Path, table: Any) -> None:
    """The table as plain CSV (header unquoted, as a line writes it; no quoting needed)."""
    import pyarrow.csv as pcsv

    with open(path, "wb") as fh:
        fh.write((",".join(table.column_names) + "\n").encode())
        pcsv.write_csv(table, fh, pcsv.WriteOptions(include_header=False, quoting_style="none"))


def _energy(line: dict[str, Any]) -> dict[str, Any]:
    """energy.csv: per metered step and calendar month, the month's good cells x the factor."""
    end = START + timedelta(days=line["days"] - 1)
    months = np.arange(np.datetime64(START, "M"), np.datetime64(end, "M") + 1)
    cell_day = np.datetime64(START) + line["qc_day"]
    cells = np.bincount(
        np.searchsorted(months, cell_day.astype("datetime64[M]")), line["good_last"], len(months)
    )
    rows: dict[str, list[Any]] = {k: [] for k in ("step", "period_start", "period_end", "carrier", "amount")}
    rows.update(unit=[], meter_accuracy=[], meter_id=[])
    for step, carrier, meter, unit, factor in ENERGY:  # a few rows per month: plain Python
        for m, c in zip(months, cells.tolist()):
            lo = max(m.astype("datetime64[D]").item(), START)
            hi = min((m + 1).astype("datetime64[D]").item() - timedelta(days=1), end)
            rows["step"].append(step)
            rows["period_start"].append(lo.isoformat())
            rows["period_end"].append(hi.isoformat())
            rows["carrier"].append(carrier)
            rows["amount"].append(round(c * factor, 1))
            rows["unit"].append(unit)
            rows["meter_accuracy"].append("1 %" if factor else "")  # (no meter: no accuracy)
            rows["meter_id"].append(meter)
    return {k: np.array(v) for k, v in rows.items()}


def _declaration(line: dict[str, Any], rate: int, parquet: bool) -> str:
    """The declaration: the example's with the year's period, the logs' KPIs and the log files."""
    text = (EXAMPLE / "declaration.yaml").read_text(encoding="utf-8")
    head, rest = text.split("kpis:", 1)
    _kpis_old, tail = rest.split("files:", 1)
    end = START + timedelta(days=line["days"] - 1)
    head = head.replace('start: "2026-09-01"', f'start: "{START}"').replace(
        'end: "2026-09-30"', f'end: "{end}"'
    )
    head = head.replace("Nordwerk Pouch Pilot Line", f"Nordwerk Pouch Line {rate} cells-day")
    good, eol = line["good_last"], line["eol"]
    produced = np.unique(line["qc_day"][good > 0])
    length = line["length"]
    kpis = {
        "scrap_rate": f"{(1 - good.sum() / line['units_first'].sum()) * 100:.2f} %",
        "cell_throughput": f"{good.sum() / len(produced):.1f} cell/day",
        "electrode_throughput": f"{length.sum() / len(np.unique(line['qc_day'] - 9)):.1f} m/day",
        "electrode_per_batch": f"{length.mean():.1f} m/batch",
        "eol_pass_rate": f"{(eol['result'] == 'pass').mean() * 100:.2f} %",
        "capacity_mean": f"{eol['capacity'].mean():.3f} Ah",
    }
    ext = "parquet" if parquet else "csv"
    tail = tail.replace("production_log.csv", f"production_log.{ext}").replace(
        "eol_tests.csv", f"eol_tests.{ext}"
    )
    return head + "kpis:\n" + "".join(f'  {k}: "{v}"\n' for k, v in kpis.items()) + "files:" + tail


def write_bundle(dest: Path, line: dict[str, Any], rate: int, parquet: bool) -> dict[str, Path]:
    """Write the bundle into ``dest``; returns the log files a bare reader reads, by kind."""
    import pyarrow.parquet as pq

    dest.mkdir(parents=True)
    shutil.copytree(EXAMPLE / "evidence", dest / "evidence")
    (dest / "declaration.yaml").write_text(_declaration(line, rate, parquet), encoding="utf-8")
    logs = {}
    for kind, cols, units in (
        ("production_log", line["prod"], PROD_UNITS),
        ("eol_tests", line["eol"], EOL_UNITS),
    ):
        table = _table(cols, units, parquet)
        logs[kind] = dest / f"{kind}.{'parquet' if parquet else 'csv'}"
        if parquet:
            pq.write_table(table, logs[kind])
        else:
            _write_csv(logs[kind], table)
    for kind, cols in (("energy", _energy(line)), ("quality_log", line["quality"])):
        logs[kind] = dest / f"{kind}.csv"
        _write_csv(logs[kind], _table(cols, {}, False))
    return logs


def bare_read(logs: dict[str, Path], repeat: int = 3) -> float:
    """Seconds (best of ``repeat``) a bare columnar read of the log files takes in this process:
    ``pandas.read_csv(engine="pyarrow")`` per CSV, ``pyarrow.parquet.read_table`` per Parquet file."""
    import pandas as pd
    import pyarrow.parquet as pq

    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for path in logs.values():
            if path.suffix == ".parquet":
                pq.read_table(path)
            else:
                pd.read_csv(path, engine="pyarrow")
        best = min(best, time.perf_counter() - t)
    return best


def fresh_bare_read(logs: dict[str, Path], env: dict[str, str], timeout: float) -> float:
    """Wall seconds of the bare read as a fresh process (interpreter, ``import pandas``, the read):
    the floor a command-line tool that reads these files with pandas cannot go below."""
    script = (
        "import sys, pandas as pd, pyarrow.parquet as pq\n"
        "for p in sys.argv[1:]:\n"
        "    pq.read_table(p) if p.endswith('.parquet') else pd.read_csv(p, engine='pyarrow')\n"
    )
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", script, *map(str, logs.values())], env=env, timeout=timeout, check=True
    )
    return time.perf_counter() - t


def reader_in_process(bundle: Path, logs: dict[str, Path], repeat: int = 3) -> tuple[float, float]:
    """(seconds of ``load_bundle`` — reading and checking every file, what ``validate`` does —,
    seconds of the bare read of the logs), each the best of ``repeat`` in one warm process: the
    reader's own factor over the bare read, without the interpreter and imports both pay."""
    from liplanet_cert.bundle.load import load_bundle

    load_bundle(bundle)  # warm: imports, caches
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        load_bundle(bundle)
        best = min(best, time.perf_counter() - t)
    return best, bare_read(logs, repeat)


def run_cli(args: list[str], env: dict[str, str], timeout: float) -> tuple[float, float, int | None, str]:
    """(peak RSS in MB, wall seconds, exit code or None on timeout, output tail) of
    ``liplanet-cert ARGS`` as a fresh process."""
    with tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "liplanet_cert", *args], env=env, stdout=err, stderr=subprocess.STDOUT
        )
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        while pid == 0 and time.perf_counter() - t < timeout:
            time.sleep(0.02)
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        elapsed = time.perf_counter() - t
        code: int | None = None
        if pid == 0:  # timed out: stop it (this child only) and reap it
            proc.kill()
            _pid, status, usage = os.wait4(proc.pid, 0)
        else:
            code = os.waitstatus_to_exitcode(status)
        proc.returncode = -1  # (reaped here: Popen must not wait for it again)
        err.seek(0)
        tail = err.read().decode("utf-8", "replace").strip()[-2000:]
    return usage.ru_maxrss / 1024, elapsed, code, tail


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _report(
    rate: int,
    fmt: str,
    cmd: str,
    res: tuple[float, float, int | None, str],
    read: float,
    warm: tuple[float, float],
) -> None:
    """One line of figures, against the targets of ``rate`` (other rates have none: MISS on NaN)."""
    rss, wall, code, tail = res
    secs, mb = TARGETS.get(rate, (float("nan"), float("nan")))
    if code is None:
        print(f"  {cmd:8s} TIMEOUT after {wall:.0f} s (peak RSS {rss:.0f} MB)")
        return
    if fmt == "parquet" and code == 2:  # (until the reader accepts Parquet)
        first = next((x.strip() for x in tail.splitlines() if ".parquet" in x), tail[-160:])
        print(f"  {cmd:8s} not supported (exit 2: {first[:160]})")
        return
    note = "" if code in (0, 1) else f"  exit {code}: {tail[-200:]}"
    line = f"  {cmd:8s} {wall:7.2f} s [{_verdict(wall <= secs)} <= {secs:g} s]  peak {rss:6.0f} MB [{_verdict(rss <= mb)} <= {mb:g} MB]"
    if cmd == "validate":
        own, bare = warm
        line += (
            f"\n           / fresh bare read {wall / read:4.1f}x [{_verdict(wall <= READ_FACTOR * read)} <= {READ_FACTOR:g}x];"
            f" in one warm process: checked read {own:.2f} s / bare read {bare:.2f} s = {own / bare:4.1f}x"
            f" [{_verdict(own <= READ_FACTOR * bare)} <= {READ_FACTOR:g}x]"
        )
    else:
        line += f"  verdict {'approved' if code == 0 else 'not approved' if code == 1 else '-'}"
    print(line + note)


def _env() -> dict[str, str]:
    """The children's environment: this checkout first on the path; the default size limits (a
    log may be 512 MiB: the 10,000 cells/day year's end-of-line log is about 190 MB)."""
    return dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _generate(
    rate: int, days: int, lot_size: int, bundle: Path, parquet: bool
) -> tuple[dict[str, Path], str]:
    """Generate and write one bundle (run in a spawned process): its logs and a line of sizes."""
    line = generate(rate, days, lot_size)
    logs = write_bundle(bundle, line, rate, parquet)
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in logs.values())
    rows = f"{len(line['prod']['step']):,} production rows, {len(line['eol']['cell_id']):,} end-of-line rows"
    return logs, f"{rows}; {sizes}"


def _in_fresh_process(func: Any, *args: Any) -> Any:
    """``func(*args)`` in a spawned interpreter.  This process must stay small: Linux carries the
    parent's peak RSS into a child's ``ru_maxrss`` across fork and exec, so generating or reading
    the logs here would inflate every peak measured after it."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(func, args)


def bench(rate: int, fmt: str, a: argparse.Namespace, root: Path, env: dict[str, str]) -> None:
    """Generate one bundle, then measure validate, assess and the bare read on it."""
    t = time.perf_counter()
    bundle = root / f"line-{rate}-{fmt}"
    logs, what = _in_fresh_process(_generate, rate, a.days, a.lot_size, bundle, fmt == "parquet")
    gen = time.perf_counter() - t
    print(f"\n{rate:,} cells/day x {a.days} days, {fmt}: {what} (generated in {gen:.1f} s, not counted)")
    runs = {cmd: run_cli([cmd, str(bundle)], env, a.timeout) for cmd in ("validate", "assess")}
    read = fresh_bare_read(logs, env, a.timeout)
    warm = _in_fresh_process(reader_in_process, bundle, logs)
    print(
        f"  bare read (pandas.read_csv engine=pyarrow; pyarrow.parquet.read_table): {read:.2f} s as a fresh"
        f" process (interpreter, import pandas, read), {warm[1]:.2f} s in a warm one"
    )
    for cmd, res in runs.items():
        _report(rate, fmt, cmd, res, read, warm)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", default="1000,10000", help="cells/day of each line, comma-separated")
    ap.add_argument("--days", type=int, default=365, help="days of the reporting period (default 365)")
    ap.add_argument(
        "--lot-size",
        type=int,
        default=50,
        help="cells per lot (default 50, near the approved example's 48, dividing both rates)",
    )
    ap.add_argument("--formats", default="csv,parquet", help="csv, parquet or both")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per command before it is stopped")
    ap.add_argument("--keep", type=Path, help="write the bundles here and keep them")
    a = ap.parse_args(argv)
    env = _env()
    base = run_cli(["assess", str(EXAMPLE)], env, a.timeout)  # (also sets up Brightway once)
    print(
        f"assess on the example bundle (interpreter, imports, footprint): {base[1]:.2f} s, peak {base[0]:.0f} MB"
    )
    with tempfile.TemporaryDirectory(prefix="bench-large-") as tmp:
        root = a.keep if a.keep else Path(tmp)
        for rate in (int(r) for r in a.rate.split(",") if r.strip()):
            for fmt in (f.strip() for f in a.formats.split(",") if f.strip()):
                bench(rate, fmt, a, root, env)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
