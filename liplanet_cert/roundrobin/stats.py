"""Proficiency-testing statistics after ISO 13528 (2015/2022): the robust mean and standard deviation
of Algorithm A (Annex C.3), the standard uncertainty of a consensus assigned value (§7.7.3) and the
performance scores z, z′, ζ and E_n (§9) with their flags.

Pure computation: plain floats in, plain floats (or ``None`` where a score cannot be formed) out.
Non-finite inputs are refused with :class:`ValueError`; the readers reject them, located, upstream.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from liplanet_cert.roundrobin.model import FLAGS

#: Algorithm A stops when an iteration changes neither x* nor s* by more than TOLERANCE × s*.
#: ISO 13528 asks only for no change in the third significant figure; this is far tighter, so the
#: result is the fixed point itself and does not depend on where the iteration happened to stop.
TOLERANCE = 1e-10
MAX_ITERATIONS = 1000
#: ISO 13528 §9.2: u(x_pt) is negligible when it does not exceed 0.3 σ_pt; above that, use z′.
U_NEGLIGIBLE = 0.3
#: E_n uses expanded uncertainties U = k u with this coverage factor.
COVERAGE_K = 2.0


@dataclass(frozen=True)
class Robust:
    """Algorithm A's result: robust mean ``x`` and SD ``s`` (None where they do not exist),
    the iterations run, whether the convergence rule was met, and why not, in words."""

    x: float | None
    s: float | None
    iterations: int
    converged: bool
    limitation: str | None = None


def finite(values: Sequence[float] | np.ndarray, what: str = "values") -> np.ndarray:
    """``values`` as a float array; ValueError if any is NaN or infinite."""
    arr = np.asarray(values, dtype=float).ravel()
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what}: NaN or infinite value(s) are not allowed")
    return arr


def _number(value: float, what: str) -> float:
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{what}: {value!r} is not a finite number")
    return v


def _same(a: float, b: float, significant: int) -> bool:
    """``a`` and ``b`` agree when both are rounded to ``significant`` significant figures."""
    return float(f"{a:.{significant - 1}e}") == float(f"{b:.{significant - 1}e}")


def algorithm_a(values: Sequence[float] | np.ndarray, significant: int | None = None) -> Robust:
    """ISO 13528 Annex C.3 Algorithm A.

    Start x* = median, s* = 1.483 median|x − x*|; then repeat: δ = 1.5 s*, winsorise every value to
    [x* − δ, x* + δ], x* = their mean, s* = 1.134 × their SD (n − 1), until neither changes by more
    than TOLERANCE × s* (at most MAX_ITERATIONS).  ``significant=3`` stops instead by the rule ISO
    13528 words: no change of x* and s* in the third significant figure (it reproduces the printed
    values of the standard's examples; the default iterates to the fixed point).  n < 2, or s* = 0
    (all equal, or more than half the values equal), returns a stated limitation instead of dividing
    by zero."""
    x = finite(values)
    n = x.size
    if n == 0:
        return Robust(None, None, 0, False, "no values: no consensus")
    if n == 1:
        return Robust(None, None, 0, False, "one participant: no consensus value is possible")
    x_star = float(np.median(x))
    s_star = 1.483 * float(np.median(np.abs(x - x_star)))
    if s_star == 0.0:
        why = "all values equal" if np.all(x == x[0]) else "more than half of the values equal"
        return Robust(x_star, 0.0, 0, False, f"{why}: robust SD s* = 0 (median absolute deviation 0)")
    for it in range(1, MAX_ITERATIONS + 1):
        delta = 1.5 * s_star
        w = np.clip(x, x_star - delta, x_star + delta)
        new_x = float(w.mean())
        new_s = 1.134 * float(w.std(ddof=1))
        if new_s == 0.0:
            return Robust(new_x, 0.0, it, False, "robust SD s* became 0 while iterating")
        if significant is None:
            done = abs(new_x - x_star) <= TOLERANCE * new_s and abs(new_s - s_star) <= TOLERANCE * new_s
        else:
            done = _same(new_x, x_star, significant) and _same(new_s, s_star, significant)
        x_star, s_star = new_x, new_s
        if done:
            return Robust(x_star, s_star, it, True)
    return Robust(x_star, s_star, MAX_ITERATIONS, False, f"not converged in {MAX_ITERATIONS} iterations")


def u_assigned_consensus(s_star: float, p: int) -> float:
    """ISO 13528 §7.7.3: u(x_pt) = 1.25 s*/√p for a robust consensus of p participants."""
    s = _number(s_star, "s*")
    if p < 1:
        raise ValueError(f"p must be at least 1, found {p}")
    return 1.25 * s / math.sqrt(p)


def _ratio(diff: float, denom_sq: float) -> float | None:
    return diff / math.sqrt(denom_sq) if denom_sq > 0.0 else None


def z_score(x: float, assigned: float, sigma_pt: float) -> float | None:
    """z = (x − x_pt)/σ_pt; None when σ_pt is not positive."""
    s = _number(sigma_pt, "sigma_pt")
    return _ratio(_number(x, "x") - _number(assigned, "x_pt"), s * s if s > 0 else 0.0)


def z_prime_score(x: float, assigned: float, sigma_pt: float, u_assigned: float) -> float | None:
    """z′ = (x − x_pt)/√(σ_pt² + u(x_pt)²)."""
    s, u = _number(sigma_pt, "sigma_pt"), _number(u_assigned, "u(x_pt)")
    return _ratio(_number(x, "x") - _number(assigned, "x_pt"), s * s + u * u)


def zeta_score(x: float, assigned: float, u_x: float, u_assigned: float) -> float | None:
    """ζ = (x − x_pt)/√(u(x)² + u(x_pt)²) with standard uncertainties."""
    a, b = _number(u_x, "u(x)"), _number(u_assigned, "u(x_pt)")
    return _ratio(_number(x, "x") - _number(assigned, "x_pt"), a * a + b * b)


def en_score(x: float, assigned: float, big_u_x: float, big_u_assigned: float) -> float | None:
    """E_n = (x − x_pt)/√(U(x)² + U(x_pt)²) with EXPANDED uncertainties (the caller multiplies a
    standard uncertainty by COVERAGE_K = 2)."""
    a, b = _number(big_u_x, "U(x)"), _number(big_u_assigned, "U(x_pt)")
    return _ratio(_number(x, "x") - _number(assigned, "x_pt"), a * a + b * b)


def flag(score: float, limits: tuple[float, float] = (2.0, 3.0)) -> str:
    """satisfactory (|s| ≤ limits[0]), questionable (between), unsatisfactory (|s| ≥ limits[1])."""
    a = abs(_number(score, "score"))
    lo, hi = limits
    if not 0 < lo < hi:
        raise ValueError(f"limits must satisfy 0 < lower < upper, found {limits}")
    if a <= lo:
        return FLAGS[0]
    return FLAGS[2] if a >= hi else FLAGS[1]


def use_z_prime(sigma_pt: float, u_assigned: float | None) -> bool:
    """ISO 13528 §9.2: when u(x_pt) > 0.3 σ_pt the uncertainty of the assigned value is not
    negligible and z′ is the score to judge."""
    if u_assigned is None:
        return False
    return _number(u_assigned, "u(x_pt)") > U_NEGLIGIBLE * _number(sigma_pt, "sigma_pt")
