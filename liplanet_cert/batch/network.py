"""Network comparison: where each pilot line of a batch run stands among the others
(``liplanet-cert network RUN_DIR``, ``dossier --network RUN_DIR``).

A batch run's stored results (``results.jsonl`` and ``results/*.json``, read through
:func:`liplanet_cert.batch.store.iter_entries`: confined, bounded, never trusted) give, per KPI of
``catalogue.KPI_SPECS`` (the value measured from the logs) and per footprint figure (kg CO2e per kWh,
cradle-to-gate total and main production), the network's distribution and each line's position:

- quartiles by linear interpolation between order statistics (Hyndman & Fan 1996, type 7: the
  default of R's ``quantile`` and numpy, Excel's ``QUARTILE.INC``): for sorted values x₀ ≤ … ≤ xₙ₋₁
  and p ∈ {¼, ½, ¾}, h = (n − 1)·p and Q = x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋₊₁ − x⌊h⌋);
- a line's percentile rank: PR = 100·(B + ½·E)/n, with B the values below the line's and E the
  values equal to it (itself included): the mid-rank definition, 50 for the median line.

Lines are pseudonymised: codes ``L01``, ``L02``, … in the order of a keyed hash of each line's name
and bundle (the key is a digest of every stored result's inputs, so the order says nothing about the
names and cannot be recomputed from the names alone); ``reveal`` adds the names.  Bundles that were
invalid or failed, and stored results that cannot be read, are counted, never compared.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liplanet_cert.batch.keys import pairs_digest
from liplanet_cert.catalogue import KPI_SPECS
from liplanet_cert.errors import Problem, UsageError

QUANTILE_METHOD = (
    "linear interpolation between order statistics (Hyndman & Fan type 7; R and numpy default,"
    " Excel QUARTILE.INC)"
)
RANK_METHOD = "percentile rank 100·(below + ½·equal)/n, the line itself counted among the equal"

FOOTPRINT_FIGURES: dict[str, tuple[str, str]] = {
    "footprint.total": ("Footprint, cradle-to-gate", "kg CO2e/kWh"),
    "footprint.main_production": ("Footprint, main production", "kg CO2e/kWh"),
}


def figures() -> dict[str, tuple[str, str]]:
    """Every figure compared, in order: key -> (title, unit)."""
    kpis = {
        f"kpi.{k}": (title, "%" if unit == "percent" else unit) for k, (_d, unit, title) in KPI_SPECS.items()
    }
    return {**kpis, **FOOTPRINT_FIGURES}


def figure_values(result: Any) -> dict[str, float | None]:
    """A result's value of every figure (None where it has none: not measurable, no footprint)."""
    out: dict[str, float | None] = {}
    for k in KPI_SPECS:
        kpi = (result.kpis or {}).get(k)
        out[f"kpi.{k}"] = None if kpi is None or kpi.measured is None else float(kpi.measured)
    fp = result.footprint
    # the cradle-to-gate total only where every stage was computed (a line whose raw-material stage
    # could not be computed would otherwise be compared with its production footprint alone)
    complete = fp is not None and not any(getattr(s, "not_computed", None) for s in fp.stages)
    out["footprint.total"] = float(fp.total_per_kwh) if complete else None
    out["footprint.main_production"] = None if fp is None else float(fp.main_production[0])
    return out


def line_digest(result: Any) -> str:
    """Identifies a line's submission: the digest of its bundle's files (as ``batch`` keys them)."""
    return pairs_digest((i.path, i.sha256) for i in result.inputs if not i.path.startswith("--"))


@dataclass
class Line:
    code: str
    name: str
    bundle: str
    verdict: str
    digest: str
    values: dict[str, float | None]


@dataclass
class Distribution:
    """One figure over the network: the values of the lines that have it, sorted."""

    key: str
    title: str
    unit: str
    values: list[float]  # sorted
    missing: int  # assessed lines without this figure

    @property
    def n(self) -> int:
        return len(self.values)

    def stats(self) -> dict[str, float | None]:
        """min, q1, median, q3, max (type 7 quantiles); all None when no line has the figure."""
        keys = ("min", "q1", "median", "q3", "max")
        if not self.values:
            return dict.fromkeys(keys)
        import numpy as np

        q = np.quantile(np.asarray(self.values, dtype=float), [0, 0.25, 0.5, 0.75, 1], method="linear")
        return dict(zip(keys, (float(x) for x in q), strict=True))

    def rank(self, value: float | None) -> float | None:
        """Percentile rank of ``value`` among the network's values (:data:`RANK_METHOD`)."""
        if value is None or not self.values:
            return None
        import bisect

        below = bisect.bisect_left(self.values, value)
        equal = bisect.bisect_right(self.values, value) - below
        return 100.0 * (below + 0.5 * equal) / len(self.values)


