"""Control-chart constants d2, d3, c4 and the factors built on them (A2, D3, D4, A3, B3, B4).

They are computed, not copied from a table:

* ``c4(n) = sqrt(2 / (n - 1)) * Γ(n / 2) / Γ((n - 1) / 2)``, the mean of the sample standard
  deviation of ``n`` standard normal values (exact, by the gamma function);
* ``d2(n)`` and ``d3(n)``, the mean and standard deviation of the range of ``n`` standard normal
  values, by numerical integration of the distribution of the range (Tippett 1925; the formulas
  of Montgomery, *Introduction to Statistical Quality Control*, appendix VI, and ASTM E2587):
  ``d2 = ∫ 1 - Φ(x)^n - (1 - Φ(x))^n dx``, ``P(R ≤ w) = n ∫ φ(x) (Φ(x + w) - Φ(x))^(n-1) dx``,
  ``E[R²] = ∫ 2 w (1 - P(R ≤ w)) dw``.  For ``n = 2`` they are closed forms: ``d2 = 2/√π``,
  ``d3 = √(2 - 4/π)``.  The integration is accurate to about 1e-5, far inside the three decimals of
  the published tables (tests/unit/test_spc.py compares them).

Then, as in those tables: ``A2 = 3 / (d2 √n)``, ``D3 = max(0, 1 - 3 d3/d2)``, ``D4 = 1 + 3 d3/d2``,
``A3 = 3 / (c4 √n)``, ``B3 = max(0, 1 - 3 √(1 - c4²) / c4)``, ``B4 = 1 + 3 √(1 - c4²) / c4``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

MAX_RANGE_SIZE = 25  # the range charts' tables stop at n = 25; larger subgroups use X̄–S


def _check_size(n: int, upper: int | None = None) -> None:
    if not isinstance(n, (int, np.integer)) or n < 2 or (upper is not None and n > upper):
        bound = f"2..{upper}" if upper is not None else "≥ 2"
        raise ValueError(f"subgroup size must be an integer {bound}, found {n!r}")


@lru_cache(maxsize=64)
def _range_moments(n: int) -> tuple[float, float]:
    """(d2, d3) for subgroups of ``n`` values."""
    if n == 2:
        return 2.0 / math.sqrt(math.pi), math.sqrt(2.0 - 4.0 / math.pi)
    from scipy.integrate import simpson  # (imported on first use: scipy is slow to import)
    from scipy.special import ndtr

    x = np.linspace(-9.0, 9.0, 1801)
    w = np.linspace(0.0, 12.0, 1201)
    cdf_x = ndtr(x)
    d2 = float(simpson(1.0 - cdf_x**n - (1.0 - cdf_x) ** n, x=x))
    density = np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
    inside = ndtr(x[None, :] + w[:, None]) - cdf_x[None, :]
    range_cdf = n * simpson(density * inside ** (n - 1), x=x, axis=1)
    second = float(simpson(2.0 * w * (1.0 - range_cdf), x=w))
    return d2, math.sqrt(max(second - d2 * d2, 0.0))


def d2(n: int) -> float:
    """Mean range of ``n`` standard normal values (n = 2..25)."""
    _check_size(n, MAX_RANGE_SIZE)
    return _range_moments(int(n))[0]


def d3(n: int) -> float:
    """Standard deviation of the range of ``n`` standard normal values (n = 2..25)."""
    _check_size(n, MAX_RANGE_SIZE)
    return _range_moments(int(n))[1]


def c4(n: int) -> float:
    """Mean of the sample standard deviation (n − 1 divisor) of ``n`` standard normal values."""
    _check_size(n)
    return math.sqrt(2.0 / (n - 1)) * math.exp(math.lgamma(n / 2.0) - math.lgamma((n - 1) / 2.0))


def a2(n: int) -> float:
    """X̄ chart factor from R̄: limits x̄̄ ± A2·R̄."""
    return 3.0 / (d2(n) * math.sqrt(n))


def d3_factor(n: int) -> float:
    """R chart lower factor D3 (LCL = D3·R̄), 0 below n = 7."""
    return max(0.0, 1.0 - 3.0 * d3(n) / d2(n))


def d4_factor(n: int) -> float:
    """R chart upper factor D4 (UCL = D4·R̄); 3.267 for n = 2 (moving ranges)."""
    return 1.0 + 3.0 * d3(n) / d2(n)


def a3(n: int) -> float:
    """X̄ chart factor from s̄: limits x̄̄ ± A3·s̄."""
    return 3.0 / (c4(n) * math.sqrt(n))


def b3(n: int) -> float:
    """S chart lower factor B3 (LCL = B3·s̄), 0 below n = 6."""
    c = c4(n)
    return max(0.0, 1.0 - 3.0 * math.sqrt(1.0 - c * c) / c)


def b4(n: int) -> float:
    """S chart upper factor B4 (UCL = B4·s̄)."""
    c = c4(n)
    return 1.0 + 3.0 * math.sqrt(1.0 - c * c) / c
