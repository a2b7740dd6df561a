"""JUnit XML reporter for CI servers (Jenkins, GitLab, Azure DevOps, GitHub test reporters).

``<testsuites>`` → one ``<testsuite>`` per bundle → one ``<testcase>`` per criterion:
- ``name`` is ``[REQUIRED|ADVISORY][ID] title`` (unique within a suite), ``classname`` is
  ``liplanet.<pilot line>.<category>`` (GitLab groups by classname), ``file`` the bundle file;
- a failed criterion has ``<failure message=… type="required|advisory">`` with the full explanation
  (expected, actual, location, lots) in the body text too — GitLab shows the body, not the message;
- a criterion that could not be evaluated is an ``<error>``;
- not applicable and waived criteria are ``<skipped message=…>`` (the waiver's justification).
The report does not decide the CI job's status: the exit code does.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import TextIO

from liplanet_cert.assessment.result import Finding, Result, Status, Unassessed
from liplanet_cert.infra.textsafe import clean
from liplanet_cert.reporters.base import BatchFormReporter, Item
from liplanet_cert.reporters.locate import bundle_file, finding_file
from liplanet_cert.reporters.spool import copy_out, spooled
from liplanet_cert.reporters.wording import problem_details, subject

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def x(text: object) -> str:
    """Text safe for XML 1.0 (no control characters, no lone surrogates)."""
    return _NOT_XML.sub("", clean(text))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_") or "bundle"


def _body(f: Finding, r: Result) -> str:
    lines = [
        f"criterion: {f.id} — {f.title}",
        f"severity:  {f.severity}",
        f"expected:  {f.expected}",
        f"actual:    {f.actual}",
        f"where:     {f.location}",
    ]
    if f.lots:
        lines.append(f"lots:      {', '.join(f.lots)}")
    lines.append(f"why:       {f.message}")
    if f.source:
        lines.append(f"source:    {f.source}")
    lines.append(f"criteria:  {r.criteria.id}@{r.criteria.version} (sha256 {r.criteria.sha256})")
    return x("\n".join(lines))


def _bundle_case(suite: ET.Element, name: str, file: str) -> ET.Element:
    """A test case about the bundle itself (not one of its criteria)."""
    return ET.SubElement(
        suite, "testcase", {"classname": "liplanet.bundle", "name": name, "file": x(file), "time": "0"}
    )


class JUnitReporter(BatchFormReporter):
    name = "junit"
    suffix = ".xml"

    def write_many(self, items: Iterable[Item], out: TextIO) -> None:
        """Streamed: each suite is serialised as it comes (spooled to disk beyond 8 MB), because the
        totals on ``<testsuites>`` are known only at the end."""
        totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        with spooled() as spool:
            for item in items:
                suite = self.suite(item) if isinstance(item, Result) else self.unassessed_suite(item)
                for k in totals:
                    totals[k] += int(suite.get(k, "0"))
                ET.indent(suite, level=1)
                spool.write("\n  " + ET.tostring(suite, encoding="unicode"))
            attrs = " ".join(f'{k}="{v}"' for k, v in totals.items())
            out.write(
                f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="liplanet-cert" {attrs} time="0">'
            )
            copy_out(spool, out)
            out.write("\n</testsuites>\n")

    def unassessed_suite(self, u: Unassessed) -> ET.Element:
        """A bundle that could not be assessed: one suite with one erroring test case per located
        problem (or one for the whole bundle), so that CI shows each; a bundle ``validate`` found
        valid is one passing test case."""
        suite = ET.Element("testsuite", {"name": x(u.bundle)})
        props = ET.SubElement(suite, "properties")
        for name, value in (("bundle", u.bundle), ("verdict", u.status)):
            ET.SubElement(props, "property", {"name": name, "value": x(value)})
        if u.status == "valid":
            _bundle_case(suite, "[REQUIRED][bundle] the bundle is valid", u.bundle)
            errors = 0
        elif u.details:
            for d in u.details:
                where = " ".join(v for v in (d.get("file", ""), d.get("location", "")) if v)
                path = bundle_file(*u.locate(d.get("file", "")))
                case = _bundle_case(suite, x(f"[REQUIRED][bundle] {where}"), path)
                el = ET.SubElement(case, "error", {"message": x(d.get("message", "")), "type": u.status})
                el.text = x("\n".join([f"{where}: {d.get('message', '')}", *problem_details(d)]))
            errors = len(u.details)
        else:
            case = _bundle_case(suite, "[REQUIRED][bundle] the bundle can be assessed", u.bundle)
            el = ET.SubElement(case, "error", {"message": x(u.message), "type": u.status})
            el.text = x(
                "\n".join([f"{u.bundle} could not be assessed ({u.status}): {u.message}", *u.problems])
            )
            errors = 1
        for k, v in (
            ("tests", str(max(errors, 1))),
            ("failures", "0"),
            ("errors", str(errors)),
            ("skipped", "0"),
            ("time", "0"),
        ):
            suite.set(k, v)
        return suite

    def suite(self, r: Result) -> ET.Element:
        pl = subject(r)
        bpath = r.bundle.get("path", "")
        suite = ET.Element("testsuite", {"name": x(f"{pl} ({bpath})"), "tests": str(len(r.findings))})
        props = ET.SubElement(suite, "properties")
        for name, value in (
            ("bundle", bpath),
            ("pilot_line", pl),
            ("criteria", f"{r.criteria.id}@{r.criteria.version}"),
            ("criteria_sha256", r.criteria.sha256),
            ("verdict", r.verdict.value),
            ("assessed_on", r.assessed_on),
            ("run_on", r.run_on),
            ("what_if", r.what_if or ""),
        ):
            ET.SubElement(props, "property", {"name": name, "value": x(value)})
        counts = {"failures": 0, "errors": 0, "skipped": 0}
        classbase = f"liplanet.{_slug(pl)}"
        for f in r.findings:
            rel = finding_file(r, f)
            case = ET.SubElement(
                suite,
                "testcase",
                {
                    "classname": x(f"{classbase}.{f.category}"),
                    "name": x(f"[{f.severity.upper()}][{f.id}] {f.title}"),
                    "file": x(bundle_file(bpath, rel)),
                    "time": "0",
                },
            )
            if f.status is Status.FAIL:
                el = ET.SubElement(
                    case,
                    "failure",
                    {"message": x(f"expected {f.expected}, found {f.actual}"), "type": f.severity},
                )
                el.text = _body(f, r)
                counts["failures"] += 1
            elif f.status is Status.ERROR:
                el = ET.SubElement(case, "error", {"message": x(f.message), "type": "not_evaluable"})
                el.text = _body(f, r)
                counts["errors"] += 1
            elif f.status is Status.NOT_APPLICABLE:
                ET.SubElement(case, "skipped", {"message": x(f.message or "not applicable")})
                counts["skipped"] += 1
            elif f.status is Status.WAIVED:
                w = f.waiver or {}
                el = ET.SubElement(
                    case,
                    "skipped",
                    {
                        "message": x(
                            f"waived by {w.get('id', '?')} until {w.get('expires_on', '?')}: {w.get('justification', '')}"
                        )
                    },
                )
                el.text = _body(f, r)
                counts["skipped"] += 1
        for k, v in counts.items():
            suite.set(k, str(v))
        suite.set("time", "0")
        return suite
