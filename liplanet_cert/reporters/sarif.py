"""SARIF 2.1.0 reporter (validates against the OASIS schema shipped in ``schemas/``): the run document.

- one rule per criterion (:mod:`.sarif_rules`): the stable criterion id, title, help text (expected
  threshold and source), and the criteria pack id, version and sha256 in ``properties``;
- one result per finding that did not pass (:mod:`.sarif_results`): ``fail`` / ``error`` of a
  required criterion is level ``error``, of an advisory one ``warning``; a waived finding keeps its
  level and carries the waiver as a ``suppressions`` entry (kind external, status accepted, with the
  justification);
- the message states expected and actual values; the location is the bundle file the value came from;
- the bundle's input files with their sha256 are the run's ``artifacts``;
- ``partialFingerprints`` hash pilot line + criterion, so a code-scanning service recognises the same
  problem across runs (values may change, the alert stays one).
No wall-clock time is written: the same results give byte-identical SARIF.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO

from liplanet_cert.assessment.result import Result, Unassessed, Verdict
from liplanet_cert.reporters.base import BatchFormReporter, Item
from liplanet_cert.reporters.json_ import dumps
from liplanet_cert.reporters.locate import bundle_uri
from liplanet_cert.reporters.sarif_results import finding_result, unassessed_results
from liplanet_cert.reporters.sarif_rules import UNASSESSED_RULE, rule
from liplanet_cert.reporters.wording import NOTED
from liplanet_cert.version import __version__

SCHEMA_URI = (
    "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/main/sarif-2.1/schema/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/liplanet/liplanet-cert"


@dataclass
class _Run:
    """What a run collects over the items: bounded by the criteria and a few entries per bundle,
    not by the bundles' data."""

    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)
    artifacts: list[dict[str, Any]] = field(default_factory=list)
    artifact_index: dict[str, int] = field(default_factory=dict)
    packs: dict[str, dict[str, str]] = field(default_factory=dict)
    worst: int = 0  # the exit code the items call for

    def add(self, item: Item) -> None:
        if isinstance(item, Unassessed):
            if item.status == "valid":
                return  # ``validate`` found nothing: no result
            self.worst = 2
            self.rules.setdefault(UNASSESSED_RULE["id"], UNASSESSED_RULE)
            self.results.extend(unassessed_results(item))
            return
        r = item
        self.worst = max(self.worst, 1 if r.verdict is Verdict.NOT_APPROVED else 0)
        self.packs[f"{r.criteria.id}@{r.criteria.version}"] = {
            "id": r.criteria.id,
            "version": r.criteria.version,
            "sha256": r.criteria.sha256,
        }
        self._add_artifacts(r)
        for f in r.findings:
            if f.id not in self.rules:
                self.rules[f.id] = rule(f, r)
            if f.status in NOTED:
                self.results.append(finding_result(r, f, self.artifact_index))

    def _add_artifacts(self, r: Result) -> None:
        """The bundle's input files, each once, with its length and sha256."""
        bpath = r.bundle.get("path", "")
        for inp in r.inputs:
            uri = bundle_uri(bpath, inp.path)
            if uri not in self.artifact_index:
                self.artifact_index[uri] = len(self.artifacts)
                self.artifacts.append(
                    {"location": {"uri": uri}, "length": inp.size, "hashes": {"sha-256": inp.sha256}}
                )

    def document(self, exit_code: int | None) -> dict[str, Any]:
        """The SARIF log: this one run, its rules sorted by id and indexed from the results."""
        rule_list = [self.rules[k] for k in sorted(self.rules)]
        index = {r["id"]: i for i, r in enumerate(rule_list)}
        for item in self.results:
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
                {"executionSuccessful": True, "exitCode": self.worst if exit_code is None else exit_code}
            ],
            "artifacts": self.artifacts,
            "results": self.results,
            "columnKind": "unicodeCodePoints",
            "properties": {"criteria": [self.packs[k] for k in sorted(self.packs)]},
        }
        if len(self.packs) == 1:
            run["automationDetails"] = {"id": f"liplanet-cert/{next(iter(self.packs))}/"}
        return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


class SARIFReporter(BatchFormReporter):
    name = "sarif"
    suffix = ".sarif"

    def write_many(self, items: Iterable[Item], out: TextIO) -> None:
        # one JSON document: the run is collected first (:class:`_Run`), then written
        out.write(dumps(self.document(items)))

    def document(self, results: Iterable[Item], *, exit_code: int | None = None) -> dict[str, Any]:
        """The SARIF log of ``results``; its invocation's exit code is ``exit_code``, or the one the
        results call for (2 when a bundle could not be assessed, 1 when one is not approved)."""
        run = _Run()
        for item in results:
            run.add(item)
        return run.document(exit_code)
