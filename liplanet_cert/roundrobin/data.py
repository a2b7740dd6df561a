"""Reading a round robin's results: a results CSV (:func:`read_results_csv`) or the participants'
submission bundles (:func:`from_bundles`), then one :class:`MeasurandData` per measurand in the
protocol's units (:func:`group`), and the participants' pseudonyms (:func:`codes`).

The results CSV has the columns ``participant, measurand, value, unit`` and optionally
``replicate`` (a whole number), ``uncertainty`` (a standard uncertainty in the row's unit) and
``cell_id``.  It is read like a bundle's logs (:mod:`liplanet_cert.bundle.csvread`: UTF-8, comma,
semicolon or tab, strict numbers — a decimal comma is a located problem, never a guess — every
problem at once, grouped by row).  Values may be negative; uncertainties may not.

Every bad input is a located :class:`RoundRobinError` (exit 2): an empty value, a number that is
not finite, a unit pint cannot read or convert to the measurand's unit, two rows for one
(participant, measurand, replicate), several rows of one participant and measurand without
replicate numbers, a measurand the protocol does not name.  One participant or equal values are
not errors: the statistics state them as limitations.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from liplanet_cert.errors import Problem, ProblemCollector
from liplanet_cert.roundrobin.model import MeasurandData, Observation, Protocol
from liplanet_cert.roundrobin.protocol import RoundRobinError, default_protocol

MAX_RESULTS_BYTES = 16 * 1024 * 1024  # ~300 000 rows: far beyond any round robin
REQUIRED: dict[str, str | None] = {"participant": None, "measurand": None, "value": None, "unit": None}
OPTIONAL: dict[str, str | None] = {"replicate": None, "uncertainty": None, "cell_id": None}
# end-of-line columns a bundle reports (:mod:`liplanet_cert.bundle.eol`) -> the unit they are read in
EOL_MEASURANDS = {"capacity": "Ah", "internal_resistance": "mohm", "ocv_drop": "mV"}
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
SHOWN = 4  # locations named in one problem before "and N more"


# -- the results CSV ----------------------------------------------------------------------------
def read_results_csv(path: str | Path) -> list[Observation]:
    """The observations of a results CSV, in file order; raises :class:`RoundRobinError` with
    every problem of the file."""
    from liplanet_cert.bundle.csvcells import numbers
    from liplanet_cert.bundle.csvread import read_csv
    from liplanet_cert.infra.inputfile import read_input_file

    name = str(path)
    data = read_input_file(path, "results file", MAX_RESULTS_BYTES, error=RoundRobinError)
    problems = ProblemCollector()
    c = read_csv(name, data, REQUIRED, OPTIONAL, problems)
    if c is None:
        raise RoundRobinError(problems.problems)
    rows = c.rows.tolist()
    values = _signed_numbers(c, "value")
    u = numbers(c, "uncertainty", allow_blank=True) if "uncertainty" in c else None
    reps = numbers(c, "replicate", integer=True, allow_blank=True) if "replicate" in c else None
    texts = {col: c.text(col) for col in ("participant", "measurand", "unit")}
    for col, what in (("participant", "the participant"), ("measurand", "the measurand"), ("unit", "a unit")):
        for k in [k for k, t in enumerate(texts[col]) if not t.strip()]:
            c.row_problems.add(rows[k], col, "missing value", expected=what)
    if reps is not None and "" in c.text("replicate") and len(set(c.text("replicate"))) > 1:
        for k in [k for k, t in enumerate(c.text("replicate")) if not t]:
            c.row_problems.add(
                rows[k], "replicate", "missing replicate number", expected="a replicate number in every row"
            )
    cells = c.text("cell_id") if "cell_id" in c else None
    c.row_problems.flush(problems)
    problems.raise_if_any(RoundRobinError)
    out = []
    for k, row in enumerate(rows):
        uk = None if u is None or math.isnan(u[k]) else float(u[k])
        rk = None if reps is None or math.isnan(reps[k]) else int(reps[k])
        out.append(
            Observation(
                participant=texts["participant"][k].strip(),
                measurand=texts["measurand"][k].strip(),
                value=float(values[k]),
                unit=texts["unit"][k].strip(),
                replicate=rk,
                uncertainty=uk,
                cell_id=(cells[k] or None) if cells is not None else None,
                location=f"{name} row {row}",
            )
        )
    return out


def _signed_numbers(c: Any, col: str) -> Any:
    """A column of finite numbers of either sign (a result may be negative), each bad cell a row
    problem: an empty cell ("no value"), a decimal comma, NaN or infinity, a spreadsheet error."""
    import numpy as np

    from liplanet_cert.bundle.csvcells import number_problem

    out = []
    for k0, texts in c.pieces(col):
        v = None
        if all(t.isascii() and "_" not in t for t in texts):
            try:
                v = np.array([t or "nan" for t in texts], dtype=np.float64)
            except ValueError:
                v = None
        if v is None:
            v = np.array([float(t) if _NUMBER.fullmatch(t) else np.nan for t in texts], dtype=np.float64)
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(v) | (np.abs(v) > 1e12)
        for k in np.flatnonzero(bad).tolist():
            row = int(c.rows[k0 + k])
            if texts[k] == "":
                c.row_problems.add(
                    row, col, "no value (an empty cell)", expected="the participant's result, a number"
                )
            else:
                number_problem(
                    c.row_problems, row, col, texts[k], float(v[k]), integer=False, delimiter=c.delimiter
                )
        out.append(v)
    return np.concatenate(out) if out else np.empty(0)


# -- submission bundles -------------------------------------------------------------------------
@dataclass
class BundleRead:
    """What :func:`read_bundles` took: the observations, the bundles used (path, participant) and
    those skipped (path, why)."""

    observations: list[Observation] = field(default_factory=list)
    used: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def from_bundles(paths: Sequence[str | Path], protocol: Protocol) -> list[Observation]:
    """The end-of-line results of the bundles of the protocol's reference design (see
    :func:`read_bundles`)."""
    return read_bundles(paths, protocol).observations


def read_bundles(paths: Sequence[str | Path], protocol: Protocol) -> BundleRead:
    """Each bundle's end-of-line results — capacity (Ah), internal resistance (mohm), OCV drop
    (mV): one observation per cell that has a value, replicate = the cell's position in the file,
    its cell id kept; passed and failed cells alike — with participant = the bundle's pilot-line
    name.  Only the measurands the protocol names are taken (all three when it names none).

    A bundle takes part when its declared cell is the protocol's reference design: the same
    chemistry and format (letter case and spaces ignored) and the same nominal capacity (to 1 ppm
    in Ah); the others are skipped, each with the reason.  An invalid bundle is its own located
    error (exit 2), as are a protocol without a reference design, two bundles of one pilot line
    and no bundle of the design at all."""
    from liplanet_cert.bundle.load import load_bundle

    design = getattr(protocol, "design", None)
    if design is None:
        raise RoundRobinError(
            Problem(
                "--protocol",
                message="--from-bundles needs a protocol file that names the reference design",
                expected="--protocol FILE with reference_design: {chemistry, format, nominal_capacity}",
            )
        )
    wanted = [m for m in EOL_MEASURANDS if not protocol.measurands or m in protocol.measurands]
    out = BundleRead()
    seen: dict[str, str] = {}
    for path in paths:
        b = load_bundle(path)
        why = design.mismatch(b.cell.chemistry, b.cell.format, b.cell.capacity_ah)
        if why or b.eol is None:
            out.skipped.append(
                (str(path), f"not the reference design: {why}" if why else "no end-of-line tests")
            )
            continue
        participant = b.pilot_line["name"]
        if participant in seen:
            raise RoundRobinError(
                Problem(
                    str(path),
                    "declaration #/pilot_line/name",
                    f"a second bundle of the pilot line {participant!r} (the first: {seen[participant]})",
                    expected="one bundle per participant",
                )
            )
        seen[participant] = str(path)
        out.used.append((str(path), participant))
        out.observations += _eol_observations(b, participant, wanted, f"{path}/{b.files['eol_tests']}")
    if not out.used:
        raise RoundRobinError(
            Problem(
                "--from-bundles",
                message=f"no bundle is of the reference design {design.text()}",
                expected="at least one bundle whose declared cell is the protocol's reference design",
                found="; ".join(f"{p}: {why}" for p, why in out.skipped)[:900],
            )
        )
    return out


def _eol_observations(b: Any, participant: str, wanted: list[str], where: str) -> list[Observation]:
    import numpy as np

    eol = b.eol
    ids, rows = eol["cell_id"], eol["_row"]
    out = []
    for m in wanted:
        if m not in eol:
            continue
        v = np.asarray(eol[m], dtype=np.float64)
        for k in np.flatnonzero(np.isfinite(v)).tolist():  # a blank cell: not measured
            out.append(
                Observation(
                    participant,
                    m,
                    float(v[k]),
                    EOL_MEASURANDS[m],
                    replicate=k + 1,
                    cell_id=str(ids[k]),
                    location=f"{where} row {int(rows[k])}",
                )
            )
    return out


# -- grouping -----------------------------------------------------------------------------------
class _Problems:
    """Problems of the same kind and key as one problem naming their first locations."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, ...], tuple[list[str], str, str]] = {}

    def add(self, location: str, message: str, expected: str = "", found: str = "") -> None:
        locs, _e, _f = self.groups.setdefault((message, expected, found), ([], expected, found))
        locs.append(location)

    def raise_if_any(self) -> None:
        if not self.groups:
            return
        out = []
        for (message, expected, found), (locs, _e, _f) in self.groups.items():
            extra = ""
            if len(locs) > 1:
                more = f" and {len(locs) - SHOWN} more" if len(locs) > SHOWN else ""
                extra = f" (also {', '.join(locs[1:SHOWN])}{more})"
            out.append(Problem(locs[0] or "results", "", message + extra, expected, found))
        raise RoundRobinError(out)


