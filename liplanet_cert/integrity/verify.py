"""Integrity and provenance of results: re-verification against the bundle and the criteria.

:func:`verify` takes a JSON result (``assess --format json`` / ``-o json:FILE``) and the bundle it
claims to describe, and recomputes everything the result depends on:

- the sha256 of every file of the bundle (changed, added and removed files are reported by path);
- the criteria pack named in the result (``id@version``, or ``criteria=`` a pack file); its sha256
  must equal the one recorded;
- the assessment itself, with that pack, on the recorded ``assessed_on`` day, with the footprint
  when the result has one; verdict, findings (by criterion id) and every other section are compared.

The tool/Python/Brightway versions in ``tool`` are reported as notes, not differences: a newer tool
that reproduces the same result byte for byte confirms it.

Detached signatures of results are :mod:`liplanet_cert.integrity.signing`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from liplanet_cert.errors import IntegrityError, LiplanetError, Problem

MAX_RESULT_BYTES = 64 * 1024 * 1024  # a result lists every capacity measured: ~9 bytes per cell tested
# Objects and arrays in a result: tens of findings, steps and days, one input per bundle file (at most
# LIPLANET_MAX_ENTRIES).  Counted (as '{' and '[' bytes) before parsing, so that a file of empty objects
# (~25x its size once parsed) cannot take more memory than a real result (~4x: numbers and short text).
MAX_RESULT_CONTAINERS = 200_000
IGNORED_SECTIONS = ("tool", "bundle")  # versions: notes; bundle.path: where it lies today


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


@dataclass
class VerifyReport:
    """What :func:`verify` found.  ``matches`` is true only when nothing differs."""

    result_path: str
    bundle_path: str
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    signature: str | None = None  # "valid" | "invalid" | None (not checked)
    recorded_verdict: str = ""
    recomputed_verdict: str = ""

    @property
    def matches(self) -> bool:
        return not self.differences and self.signature != "invalid"

    @property
    def exit_code(self) -> int:
        return 0 if self.matches else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "result": self.result_path,
            "bundle": self.bundle_path,
            "matches": self.matches,
            "signature": self.signature,
            "recorded_verdict": self.recorded_verdict,
            "recomputed_verdict": self.recomputed_verdict,
            "differences": [d.to_dict() for d in self.differences],
            "notes": list(self.notes),
        }


# -- provenance ----------------------------------------------------------------------------
def bundle_digests(bundle_path: str | Path, limits: Any = None) -> dict[str, str]:
    """sha256 of every file of a bundle (directory or zip), by relative path; read-only."""
    from liplanet_cert.bundle.source import BundleSource

    with BundleSource(Path(bundle_path), limits) as src:
        return {rel: src.digest(rel)[0] for rel in src.names()}  # (each file hashed in pieces)


def read_result(path: str | Path, *, escaped_names: bool = False) -> dict[str, Any]:
    """Read a JSON result written by ``assess``; raises :class:`IntegrityError` if it is not one.

    The file is read bounded (a regular file of at most MAX_RESULT_BYTES), must be UTF-8 JSON of
    Unicode text only, and must validate against the published result schema (its assessed form)
    before any field of it is used: a field of the wrong type is a located problem, not a crash.
    ``escaped_names``: keep ``\\udcXX`` escapes (a bundle folder whose name is not UTF-8, as batch
    stores it) instead of refusing them."""
    path = Path(path)
    doc = _read_json_object(path)
    _check_assessed(str(path), doc, escaped_names)
    return doc


def _read_json_object(path: Path) -> dict[str, Any]:
    """The JSON object of a result file, read bounded; :class:`IntegrityError` if it is not one."""
    from liplanet_cert.bundle.textfile import decode_text
    from liplanet_cert.infra.inputfile import read_input_file, strict_json

    data = read_input_file(path, "result", MAX_RESULT_BYTES, error=IntegrityError)
    containers = data.count(b"{") + data.count(b"[")
    if containers > MAX_RESULT_CONTAINERS:
        raise IntegrityError(
            Problem(
                str(path),
                "whole file",
                "not a result written by assess: too many objects and arrays",
                expected=f"at most {MAX_RESULT_CONTAINERS} '{{' and '[' in all",
                found=str(containers),
            )
        )
    try:
        doc = strict_json(decode_text(str(path), data))
    except json.JSONDecodeError as exc:
        raise IntegrityError(
            Problem(
                str(path),
                f"line {exc.lineno}, column {exc.colno}",
                f"not JSON: {exc.msg}",
                expected="a JSON result (assess --format json)",
            )
        ) from None
    except (ValueError, RecursionError) as exc:
        raise IntegrityError(
            Problem(
                str(path), "document", f"not JSON: {exc}", expected="a JSON result (assess --format json)"
            )
        ) from None
    except LiplanetError as exc:
        raise IntegrityError(exc.problems) from None
    del data
    if not isinstance(doc, dict):
        raise IntegrityError(
            Problem(
                str(path),
                "#",
                "not a result",
                expected="a JSON object (assess --format json), not a list: verify one result at a time",
                found=type(doc).__name__,
            )
        )
    return doc


def _check_assessed(name: str, doc: dict[str, Any], escaped_names: bool) -> None:
    """:class:`IntegrityError` unless ``doc`` is the result of an assessment, of the published schema."""
    from liplanet_cert.infra.inputfile import unicode_problem

    bad = None if escaped_names else unicode_problem(doc)
    if bad is not None:
        raise IntegrityError(
            Problem(
                name,
                bad[0],
                "not valid Unicode text (a lone surrogate, e.g. a \\ud800 escape)",
                expected="text of Unicode characters",
            )
        )
    if doc.get("verdict") is None and "status" in doc:
        raise IntegrityError(
            Problem(
                name,
                "#/verdict",
                "the result has no verdict: its bundle was not assessed, so there is nothing to verify",
                expected="the result of an assessment (verdict approved, approved_with_observations or not_approved)",
                found=f"status {_short(doc.get('status'), 40)}",
            )
        )
    missing = [
        k
        for k in ("schema_version", "verdict", "assessed_on", "criteria", "inputs", "findings")
        if k not in doc
    ]
    if missing:
        raise IntegrityError(
            Problem(name, "#", "not a result written by assess", expected="fields " + ", ".join(missing))
        )
    problems = result_schema_problems(name, doc)
    if problems:
        raise IntegrityError(problems)
    try:
        date.fromisoformat(str(doc["assessed_on"]))
    except ValueError:
        raise IntegrityError(
            Problem(
                name,
                "#/assessed_on",
                "not a date",
                expected="YYYY-MM-DD",
                found=repr(doc["assessed_on"])[:40],
            )
        ) from None


def result_schema_problems(name: str, doc: Any) -> list[Problem]:
    """Where ``doc`` is not an assessed result of the published schema (at most 20 problems)."""
    from jsonschema import Draft202012Validator

    from liplanet_cert.infra.resources import load_schema

    schema = load_schema("result")
    assessed = {"$schema": schema.get("$schema"), "$defs": schema["$defs"], "$ref": "#/$defs/assessed"}
    validator = Draft202012Validator(assessed, format_checker=Draft202012Validator.FORMAT_CHECKER)
    problems = []
    for err in validator.iter_errors(doc):
        where = "#/" + "/".join(map(str, err.absolute_path))
        expected = ""
        if err.validator == "type":
            expected = f"type {err.validator_value}"
        elif err.validator == "enum":
            expected = "one of " + ", ".join(map(str, err.validator_value))
        message = "not a result written by assess: " + (
            err.message if len(err.message) <= 200 else err.message[:200] + "..."
        )
        problems.append(Problem(name, where, message, expected=expected, found=_short(err.instance, 60)))
        if len(problems) >= 20:
            break
    return sorted(problems, key=lambda p: p.location)


def _short(value: Any, limit: int = 80) -> str:
    text = (
        value
        if isinstance(value, str)
        else json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    )
    return text if len(text) <= limit else text[: limit - 3] + "..."


def verify(
    result_path: str | Path,
    bundle_path: str | Path,
    *,
    criteria: str | None = None,
    bw_dir: Path | None = None,
    waivers: Any = None,
    limits: Any = None,
) -> VerifyReport:
    """Recompute hashes and assessment; report exactly what differs from the recorded result.

    Raises :class:`~liplanet_cert.errors.LiplanetError` (exit 2) when the result cannot be read or
    the bundle cannot be opened at all; a bundle that opens but no longer validates is a difference.
    """
    from liplanet_cert.assessment.core import AssessOptions, assess_bundle, pack_needs_footprint
    from liplanet_cert.bundle.load import load_bundle
    from liplanet_cert.errors import BundleError

    recorded = read_result(result_path)
    report = VerifyReport(str(result_path), str(bundle_path), recorded_verdict=str(recorded["verdict"]))
    diffs = report.differences

    # 1. input files
    _compare_inputs(recorded["inputs"], bundle_digests(bundle_path, limits), diffs)

    # 2. criteria pack
    pack = _recorded_pack(recorded["criteria"], criteria, diffs)
    if pack is None:
        return report

    # 3. the waivers the result was assessed with (their file and sha256 are recorded)
    waivers, stop = _waivers_for(recorded.get("waivers"), waivers, report)
    if stop:
        return report

    # 4. the assessment, same pack, same waivers, same day
    day = date.fromisoformat(str(recorded["assessed_on"]))
    had_fp = recorded.get("footprint") is not None
    fp_failed = any("footprint could not be computed" in str(w) for w in recorded.get("warnings") or [])
    footprint = True if had_fp else (None if fp_failed and pack_needs_footprint(pack) else False)
    try:
        bundle = load_bundle(bundle_path, limits=limits) if limits is not None else load_bundle(bundle_path)
        extra = {"waivers": waivers} if waivers is not None else {}
        result = assess_bundle(
            bundle,
            pack,
            AssessOptions(criteria=pack.ref, at=day, footprint=footprint, bw_dir=bw_dir, **extra),
        )
    except BundleError as exc:
        diffs.append(
            Difference(
                "bundle", "no longer a valid bundle", "valid", "; ".join(str(p) for p in exc.problems[:5])
            )
        )
        return report
    fresh = json.loads(json.dumps(result.to_dict(), sort_keys=True, default=str))
    report.recomputed_verdict = fresh["verdict"]
    _compare(recorded, fresh, report)
    return report


def _compare_inputs(recorded: list[dict[str, Any]], now: dict[str, str], diffs: list[Difference]) -> None:
    """Bundle files changed, added and removed since the result was recorded, by path."""
    before = {i["path"]: i["sha256"] for i in recorded}
    for rel in sorted(set(before) | set(now)):
        if rel not in now:
            diffs.append(Difference("input-removed", rel, before[rel], ""))
        elif rel not in before:
            diffs.append(Difference("input-added", rel, "", now[rel]))
        elif before[rel] != now[rel]:
            diffs.append(Difference("input-changed", rel, before[rel], now[rel]))


def _recorded_pack(crit: dict[str, Any], criteria: str | None, diffs: list[Difference]) -> Any:
    """The pack the result names (or ``criteria``, a pack file), with a difference where its
    id, version or sha256 is not the one recorded; None (a difference) when it is not available."""
    from liplanet_cert.criteria.select import select_pack
    from liplanet_cert.errors import CriteriaError

    ref = f"{crit['id']}@{crit['version']}"
    try:
        pack = select_pack(criteria or ref, None)
    except CriteriaError as exc:
        if criteria:  # the user named a pack file that cannot be read: invalid input
            raise
        diffs.append(
            Difference(
                "criteria",
                ref,
                crit["sha256"],
                f"pack not available ({exc.problems[0].message}); pass --criteria PACKFILE",
            )
        )
        return None
    if (pack.id, pack.version) != (crit["id"], crit["version"]):
        diffs.append(Difference("criteria", "id@version", ref, pack.ref))
    if pack.sha256 != crit["sha256"]:
        diffs.append(Difference("criteria", f"{pack.ref} sha256", crit["sha256"], pack.sha256))
    return pack


def _waivers_for(recorded: Any, given: Any, report: VerifyReport) -> tuple[Any, bool]:
    """The waiver set to re-assess with, and whether verification must stop (they are unknown)."""
    from liplanet_cert.assessment.waivers import load_waivers
    from liplanet_cert.errors import LiplanetError

    diffs = report.differences
    if given is not None:
        if not recorded:
            diffs.append(Difference("waivers", given.file, "none", given.sha256))
        elif given.sha256 != recorded.get("sha256"):
            diffs.append(
                Difference("waivers", f"{given.file} sha256", str(recorded.get("sha256")), given.sha256)
            )
        return given, False
    if not recorded:
        return None, False
    path = Path(str(recorded.get("file", "")))
    try:
        cand = load_waivers(path) if path.is_file() else None
    except (LiplanetError, OSError):
        cand = None
    if cand is not None and cand.sha256 == recorded.get("sha256"):
        report.notes.append(f"waivers: re-applied {path} (its sha256 matches the one recorded)")
        return cand, False
    diffs.append(
        Difference(
            "waivers",
            str(recorded.get("file", "")),
            str(recorded.get("sha256")),
            "not found with that sha256 here: pass --waivers FILE (the file the result was assessed with)",
        )
    )
    return None, True


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


def _compare(recorded: dict[str, Any], fresh: dict[str, Any], report: VerifyReport) -> None:
    diffs = report.differences
    if recorded.get("verdict") != fresh.get("verdict"):
        diffs.append(
            Difference("verdict", "verdict", str(recorded.get("verdict")), str(fresh.get("verdict")))
        )
    old = {f.get("id"): f for f in recorded.get("findings") or [] if isinstance(f, dict)}
    new = {f["id"]: f for f in fresh.get("findings") or []}
    for fid in sorted(set(old) | set(new), key=str):
        a, b = old.get(fid), new.get(fid)
        if a is None:
            diffs.append(
                Difference("finding", f"{fid} added", "", f"{b['status']}: {_short(b.get('actual'))}")
            )
        elif b is None:
            diffs.append(
                Difference("finding", f"{fid} removed", f"{a.get('status')}: {_short(a.get('actual'))}", "")
            )
        elif a != b:
            fields = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            key = "status" if "status" in fields else fields[0]
            diffs.append(
                Difference("finding", f"{fid} ({', '.join(fields)})", _short(a.get(key)), _short(b.get(key)))
            )
    fp_old = _dig(recorded, "footprint", "model", "sha256")
    fp_new = _dig(fresh, "footprint", "model", "sha256")
    if fp_old != fp_new:
        diffs.append(Difference("lca-model", "footprint model sha256", str(fp_old), str(fp_new)))
    handled = {"verdict", "findings", "inputs", "criteria", "waivers", *IGNORED_SECTIONS}
    for key in sorted(set(recorded) | set(fresh)):
        if key in handled or recorded.get(key) == fresh.get(key):
            continue
        where, a, b = _first_diff(recorded.get(key), fresh.get(key), key)
        diffs.append(Difference("section", where, _short(a), _short(b)))
    if recorded.get("inputs") != fresh.get("inputs") and not any(d.kind.startswith("input") for d in diffs):
        diffs.append(
            Difference("section", "inputs", _short(recorded.get("inputs")), _short(fresh.get("inputs")))
        )
    for k in ("declaration", "format_version"):
        a, b = (recorded.get("bundle") or {}).get(k), (fresh.get("bundle") or {}).get(k)
        if a != b:
            diffs.append(Difference("section", f"bundle/{k}", str(a), str(b)))
    t_old, t_new = recorded.get("tool") or {}, fresh.get("tool") or {}
    for k in sorted(set(t_old) | set(t_new)):
        if t_old.get(k) != t_new.get(k):
            report.notes.append(f"tool {k}: recorded {t_old.get(k, '-')}, now {t_new.get(k, '-')}")
