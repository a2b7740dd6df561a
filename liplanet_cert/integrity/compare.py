"""What differs between a recorded result and the one recomputed from its bundle.

``verify`` recomputes a result; this module names each way in which it differs from the recorded one
as a :class:`Difference`: bundle files changed, added or removed (:func:`compare_inputs`), and the
verdict, each finding (by criterion id), the footprint model and every other section
(:func:`compare_results`).  Only what the recorded result's format carries is compared: a result of
an older readable format (``schema_version`` 1.0) lacks some fields of its findings, which are not
differences.  The tool versions are notes, not differences.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from liplanet_cert.infra.schema_problems import value_text

# versions: notes; bundle.path: where it lies today; run_on: the day the command ran (and what_if,
# which also depends on it: its pack part is compared among the warnings)
IGNORED_SECTIONS = ("tool", "bundle", "run_on", "what_if")
# The fields of a finding that a result of an older readable format does not carry, by format
# (see liplanet_cert.assessment.result.READABLE_SCHEMA_VERSIONS).
NOT_CARRIED: dict[str, tuple[str, ...]] = {"1.0": ("thresholds", "measured"), "1.1": ()}


@dataclass(frozen=True)
class Difference:
    """One way in which the recomputed result differs from the recorded one."""

    kind: str  # input-changed | input-added | input-removed | criteria | waivers | verdict | finding | section | bundle | signature
    what: str  # a path, criterion id or section name
    recorded: str = ""
    recomputed: str = ""

    def __str__(self) -> str:
        text = f"{self.kind}: {self.what}"
        if self.recorded or self.recomputed:
            text += f" (recorded {self.recorded or '-'}; now {self.recomputed or '-'})"
        return text

    def to_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "what": self.what,
            "recorded": self.recorded,
            "recomputed": self.recomputed,
        }


def compare_inputs(recorded: list[dict[str, Any]], now: dict[str, str], diffs: list[Difference]) -> None:
    """Bundle files changed, added and removed since the result was recorded, by path."""
    before = {i["path"]: i["sha256"] for i in recorded}
    for rel in sorted(set(before) | set(now)):
        if rel not in now:
            diffs.append(Difference("input-removed", rel, before[rel], ""))
        elif rel not in before:
            diffs.append(Difference("input-added", rel, "", now[rel]))
        elif before[rel] != now[rel]:
            diffs.append(Difference("input-changed", rel, before[rel], now[rel]))


def compare_results(
    recorded: dict[str, Any], fresh: dict[str, Any], diffs: list[Difference], notes: list[str]
) -> None:
    """Append to ``diffs`` (which already holds those of the inputs) every way in which ``fresh``
    (the recomputed result, as JSON) differs from ``recorded``, and to ``notes`` the tool versions
    and format that differ without making the result wrong."""
    fresh = _in_recorded_format(recorded, fresh, notes)
    if recorded.get("verdict") != fresh.get("verdict"):
        diffs.append(
            Difference("verdict", "verdict", str(recorded.get("verdict")), str(fresh.get("verdict")))
        )
    _compare_findings(recorded, fresh, diffs)
    fp_old = _dig(recorded, "footprint", "model", "sha256")
    fp_new = _dig(fresh, "footprint", "model", "sha256")
    if fp_old != fp_new:
        diffs.append(Difference("lca-model", "footprint model sha256", str(fp_old), str(fp_new)))
    _compare_sections(recorded, fresh, diffs)
    t_old, t_new = recorded.get("tool") or {}, fresh.get("tool") or {}
    for k in sorted(set(t_old) | set(t_new)):
        if t_old.get(k) != t_new.get(k):
            notes.append(f"tool {k}: recorded {t_old.get(k, '-')}, now {t_new.get(k, '-')}")


def _in_recorded_format(recorded: dict[str, Any], fresh: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """``fresh`` as a result of the recorded format would be written: of an older readable format,
    its findings without the fields that format does not carry (where the recorded finding lacks
    them too), with a note; any other ``fresh`` as it is."""
    version = recorded.get("schema_version")
    lacks = NOT_CARRIED.get(version) if isinstance(version, str) else None
    if lacks is None or version == fresh.get("schema_version"):
        return fresh
    if not lacks:  # 1.1: the findings are as now (run_on and criteria.in_force are not compared)
        notes.append(f"format: the result is of format {version} (now {fresh.get('schema_version')})")
        return {**fresh, "schema_version": version}
    notes.append(
        f"format: the result is of format {version} (now {fresh.get('schema_version')}): "
        f"its findings were compared without {' and '.join(lacks)}"
    )
    old = {f.get("id"): f for f in recorded.get("findings") or [] if isinstance(f, dict)}
    findings = [
        {k: v for k, v in f.items() if k not in lacks or k in old.get(f["id"], {})}
        for f in fresh.get("findings") or []
    ]
    return {**fresh, "schema_version": version, "findings": findings}


def _compare_findings(recorded: dict[str, Any], fresh: dict[str, Any], diffs: list[Difference]) -> None:
    """Findings added, removed or changed (by criterion id; the fields that differ are named)."""
    old = {f.get("id"): f for f in recorded.get("findings") or [] if isinstance(f, dict)}
    new = {f["id"]: f for f in fresh.get("findings") or []}
    for fid in sorted(set(old) | set(new), key=str):
        a, b = old.get(fid), new.get(fid)
        if a is None:
            diffs.append(
                Difference("finding", f"{fid} added", "", f"{b['status']}: {value_text(b.get('actual'))}")
            )
        elif b is None:
            diffs.append(
                Difference(
                    "finding", f"{fid} removed", f"{a.get('status')}: {value_text(a.get('actual'))}", ""
                )
            )
        elif a != b:
            fields = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            key = "status" if "status" in fields else fields[0]
            diffs.append(
                Difference(
                    "finding", f"{fid} ({', '.join(fields)})", value_text(a.get(key)), value_text(b.get(key))
                )
            )


def _compare_sections(recorded: dict[str, Any], fresh: dict[str, Any], diffs: list[Difference]) -> None:
    """Every other section that differs (at its first differing path), the inputs when no bundle
    file was found changed, and the bundle's declaration and format version."""
    handled = {"verdict", "findings", "inputs", "criteria", "waivers", *IGNORED_SECTIONS}
    for key in sorted(set(recorded) | set(fresh)):
        if key in handled or recorded.get(key) == fresh.get(key):
            continue
        where, a, b = _first_diff(recorded.get(key), fresh.get(key), key)
        diffs.append(Difference("section", where, value_text(a), value_text(b)))
    if recorded.get("inputs") != fresh.get("inputs") and not any(d.kind.startswith("input") for d in diffs):
        diffs.append(
            Difference(
                "section", "inputs", value_text(recorded.get("inputs")), value_text(fresh.get("inputs"))
            )
        )
    for k in ("declaration", "format_version"):
        a, b = (recorded.get("bundle") or {}).get(k), (fresh.get("bundle") or {}).get(k)
        if a != b:
            diffs.append(Difference("section", f"bundle/{k}", str(a), str(b)))


def _dig(doc: Any, *keys: str) -> Any:
    """``doc[k1][k2]...``, or None where a level is missing or not an object (the schema leaves
    some sections open)."""
    for k in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(k)
    return doc


def _first_diff(a: Any, b: Any, path: str) -> tuple[str, Any, Any]:
    """The first JSON path at which ``a`` and ``b`` differ, with both values there."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if a.get(k) != b.get(k):
                return _first_diff(a.get(k), b.get(k), f"{path}/{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return _first_diff(x, y, f"{path}/{i}")
    return path, a, b
