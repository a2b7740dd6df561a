"""SARIF 2.1.0 reporter (validates against the OASIS schema shipped in ``schemas/``).

- one rule per criterion: the stable criterion id, title, help text (expected threshold and source),
  and the criteria pack id, version and sha256 in ``properties``;
- one result per finding that did not pass: ``fail`` / ``error`` of a required criterion is level
  ``error``, of an advisory one ``warning``; a waived finding keeps its level and carries the waiver
  as a ``suppressions`` entry (kind external, status accepted, with the justification);
- the message states expected and actual values; the location is the bundle file the value came from;
- the bundle's input files with their sha256 are the run's ``artifacts``;
- ``partialFingerprints`` hash pilot line + criterion, so a code-scanning service recognises the same
  problem across runs (values may change, the alert stays one).
No wall-clock time is written: the same results give byte-identical SARIF.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import PurePath, PurePosixPath
from typing import Any, TextIO
from urllib.parse import quote

from liplanet_cert.assessment.result import Finding, Result, Status, Unassessed, Verdict
from liplanet_cert.infra.textsafe import clean
from liplanet_cert.reporters.base import Item, Reporter
from liplanet_cert.reporters.json_ import dumps
from liplanet_cert.version import __version__

SCHEMA_URI = (
    "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/main/sarif-2.1/schema/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/liplanet/liplanet-cert"
REPORTED = (Status.FAIL, Status.ERROR, Status.WAIVED)


def bundle_uri(bundle_path: str, rel: str = "") -> str:
    """A relative (POSIX) URI for a file of the bundle; absolute paths become file:// URIs."""
    p = PurePath(bundle_path)
    posix = PurePosixPath(*p.parts) if not p.is_absolute() else None
    if rel:
        rel = rel.replace("\\", "/")
    if posix is None:
        base = p.as_posix()
        full = f"{base.rstrip('/')}/{rel}" if rel else base
        return "file://" + quote(full if full.startswith("/") else "/" + full)
    full = f"{posix.as_posix().rstrip('/')}/{rel}" if rel else posix.as_posix()
    return quote(full.removeprefix("./"))


def location_file(location: str) -> str:
    """The bundle file named by a finding's location (``declaration.yaml#/kpis/x; energy.csv rows 2-4``)."""
    first = location.split(";")[0].strip()
    first = first.split("#")[0].strip()
    return first.split(" ")[0] if first else ""


def fingerprint(result: Result, f: Finding) -> str:
    ident = result.pilot_line.get("name") or PurePath(result.bundle.get("path", "")).name
    return hashlib.sha256(f"{' '.join(str(ident).split()).casefold()}\x00{f.id}".encode()).hexdigest()[:32]


def level_of(f: Finding) -> str:
    return "error" if f.severity == "required" else "warning"


def _rule(f: Finding, result: Result) -> dict[str, Any]:
    c = result.criteria
    return {
        "id": f.id,
        "name": "".join(part.capitalize() for part in f.id.replace("_", "-").split("-")),
        "shortDescription": {"text": clean(f.title)},
        "fullDescription": {
            "text": clean(f"{f.title} ({f.severity}, {f.category}). Expected: {f.expected}.")
        },
        "help": {
            "text": clean(
                f"Expected: {f.expected}. Source: {f.source or 'criteria pack'}. Criteria {c.id}@{c.version}."
            )
        },
        "defaultConfiguration": {"level": level_of(f)},
        "properties": {
            "criteria": c.id,
            "criteria_version": c.version,
            "criteria_sha256": c.sha256,
            "severity": f.severity,
            "category": f.category,
            "metric": f.metric,
            "source": clean(f.source),
            "tags": ["liplanet", f.category, f.severity],
        },
    }


def _message(f: Finding, result: Result) -> str:
    who = result.pilot_line.get("name") or result.bundle.get("path", "")
    head = (
        "not evaluable"
        if f.status is Status.ERROR
        else (
            "failed"
            if f.status is Status.FAIL
            else f"waived ({(f.waiver or {}).get('original_status', 'fail')})"
        )
    )
    return clean(f"{f.id} {head} for {who}: {f.title}; expected {f.expected}, actual {f.actual}. {f.message}")


UNASSESSED_RULE: dict[str, Any] = {
    "id": "bundle",
    "name": "BundleCanBeAssessed",
    "shortDescription": {"text": "The submission bundle can be assessed"},
    "fullDescription": {
        "text": "The bundle is readable and valid (declaration schema, units, CSV logs, evidence hashes), so every criterion can be evaluated."
    },
    "help": {"text": "Run `liplanet-cert validate BUNDLE` for every problem with its file and location."},
    "defaultConfiguration": {"level": "error"},
    "properties": {"severity": "required", "category": "bundle", "tags": ["liplanet", "bundle"]},
}


def _unassessed_result(u: Unassessed) -> dict[str, Any]:
    return {
        "ruleId": UNASSESSED_RULE["id"],
        "level": "error",
        "kind": "fail",
        "message": {"text": clean(f"{u.bundle} could not be assessed ({u.status}): {u.message}")},
        "locations": [
            {
                "physicalLocation": {"artifactLocation": {"uri": bundle_uri(u.bundle)}},
                "message": {"text": clean(u.bundle)},
            }
        ],
        "partialFingerprints": {
            "liplanetFinding/v1": hashlib.sha256(
                f"{u.bundle}\x00bundle".encode("utf-8", "surrogateescape")
            ).hexdigest()[:32]
        },
        "properties": {
            "status": u.status,
            "kind": u.kind,
            "bundle": clean(u.bundle),
            "problems": [clean(p) for p in u.problems[:50]],
        },
    }


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


