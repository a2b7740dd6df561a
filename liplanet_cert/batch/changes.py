"""Status changes against an earlier run (``--previous``): who gains or keeps the seal, who loses it, why.

Each bundle of this run is matched with its line of the earlier run (:class:`PreviousRun`: the same
bundle path, else the only earlier bundle of the same pilot line) and compared (:func:`compare`):
``newly_approved``, ``lost_approval`` (with the criteria that changed the outcome), ``unchanged`` or
``new``.  The outcome is one row of ``changes.csv`` (:func:`change_row`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from liplanet_cert.batch.store import load_index, results_file

APPROVED = ("approved", "approved_with_observations")
CHANGE_COLUMNS = ("bundle", "pilot_line", "previous_status", "status", "change", "criteria")

Line = dict[str, Any]
Change = tuple[str, list[str]]


def compare(prev: Line | None, cur: Line) -> Change:
    """(change, criteria): newly_approved | lost_approval | unchanged | new."""
    if prev is None:
        return "new", []
    was, now = prev.get("status") in APPROVED, cur.get("status") in APPROVED
    if was and not now:
        before = prev.get("findings") or {}
        advisory = set(cur.get("advisory") or [])
        crit = sorted(
            cid
            for cid, st in (cur.get("findings") or {}).items()
            if st in ("fail", "error") and cid not in advisory and before.get(cid) not in ("fail", "error")
        )
        if not crit and cur.get("status") in ("invalid", "error"):
            crit = [f"{cur['status']}: {cur.get('message', '')}"]
        return "lost_approval", crit
    if now and not was:
        return "newly_approved", []
    return "unchanged", []


class PreviousRun:
    """The lines of an earlier run by bundle, and which of them this run has matched."""

    def __init__(self, lines: dict[str, Line]) -> None:
        self.lines = lines
        self.by_line_name: dict[str, list[str]] = {}
        for b, d in lines.items():
            name = (d.get("pilot_line") or {}).get("name")
            if name:
                self.by_line_name.setdefault(name, []).append(b)
        self.seen: set[str] = set()

    @classmethod
    def load(cls, path: Path, warn: Callable[[str], None] | None = None) -> PreviousRun:
        """The run whose ``results.jsonl`` is ``path`` (or lies in it); an exit-2 error if there is
        no such regular file; lines that cannot be used are skipped (``warn`` names them)."""
        from liplanet_cert.infra.inputfile import open_input_file

        pfile = results_file(path)
        open_input_file(pfile, "results of the earlier run (--previous)")[
            0
        ].close()  # not found / not a regular file: exit 2
        return cls(load_index(pfile, pfile.parent, warn))

    def match(self, bundle: str, line: Line) -> Line | None:
        """The earlier line of ``bundle``: its own, else the only one of its pilot line, else None."""
        if bundle in self.lines:
            prev: Line | None = self.lines[bundle]
        else:
            name = (line.get("pilot_line") or {}).get("name")
            cands = self.by_line_name.get(name or "", [])
            prev = self.lines[cands[0]] if len(cands) == 1 else None
        if prev is not None:
            self.seen.add(prev["bundle"])
        return prev

    def not_reassessed(self) -> int:
        """How many earlier bundles no bundle of this run was matched with."""
        return len(set(self.lines) - self.seen)


def change_entry(line: Line, prev: Line | None, change: Change) -> dict[str, Any]:
    """A bundle's change as ``summary.json`` lists it (``lost_approval``, ``newly_approved``)."""
    return {
        "bundle": line["bundle"],
        "pilot_line": (line.get("pilot_line") or (prev or {}).get("pilot_line") or {}).get("name", ""),
        "previous_status": (prev or {}).get("status"),
        "status": line.get("status"),
        "criteria": change[1],
    }


def change_row(line: Line, prev: Line | None, change: Change) -> list[Any]:
    """A bundle's row of ``changes.csv`` (:data:`CHANGE_COLUMNS`)."""
    pl = (line.get("pilot_line") or {}).get("name") or ((prev or {}).get("pilot_line") or {}).get("name", "")
    return [
        line["bundle"],
        pl,
        (prev or {}).get("status", ""),
        line.get("status", ""),
        change[0],
        " ".join(change[1]),
    ]