def group(observations: Iterable[Observation], protocol: Protocol | None = None) -> dict[str, MeasurandData]:
    """The observations per measurand and participant, in the measurand's unit (the protocol's;
    without a protocol, or one naming no measurand, the unit of the measurand's first row), each
    participant's values in replicate order.  Measurands in the protocol's order, then in order of
    appearance; a measurand the protocol names but nobody reported is left out
    (:func:`missing_measurands`)."""
    obs = list(observations)
    if protocol is None or not protocol.measurands:
        first: dict[str, str] = {}
        for o in obs:
            first.setdefault(o.measurand, o.unit)
        protocol = default_protocol(first)
    problems = _Problems()
    rows: dict[str, dict[str, list[tuple[int | None, float, float | None, str]]]] = {}
    for o in obs:
        spec = protocol.measurands.get(o.measurand)
        if spec is None:
            problems.add(
                o.location,
                f"measurand {o.measurand!r} is not in the protocol",
                expected="one of " + ", ".join(protocol.measurands),
                found=repr(o.measurand),
            )
            continue
        conv = _conversion(o.unit, spec.unit)
        if isinstance(conv, str):
            problems.add(
                o.location,
                f"unit of {o.measurand}: {conv}",
                expected=f"a unit convertible to {spec.unit}",
                found=repr(o.unit),
            )
            continue
        if not math.isfinite(o.value) or not (o.uncertainty is None or math.isfinite(o.uncertainty)):
            problems.add(o.location, "not a finite number", expected="a finite value and uncertainty")
            continue
        offset, scale = conv
        u = None if o.uncertainty is None else abs(scale) * o.uncertainty
        rows.setdefault(o.measurand, {}).setdefault(o.participant, []).append(
            (o.replicate, offset + scale * o.value, u, o.location)
        )
    _check_replicates(rows, problems)
    problems.raise_if_any()
    out = {}
    for m in [m for m in protocol.measurands if m in rows]:
        by = {
            p: [(v, u) for _r, v, u, _l in sorted(rs, key=lambda r: r[0] or 0)] for p, rs in rows[m].items()
        }
        out[m] = MeasurandData(spec=protocol.measurands[m], by_participant=by)
    return out