def _problem_results(u: Unassessed) -> list[dict[str, Any]]:
    """One result per located problem of a bundle that could not be assessed, at its file and
    line (a JSON pointer or CSV column goes into the message and the logical location)."""
    out = []
    for d in u.details:
        file, location = d.get("file", ""), d.get("location", "")
        physical: dict[str, Any] = {"artifactLocation": {"uri": bundle_uri(*u.locate(file))}}
        region = _region(location)
        if region:
            physical["region"] = region
        text = d.get("message", "")
        extra = "; ".join(
            x
            for x in (
                f"expected {d['expected']}" if d.get("expected") else "",
                f"found {d['found']}" if d.get("found") else "",
            )
            if x
        )
        loc: dict[str, Any] = {"physicalLocation": physical}
        if location:
            loc["logicalLocations"] = [
                {"fullyQualifiedName": clean(f"{file} {location}".strip()), "kind": "member"}
            ]
        key = "\x00".join((u.bundle, file, location, text))
        out.append(
            {
                "ruleId": UNASSESSED_RULE["id"],
                "level": "error",
                "kind": "fail",
                "message": {
                    "text": clean(
                        f"{file} {location}: {text}".replace(" :", ":").strip()
                        + (f" ({extra})" if extra else "")
                    )
                },
                "locations": [loc],
                "partialFingerprints": {
                    "liplanetFinding/v1": hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[
                        :32
                    ]
                },
                "properties": {
                    "status": u.status,
                    "kind": u.kind,
                    "bundle": clean(u.bundle),
                    **{k: clean(d[k]) for k in ("expected", "found") if d.get(k)},
                },
            }
        )
    return out


class SARIFReporter(Reporter):
    name = "sarif"
    suffix = ".sarif"

    def render(self, result: Result) -> str:
        return self.render_many([result])

    def write_many(self, items: Iterable[Item], out: TextIO) -> None:
        # one JSON document: rules, artifacts and the (non-passing) results are collected, which is
        # bounded by the criteria and a few entries per bundle, not by the bundles' data
        out.write(dumps(self.document(items)))

    def document(self, results: Iterable[Item], *, exit_code: int | None = None) -> dict[str, Any]:
        rules: dict[str, dict[str, Any]] = {}
        out_results: list[dict[str, Any]] = []
        artifacts: list[dict[str, Any]] = []
        artifact_index: dict[str, int] = {}
        packs: dict[str, dict[str, str]] = {}
        worst = 0
        for r in results:
            if isinstance(r, Unassessed) and r.status == "valid":
                continue  # ``validate`` found nothing: no result
            if isinstance(r, Unassessed):
                worst = 2
                rules.setdefault(UNASSESSED_RULE["id"], UNASSESSED_RULE)
                out_results.extend(_problem_results(r) or [_unassessed_result(r)])
                continue
            worst = max(worst, 1 if r.verdict is Verdict.NOT_APPROVED else 0)
            packs[f"{r.criteria.id}@{r.criteria.version}"] = {
                "id": r.criteria.id,
                "version": r.criteria.version,
                "sha256": r.criteria.sha256,
            }
            bpath = r.bundle.get("path", "")
            for inp in r.inputs:
                uri = bundle_uri(bpath, inp.path)
                if uri not in artifact_index:
                    artifact_index[uri] = len(artifacts)
                    artifacts.append(
                        {"location": {"uri": uri}, "length": inp.size, "hashes": {"sha-256": inp.sha256}}
                    )
            for f in r.findings:
                if f.id not in rules:
                    rules[f.id] = _rule(f, r)
                if f.status not in REPORTED:
                    continue
                rel = location_file(f.location) or r.bundle.get("declaration", "")
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
                if f.lots:
                    item["properties"]["lots"] = list(f.lots)
                if f.status is Status.WAIVED and f.waiver:
                    w = f.waiver
                    item["suppressions"] = [
                        {
                            "kind": "external",
                            "status": "accepted",
                            "justification": clean(w.get("justification", "")),
                            "properties": {
                                k: clean(w[k])
                                for k in (
                                    "id",
                                    "approver",
                                    "granted_on",
                                    "expires_on",
                                    "file",
                                    "original_status",
                                )
                                if k in w
                            },
                        }
                    ]
                out_results.append(item)
        rule_list = [rules[k] for k in sorted(rules)]
        index = {r["id"]: i for i, r in enumerate(rule_list)}
        for item in out_results:
            item["ruleIndex"] = index[item["ruleId"]]
        run: dict[str, Any] = {
            "tool": {
                "driver": {
                    "name": "liplanet-cert",
                    "version": __version__,
                    "semanticVersion": __version__,
                    "informationUri": INFORMATION_URI,
                    "rules": rule_list,
                }
            },
            "invocations": [
                {"executionSuccessful": True, "exitCode": worst if exit_code is None else exit_code}
            ],
            "artifacts": artifacts,
            "results": out_results,
            "columnKind": "unicodeCodePoints",
            "properties": {"criteria": [packs[k] for k in sorted(packs)]},
        }
        if len(packs) == 1:
            run["automationDetails"] = {"id": f"liplanet-cert/{next(iter(packs))}/"}
        return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
