"""Which lots stand out: a binomial p-chart of scrap per lot, with a control limit for each lot's size.

Montgomery, *Introduction to Statistical Quality Control*, the control chart for the fraction
nonconforming with a variable sample size: centre line p̄ = Σ scrap / Σ units in over all lots, and
for a lot of n_i units in the upper control limit UCL_i = p̄ + 3·sqrt(p̄(1 − p̄)/n_i).  A lot is
named only when its scrap fraction p_i is above its own UCL_i: a small lot needs a larger share of
scrap to stand out than a big one.  The lower limit is no blame (less scrap is fine).  When no lot
is above its limit the scrap is spread across lots (common cause), and no lot is named.

Vectorised: one pass over arrays of scrap counts and sizes per lot; Python objects are built only
for the lots that are out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from liplanet_cert.assessment.kpis import compress_ids

SIGMAS = 3.0  # three-sigma limits: Montgomery, Introduction to Statistical Quality Control (p chart)


@dataclass(frozen=True)
class LotOut:
    """A lot above its upper control limit."""

    lot: str
    scrap: float  # units scrapped (or lost) in that lot
    n: float  # the lot's units in: its sample size
    rate: float  # scrap / n, in percent
    ucl: float  # the upper control limit for a lot of n units, in percent


@dataclass(frozen=True)
class PChart:
    """The p-chart of one scrap figure over the lots."""

    centre: float  # p̄ in percent: Σ scrap / Σ units in over the charted lots
    lots: int  # lots charted (those with units in)
    lots_out: list[LotOut] = field(default_factory=list)  # above their UCL, in the order given
    sigmas: float = SIGMAS

    @property
    def names(self) -> list[str]:
        """The lots above their upper control limit."""
        return [o.lot for o in self.lots_out]


def p_chart(
    lots: Sequence[str] | np.ndarray, scrap: ArrayLike, n: ArrayLike, sigmas: float = SIGMAS
) -> PChart:
    """The p-chart of ``scrap`` units out of ``n`` units in for each of ``lots`` (same order).

    Lots without units in are not charted.  A lot whose fraction is above its UCL only by float
    noise (0.1700000001 vs 0.17) is not out.
    """
    scrap_a = np.asarray(scrap, dtype=float)
    n_a = np.asarray(n, dtype=float)
    has = n_a > 0
    total_n = float(n_a[has].sum())
    if total_n <= 0:
        return PChart(0.0, 0, sigmas=sigmas)
    p_bar = float(scrap_a[has].sum()) / total_n
    with np.errstate(divide="ignore", invalid="ignore"):
        n_safe = np.where(has, n_a, 1.0)
        rate = scrap_a / n_safe
        ucl = p_bar + sigmas * np.sqrt(max(p_bar * (1 - p_bar), 0.0) / n_safe)
    out = has & (rate > ucl) & ~np.isclose(rate, ucl, rtol=1e-9, atol=1e-9)
    lots_out = [
        LotOut(str(lots[i]), float(scrap_a[i]), float(n_a[i]), float(rate[i]) * 100, float(ucl[i]) * 100)
        for i in np.flatnonzero(out).tolist()
    ]
    return PChart(p_bar * 100, int(has.sum()), lots_out, sigmas)


def _pct(value: float, digits: int) -> str:
    return f"{value:.{digits}f} %"


def lot_text(o: LotOut) -> str:
    """``L07 (9 of 40 = 22.5 % > UCL 17.3 % for n = 40)``: enough digits that the two differ."""
    digits = 1
    while digits < 4 and _pct(o.rate, digits) == _pct(o.ucl, digits):
        digits += 1
    return (
        f"{o.lot} ({o.scrap:g} of {o.n:g} = {_pct(o.rate, digits)} > UCL {_pct(o.ucl, digits)}"
        f" for n = {o.n:g})"
    )


def blame_text(chart: PChart, most: int = 6) -> str:
    """The basis of the blame in words: the lots above their limit with their figures (at most
    ``most`` of them, then the rest as ids and "and N more"), or that the scrap is spread across lots;
    nothing for fewer than two lots."""
    sigma = f"{chart.sigmas:g}σ"
    centre = f"p̄ = {_pct(chart.centre, 1)}"
    if chart.lots < 2:  # (one lot is its own centre line: there is nothing to compare it with)
        return ""
    if not chart.lots_out:
        return f"scrap is spread across lots: no lot above its p-chart {sigma} upper limit ({centre})"
    shown = ", ".join(lot_text(o) for o in chart.lots_out[:most])
    more = len(chart.lots_out) - most
    if more > 0:
        shown += f" and {more} more"
    named = f" {compress_ids(chart.names)}" if more > 0 else ""
    return f"lots{named} above their p-chart {sigma} upper limit ({centre}): {shown}"
