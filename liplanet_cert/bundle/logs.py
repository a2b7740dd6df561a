"""The three CSV logs of a bundle, read each on its own (a problem in one, even an unreadable
file, never stops the others), and the rule across them: every lot of the end-of-line tests is in
the production log.  What each log must contain is :mod:`liplanet_cert.bundle.production`,
:mod:`liplanet_cert.bundle.eol` and :mod:`liplanet_cert.bundle.energy`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import numpy as np

from liplanet_cert.bundle.csvtext import SPREADSHEET_SUFFIXES
from liplanet_cert.bundle.declaration import DEFAULT_FILES, Declared
from liplanet_cert.bundle.energy import read_energy
from liplanet_cert.bundle.eol import read_eol
from liplanet_cert.bundle.model import LogTable
from liplanet_cert.bundle.production import read_production
from liplanet_cert.bundle.quality import read_quality
from liplanet_cert.bundle.rowproblems import RowProblems
from liplanet_cert.bundle.source import BundleSource
from liplanet_cert.errors import BundleError, ProblemCollector

# role -> (what the log is, its reader: (path, bytes or a function reading them, facts, problems) -> LogTable)
_READERS: dict[
    str, tuple[str, Callable[[str, Callable[[], bytes], Declared, ProblemCollector], LogTable | None]]
] = {
    "production_log": ("production log", read_production),
    "eol_tests": ("end-of-line test file", read_eol),
    "energy": ("energy metering file", read_energy),
    "quality_log": ("quality log", read_quality),
}
OPTIONAL = {"quality_log"}  # roles a bundle may leave out (no file: no quality data)


@dataclass
class Logs:
    """The bundle's logs, each None when missing or unreadable."""

    production: LogTable | None
    eol: LogTable | None
    energy: LogTable | None
    quality: LogTable | None = None


def read_logs(
    src: BundleSource,
    read: Callable[..., bytes],
    facts: Declared,
    declaration_read: bool,
    problems: ProblemCollector,
) -> Logs:
    """Read and check the logs named in ``facts.files`` (``read(rel)``: the file's bytes); a log
    that is missing is a problem only when the declaration was read (without it, where the logs
    should be is unknown)."""
    logs: dict[str, Any] = {}
    for role, (what, reader) in _READERS.items():
        rel = facts.files[role]
        logs[role] = None
        if src.exists(rel):
            try:  # the reader reads the file itself, so that its bytes go as soon as they are parsed
                logs[role] = reader(rel, lambda rel=rel: read(rel, log=True), facts, problems)
            except BundleError as exc:  # e.g. a file over the size limit
                problems.problems.extend(exc.problems)
        elif declaration_read and (role not in OPTIONAL or rel != DEFAULT_FILES[role]):  # declared: needed
            _missing(rel, role, what, src.names(), problems)
    for role, column in (
        ("production_log", "lot_id"),
        ("eol_tests", "lot_id"),
        ("energy", "meter_id"),
        ("quality_log", "lot_id"),
    ):
        _sample_rows(facts.files[role], logs[role], problems, column)
    return Logs(logs["production_log"], logs["eol_tests"], logs["energy"], logs["quality_log"])


SAMPLE_LOT = "SAMPLE-"  # lot ids (and energy meter ids) of the sample rows ``liplanet-cert init`` writes


def _sample_rows(rel: str, table: Any, problems: ProblemCollector, column: str) -> None:
    """The sample rows of the ``init`` scaffold (``column`` starting ``SAMPLE-``: lot ids of the
    logs, meter ids of the energy log) are not a line's data: never assessed."""
    if table is None or column not in table:
        return
    ids = table[column]  # (an object array: the distinct ids are few, the rows may be millions)
    sample = [v for v in set(ids.tolist()) if str(v).startswith(SAMPLE_LOT)]
    if sample:
        rows = int(np.isin(ids, sample).sum())
        what = "lot ids" if column == "lot_id" else "meter ids"
        problems.add(
            rel,
            f"column {column}",
            f"{rows} sample rows from liplanet-cert init ({what} {SAMPLE_LOT}...)",
            expected="the line's own rows: the sample data cannot be assessed",
        )


def _missing(rel: str, role: str, what: str, names: list[str], problems: ProblemCollector) -> None:
    hint = look_alikes(rel, names)
    expected = f"a CSV file (declared in #/files/{role} or named {DEFAULT_FILES[role]})"
    if role == "energy":
        expected += "; meter what you can and leave steps out to use the reference model"
    problems.add(
        rel,
        message=f"{what} not found in the bundle" + (f": {hint}" if hint else ""),
        expected=expected,
    )


def check_lots(logs: Logs, files: dict[str, str], problems: ProblemCollector) -> None:
    """Every lot of the end-of-line tests and of the quality log must be in the production log."""
    for role, table in (("eol_tests", logs.eol), ("quality_log", logs.quality)):
        if logs.production is not None and table is not None and len(table):
            _lots_in_production(logs.production, table, role, files, problems)


def _lots_in_production(
    production: LogTable, table: LogTable, role: str, files: dict[str, str], problems: ProblemCollector
) -> None:
    known = set(production["lot_id"].tolist())
    lots = table["lot_id"].tolist()
    if set(lots) <= known:
        return
    rp = RowProblems(files[role])
    for row, lot in zip(table["_row"].tolist(), lots):
        if lot not in known:
            rp.add(
                row,
                "lot_id",
                "lot not in the production log",
                expected=f"a lot id of {files['production_log']}",
                found=lot,
            )
    rp.flush(problems)


def look_alikes(rel: str, names: list[str]) -> str:
    """What to tell the user when ``rel`` is missing but the bundle holds a file of the same name
    with another extension or case (``production_log.xlsx``, ``Production_Log.CSV``); "" if none."""
    want = PurePosixPath(rel)
    stem, parent = want.stem.lower(), want.parent.as_posix().lower()
    alikes = [
        n
        for n in names
        if n != rel
        and PurePosixPath(n).stem.lower() == stem
        and PurePosixPath(n).parent.as_posix().lower() == parent
    ]
    sheets = [n for n in alikes if PurePosixPath(n).suffix.lower() in SPREADSHEET_SUFFIXES]
    if sheets:
        return f"found {sheets[0]}; export it as CSV UTF-8 (comma-separated) named {rel}"
    if alikes:
        return f"found {alikes[0]}; rename it to {rel}"
    return ""
