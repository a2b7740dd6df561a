"""Measured KPIs from the production and end-of-line logs (pandas).

Definitions (also in the dossier's glossary):
- step scrap rate = scrap / units in; step yield = good out / units in;
- first-pass yield = rolled throughput yield = product of the step yields (the chance that a unit
  passes every step first time);
- overall scrap rate = 1 - good units out of each lot's last logged step / units into its first
  logged step, summed over lots (from the unit balance: a loss between steps that nobody logged as
  scrap counts; for a balanced log it equals 1 - first-pass yield);
- production days = distinct dates in the production log (reported; no KPI divides by it);
- cell throughput = good cells out of the last logged step / the days that step produced good cells
  (a line that runs formation or aging on Saturdays gains no output from the extra days);
- electrode throughput = coated electrode length / the days coating and drying ran;
- electrode per batch = mean coated length per coating lot (roll);
- end-of-line pass rate, capacity mean, sample standard deviation (n-1) and CV = std / mean.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import numpy as np

from liplanet_cert.assessment.balance import UnitBalance, unit_balance
from liplanet_cert.assessment.eolcheck import EolCheck, check_eol
from liplanet_cert.assessment.result import StepStats
from liplanet_cert.bundle.model import Bundle
from liplanet_cert.catalogue import production_steps


@dataclass
class Measurements:
    """What the logs show."""

    values: dict[str, float | None]  # KPI name -> value in the canonical unit (catalogue.KPI_SPECS)
    locations: dict[str, str]
    steps: list[StepStats]
    step_scrap: dict[str, float]  # step -> scrap rate %
    production_days: int  # distinct dates in the production log
    cells_produced: float
    final_step: str | None
    daily_output: list[dict[str, Any]]
    capacities: Sequence[
        float
    ]  # every measured capacity (a float array: one float object each would be 4x its size)
    lot_scrap: dict[str, float] = field(default_factory=dict)  # lot -> overall scrap % of that lot
    lot_step_scrap: Mapping[str, dict[str, float]] = field(
        default_factory=dict
    )  # lot -> step -> scrap % (LotStepScrap)
    balance: UnitBalance | None = None  # units lost or appearing between steps (assessment.balance)
    eol_check: EolCheck | None = None  # end-of-line file vs production log (assessment.eolcheck)


class LotStepScrap(Mapping[str, dict[str, float]]):
    """lot -> {step: scrap rate % (scrap / units in)} for each (lot, step) of the production log with
    units in, held as arrays of the counts (a log of 1.5 million rows would otherwise be as many Python floats in 100,000
    dicts); a lot's dict is built when it is asked for."""

    def __init__(
        self,
        lots: Sequence[str],
        steps: Sequence[str],
        lot: np.ndarray,
        step: np.ndarray,
        units_in: np.ndarray,
        scrap: np.ndarray,
    ) -> None:
        self._lots, self._steps = list(lots), list(steps)
        self._lot, self._step = lot, step  # one entry per (lot, step) with units in, in log order
        self._units_in, self._scrap = units_in, scrap  # its counts (the rate is scrap / units in)
        first = np.full(len(self._lots), len(lot), dtype=np.int64)
        np.minimum.at(first, lot, np.arange(len(lot), dtype=np.int64))
        self._first = first  # each lot's first entry: the order of the mapping
        self._order = [int(i) for i in np.argsort(first, kind="stable") if first[i] < len(lot)]
        self._code: dict[str, int] | None = None

    def __iter__(self) -> Iterator[str]:
        return (self._lots[i] for i in self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __getitem__(self, lot: str) -> dict[str, float]:
        if self._code is None:
            self._code = {name: i for i, name in enumerate(self._lots)}
        code = self._code.get(lot)
        at = np.flatnonzero(self._lot == code) if code is not None else np.empty(0, dtype=np.int64)
        if not len(at):
            raise KeyError(lot)
        rate = self._scrap[at] / self._units_in[at] * 100
        return {self._steps[int(self._step[k])]: float(r) for k, r in zip(at, rate)}

    def counts(self, step: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(lot names, scrapped units, units in) of each lot at ``step``, in the order of the mapping,
        as arrays: the input of a p-chart (assessment.pchart); empty for a step that is not logged."""
        if step not in self._steps:
            return np.empty(0, dtype=object), np.empty(0), np.empty(0)
        hit = np.flatnonzero(self._step == self._steps.index(step))
        hit = hit[np.argsort(self._first[self._lot[hit]], kind="stable")]
        names = np.array(self._lots, dtype=object)[self._lot[hit]]
        return names, self._scrap[hit], self._units_in[hit]


def _factorize(values: Any) -> tuple[np.ndarray, list[Any]]:
    """(code of each value, distinct values), codes numbered in order of first appearance."""
    index: dict[Any, int] = {}
    first = np.fromiter(map(index.setdefault, values, count()), dtype=np.int64, count=len(values))
    distinct = [values[k] for k in index.values()]  # (dicts keep insertion order: first appearance)
    dense = np.empty(len(values), dtype=np.int32)
    lookup = np.zeros(len(values), dtype=np.int32)
    lookup[np.fromiter(index.values(), dtype=np.int64, count=len(index))] = np.arange(
        len(index), dtype=np.int32
    )
    np.take(lookup, first, out=dense)
    return dense, distinct


@dataclass
class _Groups:
    """The production log aggregated once per (lot, step) group, in order of first appearance, as
    numbers: no Python object per row (a log at the size limit has 1.5 million rows)."""

    step: np.ndarray  # step code of each group
    lot: np.ndarray  # lot code of each group
    step_names: np.ndarray
    lot_names: np.ndarray
    units_in: np.ndarray
    good_out: np.ndarray
    scrap: np.ndarray


def _groups(table: Any) -> _Groups:
    """load_bundle refuses a lot logged twice for one step, so each row is its own group (the
    general case is kept for tables built otherwise)."""
    g_step, step_names = _factorize(table["step"])
    g_lot, lot_names = _factorize(table["lot_id"])
    columns = [np.asarray(table[c], dtype=float) for c in ("units_in", "good_out", "scrap")]
    key = g_lot.astype(np.int64) * max(len(step_names), 1) + g_step
    ordered = np.sort(key)
    if len(ordered) > 1 and bool((ordered[1:] == ordered[:-1]).any()):
        _keys, first_row, inverse = np.unique(key, return_index=True, return_inverse=True)
        appearance = np.argsort(first_row, kind="stable")
        rank = np.empty(len(appearance), dtype=np.int64)
        rank[appearance] = np.arange(len(appearance), dtype=np.int64)
        group = rank[inverse.reshape(-1)]
        g_rows = first_row[appearance]
        g_step, g_lot = g_step[g_rows], g_lot[g_rows]
        columns = [np.bincount(group, weights=c, minlength=len(appearance)) for c in columns]
    return _Groups(g_step, g_lot, step_names, lot_names, *columns)


def _step_totals(g: _Groups) -> dict[str, list[float]]:
    """[units in, good out, scrap, lots] of each step, in order of first appearance."""
    totals: dict[str, list[float]] = {}
    for s in dict.fromkeys(g.step.tolist()):
        mine = g.step == s
        totals[str(g.step_names[s])] = [
            float(g.units_in[mine].sum()),
            float(g.good_out[mine].sum()),
            float(g.scrap[mine].sum()),
            int(mine.sum()),
        ]
    return totals


def _step_stats(
    totals: dict[str, list[float]], order: dict[str, int]
) -> tuple[list[StepStats], dict[str, float], float]:
    """Each step's statistics in process order, its scrap rate (%) and the rolled throughput yield."""
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
    return steps, step_scrap, rty


def _lot_scrap(g: _Groups) -> tuple[LotStepScrap, dict[str, float]]:
    """Scrap (%) of each lot at each step (with its counts, for a p-chart), and overall scrap of each
    lot: 1 - the product of its step yields (in log order, as math.prod)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        has = g.units_in > 0
        yields = np.where(has, g.good_out / np.where(has, g.units_in, 1), np.nan)
    keep = slice(None) if bool(has.all()) else has  # (views, not copies, when every group has units in)
    per_step = LotStepScrap(
        [str(x) for x in g.lot_names],
        [str(x) for x in g.step_names],
        g.lot[keep],
        g.step[keep],
        g.units_in[keep],
        g.scrap[keep],
    )
    with_yield = np.flatnonzero(has)
    by_lot = with_yield[np.argsort(g.lot[with_yield], kind="stable")]
    lot_scrap: dict[str, float] = {}
    if len(by_lot):
        lots_sorted = g.lot[by_lot]
        starts = np.flatnonzero(np.r_[True, lots_sorted[1:] != lots_sorted[:-1]])
        products = np.multiply.reduceat(yields[by_lot], starts)
        scrap_of = dict(zip(lots_sorted[starts].tolist(), ((1 - products) * 100).tolist()))
        lot_scrap = {lot: scrap_of[code] for code, lot in zip(per_step._order, per_step)}
    for lot in g.lot_names:
        lot_scrap.setdefault(str(lot), 0.0)
    return per_step, lot_scrap


def _daily_output(table: Any, final: str | None) -> list[dict[str, Any]]:
    """Good cells of the last step per calendar day."""
    step_col, date_col = table["step"], table["date"]
    at_final = (step_col == final) & ~np.isnat(date_col)
    out_days, idx = np.unique(date_col[at_final], return_inverse=True)
    per_day = np.bincount(idx, weights=table["good_out"][at_final], minlength=len(out_days))
    return [{"date": str(d)[:10], "cells": float(v)} for d, v in zip(out_days, per_day.tolist())]


def _days(dates: np.ndarray) -> int:
    """Distinct calendar days among ``dates`` (datetime64; NaT ignored)."""
    return len(np.unique(dates[~np.isnat(dates)]))


def _electrode(table: Any, values: dict[str, float | None]) -> int:
    """Coated electrode per day of coating and per batch (roll), from the coating rows' lengths;
    the number of days coating ran."""
    step_col, lot_col = table["step"], table["lot_id"]
    days = _days(table["date"][step_col == "coating_and_drying"])
    length_col = np.asarray(table["electrode_length"], dtype=float)
    coated = (step_col == "coating_and_drying") & ~np.isnan(length_col)
    length = float(length_col[coated].sum()) if coated.any() else None
    values["electrode_throughput"] = length / days if (length is not None and days) else None
    per_roll: dict[str, float] = {}
    for lot, metres in zip(lot_col[coated].tolist(), length_col[coated].tolist()):
        per_roll[lot] = per_roll.get(lot, 0.0) + metres
    values["electrode_per_batch"] = sum(per_roll.values()) / len(per_roll) if per_roll else None
    return days


def _end_of_line(eol: Any, values: dict[str, float | None]) -> Sequence[float]:
    """Pass rate, capacity mean, standard deviation and CV from the end-of-line tests; the capacities."""
    if eol is None or not len(eol):
        for k in ("eol_pass_rate", "capacity_mean", "capacity_cv"):
            values[k] = None
        return []
    values["eol_pass_rate"] = float(eol["passed"].mean() * 100)
    cap = np.asarray(eol["capacity"], dtype=float)
    values["capacity_mean"] = float(cap.mean())
    std = float(cap.std(ddof=1)) if len(cap) > 1 else 0.0
    values["capacity_cv"] = std / values["capacity_mean"] * 100 if values["capacity_mean"] else None
    values["capacity_std"] = std
    return cap


def measure(bundle: Bundle) -> Measurements:
    """Every KPI the logs allow measuring, with where in the bundle it comes from."""
    table = bundle.production
    plog = bundle.files["production_log"]
    order = {s: i for i, s in enumerate(production_steps())}
    values: dict[str, float | None] = {}
    locations: dict[str, str] = {}

    groups = _groups(table)
    totals = _step_totals(groups)
    lot_step_scrap, lot_scrap = _lot_scrap(groups)
    steps, step_scrap, rty = _step_stats(totals, order)
    rank = np.array([order.get(str(n), 99) for n in groups.step_names], dtype=np.int64)
    balance = unit_balance(
        groups.lot,
        groups.step,
        rank[groups.step] if len(groups.step) else groups.step,
        groups.units_in,
        groups.good_out,
        [str(x) for x in groups.lot_names],
        [str(x) for x in groups.step_names],
    )
    values["first_pass_yield"] = rty * 100 if steps else None
    values["scrap_rate"] = balance.loss_rate if steps else None
    locations["first_pass_yield"] = f"{plog} (all rows: product of the step yields)"
    locations["scrap_rate"] = (
        f"{plog} (per lot: 1 - good out of its last step / units into its first step;"
        f" {balance.good_out_last:g} of {balance.units_in_first:g} units)"
    )

    days = _days(table["date"])
    final = max(totals, key=lambda s: order.get(s, -1)) if totals else None
    cells = float(totals[final][1]) if final else 0.0
    produced = (table["step"] == final) & (np.asarray(table["good_out"], dtype=float) > 0)
    cell_days = _days(table["date"][produced])
    values["cell_throughput"] = cells / cell_days if cell_days else None
    locations["cell_throughput"] = (
        f"{plog} (step {final}: {cells:g} good cells over the {cell_days} days it produced good cells)"
    )
    daily_output = _daily_output(table, final)
    coating_days = _electrode(table, values)
    where = f"{plog} (step coating_and_drying, column electrode_length"
    locations["electrode_throughput"] = f"{where}: over the {coating_days} days coating ran)"
    locations["electrode_per_batch"] = f"{where}: per coated lot)"
    capacities = _end_of_line(bundle.eol, values)
    for k in ("eol_pass_rate", "capacity_mean", "capacity_cv"):
        locations[k] = f"{bundle.files['eol_tests']} (all rows)"
    return Measurements(
        values,
        locations,
        steps,
        step_scrap,
        days,
        cells,
        final,
        daily_output,
        capacities,
        lot_scrap,
        lot_step_scrap,
        balance,
        check_eol(
            bundle.eol,
            groups.lot,
            groups.step,
            groups.good_out,
            groups.scrap,
            [str(x) for x in groups.lot_names],
            [str(x) for x in groups.step_names],
            bundle.files.get("eol_tests", "eol_tests.csv"),
            plog,
        ),
    )


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
