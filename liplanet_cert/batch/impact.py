"""``criteria impact``: what a new criteria pack would do to the stored results of a batch run.

Every stored result (a run's ``results.jsonl`` and its ``results/*.json``) gets a predicted verdict
under the new pack *without re-reading bundles*:

- a criterion whose definition is identical in the result's own pack keeps its stored outcome
  (including ``waived``);
- a new or changed criterion is re-evaluated from the stored measurements
  (:mod:`liplanet_cert.batch.predict`);
- what stored data cannot decide is ``unknown``: the bundle is listed as needing re-assessment,
  never silently passed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liplanet_cert.assessment.evaluate import verdict_of
from liplanet_cert.assessment.result import Finding, Status
from liplanet_cert.batch.predict import Unknown, measured_values, predict_detail
from liplanet_cert.criteria.diff import PackRef, unchanged_criteria
from liplanet_cert.criteria.pack import CriteriaPack
from liplanet_cert.errors import LiplanetError

OUTCOMES = (
    "lose_approval",
    "needs_reassessment",
    "keep_approval",
    "gain_approval",
    "may_gain_approval",
    "stay_not_approved",
    "invalid",
)
APPROVED = ("approved", "approved_with_observations")
EXIT_NONE_LOSE, EXIT_SOME_LOSE, EXIT_CANNOT_TELL = 0, 1, 4
# what a stored value of an unexpected shape raises: that bundle cannot be judged, the others can
MALFORMED = (
    Unknown,
    KeyError,
    TypeError,
    ValueError,
    IndexError,
    AttributeError,
    ZeroDivisionError,
    OverflowError,
    RecursionError,
)


@dataclass(frozen=True)
class ImpactRow:
    """The predicted outcome of the new pack for one bundle of the run.

    ``outcome``: ``lose_approval`` (approved, fails a new or changed required criterion on stored
    data: ``criteria``), ``needs_reassessment`` (approved, and whether it keeps the seal depends on
    criteria the stored result cannot decide: ``undecided``, for lack of ``lacks``),
    ``keep_approval``, ``gain_approval``, ``may_gain_approval`` (not approved, and only undecidable
    criteria stand in the way), ``stay_not_approved``.  A row whose stored result could not be read
    has no ``stored_criteria`` (nor ``undecided``, ``definitions_known``)."""

    bundle: str
    pilot_line: str
    status: str | None  # the stored verdict (the results.jsonl status when the result is unreadable)
    predicted: str  # the verdict under the new pack, or "unknown"
    outcome: str
    criteria: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    lacks: tuple[str, ...] = ()
    undecided: tuple[str, ...] = ()
    stored_criteria: str | None = None  # id@version of the stored result's pack
    definitions_known: bool = False  # that pack is shipped: its definitions can be compared

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "bundle": self.bundle,
            "pilot_line": self.pilot_line,
            "status": self.status,
            "predicted": self.predicted,
            "outcome": self.outcome,
            "criteria": list(self.criteria),
            "unknown": list(self.unknown),
            "lacks": list(self.lacks),
        }
        if self.stored_criteria is not None:
            d["undecided"] = list(self.undecided)
            d["stored_criteria"] = self.stored_criteria
            d["definitions_known"] = self.definitions_known
        return d


@dataclass(frozen=True)
class Impact:
    """The predicted outcome of ``new`` for every bundle of the run ``against``."""

    new: PackRef
    against: str  # the run's results.jsonl
    counts: dict[str, int]  # outcome (every one of OUTCOMES) -> bundles
    bundles: tuple[ImpactRow, ...]  # sorted by outcome (as OUTCOMES), then bundle
    lacks: tuple[str, ...]  # what the stored results of the lines that cannot be judged lack
    rerun: str  # the batch command that settles what cannot be judged

    @property
    def exit_code(self) -> int:
        """4 when any approved line cannot be judged from the stored results (then the list of lines
        that would lose the seal may be incomplete, even if some are certain), else 1 when some
        approved line would lose the seal, else 0."""
        if self.counts.get("needs_reassessment"):
            return EXIT_CANNOT_TELL
        return EXIT_SOME_LOSE if self.counts.get("lose_approval") else EXIT_NONE_LOSE

    def rows(self, outcome: str) -> list[ImpactRow]:
        return [r for r in self.bundles if r.outcome == outcome]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``criteria impact --format json``)."""
        return {
            "new": self.new.to_dict(),
            "against": self.against,
            "counts": dict(self.counts),
            "bundles": [r.to_dict() for r in self.bundles],
            "lacks": list(self.lacks),
            "rerun": self.rerun,
            "exit_code": self.exit_code,
        }


@dataclass
class _Judge:
    """Judges the bundles of one run against ``new``; remembers, per stored pack (by sha256),
    whether its definitions are known and which criteria ``new`` defines identically."""

    new: CriteriaPack
    unchanged_in: dict[str, tuple[bool, set[str]]] = field(default_factory=dict)

    def unchanged(self, sha: str) -> tuple[bool, set[str]]:
        if sha not in self.unchanged_in:
            from liplanet_cert.criteria.select import shipped_pack_by_sha256

            old = shipped_pack_by_sha256(sha)
            self.unchanged_in[sha] = (old is not None, unchanged_criteria(old, self.new))
        return self.unchanged_in[sha]