@dataclass
class Network:
    """The network of one batch run: its assessed lines and each figure's distribution."""

    run: str
    lines: list[Line]
    distributions: list[Distribution]
    unassessed: dict[str, int] = field(default_factory=dict)  # status -> bundles not compared
    revealed: bool = False

    def to_dict(self) -> dict[str, Any]:
        figs = []
        for d in self.distributions:
            rows = [
                {"line": ln.code, "value": ln.values[d.key], "percentile_rank": d.rank(ln.values[d.key])}
                for ln in self.lines
                if ln.values[d.key] is not None
            ]
            figs.append(
                {"figure": d.key, "title": d.title, "unit": d.unit, "n": d.n, "missing": d.missing}
                | d.stats()
                | {"lines": rows}
            )
        return {
            "run": self.run,
            "lines": len(self.lines),
            "unassessed": dict(sorted(self.unassessed.items())),
            "pseudonymised": not self.revealed,
            "quantile_method": QUANTILE_METHOD,
            "percentile_rank": RANK_METHOD,
            "participants": [self._participant(ln) for ln in self.lines],
            "figures": figs,
        }

    def _participant(self, ln: Line) -> dict[str, Any]:
        out: dict[str, Any] = {"line": ln.code, "verdict": ln.verdict}
        if self.revealed:
            out.update(name=ln.name, bundle=ln.bundle)
        return out

    def standing(self, result: Any) -> dict[str, Any]:
        """Where ``result``'s line stands, as plain data for the dossier: its own values and name,
        the others' values by code only.  The line is found in the run by its bundle's files (else
        by name); a line that is not in the run is placed against the run's lines."""
        digest, name = line_digest(result), str((result.pilot_line or {}).get("name", ""))
        me = next((ln for ln in self.lines if ln.digest == digest), None)
        me = me or next((ln for ln in self.lines if name and ln.name == name), None)
        values = figure_values(result)
        rows = []
        for d in self.distributions:
            mine = values[d.key]
            others = [ln.values[d.key] for ln in self.lines if ln is not me]
            rows.append(
                {
                    "key": d.key,
                    "title": d.title,
                    "unit": d.unit,
                    "n": d.n,
                    "value": mine,
                    "rank": d.rank(mine),
                }
                | d.stats()
                | {"others": sorted(v for v in others if v is not None)}
            )
        return {
            "run": self.run,
            "lines": len(self.lines),
            "unassessed": sum(self.unassessed.values()),
            "in_run": me is not None,
            "code": me.code if me is not None else "",
            "name": name,
            "quantile_method": QUANTILE_METHOD,
            "rank_method": RANK_METHOD,
            "figures": rows,
        }


def _not_a_run(run: Path, why: str) -> UsageError:
    return UsageError(
        Problem(
            str(run),
            message=f"not a batch run's output directory: {why}",
            expected="the --out directory of `liplanet-cert batch` (with results.jsonl and results/)",
        )
    )


def network(run: Path, *, reveal: bool = False) -> Network:
    """The network of the batch run in ``run`` (its ``--out`` directory).  Exit 2 (UsageError) when
    ``run`` is not such a directory or holds no assessed bundle."""
    import os

    from liplanet_cert.batch.store import iter_entries

    run = Path(run)
    if not run.is_dir():
        raise _not_a_run(run, "not a directory")
    if not os.path.isfile(run / "results.jsonl"):
        raise _not_a_run(run, "no results.jsonl in it")
    lines: list[Line] = []
    unassessed: dict[str, int] = {}
    for entry in iter_entries(run):
        if not hasattr(entry, "verdict"):  # an Unassessed bundle
            unassessed[entry.status] = unassessed.get(entry.status, 0) + 1
            continue
        name = str((entry.pilot_line or {}).get("name", ""))
        verdict = str(getattr(entry.verdict, "value", entry.verdict))
        bundle = str((entry.bundle or {}).get("path", ""))
        lines.append(Line("", name, bundle, verdict, line_digest(entry), figure_values(entry)))
    if not lines:
        count = sum(unassessed.values())
        raise _not_a_run(run, f"no assessed bundle in it ({count} bundle(s) invalid or failed)")
    _pseudonymise(lines)
    dists = [
        Distribution(
            key,
            title,
            unit,
            sorted(v for ln in lines if (v := ln.values[key]) is not None),
            sum(ln.values[key] is None for ln in lines),
        )
        for key, (title, unit) in figures().items()
    ]
    return Network(str(run), lines, dists, unassessed, reveal)


def _pseudonymise(lines: list[Line]) -> None:
    """Codes L01, L02, … in the order of a keyed hash of name and bundle (see the module doc)."""
    key = hashlib.sha256("".join(sorted(ln.digest for ln in lines)).encode()).digest()

    def order(ln: Line) -> str:
        return hashlib.sha256(
            key + f"{ln.name}\0{ln.bundle}\0{ln.digest}".encode("utf-8", "replace")
        ).hexdigest()

    width = max(2, len(str(len(lines))))
    for i, ln in enumerate(sorted(lines, key=order), start=1):
        ln.code = f"L{i:0{width}d}"
    lines.sort(key=lambda ln: ln.code)
