"""What a batch run did (:class:`BatchSummary`, written as ``summary.json``), and its tally as the
bundles' lines come in (:class:`Tally`).

Everything in the summary is deterministic except its timings (the run's duration and its slowest
bundles).  Exit code: 0 all approved (with or without observations), 1 any not approved, 2 any
invalid/error.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liplanet_cert.batch.changes import Change, change_entry
from liplanet_cert.batch.store import STATUSES
from liplanet_cert.version import __version__

BATCH_FORMAT = "1.0"
LISTED = 200  # lost_approval / newly_approved bundles listed in the summary (all are in changes.csv)
SLOWEST = 5  # bundles listed with their timings


@dataclass
class BatchSummary:
    """What a batch run did (the core returns it; the CLI prints it)."""

    out: Path
    criteria: dict[str, str]
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {s: 0 for s in STATUSES})
    reused: int = 0
    seconds: float = 0.0
    slowest: list[tuple[float, str]] = field(default_factory=list)
    changes: dict[str, int] = field(default_factory=dict)
    lost: list[dict[str, Any]] = field(
        default_factory=list
    )  # first 200, for display (all are in changes.csv)
    newly: list[dict[str, Any]] = field(default_factory=list)
    not_reassessed: int = 0  # in previous but not in this run
    unmatched_waivers: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False
    files: dict[str, str] = field(default_factory=dict)
    discovery: dict[str, Any] = field(default_factory=dict)  # Discovery.to_dict(): folders searched, skipped
    warnings: list[str] = field(default_factory=list)  # e.g. unusable lines of an earlier run's results.jsonl

    @property
    def exit_code(self) -> int:
        if self.counts["invalid"] or self.counts["error"]:
            return 2
        if self.counts["not_approved"]:
            return 1
        return 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_format": BATCH_FORMAT,
            "tool": {"name": "liplanet-cert", "version": __version__},
            "criteria": self.criteria,
            "total": self.total,
            "counts": dict(self.counts),
            "reused": self.reused,
            "changes": dict(sorted(self.changes.items())),
            "lost_approval": self.lost,
            "newly_approved": self.newly,
            "not_reassessed": self.not_reassessed,
            "unmatched_waivers": self.unmatched_waivers,
            "interrupted": self.interrupted,
            "exit_code": self.exit_code,
            "files": dict(self.files),
            "discovery": dict(self.discovery),
            "warnings": list(self.warnings),
            "timing": {
                "seconds": round(self.seconds, 3),
                "bundles_per_second": round(self.total / self.seconds, 2) if self.seconds else None,
                "slowest": [
                    {"bundle": b, "seconds": round(s, 3)} for s, b in sorted(self.slowest, reverse=True)
                ],
            },
        }


class Tally:
    """Counts each bundle's line into the summary as it comes, in constant memory: the slowest
    bundles in a small heap, the waivers that matched as a set of ids."""

    def __init__(self, summary: BatchSummary) -> None:
        self.summary = summary
        self.used_waivers: set[str] = set()
        self.slow: list[tuple[float, str]] = []  # a min-heap of the slowest assessed bundles

    def add(self, line: dict[str, Any]) -> None:
        s = self.summary
        if line.get("reused"):  # (what it reports was read from the stored result, not from the earlier line)
            s.reused += 1
        s.total += 1
        s.counts[line.get("status", "error")] = s.counts.get(line.get("status", "error"), 0) + 1
        self.used_waivers.update(line.get("waivers") or [])
        if not line.get("reused"):
            sec, b = float(line.get("seconds") or 0.0), line["bundle"]
            if len(self.slow) < SLOWEST:
                heapq.heappush(self.slow, (sec, b))
            elif sec > self.slow[0][0]:
                heapq.heapreplace(self.slow, (sec, b))

    def add_change(self, line: dict[str, Any], prev: dict[str, Any] | None, change: Change) -> None:
        s = self.summary
        s.changes[change[0]] = s.changes.get(change[0], 0) + 1
        if change[0] == "lost_approval" and len(s.lost) < LISTED:
            s.lost.append(change_entry(line, prev, change))
        elif change[0] == "newly_approved" and len(s.newly) < LISTED:
            s.newly.append(change_entry(line, prev, change))

    def slowest(self) -> list[tuple[float, str]]:
        return sorted(self.slow, reverse=True)
