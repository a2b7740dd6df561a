"""Precision after ISO 5725-2:1994 with replicates (participant = laboratory): cell means and SDs,
the repeatability, between-laboratory and reproducibility SDs s_r, s_L, s_R (§7.4, unbalanced
formulas), Mandel's h and k (§7.3.1), Cochran's test (§7.3.3) and Grubbs' single and double tests
(§7.3.4), each with its critical values at 5 % and 1 %.

Critical values are computed from the t and F distributions, not typed tables, except the double
Grubbs test, which has no closed form: its lower critical values are ISO 5725-2 Table 5 as typed in
DOUBLE_GRUBBS (p = 4 … 15).  ISO wording: a test statistic beyond its 5 % critical value but not its
1 % one marks a *straggler*; beyond the 1 % one, an *outlier*.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np
from scipy import stats as sps

from liplanet_cert.roundrobin.stats import finite

LEVELS = {"5%": 0.05, "1%": 0.01}

#: ISO 5725-2:1994 Table 5, Grubbs' test for two largest or two smallest observations: lower
#: critical values (1 %, 5 %) by number of laboratories p.  (Grubbs and Beck, Technometrics 14,
#: 847-854, 1972.)  A statistic BELOW the critical value is significant.
DOUBLE_GRUBBS: dict[int, tuple[float, float]] = {
    4: (0.0000, 0.0002), 5: (0.0018, 0.0090), 6: (0.0116, 0.0349), 7: (0.0308, 0.0708),
    8: (0.0563, 0.1101), 9: (0.0851, 0.1492), 10: (0.1150, 0.1864), 11: (0.1448, 0.2213),
    12: (0.1738, 0.2537), 13: (0.2016, 0.2836), 14: (0.2280, 0.3112), 15: (0.2530, 0.3367),
}  # fmt: skip


def h_critical(p: int, alpha: float) -> float:
    """Mandel's h: (p − 1) t / √(p (t² + p − 2)), t the two-sided α quantile with p − 2 df."""
    if p < 3:
        raise ValueError(f"Mandel's h needs at least 3 laboratories, found {p}")
    t = float(sps.t.ppf(1 - alpha / 2, p - 2))
    return (p - 1) * t / math.sqrt(p * (t * t + p - 2))


def k_critical(p: int, n: int, alpha: float) -> float:
    """Mandel's k: √(p / (1 + (p − 1)/F)), F the upper α quantile with n − 1, (p − 1)(n − 1) df."""
    if p < 2 or n < 2:
        raise ValueError(f"Mandel's k needs p >= 2 laboratories and n >= 2 replicates, found {p}, {n}")
    f = float(sps.f.ppf(1 - alpha, n - 1, (p - 1) * (n - 1)))
    return math.sqrt(p / (1 + (p - 1) / f))


def cochran_critical(p: int, n: int, alpha: float) -> float:
    """Cochran's C: 1 / (1 + (p − 1)/F), F the upper α/p quantile with n − 1, (p − 1)(n − 1) df
    (the Bonferroni bound, exact to the printed digits of the usual tables)."""
    if p < 2 or n < 2:
        raise ValueError(f"Cochran's test needs p >= 2 laboratories and n >= 2 replicates, found {p}, {n}")
    f = float(sps.f.ppf(1 - alpha / p, n - 1, (p - 1) * (n - 1)))
    return 1 / (1 + (p - 1) / f)


def grubbs_critical(p: int, alpha: float) -> float:
    """Single Grubbs: ((p − 1)/√p) √(t² / (p − 2 + t²)), t the upper α/(2p) quantile with p − 2 df."""
    if p < 3:
        raise ValueError(f"Grubbs' test needs at least 3 laboratories, found {p}")
    t = float(sps.t.ppf(1 - alpha / (2 * p), p - 2))
    return (p - 1) / math.sqrt(p) * math.sqrt(t * t / (p - 2 + t * t))


def double_grubbs_critical(p: int) -> dict[str, float] | None:
    """ISO 5725-2 Table 5 double-Grubbs lower critical values, or None beyond the typed table."""
    row = DOUBLE_GRUBBS.get(p)
    return None if row is None else {"5%": row[1], "1%": row[0]}


def _verdict(stat: float, crit: dict[str, float] | None, upper: bool = True) -> str:
    """'outlier', 'straggler' or 'ok' (upper: large is significant; else small is)."""
    if crit is None:
        return "no critical value"
    beyond = (lambda c: stat > c) if upper else (lambda c: stat < c)
    if beyond(crit["1%"]):
        return "outlier"
    return "straggler" if beyond(crit["5%"]) else "ok"


def variance_components(means: np.ndarray, sds: np.ndarray, ns: np.ndarray) -> dict[str, float]:
    """ISO 5725-2 §7.4.4-7.4.5 for unequal n_i: T1 … T5, the general mean, s_r, s_L (negative
    estimate of s_L² set to 0) and s_R."""
    p = means.size
    t1, t2 = float(np.sum(ns * means)), float(np.sum(ns * means**2))
    t3, t4 = float(np.sum(ns)), float(np.sum(ns**2))
    t5 = float(np.sum((ns - 1) * sds**2))
    sr2 = t5 / (t3 - p) if t3 > p else math.nan
    sd2 = (t2 * t3 - t1 * t1) / (t3 * (p - 1))
    sl2 = max(0.0, (sd2 - sr2) * (t3 * (p - 1)) / (t3 * t3 - t4))
    return {
        "general_mean": t1 / t3,
        "s_r": math.sqrt(sr2),
        "s_L": math.sqrt(sl2),
        "s_R": math.sqrt(sr2 + sl2),
    }


