"""The end-of-line test file reconciled with the production log, and its resistance and OCV columns.

Per lot, the cells *made* are the good units out of the lot's last logged step before
``quality_control`` in process order (when the line logs no quality_control step: out of its last
logged step); a lot whose step is an electrode step made no cells.  The cells *tested* are its rows
in the end-of-line file.  Fewer tested than made is incomplete testing; more is a data-integrity
problem (a lot of the test file the production log does not know counts fully; the loader already
refuses such lots and a cell id tested twice, so a loaded bundle shows neither).  The test file's
fails and the quality_control step's scrap are the same cells judged twice: per lot they must agree.

Over all tested cells: the spread of internal resistance (sample SD / mean) and a self-discharge
screen, the share of cells whose OCV drop is above the robust fence median + 3 × 1.4826 × MAD
(relative to the line's own population; the rest time is not declared).  When more than half the
cells share one value the MAD is 0 and the fence would be the median itself: then the mean absolute
deviation from the median x 1.2533 takes its place (the modified z-score of Iglewicz and Hoaglin).
Cells without a value (a blank cell) are left out of these two.  Vectorised: one pass over the rows, then per lot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from liplanet_cert.catalogue import production_steps, step_catalogue

QC = "quality_control"
MAD_SIGMA = 1.4826  # MAD x 1.4826 estimates the standard deviation of a normal population
MEAN_AD_SIGMA = 1.2533  # mean absolute deviation x sqrt(pi / 2) does too (used when the MAD is 0)
FENCE_SIGMAS = 3.0

UNTESTED, NOT_MADE, MISMATCH = "eol.untested_cells", "eol.tested_not_made", "eol.qc_scrap_mismatch"
IR_CV, OCV_OUTLIERS = "eol.internal_resistance_cv", "eol.ocv_drop_outliers"
METRICS = (UNTESTED, NOT_MADE, MISMATCH, IR_CV, OCV_OUTLIERS)


@dataclass(frozen=True)
class Spread:
    """Internal resistance over the tested cells with a value (mohm)."""

    n: int
    blank: int
    mean: float
    sd: float  # sample standard deviation (n - 1)


@dataclass(frozen=True)
class Fence:
    """The OCV-drop screen over the tested cells with a value (mV)."""

    n: int
    blank: int
    median: float
    mad: float
    fence: float  # median + 3 x 1.4826 x MAD (or + 3 x 1.2533 x mean_ad when the MAD is 0)
    above: int
    mean_ad: float | None = None  # mean absolute deviation from the median, when the MAD is 0


@dataclass
class EolCheck:
    """The end-of-line file against the production log, totals over lots; ``per_lot`` holds, for
    each metric, the lots behind a non-zero value (in log order) and their numbers."""

    eol_file: str
    production_file: str
    basis: str  # which step's good out counts as made
    made: float
    tested: float
    untested: float  # sum over lots of max(0, made - tested)
    not_made: float  # sum over lots of max(0, tested - made)
    qc_logged: bool
    fails: float  # end-of-line fails
    qc_scrap: float  # scrap of the quality_control step
    mismatch: float  # sum over lots of |fails - qc scrap|
    resistance: Spread | None  # None without an internal_resistance column
    ocv: Fence | None  # None without an ocv_drop column
    per_lot: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def lots(self, metric: str) -> list[str]:
        """The lots behind a non-zero value of ``metric``, in log order ([] for a metric of the
        whole population, such as the resistance spread)."""
        names, _ = self.per_lot.get(metric, (np.empty(0, dtype=object), np.empty(0)))
        return [str(x) for x in names]

    def where(self, metric: str, most: int = 6) -> str:
        """``L03 3, L07 1 and 4 more``: the lots of ``metric`` with their numbers."""
        names, numbers = self.per_lot.get(metric, (np.empty(0, dtype=object), np.empty(0)))
        parts = [f"{n} {v:g}" for n, v in zip(names[:most].tolist(), numbers[:most].tolist())]
        more = len(names) - most
        return ", ".join(parts) + (f" and {more} more" if more > 0 else "")

    def unavailable(self, metric: str) -> str | None:
        """Why ``metric`` has no value for this bundle, or None."""
        if metric == UNTESTED and self.made <= 0:
            return "the production log shows no cells made"
        if metric in (NOT_MADE, MISMATCH) and self.tested <= 0:
            return "no rows in the end-of-line test file"
        if metric == MISMATCH and not self.qc_logged:
            return "the production log has no quality_control step to compare the end-of-line fails with"
        if metric == IR_CV:
            r = self.resistance
            if r is None:
                return "the end-of-line test file has no internal_resistance column"
            if r.n < 2 or r.mean <= 0:
                return f"internal resistance measured on {r.n} cells (at least 2 with a positive mean needed)"
        if metric == OCV_OUTLIERS:
            if self.ocv is None:
                return "the end-of-line test file has no ocv_drop column"
            if self.ocv.n == 0:
                return "no OCV drop measured in the end-of-line test file"
        return None

    def reading(self, metric: str) -> tuple[float, str, str]:
        """(value in percent, text with the counts and basis, location) of an available ``metric``."""
        both = f"{self.eol_file} vs {self.production_file}"
        if metric == UNTESTED:
            v = self.untested / self.made * 100
            text = f"{v:.2f} % ({self.untested:g} of {self.made:g} cells made not tested; {self.basis})"
            where = f"{both} (cells tested per lot vs cells made)"
        elif metric == NOT_MADE:
            v = self.not_made / self.tested * 100
            text = f"{v:.2f} % ({self.not_made:g} of {self.tested:g} cells tested beyond the cells made; {self.basis})"
            where = f"{both} (cells tested per lot vs cells made)"
        elif metric == MISMATCH:
            v = self.mismatch / self.tested * 100
            text = (
                f"{v:.2f} % ({self.mismatch:g} of {self.tested:g} cells tested: per lot |end-of-line fails"
                f" - quality_control scrap|; {self.fails:g} fails, {self.qc_scrap:g} scrapped in all)"
            )
            where = f"{both} (column result vs step quality_control, column scrap, per lot)"
        elif metric == IR_CV:
            r = self.resistance
            assert r is not None
            v = r.sd / r.mean * 100
            text = (
                f"{v:.2f} % (sample SD {r.sd:.3g} / mean {r.mean:.4g} mohm over {r.n} cells{_blank(r.blank)})"
            )
            where = f"{self.eol_file} (column internal_resistance, all tested cells)"
        else:
            f = self.ocv
            assert f is not None
            v = f.above / f.n * 100
            scale = (
                f"1.4826 × MAD {f.mad:.3g}"
                if f.mean_ad is None
                else f"1.2533 × mean absolute deviation {f.mean_ad:.3g} (MAD 0)"
            )
            text = (
                f"{v:.2f} % ({f.above} of {f.n} cells above {f.fence:.3g} mV = median {f.median:.3g}"
                f" + 3 × {scale}{_blank(f.blank)})"
            )
            where = f"{self.eol_file} (column ocv_drop, all tested cells)"
        lots = self.where(metric)
        return v, text, where + (f": lots {lots}" if v and lots else "")


def _blank(n: int) -> str:
    return f"; {n} blank left out" if n else ""


def check_eol(
    eol: Any,
    lot: np.ndarray,
    step: np.ndarray,
    good_out: np.ndarray,
    scrap: np.ndarray,
    lot_names: list[str],
    step_names: list[str],
    eol_file: str,
    production_file: str,
) -> EolCheck | None:
    """The check of the end-of-line table ``eol`` (None: no file) against the production log's
    (lot, step) groups: ``lot``/``step`` codes into ``lot_names``/``step_names`` and each group's
    good out and scrap."""
    if eol is None:
        return None
    made_by_lot, qc_logged, basis = _made(lot, step, good_out, step_names, len(lot_names))
    code, extra_names = _lot_codes(np.asarray(eol["lot_id"], dtype=object), lot_names)
    all_names = np.concatenate([np.asarray(lot_names, dtype=object), np.asarray(extra_names, dtype=object)])
    n = len(all_names)
    made = np.zeros(n)
    made[: len(made_by_lot)] = made_by_lot
    tested = np.bincount(code, minlength=n).astype(float)
    fails = np.bincount(code, weights=~np.asarray(eol["passed"], dtype=bool), minlength=n)
    at_qc = step == step_names.index(QC) if qc_logged else np.zeros(len(step), dtype=bool)
    qc_scrap = np.bincount(lot[at_qc], weights=scrap[at_qc], minlength=n)
    short, over, off = np.maximum(made - tested, 0), np.maximum(tested - made, 0), np.abs(fails - qc_scrap)
    ocv, above = _fence(eol)
    per_lot = {UNTESTED: short, NOT_MADE: over}
    if qc_logged:
        per_lot[MISMATCH] = off
    if above is not None:
        per_lot[OCV_OUTLIERS] = np.bincount(code[above], minlength=n).astype(float)
    return EolCheck(
        eol_file,
        production_file,
        basis,
        float(made.sum()),
        float(tested.sum()),
        float(short.sum()),
        float(over.sum()),
        qc_logged,
        float(fails.sum()),
        float(qc_scrap.sum()),
        float(off.sum()) if qc_logged else 0.0,
        _spread(eol),
        ocv,
        {k: (all_names[v > 0], v[v > 0]) for k, v in per_lot.items()},
    )


def _made(
    lot: np.ndarray, step: np.ndarray, good_out: np.ndarray, step_names: list[str], n_lots: int
) -> tuple[np.ndarray, bool, str]:
    """Cells made per lot (good out of its last logged step before quality_control, or of its last
    logged step when the line logs no quality_control; 0 when that is an electrode step), whether
    quality_control is logged, and the basis as text."""
    order = {s: i for i, s in enumerate(production_steps())}
    electrode = {s["id"] for s in step_catalogue()["steps"] if s.get("area") == "electrode_manufacturing"}
    rank = np.array([order.get(str(s), len(order)) for s in step_names], dtype=np.int64)
    cell_step = np.array([str(s) not in electrode for s in step_names], dtype=bool)
    qc_logged = QC in step_names and bool((step == step_names.index(QC)).any())
    if qc_logged:
        basis = "made = good out of each lot's last logged step before quality_control"
        candidates = np.flatnonzero(rank[step] < order[QC]) if len(step) else np.empty(0, dtype=np.int64)
    else:
        basis = "made = good out of each lot's last logged step (no quality_control step logged)"
        candidates = np.arange(len(step))
    made = np.zeros(n_lots)
    if len(candidates):
        idx = candidates[np.lexsort((rank[step[candidates]], lot[candidates]))]
        last = idx[np.r_[lot[idx][1:] != lot[idx][:-1], True]]
        last = last[cell_step[step[last]]]
        made[lot[last]] = good_out[last]
    return made, qc_logged, basis


def _values(eol: Any, column: str) -> tuple[np.ndarray, int] | None:
    """The non-blank values of ``column`` and the number of blank cells; None without the column."""
    if column not in eol:
        return None
    x = np.asarray(eol[column], dtype=float)
    ok = ~np.isnan(x)
    return x, int((~ok).sum())


def _spread(eol: Any) -> Spread | None:
    got = _values(eol, "internal_resistance")
    if got is None:
        return None
    x, blank = got
    x = x[~np.isnan(x)]
    mean = float(x.mean()) if len(x) else 0.0
    sd = float(x.std(ddof=1)) if len(x) > 1 else 0.0
    return Spread(len(x), blank, mean, sd)


def _fence(eol: Any) -> tuple[Fence | None, np.ndarray | None]:
    """The OCV-drop screen and which rows are above the fence (None without the column)."""
    got = _values(eol, "ocv_drop")
    if got is None:
        return None, None
    x, blank = got
    ok = ~np.isnan(x)
    if not ok.any():
        return Fence(0, blank, 0.0, 0.0, 0.0, 0), np.zeros(len(x), dtype=bool)
    median = float(np.median(x[ok]))
    dev = np.abs(x[ok] - median)
    mad = float(np.median(dev))
    mean_ad = float(dev.mean()) if mad == 0 else None
    fence = median + FENCE_SIGMAS * (MAD_SIGMA * mad if mean_ad is None else MEAN_AD_SIGMA * mean_ad)
    # float noise (1.22 + 3 x 1.4826 x 0.24) must not put a value equal to the fence above it
    above = ok & (x > fence + 1e-9 * max(1.0, abs(fence)))
    return Fence(int(ok.sum()), blank, median, mad, fence, int(above.sum()), mean_ad), above


def _lot_codes(eol_lots: np.ndarray, lot_names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The production-log code of each end-of-line row's lot; a lot the log does not know gets a
    code after them (in order of first appearance), and is returned among the extra names.  One
    dictionary look-up per distinct lot, not per row (numpy only: no pandas import on this path)."""
    uniq, first, inverse = np.unique(eol_lots.astype(str), return_index=True, return_inverse=True)
    index = {name: i for i, name in enumerate(lot_names)}
    known = np.array([index.get(u, -1) for u in uniq.tolist()], dtype=np.int64)
    stray = np.flatnonzero(known < 0)
    stray = stray[np.argsort(first[stray], kind="stable")]
    known[stray] = len(lot_names) + np.arange(len(stray), dtype=np.int64)
    return known[inverse.reshape(-1)], uniq[stray].astype(object)
