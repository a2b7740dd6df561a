"""Benchmark of the LCA core; prints wall-clock figures (seconds).

    python benchmarks/bench_footprint.py

1. first-time setup in an empty Brightway directory (biosphere3, IPCC 2021 method, background,
   unit impacts), in a fresh process;
2. one warm footprint in a fresh process (interpreter start + imports + YAML + cache);
3. 1,000 footprints of different bundles in one process after setup;
4. Monte Carlo with 1,000 iterations on one bundle.
Run on a shared, noisy machine: compare ratios within one run rather than absolute numbers.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from liplanet_cert.catalogue import line_steps  # noqa: E402  (after the sys.path line)

STEPS = tuple(line_steps())


def bundle(i: int):
    from liplanet_cert.lca import FootprintInput, MeteredStep

    countries = ("DEU", "FRA", "POL", "SWE", "ITA", "ESP", "EU27")
    metered = {
        "mixing": MeteredStep("mixing", electricity_kwh=500.0 + i, accuracy={"electricity": 0.01}),
        "coating_and_drying": MeteredStep(
            "coating_and_drying",
            electricity_kwh=3000.0 + i,
            natural_gas_kwh=9000.0,
            materials_kg={"nitrogen": 40.0 + i % 7},
        ),
        "formation": MeteredStep("formation", electricity_kwh=5000.0 + 2 * i),
        "dry_room": MeteredStep("dry_room", electricity_kwh=4000.0, natural_gas_kwh=1000.0 + i),
    }
    return FootprintInput(
        country=countries[i % len(countries)],
        cells_produced=20_000 + i,
        cell_energy_kwh=0.018,
        steps=STEPS,
        metered=metered,
    )


def _in_fresh_process(code: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code], check=True, cwd=REPO, env={"PYTHONPATH": str(REPO), "PATH": ""}
    )
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bw_dir = Path(tmp) / "bw"
        setup_code = f"from liplanet_cert.lca import setup_brightway; setup_brightway({str(bw_dir)!r})"
        t_setup = _in_fresh_process(setup_code)

        warm_code = (
            "import sys; sys.path.insert(0, 'benchmarks'); from bench_footprint import bundle; "
            "from liplanet_cert.lca import compute_footprint; import json; "
            f"json.dumps(compute_footprint(bundle(0), bw_dir={str(bw_dir)!r}).to_dict())"
        )
        t_warm = _in_fresh_process(warm_code)

        from liplanet_cert.lca import compute_footprint

        compute_footprint(bundle(0), bw_dir=bw_dir)  # load YAML once, like a long-running process
        bundles = [bundle(i) for i in range(1000)]
        start = time.perf_counter()
        for b in bundles:
            compute_footprint(b, bw_dir=bw_dir).to_dict()
        t_batch = time.perf_counter() - start
        batch_bw = "bw2data" in sys.modules

        start = time.perf_counter()
        compute_footprint(bundle(1), uncertainty=1000, seed=42, bw_dir=bw_dir)
        t_mc = time.perf_counter() - start

        start = time.perf_counter()
        compute_footprint(bundle(2), engine="brightway", bw_dir=bw_dir)
        t_bw_engine = time.perf_counter() - start

    print(f"first-time setup in empty Brightway dir (fresh process): {t_setup:.2f} s   (target <= 5 s)")
    print(f"warm single footprint (fresh process, incl. interpreter): {t_warm:.2f} s   (target <= 3 s)")
    print(
        f"1,000 footprints in one process after setup:            {t_batch:.2f} s   (target <= 2 s; Brightway imported: {batch_bw})"
    )
    print(f"uncertainty 1000 iterations, one bundle (warm process):  {t_mc:.2f} s   (target <= 5 s)")
    print(f"one footprint with engine='brightway' (bw imported):     {t_bw_engine:.2f} s")


if __name__ == "__main__":
    main()