def impact(new: CriteriaPack, against: Path, criteria_arg: str | None = None) -> Impact:
    """Predicted outcome of ``new`` for every stored result of a batch run (see :class:`ImpactRow`);
    bundles without a result count as ``invalid``."""
    from liplanet_cert.batch.store import confined_result, read_lines, results_file
    from liplanet_cert.infra.inputfile import open_input_file

    f = results_file(Path(against))
    open_input_file(f, "results of the run (--against)")[0].close()  # not found / not a regular file: exit 2
    judge = _Judge(new)
    rows: list[ImpactRow] = []
    counts = {k: 0 for k in OUTCOMES}
    results_dir = os.path.realpath(f.parent / "results")
    for line in read_lines(f):
        if not line.get("result"):
            counts["invalid"] += 1
            continue
        where = confined_result(f.parent, results_dir, str(line["result"]))
        if where is None:  # an absolute path, '..' or a link leading out of the run: never read
            row = _cannot_judge(line, f"not a regular file inside {f.parent / 'results'}")
        else:
            row = _judge_stored(line, Path(where), judge)
        counts[row.outcome] += 1
        rows.append(row)
    rank = {o: i for i, o in enumerate(OUTCOMES)}
    rows.sort(key=lambda x: (rank.get(x.outcome, len(rank)), x.bundle))
    arg = criteria_arg or f"{new.id}@{new.version}"
    return Impact(
        new=PackRef.of(new),
        against=str(f),
        counts=counts,
        bundles=tuple(rows),
        lacks=tuple(sorted({m for x in rows if x.outcome == "needs_reassessment" for m in x.lacks})),
        rerun=f"liplanet-cert batch BUNDLE... --criteria {arg} --previous {against} --out NEW_RUN",
    )


def _cannot_judge(line: dict[str, Any], why: str) -> ImpactRow:
    """The row of a bundle whose stored result cannot be read or used."""
    outcome = "needs_reassessment" if line.get("status") in APPROVED else "may_gain_approval"
    return ImpactRow(
        bundle=line["bundle"],
        pilot_line=(line.get("pilot_line") or {}).get("name", ""),
        status=line.get("status"),
        predicted="unknown",
        outcome=outcome,
        lacks=(f"the stored result {line['result']}" + (f" ({why})" if why else ""),),
    )


def _judge_stored(line: dict[str, Any], path: Path, judge: _Judge) -> ImpactRow:
    # read as ``verify`` reads a result: bounded, strict JSON, checked against the result schema
    from liplanet_cert.integrity.stored import read_result

    try:
        r = read_result(path)
    except (OSError, ValueError, LiplanetError):
        return _cannot_judge(line, "")
    try:
        return _judge_result(line, r, judge)
    except MALFORMED as exc:
        return _cannot_judge(line, f"malformed: {type(exc).__name__}")


@dataclass
class _Prediction:
    """The new pack's criteria applied to one stored result."""

    findings: list[Finding] = field(default_factory=list)  # status only: for the verdict
    unknown: list[str] = field(default_factory=list)  # criteria the stored data cannot decide
    lacks: set[str] = field(default_factory=set)  # metrics it lacks for required ones
    changed_outcome: list[str] = field(default_factory=list)  # required, newly failing or undecided
    blocking_known: list[str] = field(default_factory=list)  # required, failing
    blocking_unknown: list[str] = field(default_factory=list)  # required, undecided


def _predict(new: CriteriaPack, r: dict[str, Any], unchanged: set[str]) -> _Prediction:
    out = _Prediction()
    stored = {x["id"]: x for x in r["findings"]}
    measured = measured_values(r)
    for c in new.criteria:
        same = c.id in unchanged and c.id in stored
        st, missing = (stored[c.id]["status"], []) if same else predict_detail(c, r, measured)
        if st == "unknown":
            out.unknown.append(c.id)
            if c.severity == "required":
                out.lacks.update(missing)
                out.blocking_unknown.append(c.id)
            st = "error"  # for the verdict: cannot be decided -> not a pass
        elif c.severity == "required" and st in ("fail", "error"):
            out.blocking_known.append(c.id)
        out.findings.append(
            Finding(
                id=c.id,
                title=c.title,
                category=c.category,
                severity=c.severity,
                status=Status(st),
                expected="",
                actual="",
                message="",
                location="",
            )
        )
        before = stored.get(c.id, {}).get("status")
        if c.severity == "required" and st in ("fail", "error") and before not in ("fail", "error"):
            out.changed_outcome.append(c.id)
    return out


def _judge_result(line: dict[str, Any], r: dict[str, Any], judge: _Judge) -> ImpactRow:
    known, unchanged = judge.unchanged(r["criteria"]["sha256"])
    p = _predict(judge.new, r, unchanged)
    predicted = verdict_of(p.findings).value
    was, now = r["verdict"] in APPROVED, predicted in APPROVED
    known_bad = [cid for cid in p.changed_outcome if cid not in p.unknown]
    outcome = _outcome(was, now, bool(known_bad), bool(p.blocking_unknown), bool(p.blocking_known))
    open_question = outcome in ("needs_reassessment", "may_gain_approval")
    return ImpactRow(
        bundle=line["bundle"],
        pilot_line=r.get("pilot_line", {}).get("name", ""),
        status=r["verdict"],
        predicted=predicted,
        outcome=outcome,
        criteria=tuple(known_bad) if outcome == "lose_approval" else (),
        unknown=tuple(p.unknown),
        undecided=tuple(p.blocking_unknown) if open_question else (),
        lacks=tuple(sorted(p.lacks)) if open_question else (),
        stored_criteria=f"{r['criteria']['id']}@{r['criteria']['version']}",
        definitions_known=known,
    )


def _outcome(was: bool, now: bool, known_bad: bool, blocking_unknown: bool, blocking_known: bool) -> str:
    """The outcome of a bundle from its stored and predicted verdicts (see :class:`ImpactRow`)."""
    if was and not now:
        return "lose_approval" if known_bad else "needs_reassessment"
    if was:
        return "keep_approval"
    if now:
        return "gain_approval"
    return "may_gain_approval" if blocking_unknown and not blocking_known else "stay_not_approved"