def _mandel(names: list[str], means: np.ndarray, sds: np.ndarray, ns: np.ndarray) -> dict[str, Any]:
    p = len(names)
    spread = float(np.std(means, ddof=1))
    h = (means - means.mean()) / spread if spread > 0 else np.full(p, math.nan)
    rep = ns >= 2
    pooled = math.sqrt(float(np.mean(sds[rep] ** 2))) if rep.any() else 0.0
    n_common = Counter(ns[rep].tolist()).most_common(1)[0][0] if rep.any() else 1
    out: dict[str, Any] = {
        "mandel_h": {nm: (None if math.isnan(v) else float(v)) for nm, v in zip(names, h, strict=True)},
        "mandel_k": {
            nm: float(s / pooled) for nm, s, r in zip(names, sds, rep, strict=True) if r and pooled > 0
        },
        "h_critical": {k: h_critical(p, a) for k, a in LEVELS.items()} if p >= 3 else None,
        "n_for_critical": int(n_common),
    }
    pk = int(rep.sum())
    out["k_critical"] = {k: k_critical(pk, int(n_common), a) for k, a in LEVELS.items()} if pk >= 2 else None
    return out


def _cochran(names: list[str], sds: np.ndarray, ns: np.ndarray, n_common: int) -> dict[str, Any]:
    rep = ns >= 2
    total = float(np.sum(sds[rep] ** 2))
    pc = int(rep.sum())
    if pc < 2 or total == 0.0:
        return {"applied": False, "why": "needs two participants with replicates and a non-zero spread"}
    idx = [i for i in range(len(names)) if rep[i]]
    top = max(idx, key=lambda i: sds[i])
    c = float(sds[top] ** 2 / total)
    crit = {k: cochran_critical(pc, n_common, a) for k, a in LEVELS.items()}
    return {"applied": True, "participant": names[top], "C": c, "critical": crit, "result": _verdict(c, crit)}


def _grubbs(names: list[str], means: np.ndarray) -> dict[str, Any]:
    p = means.size
    s = float(np.std(means, ddof=1)) if p >= 2 else 0.0
    if p < 3 or s == 0.0:
        return {"applied": False, "why": "needs three participants and cell means that differ"}
    order = np.argsort(means, kind="stable")
    crit = {k: grubbs_critical(p, a) for k, a in LEVELS.items()}
    out: dict[str, Any] = {"applied": True}
    for side, i in (("single_high", order[-1]), ("single_low", order[0])):
        g = float(abs(means[i] - means.mean()) / s)
        out[side] = {"participant": names[i], "G": g, "critical": crit, "result": _verdict(g, crit)}
    if any(out[k]["result"] == "outlier" for k in ("single_high", "single_low")) or p < 4:
        out["double"] = {
            "applied": False,
            "why": "ISO 5725-2 §7.3.4: only when the single test finds no outlier, p >= 4",
        }
        return out
    s0 = float(np.sum((means - means.mean()) ** 2))
    dcrit = double_grubbs_critical(p)
    for side, pair in (("double_high", order[-2:]), ("double_low", order[:2])):
        rest = np.delete(means, pair)
        g = float(np.sum((rest - rest.mean()) ** 2) / s0)
        verdict = _verdict(g, dcrit, upper=False)
        out[side] = {"participants": [names[i] for i in pair], "G": g, "critical": dcrit, "result": verdict}
    return out


def _flagged(cochran: dict[str, Any], grubbs: dict[str, Any], kind: str) -> list[str]:
    found: list[str] = []
    if cochran.get("result") == kind:
        found.append(cochran["participant"])
    for key in ("single_high", "single_low", "double_high", "double_low"):
        test = grubbs.get(key)
        if test and test["result"] == kind:
            found.extend(test.get("participants", [test.get("participant")]))
    return sorted(set(found))


def precision(replicates: dict[str, list[float]]) -> dict[str, Any]:
    """The ISO 5725-2 analysis of one level: participant -> its replicate values (a participant with
    one value contributes its mean, not a SD).  Returns the plain dict published per measurand."""
    names = [nm for nm, vals in replicates.items() if len(vals) > 0]
    if len(names) < 2:
        raise ValueError("precision needs at least two participants with values")
    cells = [finite(replicates[nm], f"replicates of {nm}") for nm in names]
    ns = np.array([c.size for c in cells], dtype=float)
    means = np.array([c.mean() for c in cells])
    sds = np.array([c.std(ddof=1) if c.size >= 2 else 0.0 for c in cells])
    if not np.any(ns >= 2):
        raise ValueError("precision needs at least one participant with two or more replicates")
    out: dict[str, Any] = variance_components(means, sds, ns)
    out["p"] = len(names)
    out["cells"] = {
        nm: {"n": int(n), "mean": float(m), "sd": float(s) if n >= 2 else None}
        for nm, n, m, s in zip(names, ns, means, sds, strict=True)
    }
    out.update(_mandel(names, means, sds, ns))
    out["cochran"] = _cochran(names, sds, ns, out["n_for_critical"])
    out["grubbs"] = _grubbs(names, means)
    out["outliers"] = _flagged(out["cochran"], out["grubbs"], "outlier")
    out["stragglers"] = _flagged(out["cochran"], out["grubbs"], "straggler")
    if len(set(ns.tolist())) > 1:
        out["notes"] = [
            f"unequal replicate numbers: s_r, s_L, s_R by the ISO 5725-2 §7.4.5 formulas for unequal n; "
            f"k and Cochran critical values for n = {out['n_for_critical']} (the most frequent)"
        ]
    return out
