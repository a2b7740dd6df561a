"""Benchmark of the statistics core (issue 15); prints wall-clock figures (milliseconds).

    python benchmarks/bench_spc.py

On 10,000 values (and 100,000 for scale): capability with and without lot labels, the I-MR chart,
the Nelson run rules on it, X̄–R and X̄–S on 400 lots of 25, and the three together.  Each figure is
the median of 50 runs after one warm-up (the warm-up also fills the cached d2/d3 integrals).  Run on
a shared, noisy machine: compare ratios within one run rather than absolute numbers.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from liplanet_cert.spc.capability import capability  # noqa: E402  (after the sys.path line)
from liplanet_cert.spc.control import individuals, run_rules, xbar_r, xbar_s  # noqa: E402

RUNS = 50


def median_ms(fn: Callable[[], object]) -> float:
    fn()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000.0 * statistics.median(times)


def report(n: int, rng: np.random.Generator) -> None:
    """Print the figures for ``n`` values (lots of 25)."""
    values = rng.normal(50.0, 1.0, n)
    lots = np.repeat(np.arange(n // 25), 25)
    groups = list(values.reshape(-1, 25))

    def imr_rules() -> None:
        chart = individuals(values)
        run_rules(chart.location.points, chart.location.centre, chart.location.sigma)

    def all_three() -> None:
        capability(values, lsl=45.0, usl=55.0)
        imr_rules()

    figures = {
        "capability (moving range)": lambda: capability(values, lsl=45.0, usl=55.0),
        "capability (lot labels)": lambda: capability(values, 45.0, 55.0, subgroups=lots),
        "I-MR chart": lambda: individuals(values),
        "I-MR + Nelson rules": imr_rules,
        "X̄–R, lots of 25": lambda: xbar_r(groups),
        "X̄–S, lots of 25": lambda: xbar_s(groups),
        "capability + I-MR + rules": all_three,
    }
    print(f"n = {n:,} values (median of {RUNS} runs)")
    for name, fn in figures.items():
        print(f"  {name:28s} {median_ms(fn):8.3f} ms")


def main() -> None:
    rng = np.random.default_rng(15)
    for n in (10_000, 100_000):
        report(n, rng)


if __name__ == "__main__":
    main()
