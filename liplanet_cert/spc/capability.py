"""Process capability of one characteristic: Cp, Cpk (within-subgroup σ̂), Pp, Ppk (overall σ̂),
their confidence intervals and the share of values out of specification.

* ``sd_overall``: the sample standard deviation (divisor n − 1).
* ``sd_within``: with subgroup labels (e.g. lots), the pooled within-subgroup standard deviation
  ``sqrt(Σ (n_i − 1) s_i² / Σ (n_i − 1))`` (no c4 unbiasing); without, the average moving range of
  consecutive values divided by d2(2) = 2/√π ≈ 1.128 (Montgomery, *Introduction to Statistical
  Quality Control*, the individuals chart).
* ``Cp = (USL − LSL) / 6σ``, ``Cpk = min(USL − x̄, x̄ − LSL) / 3σ`` with σ = sd_within; Pp and Ppk
  the same with sd_overall.  One-sided specifications: Cp/Pp None, Cpk/Ppk from the given side.
* Intervals (two-sided, ``confidence`` default 95 %): Cp and Pp by the chi-square distribution,
  ``Ĉp · sqrt(χ²_{α/2, n−1} / (n − 1))`` .. ``Ĉp · sqrt(χ²_{1−α/2, n−1} / (n − 1))``; Cpk and Ppk by
  Bissell's (1990) normal approximation ``Ĉpk ± z_{1−α/2} sqrt(1/(9n) + Ĉpk² / (2(n − 1)))``.  Both
  assume independent, normally distributed values; with a within-subgroup σ̂ the n − 1 degrees of
  freedom are the usual approximation.  They reproduce the SAS/QC PROC CAPABILITY examples (see the
  tests).
* Minimum sample: :data:`MIN_VALUES` values; below it the indices are None and ``limitation`` says
  "too few measurements: n = 12, need ≥ 25".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from liplanet_cert.spc.constants import d2

# The floor of 25 values is the one issue 15 sets ("too few measurements: n = 12, need ≥ 25").  It
# matches the customary Phase I study of about 25 subgroups (Montgomery's piston-ring study, Table
# 6.3, uses 25 samples of 5); a sentence of the AIAG SPC manual (2nd ed., 2005) or of Montgomery
# prescribing exactly 25 values for a capability index could not be confirmed from a primary text
# when this was written, so none is quoted.
MIN_VALUES = 25
MIN_SOURCE = (
    "minimum 25 values: the floor set by issue 15, in line with the customary Phase I study of "
    "about 25 subgroups (e.g. Montgomery's piston-ring data, 25 samples of 5)"
)

Interval = tuple[float, float]


@dataclass(frozen=True)
class Capability:
    """Capability of one characteristic against its specification limits (None where undefined)."""

    n: int
    mean: float | None
    sd_within: float | None
    sd_overall: float | None
    cp: float | None
    cpk: float | None
    pp: float | None
    ppk: float | None
    cp_ci: Interval | None
    cpk_ci: Interval | None
    pp_ci: Interval | None
    ppk_ci: Interval | None
    out_of_spec: float | None  # share of values < LSL or > USL (a value on a limit is in spec)
    lsl: float | None
    usl: float | None
    confidence: float
    min_n_required: int
    limitation: str | None
    method: str


def _finite(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"{name} must be a finite number, found {value!r}")
    return out


def _as_values(values: Sequence[float] | np.ndarray) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    if arr.size and not np.isfinite(arr).all():
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise ValueError(f"values must be finite numbers; value {bad} is {arr[bad]!r}")
    return arr


def pooled_sd(values: np.ndarray, labels: Sequence[object] | np.ndarray) -> tuple[float, int]:
    """Pooled within-subgroup SD and its degrees of freedom Σ(n_i − 1) (vectorised by label)."""
    lab = np.asarray(labels)
    if lab.shape[0] != values.shape[0]:
        raise ValueError(f"subgroups has {lab.shape[0]} labels for {values.shape[0]} values")
    _, inverse = np.unique(lab, return_inverse=True)
    counts = np.bincount(inverse)
    means = np.bincount(inverse, weights=values) / counts
    squares = np.bincount(inverse, weights=(values - means[inverse]) ** 2)
    dof = int(values.shape[0] - counts.shape[0])
    return (math.sqrt(float(squares.sum()) / dof) if dof > 0 else 0.0), dof


def moving_range_sd(values: np.ndarray) -> float:
    """Average moving range of consecutive values / d2(2)."""
    return float(np.abs(np.diff(values)).mean()) / d2(2) if values.shape[0] > 1 else 0.0


def _indices(
    mean: float, sd: float, lsl: float | None, usl: float | None
) -> tuple[float | None, float | None]:
    """(Cp, Cpk) for one σ̂ (sd > 0)."""
    cp = (usl - lsl) / (6.0 * sd) if lsl is not None and usl is not None else None
    sides = [x for x in ((usl - mean) if usl is not None else None,
                         (mean - lsl) if lsl is not None else None) if x is not None]  # fmt: skip
    return cp, min(sides) / (3.0 * sd)


def cp_interval(cp: float | None, n: int, confidence: float) -> Interval | None:
    """Chi-square interval of Cp (or Pp) from n values."""
    if cp is None:
        return None
    alpha = 1.0 - confidence
    # chi-square quantiles by scipy.special.chdtri (the inverse survival function: the same values
    # as scipy.stats.chi2.ppf, without the second it takes to import scipy.stats)
    from scipy.special import chdtri

    lo, hi = chdtri(n - 1, 1.0 - alpha / 2.0) / (n - 1), chdtri(n - 1, alpha / 2.0) / (n - 1)
    return cp * math.sqrt(lo), cp * math.sqrt(hi)


def cpk_interval(cpk: float, n: int, confidence: float) -> Interval:
    """Bissell (1990) normal-approximation interval of Cpk (or Ppk) from n values."""
    z = NormalDist().inv_cdf(1.0 - (1.0 - confidence) / 2.0)
    half = z * math.sqrt(1.0 / (9.0 * n) + cpk * cpk / (2.0 * (n - 1)))
    return cpk - half, cpk + half


def _method(subgroups: bool, confidence: float, min_n: int) -> str:
    within = (
        "pooled within-subgroup standard deviation (no c4 unbiasing)"
        if subgroups
        else "average moving range / d2 (d2 = 2/√π ≈ 1.128)"
    )
    return (
        f"sd_within: {within}; sd_overall: sample standard deviation (n − 1); "
        f"{confidence:.0%} two-sided intervals: Cp/Pp by chi-square (n − 1 degrees of freedom), "
        f"Cpk/Ppk by Bissell (1990) normal approximation; normality assumed; "
        f"{MIN_SOURCE.replace('25', str(min_n), 1)}"
    )


def capability(
    values: Sequence[float] | np.ndarray,
    lsl: float | None = None,
    usl: float | None = None,
    subgroups: Sequence[object] | np.ndarray | None = None,
    *,
    confidence: float = 0.95,
    min_n: int = MIN_VALUES,
) -> Capability:
    """Capability of ``values`` against ``lsl``/``usl`` (either may be None).  ``subgroups`` gives a
    label per value (e.g. the lot) for the within-subgroup σ̂.  Raises ValueError on NaN/inf, on
    LSL ≥ USL or on a confidence outside (0, 1); a degenerate sample gives None and a limitation."""
    arr = _as_values(values)
    lo, hi = _finite("lsl", lsl), _finite("usl", usl)
    if lo is not None and hi is not None and lo >= hi:
        raise ValueError(f"lsl must be below usl, found lsl = {lo!r}, usl = {hi!r}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, found {confidence!r}")
    n = int(arr.shape[0])
    method = _method(subgroups is not None, confidence, min_n)
    empty = dict(cp=None, cpk=None, pp=None, ppk=None, cp_ci=None, cpk_ci=None, pp_ci=None)
    base = dict(n=n, lsl=lo, usl=hi, confidence=confidence, min_n_required=min_n, method=method)
    if n < 2:
        return Capability(
            mean=float(arr[0]) if n else None, sd_within=None, sd_overall=None, ppk_ci=None,
            out_of_spec=_out_of_spec(arr, lo, hi), **empty, **base,
            limitation=f"too few measurements: n = {n}, need ≥ {min_n}",
        )  # fmt: skip
    mean = float(arr.mean())
    overall = float(arr.std(ddof=1))
    within = pooled_sd(arr, subgroups)[0] if subgroups is not None else moving_range_sd(arr)
    described = dict(mean=mean, sd_within=within, sd_overall=overall,
                     out_of_spec=_out_of_spec(arr, lo, hi))  # fmt: skip
    limitation = _limitation(n, min_n, lo, hi, within, overall)
    if limitation is not None:
        return Capability(**described, **empty, ppk_ci=None, **base, limitation=limitation)
    cp, cpk = _indices(mean, within, lo, hi)
    pp, ppk = _indices(mean, overall, lo, hi)
    return Capability(
        **described, cp=cp, cpk=cpk, pp=pp, ppk=ppk,
        cp_ci=cp_interval(cp, n, confidence), cpk_ci=cpk_interval(cpk, n, confidence),
        pp_ci=cp_interval(pp, n, confidence), ppk_ci=cpk_interval(ppk, n, confidence),
        **base, limitation=None,
    )  # fmt: skip


def _limitation(
    n: int, min_n: int, lo: float | None, hi: float | None, within: float, overall: float
) -> str | None:
    """Why the indices cannot be given, or None."""
    if n < min_n:
        return f"too few measurements: n = {n}, need ≥ {min_n}"
    if lo is None and hi is None:
        return "no specification limits: capability indices need LSL and/or USL"
    if within <= 0.0 or overall <= 0.0:
        which = "within-subgroup" if within <= 0.0 else "overall"
        return f"zero spread: the {which} standard deviation is 0, the indices are undefined"
    return None


def _out_of_spec(arr: np.ndarray, lo: float | None, hi: float | None) -> float | None:
    """Share of values strictly below LSL or above USL; None without limits or values."""
    if (lo is None and hi is None) or arr.shape[0] == 0:
        return None
    out = np.zeros(arr.shape[0], dtype=bool)
    if lo is not None:
        out |= arr < lo
    if hi is not None:
        out |= arr > hi
    return float(out.mean())
