"""The unit balance of each lot from step to step, from the production log.

Per lot, in process order, the units entering a step should be the good units that left the step
before.  Fewer is a loss nobody logged as scrap (cells that vanished between steps); more is units
from nowhere (a data-integrity problem).  The overall loss of a lot is measured from its two ends:
1 - good units out of its last logged step / units into its first logged step, so an unlogged loss
counts whether or not it was logged.  Vectorised: one pass over the (lot, step) groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Gap:
    """Units that did not arrive (``units > 0``) or arrived from nowhere (``units < 0``) between two
    consecutive logged steps of a lot."""

    lot: str
    after: str  # the step the units left
    before: str  # the step they should have entered
    units: float


@dataclass
class UnitBalance:
    units_in_first: float  # summed over lots: units into each lot's first logged step
    good_out_last: float  # summed over lots: good units out of each lot's last logged step
    unlogged: float  # units lost between steps without being logged (sum of positive gaps)
    appearing: float  # units that entered a step without having left the step before (negative gaps)
    gaps: list[Gap] = field(default_factory=list)
    # per lot, in the order of the lot codes (kpis numbers lots by first appearance in the log), as
    # arrays (no dict per lot): the lot, units into its first logged step, good units out of its last
    # (each lot's overall loss, for a p-chart: assessment.pchart)
    lot_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object), compare=False)
    lot_units_in: np.ndarray = field(default_factory=lambda: np.empty(0), compare=False)
    lot_good_out: np.ndarray = field(default_factory=lambda: np.empty(0), compare=False)

    @property
    def loss_rate(self) -> float | None:
        """Overall loss (%) from the lots' two ends; None without units in."""
        if self.units_in_first <= 0:
            return None
        return (1 - self.good_out_last / self.units_in_first) * 100

    def rate(self, units: float) -> float:
        """``units`` as a share (%) of the units into the lots' first steps."""
        return units / self.units_in_first * 100 if self.units_in_first > 0 else 0.0

    def lots(self, sign: int) -> list[str]:
        """Lots with a loss (``sign`` 1) or with units from nowhere (``sign`` -1), in log order."""
        return list(dict.fromkeys(g.lot for g in self.gaps if g.units * sign > 0))

    def where(self, sign: int, most: int = 6) -> str:
        """The gaps of one sign as text: ``L03 sealing→formation 5`` ..."""
        chosen = [g for g in self.gaps if g.units * sign > 0]
        parts = [f"{g.lot} {g.after}→{g.before} {abs(g.units):g}" for g in chosen[:most]]
        more = len(chosen) - most
        return ", ".join(parts) + (f" and {more} more" if more > 0 else "")


def unit_balance(
    lot: np.ndarray,
    step: np.ndarray,
    rank: np.ndarray,
    units_in: np.ndarray,
    good_out: np.ndarray,
    lot_names: list[str],
    step_names: list[str],
) -> UnitBalance:
    """The balance of the (lot, step) groups: ``lot``/``step`` codes into ``lot_names``/``step_names``,
    ``rank`` the process-order rank of each group's step."""
    if len(lot) == 0:
        return UnitBalance(0.0, 0.0, 0.0, 0.0)
    idx = np.lexsort((rank, lot))  # by lot, then process order
    lot_s, step_s, uin_s, good_s = lot[idx], step[idx], units_in[idx], good_out[idx]
    starts = np.r_[True, lot_s[1:] != lot_s[:-1]]
    ends = np.r_[lot_s[1:] != lot_s[:-1], True]
    same = ~starts[1:]  # pairs (i, i+1) within one lot
    diff = good_s[:-1] - uin_s[1:]
    at = np.flatnonzero(same & (diff != 0))
    gaps = [
        Gap(
            str(lot_names[lot_s[i]]),
            str(step_names[step_s[i]]),
            str(step_names[step_s[i + 1]]),
            float(diff[i]),
        )
        for i in at
    ]
    pair = diff[same]
    first_in, last_good = uin_s[starts], good_s[ends]
    return UnitBalance(
        float(first_in.sum()),
        float(last_good.sum()),
        float(pair[pair > 0].sum()),
        abs(float(pair[pair < 0].sum())),  # (abs: never -0.0)
        gaps,
        np.array(lot_names, dtype=object)[lot_s[starts]],
        first_in,
        last_good,
    )
