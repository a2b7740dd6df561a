"""How long the quality statistics take per bundle (issue 15 target: < 50 ms for a 10,000-row
quality log): capability, the X-bar/S chart by lot and the run rules of every (step,
characteristic), on a generated log of 4 characteristics x 500 lots x 5 samples = 10,000 rows.
Prints figures; not a test.  Run: python benchmarks/bench_quality.py [--rows N]"""

from __future__ import annotations

import argparse
import statistics
import time
from types import SimpleNamespace

import numpy as np

from liplanet_cert.assessment.quality import quality_stats, summaries

CHARS = [
    ("coating_and_drying", "mass_loading", 20.0, 0.1, (19.4, 20.6)),
    ("calendering", "density", 3.3, 0.01, (3.24, 3.36)),
    ("tab_welding", "pull_force", 40.0, 2.0, (30.0, None)),
    ("electrolyte_filling", "fill_mass", 7.0, 0.02, (6.88, 7.12)),
]


def bundle(rows: int) -> SimpleNamespace:
    rng = np.random.default_rng(15)
    per_char = rows // len(CHARS)
    lots = np.repeat([f"L{i:04d}" for i in range(per_char // 5)], 5)
    step, char, value, lot = [], [], [], []
    specs = {}
    for s, c, mean, sd, (lsl, usl) in CHARS:
        step += [s] * len(lots)
        char += [c] * len(lots)
        value.append(rng.normal(mean, sd, len(lots)))
        lot.append(lots)
        specs[(s, c)] = SimpleNamespace(lsl=lsl, usl=usl, target=None)
    table = {
        "step": np.array(step, dtype=object),
        "characteristic": np.array(char, dtype=object),
        "value": np.concatenate(value),
        "lot_id": np.concatenate(lot).astype(object),
    }
    return SimpleNamespace(quality=_Table(table), quality_specs=specs)


class _Table(dict):
    def __len__(self) -> int:
        return len(self["value"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    a = ap.parse_args()
    b = bundle(a.rows)
    quality_stats(b)  # warm-up (imports, the d2/c4 constants)
    times = []
    for _ in range(20):
        t = time.perf_counter()
        summaries(quality_stats(b))
        times.append(time.perf_counter() - t)
    print(
        f"quality statistics, {len(b.quality):,} rows ({len(CHARS)} characteristics, lots of 5): "
        f"median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms per bundle "
        f"(target < 50 ms)"
    )


if __name__ == "__main__":
    main()
