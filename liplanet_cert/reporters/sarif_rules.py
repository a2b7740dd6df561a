"""The rules of a SARIF run (its taxonomy): one per criterion, with the criteria pack that states it,
and one for a bundle that could not be assessed; and the level a finding's result has."""

from __future__ import annotations

from typing import Any

from liplanet_cert.assessment.result import Finding, Result
from liplanet_cert.infra.textsafe import clean


def level_of(f: Finding) -> str:
    """``error`` for a required criterion, ``warning`` for an advisory one."""
    return "error" if f.severity == "required" else "warning"


def rule(f: Finding, result: Result) -> dict[str, Any]:
    """The rule of a finding's criterion: id, title, help text (expected threshold and source), and the
    criteria pack id, version and sha256 in ``properties``."""
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