def _check_replicates(rows: dict[str, dict[str, list[tuple[Any, ...]]]], problems: _Problems) -> None:
    for m, parts in rows.items():
        for p, rs in parts.items():
            reps = [r[0] for r in rs]
            if None in reps and len(rs) > 1:
                for r in rs[1:]:
                    problems.add(
                        r[3],
                        f"several results of {p!r} for {m} without replicate numbers (first: {rs[0][3]})",
                        expected="one row per participant and measurand, or a replicate column numbering them",
                    )
                continue
            seen: dict[int, str] = {}
            for rep, _v, _u, loc in rs:
                if rep in seen:
                    problems.add(
                        loc,
                        f"duplicate result: {p!r}, {m}, replicate {rep} (first: {seen[rep]})",
                        expected="one row per participant, measurand and replicate",
                    )
                seen.setdefault(rep, loc)


@lru_cache(maxsize=256)
def _conversion(unit: str, to: str) -> tuple[float, float] | str:
    from liplanet_cert.roundrobin.protocol import unit_readable
    from liplanet_cert.units import registry

    if not unit_readable(unit):
        return "unknown unit"
    q = registry().Quantity
    try:
        a = float(q(0.0, pint_unit(unit)).to(pint_unit(to)).magnitude)
        b = float(q(1.0, pint_unit(unit)).to(pint_unit(to)).magnitude) - a
    except Exception as exc:  # pint: DimensionalityError and its kin
        return f"does not convert to {to}" + (
            " (other dimension)" if "imension" in type(exc).__name__ else ""
        )
    if not (math.isfinite(a) and math.isfinite(b) and 1e-12 <= abs(b) <= 1e12):
        return f"out of range against {to}"
    return a, b


def pint_unit(unit: str) -> str:
    """``unit`` as pint reads it ("%" is percent)."""
    return unit.strip().replace("%", "percent").replace("‰", "permille")


def missing_measurands(data: dict[str, MeasurandData], protocol: Protocol | None) -> list[str]:
    """The measurands the protocol names that no observation reports."""
    return [] if protocol is None else [m for m in protocol.measurands if m not in data]


# -- pseudonyms ---------------------------------------------------------------------------------
def codes(participants: Iterable[str], round_id: str = "") -> dict[str, str]:
    """Participant name -> code ``P01``, ``P02``, ... (``P001`` from 100 participants on), numbered
    in the order of sha256(round id, newline, name): stable for a round, unrelated to the names'
    alphabetical or file order, and different from round to round.  (Whoever knows every
    participant's name and the round id can recompute the order: the codes hide names from a
    report's readers, not from someone holding the list.)"""
    names = sorted(
        set(participants),
        key=lambda n: (hashlib.sha256(f"{round_id}\n{n}".encode("utf-8", "surrogatepass")).hexdigest(), n),
    )
    width = max(2, len(str(len(names))))
    return {n: f"P{i:0{width}d}" for i, n in enumerate(names, 1)}
