"""Measured KPIs from the production and end-of-line logs (pandas).

Definitions (also in the dossier's glossary):
- step scrap rate = scrap / units in; step yield = good out / units in;
- first-pass yield = rolled throughput yield = product of the step yields (the chance that a unit
  passes every step first time);
- overall scrap rate = 1 - first-pass yield;
- production days = distinct dates in the production log;
- cell throughput = good cells out of the last logged step / production days;
- electrode throughput = coated electrode length / production days;
- electrode per batch = mean coated length per coating lot (roll);
- end-of-line pass rate, capacity mean, sample standard deviation (n-1) and CV = std / mean.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .bundle import Bundle, production_steps
from .models import StepStats


@dataclass
class Measurements:
    """What the logs show."""

    values: dict[str, float | None]  # KPI name -> value in the canonical unit (bundle.KPI_SPECS)
    locations: dict[str, str]
    steps: list[StepStats]
    step_scrap: dict[str, float]  # step -> scrap rate %
    production_days: int
    cells_produced: float
    final_step: str | None
    daily_output: list[dict[str, Any]]
    capacities: list[float]
    lot_scrap: dict[str, float] = field(default_factory=dict)  # lot -> overall scrap % of that lot
    lot_step_scrap: dict[str, dict[str, float]] = field(default_factory=dict)


def measure(bundle: Bundle) -> Measurements:
    table = bundle.production
    prod = table.frame  # the per (step, lot) aggregation is pandas'; the rest reads columns
    plog = bundle.files["production_log"]
    eol_file = bundle.files["eol_tests"]
    order = {s: i for i, s in enumerate(production_steps())}
    values: dict[str, float | None] = {}
    locations: dict[str, str] = {}

    # One pandas aggregation per (lot, step); everything per step and per lot derives from it.
    per = prod.groupby(["step", "lot_id"], sort=False)[["units_in", "good_out", "scrap"]].sum()
    totals: dict[str, list[float]] = {}
    lot_step_scrap: dict[str, dict[str, float]] = {}
    lot_yields: dict[str, list[float]] = {}
    for (step, lot_id), uin, good, scrap in zip(per.index.tolist(), per["units_in"].tolist(), per["good_out"].tolist(), per["scrap"].tolist()):
        t = totals.setdefault(step, [0.0, 0.0, 0.0, 0])
        t[0] += uin
        t[1] += good
        t[2] += scrap
        t[3] += 1
        if uin > 0:
            lot_step_scrap.setdefault(str(lot_id), {})[str(step)] = (1 - good / uin) * 100
            lot_yields.setdefault(str(lot_id), []).append(good / uin)
    steps: list[StepStats] = []
    step_scrap: dict[str, float] = {}
    rty = 1.0
    for step in sorted(totals, key=lambda s: order.get(s, 99)):
        uin, good, scrap, lots = totals[step]
        rate = scrap / uin * 100 if uin > 0 else None
        yld = good / uin * 100 if uin > 0 else None
        if yld is not None:
            rty *= yld / 100
        if rate is not None:
            step_scrap[step] = rate
        steps.append(StepStats(step, int(lots), float(uin), float(good), float(scrap), rate, yld))
    values["first_pass_yield"] = rty * 100 if steps else None
    values["scrap_rate"] = (1 - rty) * 100 if steps else None
    locations["first_pass_yield"] = locations["scrap_rate"] = f"{plog} (all rows)"
    lot_scrap = {lot: (1 - math.prod(ys)) * 100 for lot, ys in lot_yields.items()}
    # the rest works on the frame's numpy columns: a few masks, no further frames (~1 ms per bundle)
    step_col, lot_col, date_col = table["step"], table["lot_id"], table["date"]
    for lot in dict.fromkeys(lot_col.tolist()):
        lot_scrap.setdefault(str(lot), 0.0)

    days = len(np.unique(date_col[~np.isnat(date_col)]))
    final = max(totals, key=lambda s: order.get(s, -1)) if totals else None
    cells = float(totals[final][1]) if final else 0.0
    values["cell_throughput"] = cells / days if days else None
    locations["cell_throughput"] = f"{plog} (step {final}, {days} production days)"
    at_final = (step_col == final) & ~np.isnat(date_col)
    out_days, idx = np.unique(date_col[at_final], return_inverse=True)
    per_day = np.bincount(idx, weights=table["good_out"][at_final], minlength=len(out_days))
    daily_output = [{"date": str(d)[:10], "cells": float(v)} for d, v in zip(out_days, per_day.tolist())]

    length_col = np.asarray(table["electrode_length"], dtype=float)
    coated = (step_col == "coating_and_drying") & ~np.isnan(length_col)
    length = float(length_col[coated].sum()) if coated.any() else None
    values["electrode_throughput"] = length / days if (length is not None and days) else None
    per_roll: dict[str, float] = {}
    for lot, metres in zip(lot_col[coated].tolist(), length_col[coated].tolist()):
        per_roll[lot] = per_roll.get(lot, 0.0) + metres
    values["electrode_per_batch"] = sum(per_roll.values()) / len(per_roll) if per_roll else None
    locations["electrode_throughput"] = locations["electrode_per_batch"] = f"{plog} (step coating_and_drying, column electrode_length)"

    capacities: list[float] = []
    eol = bundle.eol
    if eol is not None and len(eol):
        values["eol_pass_rate"] = float(eol["passed"].mean() * 100)
        cap = np.asarray(eol["capacity"], dtype=float)
        capacities = cap.tolist()
        values["capacity_mean"] = float(cap.mean())
        std = float(cap.std(ddof=1)) if len(cap) > 1 else 0.0
        values["capacity_cv"] = std / values["capacity_mean"] * 100 if values["capacity_mean"] else None
        values["capacity_std"] = std
    else:
        for k in ("eol_pass_rate", "capacity_mean", "capacity_cv"):
            values[k] = None
    for k in ("eol_pass_rate", "capacity_mean", "capacity_cv"):
        locations[k] = f"{eol_file} (all rows)"

    return Measurements(values, locations, steps, step_scrap, days, cells, final, daily_output, capacities, lot_scrap, lot_step_scrap)


def compress_ids(ids: Sequence[str], limit: int | None = 12, min_run: int = 2) -> str:
    """``['L12','L13','L14','L19']`` -> ``'L12–L14, L19'`` (natural order; runs of at least
    ``min_run`` consecutive ids collapsed; at most ``limit`` parts, then "and N more")."""

    def key(s: str) -> tuple[str, int, str]:
        m = re.match(r"^(.*?)(\d+)$", s)
        return (m.group(1), int(m.group(2)), s) if m else (s, -1, s)

    items = sorted(set(ids), key=key)
    parts: list[str] = []
    i = 0
    while i < len(items):
        j = i
        pi, ni, _ = key(items[i])
        while j + 1 < len(items):
            pj, nj, _ = key(items[j + 1])
            if pj == pi and ni >= 0 and nj == key(items[j])[1] + 1:
                j += 1
            else:
                break
        if j - i + 1 >= min_run:
            parts.append(f"{items[i]}–{items[j]}")
        else:
            parts.extend(items[i : j + 1])
        i = j + 1
    if limit is not None and len(parts) > limit:
        return ", ".join(parts[:limit]) + f" and {len(parts) - limit} more"
    return ", ".join(parts)
