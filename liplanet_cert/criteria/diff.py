"""What changed between two criteria packs, criterion by criterion.

:func:`diff_packs` compares criteria by their stable id: added, removed, and changed (``threshold``
— the check, any-of alternatives or consistency tolerance; ``severity``; ``applicability`` —
``applies_if``; and, informatively, title/category).  :func:`unchanged_criteria` says which
criteria two packs define identically (what ``criteria impact`` may keep from a stored result).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from liplanet_cert import catalogue
from liplanet_cert.criteria.pack import CriteriaPack

DEFINITION_KEYS = {
    "threshold": ("check", "any_of", "consistency"),
    "severity": ("severity",),
    "applicability": ("applies_if",),
}
INFO_KEYS = ("title", "category")


@dataclass(frozen=True)
class PackRef:
    """Which pack: id, version and the sha256 of its canonical form."""

    id: str
    version: str
    sha256: str

    @classmethod
    def of(cls, pack: CriteriaPack) -> PackRef:
        return cls(pack.id, pack.version, pack.sha256)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class AddedCriterion:
    id: str
    title: str
    severity: str
    category: str
    threshold: str  # the check as text, e.g. "kpi.scrap_rate < 8 %"
    applicability: str  # the applies_if condition as text, or "always"


@dataclass(frozen=True)
class RemovedCriterion:
    id: str
    title: str
    severity: str
    threshold: str


@dataclass(frozen=True)
class FieldChange:
    """One changed part of a criterion: threshold | severity | applicability | title | category."""

    field: str
    old: str
    new: str


@dataclass(frozen=True)
class ChangedCriterion:
    id: str
    title: str  # the new title
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class PackDiff:
    """Criteria added, removed and changed from ``old`` to ``new``; ``unchanged`` counts the rest."""

    old: PackRef
    new: PackRef
    added: tuple[AddedCriterion, ...]
    removed: tuple[RemovedCriterion, ...]
    changed: tuple[ChangedCriterion, ...]
    unchanged: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``criteria diff --format json``)."""
        return {
            "old": self.old.to_dict(),
            "new": self.new.to_dict(),
            "added": [asdict(x) for x in self.added],
            "removed": [asdict(x) for x in self.removed],
            "changed": [
                {"id": x.id, "title": x.title, "changes": [asdict(c) for c in x.changes]}
                for x in self.changed
            ],
            "unchanged": self.unchanged,
        }


def raw_criteria(pack: CriteriaPack) -> dict[str, dict[str, Any]]:
    """The criteria of a pack as written in its file, by id."""
    return {c["id"]: c for c in pack.raw.get("criteria", [])}


def _part(c: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return {k: c[k] for k in keys if k in c}


def same_definition(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two written criteria have the same threshold, severity and applicability."""
    return all(_part(a, k) == _part(b, k) for k in DEFINITION_KEYS.values())


def unchanged_criteria(old: CriteriaPack | None, new: CriteriaPack) -> set[str]:
    """Ids of the criteria of ``new`` that ``old`` defines identically (none when ``old`` is unknown)."""
    old_raw = raw_criteria(old) if old else {}
    new_raw = raw_criteria(new)
    return {c.id for c in new.criteria if c.id in old_raw and same_definition(old_raw[c.id], new_raw[c.id])}


def _text(c: dict[str, Any], what: str) -> str:
    if what == "threshold":
        if "check" in c:
            return _cond_text(c["check"])
        if "any_of" in c:
            return " or ".join(_cond_text(x) for x in c["any_of"])
        if "consistency" in c:
            k = c["consistency"]
            return f"declared {k['kpi']} within ± {k['tolerance']}" + (
                " (relative)" if k.get("mode") == "relative" else ""
            )
        return ""
    if what == "applicability":
        return _cond_text(c["applies_if"]) if "applies_if" in c else "always"
    return str(c.get(what, ""))


def _cond_text(cond: dict[str, Any]) -> str:
    v = cond["value"]
    v = ", ".join(map(str, v)) if isinstance(v, list) else (str(v).lower() if isinstance(v, bool) else str(v))
    return f"{cond['metric']} {catalogue.OP_TEXT.get(cond['op'], cond['op'])} {v}"


def _changes(a: dict[str, Any], b: dict[str, Any]) -> tuple[FieldChange, ...]:
    out = [
        FieldChange(what, _text(a, what), _text(b, what))
        for what, keys in DEFINITION_KEYS.items()
        if _part(a, keys) != _part(b, keys)
    ]
    out += [FieldChange(k, str(a.get(k, "")), str(b.get(k, ""))) for k in INFO_KEYS if a.get(k) != b.get(k)]
    return tuple(out)


def diff_packs(old: CriteriaPack, new: CriteriaPack) -> PackDiff:
    """Criteria added, removed and changed between two packs."""
    a, b = raw_criteria(old), raw_criteria(new)
    added = tuple(
        AddedCriterion(
            id=i,
            title=b[i]["title"],
            severity=b[i]["severity"],
            category=b[i]["category"],
            threshold=_text(b[i], "threshold"),
            applicability=_text(b[i], "applicability"),
        )
        for i in b
        if i not in a
    )
    removed = tuple(
        RemovedCriterion(
            id=i, title=a[i]["title"], severity=a[i]["severity"], threshold=_text(a[i], "threshold")
        )
        for i in a
        if i not in b
    )
    changed = []
    for i in (x for x in b if x in a):
        changes = _changes(a[i], b[i])
        if changes:
            changed.append(ChangedCriterion(i, b[i]["title"], changes))
    return PackDiff(
        old=PackRef.of(old),
        new=PackRef.of(new),
        added=added,
        removed=removed,
        changed=tuple(changed),
        unchanged=sum(1 for i in b if i in a) - len(changed),
    )
