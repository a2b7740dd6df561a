"""Shewhart control charts: individuals / moving range (I-MR), X̄–R and X̄–S (Montgomery,
*Introduction to Statistical Quality Control*, chapter 6; NIST/SEMATECH e-Handbook §6.3.2).

* I-MR: centre x̄, σ̂ = MR̄ / d2(2) (d2(2) = 2/√π ≈ 1.128), limits x̄ ± 3σ̂; the MR chart has centre
  MR̄, UCL = D4(2)·MR̄ ≈ 3.267·MR̄, LCL = 0.
* X̄–R (equal subgroup sizes n = 2..25): centre x̄̄, limits x̄̄ ± A2·R̄; R chart R̄, D3·R̄, D4·R̄;
  σ̂ = R̄ / d2(n).
* X̄–S: equal sizes: x̄̄ and s̄ the plain averages, limits x̄̄ ± A3(n)·s̄, S chart B3·s̄, B4·s̄,
  σ̂ = s̄ / c4(n).  Varying sizes (Montgomery's procedure for variable sample size):
  x̄̄ = Σ n_i x̄_i / Σ n_i, s̄ = sqrt(Σ (n_i − 1) s_i² / Σ (n_i − 1)), limits per subgroup with
  A3(n_i), B3(n_i), B4(n_i), σ̂ = s̄.

Every chart gives, per plotted point, the centre, UCL, LCL and the standard deviation of the
plotted statistic (``sigma``), ready for :func:`run_rules` (re-exported here).  The constants are
computed (:mod:`liplanet_cert.spc.constants`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from liplanet_cert.spc.constants import MAX_RANGE_SIZE, a2, a3, b3, b4, c4, d2, d3, d3_factor, d4_factor
from liplanet_cert.spc.rules import Violation, run_rules

__all__ = ["Chart", "Series", "Violation", "individuals", "run_rules", "xbar_r", "xbar_s"]


@dataclass(frozen=True, eq=False)
class Series:
    """One plotted series with its limits, one value per point (read-only arrays)."""

    name: str  # "X", "MR", "X̄", "R" or "S"
    points: np.ndarray
    centre: np.ndarray
    ucl: np.ndarray
    lcl: np.ndarray
    sigma: np.ndarray  # standard deviation of the plotted statistic at each point

    def beyond(self) -> np.ndarray:
        """Indices of the points outside their control limits."""
        return np.flatnonzero((self.points > self.ucl) | (self.points < self.lcl))


@dataclass(frozen=True, eq=False)
class Chart:
    """A location chart (X or X̄) with its dispersion chart (MR, R or S)."""

    kind: str  # "I-MR", "Xbar-R" or "Xbar-S"
    location: Series
    dispersion: Series
    sigma: float  # σ̂ of the individual values
    sizes: np.ndarray  # values per plotted point (1 for individuals)
    method: str


def _frozen(value: float | np.ndarray, size: int) -> np.ndarray:
    arr = np.array(np.broadcast_to(np.asarray(value, dtype=float), (size,)))
    arr.setflags(write=False)
    return arr


Limit = float | np.ndarray


def _series(name: str, points: np.ndarray, centre: Limit, ucl: Limit, lcl: Limit, sigma: Limit) -> Series:
    size = points.shape[0]
    return Series(
        name, _frozen(points, size), _frozen(centre, size), _frozen(ucl, size),
        _frozen(lcl, size), _frozen(sigma, size),
    )  # fmt: skip


def _values(values: Sequence[float] | np.ndarray, what: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    if not np.isfinite(arr).all():
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise ValueError(f"{what} must be finite numbers; value {bad} is {arr[bad]!r}")
    return arr


def individuals(values: Sequence[float] | np.ndarray) -> Chart:
    """Individuals and moving-range chart of ``values`` in time order (at least 2 values)."""
    x = _values(values, "values")
    if x.shape[0] < 2:
        raise ValueError(f"an individuals chart needs at least 2 values, found {x.shape[0]}")
    mr = np.abs(np.diff(x))
    mr_bar = float(mr.mean())
    sigma = mr_bar / d2(2)
    centre = float(x.mean())
    location = _series("X", x, centre, centre + 3 * sigma, centre - 3 * sigma, sigma)
    dispersion = _series("MR", mr, mr_bar, d4_factor(2) * mr_bar, 0.0, d3(2) * sigma)
    return Chart(
        "I-MR", location, dispersion, sigma, np.ones(x.shape[0], dtype=int),
        "individuals: centre mean, σ̂ = MR̄/d2(2) (2/√π ≈ 1.128), limits ± 3σ̂; "
        "moving range: centre MR̄, UCL = D4(2)·MR̄ ≈ 3.267·MR̄, LCL 0",
    )  # fmt: skip


def _groups(groups: Sequence[Sequence[float] | np.ndarray]) -> list[np.ndarray]:
    if len(groups) < 2:
        raise ValueError(f"a subgroup chart needs at least 2 subgroups, found {len(groups)}")
    out = [_values(g, f"subgroup {i}") for i, g in enumerate(groups)]
    small = [i for i, g in enumerate(out) if g.shape[0] < 2]
    if small:
        raise ValueError(f"each subgroup needs at least 2 values; subgroup {small[0]} has fewer")
    return out


def xbar_r(groups: Sequence[Sequence[float] | np.ndarray]) -> Chart:
    """X̄–R chart of equal-sized subgroups (2..25 values each)."""
    gs = _groups(groups)
    n = gs[0].shape[0]
    if any(g.shape[0] != n for g in gs) or n > MAX_RANGE_SIZE:
        sizes = sorted({g.shape[0] for g in gs})
        raise ValueError(f"X̄–R needs equal subgroup sizes of 2..25 values, found sizes {sizes}")
    data = np.vstack(gs)
    means = data.mean(axis=1)
    ranges = data.max(axis=1) - data.min(axis=1)
    centre, r_bar = float(means.mean()), float(ranges.mean())
    sigma = r_bar / d2(n)
    spread = a2(n) * r_bar
    location = _series("X̄", means, centre, centre + spread, centre - spread, sigma / math.sqrt(n))
    dispersion = _series("R", ranges, r_bar, d4_factor(n) * r_bar, d3_factor(n) * r_bar, d3(n) * sigma)
    return Chart(
        "Xbar-R", location, dispersion, sigma, np.full(len(gs), n),
        f"X̄–R, n = {n}: centre x̄̄, limits x̄̄ ± A2·R̄ (A2 = {a2(n):.3f}); R chart D3·R̄, D4·R̄ "
        f"(D3 = {d3_factor(n):.3f}, D4 = {d4_factor(n):.3f}); σ̂ = R̄/d2 (d2 = {d2(n):.3f})",
    )  # fmt: skip


def xbar_s(groups: Sequence[Sequence[float] | np.ndarray]) -> Chart:
    """X̄–S chart; subgroup sizes may vary (each at least 2 values)."""
    gs = _groups(groups)
    sizes = np.array([g.shape[0] for g in gs])
    x = np.concatenate(gs)  # one pass over all values (a log of 10,000 rows has 2,000 lots)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    means = np.add.reduceat(x, starts) / sizes
    sds = np.sqrt(np.add.reduceat((x - np.repeat(means, sizes)) ** 2, starts) / (sizes - 1))
    factors = {int(n): (a3(int(n)), b3(int(n)), b4(int(n)), c4(int(n))) for n in np.unique(sizes)}
    f_a3, f_b3, f_b4, f_c4 = (np.array([factors[int(n)][k] for n in sizes]) for k in range(4))
    if (sizes == sizes[0]).all():
        centre, s_bar = float(means.mean()), float(sds.mean())
        sigma = s_bar / float(f_c4[0])
        rule = f"equal sizes n = {sizes[0]}: x̄̄ and s̄ plain averages, σ̂ = s̄/c4"
    else:
        centre = float((sizes * means).sum() / sizes.sum())
        s_bar = math.sqrt(float(((sizes - 1) * sds**2).sum() / (sizes - 1).sum()))
        sigma = s_bar
        rule = "varying sizes: x̄̄ weighted by n_i, s̄ pooled, limits per subgroup size, σ̂ = s̄"
    location = _series(
        "X̄", means, centre, centre + f_a3 * s_bar, centre - f_a3 * s_bar, sigma / np.sqrt(sizes)
    )
    dispersion = _series("S", sds, s_bar, f_b4 * s_bar, f_b3 * s_bar, sigma * np.sqrt(1.0 - f_c4**2))
    return Chart(
        "Xbar-S", location, dispersion, sigma, sizes,
        f"X̄–S ({rule}): limits x̄̄ ± A3·s̄; S chart B3·s̄, B4·s̄ (A3, B3, B4 from c4, exact)",
    )  # fmt: skip
