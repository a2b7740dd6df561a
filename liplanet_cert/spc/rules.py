"""Run rules on a control chart: the eight Nelson rules (Nelson 1984, *J. Quality Technology* 16(4))
and the four Western Electric rules (Western Electric *Statistical Quality Control Handbook*, 1956).

Each rule is evaluated with whole-array numpy operations (running sums over boolean masks), so a
chart of 10,000 points costs a few milliseconds.  A :class:`Violation` is reported at the index of
the point that COMPLETES the pattern (the last point of the window): a run of twelve points above
the centre line gives Nelson rule 2 at its 9th, 10th, 11th and 12th point.  For the "k of m" rules
(Nelson 5 and 6, Western Electric 2 and 3) the completing point must itself be one of the k points
beyond the zone, so one cluster is not reported again at the ordinary point after it.

Nelson rules (σ is the standard deviation of the plotted statistic; "side" is above or below the
centre line; a point exactly on the centre line belongs to neither side):

1. one point beyond 3σ;  2. nine points in a row on one side;  3. six points in a row steadily
increasing or decreasing;  4. fourteen points in a row alternating up and down;  5. two of three
points in a row beyond 2σ on the same side;  6. four of five points in a row beyond 1σ on the same
side;  7. fifteen points in a row within 1σ (either side);  8. eight points in a row beyond 1σ
(either side, none within 1σ).

Western Electric rules 1–4 are Nelson 1, 5, 6 and Nelson 2 with eight points instead of nine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Violation:
    """One run-rule signal: the rule's number in its set, the 0-based index of the point completing
    the pattern, and a sentence saying which rule."""

    rule: int
    index: int
    text: str


NELSON = {
    1: "one point beyond 3σ from the centre line",
    2: "nine points in a row on the same side of the centre line",
    3: "six points in a row steadily increasing or decreasing",
    4: "fourteen points in a row alternating up and down",
    5: "two out of three points in a row beyond 2σ on the same side",
    6: "four out of five points in a row beyond 1σ on the same side",
    7: "fifteen points in a row within 1σ of the centre line",
    8: "eight points in a row beyond 1σ on either side",
}
WESTERN_ELECTRIC = {
    1: "one point beyond 3σ from the centre line",
    2: "two out of three points in a row beyond 2σ on the same side",
    3: "four out of five points in a row beyond 1σ on the same side",
    4: "eight points in a row on the same side of the centre line",
}
RULE_SETS = {"nelson": NELSON, "western_electric": WESTERN_ELECTRIC}


def _windows(mask: np.ndarray, length: int) -> np.ndarray:
    """Per index i: how many of mask[i - length + 1 .. i] are true (0 where the window is short)."""
    total = np.concatenate(([0], np.cumsum(mask, dtype=np.int64)))
    out = np.zeros(mask.shape[0], dtype=np.int64)
    if mask.shape[0] >= length:
        out[length - 1 :] = total[length:] - total[:-length]
    return out


def _run(mask: np.ndarray, length: int) -> np.ndarray:
    """Indices completing ``length`` consecutive true values."""
    return np.flatnonzero(_windows(mask, length) == length)


def _k_of_m(beyond_hi: np.ndarray, beyond_lo: np.ndarray, k: int, m: int) -> np.ndarray:
    """Indices completing k of m points beyond a zone on one side, the point itself among them."""
    hit = ((_windows(beyond_hi, m) >= k) & beyond_hi) | ((_windows(beyond_lo, m) >= k) & beyond_lo)
    return np.flatnonzero(hit)


def _trend(x: np.ndarray, points: int) -> np.ndarray:
    """Indices completing ``points`` points in a row steadily increasing or decreasing."""
    if x.shape[0] < 2:
        return np.zeros(0, dtype=np.int64)
    diff = np.diff(x)
    ends = np.union1d(_run(diff > 0, points - 1), _run(diff < 0, points - 1))
    return ends + 1


def _alternating(x: np.ndarray, points: int) -> np.ndarray:
    """Indices completing ``points`` points in a row alternating up and down."""
    if x.shape[0] < 3:
        return np.zeros(0, dtype=np.int64)
    sign = np.sign(np.diff(x))
    flips = sign[:-1] * sign[1:] < 0
    return _run(flips, points - 2) + 2


def _arrays(
    points: Sequence[float] | np.ndarray,
    centre: float | Sequence[float] | np.ndarray,
    sigma: float | Sequence[float] | np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(points, dtype=float).ravel()
    c = np.broadcast_to(np.asarray(centre, dtype=float), x.shape)
    s = np.broadcast_to(np.asarray(sigma, dtype=float), x.shape)
    for name, arr in (("points", x), ("centre", c), ("sigma", s)):
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} must be finite numbers")
    if (s < 0).any():
        raise ValueError("sigma must not be negative")
    return x, c, s


def run_rules(
    points: Sequence[float] | np.ndarray,
    centre: float | Sequence[float] | np.ndarray,
    sigma: float | Sequence[float] | np.ndarray,
    rules: str = "nelson",
) -> list[Violation]:
    """The run-rule violations of ``points`` around ``centre`` with the plotted statistic's standard
    deviation ``sigma`` (each a number or one per point, e.g. σ̂/√n_i for an X̄ chart with varying
    subgroup sizes).  ``rules`` is "nelson" (rules 1–8) or "western_electric" (rules 1–4).  Sorted by
    index, then rule; each at the index of the point that completes the pattern."""
    if rules not in RULE_SETS:
        raise ValueError(f"rules must be one of {sorted(RULE_SETS)}, found {rules!r}")
    x, c, s = _arrays(points, centre, sigma)
    dev = x - c
    above, below = dev > 0, dev < 0
    beyond = {k: (dev > k * s, dev < -k * s) for k in (1, 2, 3)}
    found: dict[int, np.ndarray] = {
        1: np.flatnonzero(beyond[3][0] | beyond[3][1]),
        5: _k_of_m(*beyond[2], 2, 3),
        6: _k_of_m(*beyond[1], 4, 5),
    }
    if rules == "western_electric":
        found = {1: found[1], 2: found[5], 3: found[6]}
        found[4] = np.union1d(_run(above, 8), _run(below, 8))
    else:
        found[2] = np.union1d(_run(above, 9), _run(below, 9))
        found[3] = _trend(x, 6)
        found[4] = _alternating(x, 14)
        found[7] = _run(np.abs(dev) < s, 15)
        found[8] = _run(beyond[1][0] | beyond[1][1], 8)
    names = RULE_SETS[rules]
    label = "Nelson" if rules == "nelson" else "Western Electric"
    out = [
        Violation(rule, int(i), f"{label} rule {rule}: {names[rule]}")
        for rule, idx in found.items()
        for i in idx
    ]
    return sorted(out, key=lambda v: (v.index, v.rule))
