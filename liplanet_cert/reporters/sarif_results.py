"""The results of a SARIF run and where they point.

- a finding that did not pass is a result of its criterion's rule, at the bundle file its value came
  from, with a message stating expected and actual values; a waived finding carries its waiver as a
  ``suppressions`` entry;
- a bundle that could not be assessed is one result of the bundle rule per located problem (at its
  file, line and column), or one for the whole bundle;
- ``partialFingerprints`` hash what identifies the problem (pilot line + criterion for a finding),
  not its values, so a code-scanning service keeps one alert across runs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from liplanet_cert.assessment.result import Finding, Result, Status, Unassessed
from liplanet_cert.infra.textsafe import clean
from liplanet_cert.reporters.locate import bundle_uri, finding_file
from liplanet_cert.reporters.sarif_rules import UNASSESSED_RULE, level_of
from liplanet_cert.reporters.wording import problem_details, subject

WAIVER_PROPERTIES = ("id", "approver", "granted_on", "expires_on", "file", "original_status")


def fingerprint(result: Result, f: Finding) -> str:
    """The same pilot line (or bundle name) and criterion: the same fingerprint, whatever the values."""
    ident = result.pilot_line.get("name") or PurePath(result.bundle.get("path", "")).name
    return hashlib.sha256(f"{' '.join(str(ident).split()).casefold()}\x00{f.id}".encode()).hexdigest()[:32]


def _message(f: Finding, result: Result) -> str:
    if f.status is Status.ERROR:
        head = "not evaluable"
    elif f.status is Status.FAIL:
        head = "failed"
    else:
        head = f"waived ({(f.waiver or {}).get('original_status', 'fail')})"
    return clean(
        f"{f.id} {head} for {subject(result)}: {f.title}; expected {f.expected}, actual {f.actual}. {f.message}"
    )


def _suppression(waiver: Mapping[str, Any]) -> dict[str, Any]:
    """A waiver as an accepted external suppression, with its justification."""
    return {
        "kind": "external",
        "status": "accepted",
        "justification": clean(waiver.get("justification", "")),
        "properties": {k: clean(waiver[k]) for k in WAIVER_PROPERTIES if k in waiver},
    }


def finding_result(r: Result, f: Finding, artifact_index: Mapping[str, int]) -> dict[str, Any]:
    """The result of a finding that did not pass, at the bundle file it names (with that artifact's
    index when the file is one of the run's artifacts)."""
    bpath = r.bundle.get("path", "")
    rel = finding_file(r, f)
    uri = bundle_uri(bpath, rel)
    phys: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    if uri in artifact_index:
        phys["artifactLocation"]["index"] = artifact_index[uri]
    item: dict[str, Any] = {
        "ruleId": f.id,
        "level": level_of(f),
        "kind": "fail",
        "message": {"text": _message(f, r)},
        "locations": [{"physicalLocation": phys, "message": {"text": clean(f.location or rel)}}],
        "partialFingerprints": {"liplanetFinding/v1": fingerprint(r, f)},
        "properties": {
            "status": f.status.value,
            "severity": f.severity,
            "expected": clean(f.expected),
            "actual": clean(f.actual),
            "pilot_line": clean(r.pilot_line.get("name", "")),
            "bundle": clean(bpath),
            "verdict": r.verdict.value,
            "criteria": f"{r.criteria.id}@{r.criteria.version}",
        },
    }
    if r.what_if:
        item["properties"]["what_if"] = clean(r.what_if)
    if f.lots:
        item["properties"]["lots"] = list(f.lots)
    if f.status is Status.WAIVED and f.waiver:
        item["suppressions"] = [_suppression(f.waiver)]
    return item


def unassessed_results(u: Unassessed) -> list[dict[str, Any]]:
    """A bundle that could not be assessed: one result per located problem, else one for the bundle."""
    if u.details:
        return [_problem_result(u, d) for d in u.details]
    location = {
        "physicalLocation": {"artifactLocation": {"uri": bundle_uri(u.bundle)}},
        "message": {"text": clean(u.bundle)},
    }
    text = f"{u.bundle} could not be assessed ({u.status}): {u.message}"
    problems = [clean(p) for p in u.problems[:50]]
    return [_bundle_result(u, text, location, f"{u.bundle}\x00bundle", {"problems": problems})]


_LINE_COL = re.compile(r"^(?:line|row) (\d+)(?:, column (\d+))?\b")


def _region(location: str) -> dict[str, int] | None:
    """``line L, column C`` (YAML/JSON) and ``row N`` (CSV: N is the file's line) as a SARIF region."""
    m = _LINE_COL.match(location)
    if not m:
        return None
    region = {"startLine": int(m.group(1))}
    if m.group(2):
        region["startColumn"] = int(m.group(2))
    return region


def _problem_result(u: Unassessed, d: Mapping[str, str]) -> dict[str, Any]:
    """A located problem at its file and line (a JSON pointer or CSV column goes into the message
    and the logical location)."""
    file, location = d.get("file", ""), d.get("location", "")
    physical: dict[str, Any] = {"artifactLocation": {"uri": bundle_uri(*u.locate(file))}}
    region = _region(location)
    if region:
        physical["region"] = region
    text = d.get("message", "")
    extra = "; ".join(problem_details(d))
    loc: dict[str, Any] = {"physicalLocation": physical}
    if location:
        loc["logicalLocations"] = [
            {"fullyQualifiedName": clean(f"{file} {location}".strip()), "kind": "member"}
        ]
    message = f"{file} {location}: {text}".replace(" :", ":").strip() + (f" ({extra})" if extra else "")
    key = "\x00".join((u.bundle, file, location, text))
    return _bundle_result(u, message, loc, key, {k: clean(d[k]) for k in ("expected", "found") if d.get(k)})


def _bundle_result(
    u: Unassessed, text: str, location: dict[str, Any], key: str, properties: dict[str, Any]
) -> dict[str, Any]:
    """A result of the bundle rule: ``text`` at ``location``, fingerprinted by ``key``."""
    return {
        "ruleId": UNASSESSED_RULE["id"],
        "level": "error",
        "kind": "fail",
        "message": {"text": clean(text)},
        "locations": [location],
        "partialFingerprints": {
            "liplanetFinding/v1": hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]
        },
        "properties": {"status": u.status, "kind": u.kind, "bundle": clean(u.bundle), **properties},
    }
