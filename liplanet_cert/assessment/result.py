"""Typed results of an assessment.

The core returns these objects; reporters only read them.  ``Result.to_dict()`` is the published
JSON form (``liplanet-cert schema result``); apart from ``run_on`` (the day the command ran) it
holds no wall-clock time, so the same inputs on the same assessment day give the same report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from liplanet_cert.assessment.finding import Finding, Measured, Status, Threshold
from liplanet_cert.bundle.model import InputFile

if TYPE_CHECKING:  # pragma: no cover  (the LCA package is imported only when a footprint is read)
    from liplanet_cert.lca.types import FootprintResult

RESULT_SCHEMA_VERSION = "1.2"  # 1.1: thresholds and measured values; 1.2: run_on, criteria.in_force
READABLE_SCHEMA_VERSIONS = ("1.0", "1.1", "1.2")  # stored results of these formats still load
__all__ = [
    "KPI",
    "CriteriaRef",
    "Finding",
    "Measured",
    "Result",
    "Status",
    "StepStats",
    "Threshold",
    "Unassessed",
    "Verdict",
]


class Verdict(str, Enum):
    """Verdict for the "LiPLANET approved" seal."""

    APPROVED = "approved"
    APPROVED_WITH_OBSERVATIONS = "approved_with_observations"
    NOT_APPROVED = "not_approved"


@dataclass
class KPI:
    """A key performance indicator, declared by the line and/or measured from its logs."""

    name: str
    title: str
    unit: str
    declared: float | None = None
    measured: float | None = None
    declared_location: str = ""
    measured_location: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class StepStats:
    """Production statistics of one manufacturing step, from the production log."""

    step: str
    lots: int
    units_in: float
    good_out: float
    scrap: float
    scrap_rate: float | None
    yield_: float | None
    scrap_limit: float | None = None  # from the criteria pack, when it sets one

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["yield"] = d.pop("yield_")
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StepStats:
        d = dict(d)
        d["yield_"] = d.pop("yield", None)
        return cls(**d)


@dataclass
class CriteriaRef:
    id: str
    version: str
    sha256: str
    title: str = ""
    path: str = ""
    in_force: bool | None = None  # on the assessment day (None: not recorded, format < 1.2)
    valid: str = ""  # when the pack is in force: "2026-07-01 .. 2026-11-29 (superseded from ...)"
    status: str = "released"  # released | draft

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "version": self.version,
            "sha256": self.sha256,
            "title": self.title,
        }
        if self.in_force is not None:
            out.update(in_force=self.in_force, valid=self.valid, status=self.status)
        return out

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


@dataclass
class Unassessed:
    """A bundle a batch could not assess — invalid input, or a failure contained to it.  Batch
    reports list it (CI must see it), never drop it silently."""

    bundle: str
    status: str  # invalid | error | valid (``validate``: checked, not assessed)
    message: str
    problems: list[str] = field(default_factory=list)
    kind: str = ""  # bundle | criteria | lca | internal | crash ...
    # the located problems (file, location, message, expected, found), for reports with locations
    details: list[dict[str, str]] = field(default_factory=list)

    MAX_PROBLEMS = 50  # problems carried into reports (the count says how many there were)

    @classmethod
    def from_error(cls, bundle: str, exc: Any) -> Unassessed:
        """The bundle ``exc`` (a :class:`~liplanet_cert.errors.LiplanetError`) refused, with its
        first problems located."""
        problems = list(exc.problems)
        first = str(problems[0]) if problems else exc.summary()
        msg = first if len(problems) == 1 else f"{len(problems)} problems, first: {first}"
        return cls(
            bundle,
            "invalid",
            msg.splitlines()[0] if msg else "",
            [str(p) for p in problems[: cls.MAX_PROBLEMS]],
            exc.kind,
            [p.to_dict() for p in problems[: cls.MAX_PROBLEMS]],
        )

    def locate(self, file: str) -> tuple[str, str]:
        """(base, relative file) of a problem's ``file``: a file of the bundle is relative to the
        bundle; the bundle itself, a path of its own or none (``-``, the command line) is the base
        alone.  Reporters build their URIs and paths from this, one rule for all."""
        if not file or file in ("-", "command line"):
            return self.bundle, ""
        if (
            PurePath(file).is_absolute()
            or file == self.bundle
            or file.startswith(self.bundle.rstrip("/\\") + "/")
        ):
            return file, ""
        return self.bundle, file

    def to_dict(self) -> dict[str, Any]:
        """Shaped like a result where it can be (``bundle`` object, ``verdict`` — null here)."""
        name = self.bundle.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1]
        out = {
            "schema_version": RESULT_SCHEMA_VERSION,
            "bundle": {"name": name, "path": self.bundle},
            "verdict": None,
            "status": self.status,
            "kind": self.kind,
            "message": self.message,
            "problems": list(self.problems),
        }
        if self.details:
            out["details"] = [dict(d) for d in self.details]
        return out


@dataclass
class Result:
    """Everything an assessment found, ready for any reporter."""

    verdict: Verdict
    criteria: CriteriaRef
    findings: list[Finding]
    kpis: dict[str, KPI]
    steps: list[StepStats]
    inputs: list[InputFile]
    pilot_line: dict[str, Any]
    reporting_period: dict[str, str]
    cell: dict[str, Any]
    bundle: dict[str, Any]
    assessed_on: str  # the assessment day: the criteria were selected for it (ISO)
    tool: dict[str, str]
    run_on: str = ""  # the day the command ran (ISO); differs from assessed_on under --at
    daily_output: list[dict[str, Any]] = field(default_factory=list)  # [{date, cells}]
    eol_capacity: dict[str, Any] = field(default_factory=dict)  # {unit, values, nominal}
    footprint: FootprintResult | None = None
    warnings: list[str] = field(default_factory=list)
    waivers: dict[str, str] | None = None  # the waiver file applied: {file, sha256} (provenance)
    quality: list[dict[str, Any]] = field(default_factory=list)  # assessment.quality.summaries
    roundrobin: dict[str, str] | None = (
        None  # --roundrobin: {file, sha256, participant} (verify re-applies it)
    )

    @property
    def counts(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Status}
        for f in self.findings:
            counts[f.status.value] += 1
        return counts

    @property
    def exit_code(self) -> int:
        return 1 if self.verdict is Verdict.NOT_APPROVED else 0

    @property
    def what_if(self) -> str | None:
        """Why this is a what-if result rather than a certification verdict: the pack is not in
        force on the assessment day or is a draft (:meth:`pack_what_if`), or the assessment day is
        after the day the command ran; None for a verdict under the pack in force."""
        why = self.pack_what_if()
        if why is None and self.run_on and self.assessed_on > self.run_on:
            why = (
                f"what-if assessment: the assessment day {self.assessed_on} is after the day the command"
                f" ran ({self.run_on}); this is not a certification verdict"
            )
        return why

    def pack_what_if(self) -> str | None:
        """The pack's part of :attr:`what_if`: it depends on the assessment day only (verify
        recomputes it on that day), so it is also the first of the result's warnings."""
        c = self.criteria
        if c.in_force is False:
            return (
                f"what-if assessment: criteria pack {c.ref} is not in force on {self.assessed_on}"
                f" (in force {c.valid}); this is not a certification verdict"
            )
        if c.in_force is not None and c.status != "released":
            return f"what-if assessment: criteria pack {c.ref} is a {c.status}; this is not a certification verdict"
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": RESULT_SCHEMA_VERSION,
            "tool": dict(self.tool),
            "verdict": self.verdict.value,
            "assessed_on": self.assessed_on,
            "run_on": self.run_on,
            "what_if": self.what_if,
            "criteria": self.criteria.to_dict(),
            "pilot_line": dict(self.pilot_line),
            "reporting_period": dict(self.reporting_period),
            "cell": dict(self.cell),
            "bundle": dict(self.bundle),
            "summary": self.counts,
            "findings": [f.to_dict() for f in self.findings],
            "kpis": {k: v.to_dict() for k, v in sorted(self.kpis.items())},
            "steps": [s.to_dict() for s in self.steps],
            "daily_output": list(self.daily_output),
            "eol_capacity": dict(self.eol_capacity),
            "footprint": self.footprint.to_dict() if self.footprint is not None else None,
            "inputs": [i.to_dict() for i in self.inputs],
            "warnings": list(self.warnings),
            "waivers": dict(self.waivers) if self.waivers is not None else None,
            "quality": list(self.quality),
            "roundrobin": dict(self.roundrobin) if self.roundrobin is not None else None,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Result:
        """Rebuild a result from its JSON (:meth:`to_dict`), of any readable format version."""
        return cls(
            verdict=Verdict(d["verdict"]),
            criteria=CriteriaRef(
                **{k: d["criteria"].get(k, "") for k in ("id", "version", "sha256", "title")},
                in_force=d["criteria"].get("in_force"),
                valid=d["criteria"].get("valid", ""),
                status=d["criteria"].get("status", "released"),
            ),
            findings=[Finding.from_dict(f) for f in d["findings"]],
            kpis={k: KPI(**v) for k, v in d.get("kpis", {}).items()},
            steps=[StepStats.from_dict(s) for s in d.get("steps", [])],
            inputs=[InputFile(**i) for i in d.get("inputs", [])],
            pilot_line=d.get("pilot_line", {}),
            reporting_period=d.get("reporting_period", {}),
            cell=d.get("cell", {}),
            bundle=d.get("bundle", {}),
            assessed_on=d.get("assessed_on", ""),
            run_on=d.get("run_on", ""),
            tool=d.get("tool", {}),
            daily_output=d.get("daily_output", []),
            eol_capacity=d.get("eol_capacity", {}),
            footprint=_footprint_of(d.get("footprint")),
            warnings=d.get("warnings", []),
            waivers=d.get("waivers"),
            quality=d.get("quality", []),
            roundrobin=d.get("roundrobin"),
        )


def _footprint_of(d: dict[str, Any] | None) -> FootprintResult | None:
    """The typed footprint of a stored result (None when it has none)."""
    if d is None:
        return None
    from liplanet_cert.lca.types import FootprintResult

    return FootprintResult.from_dict(d)
