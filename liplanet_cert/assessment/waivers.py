"""Waivers: documented, time-limited exceptions to seal criteria.

A waiver file (YAML or JSON, ``schemas/waivers.schema.json``)::

    format_version: "1.0"
    waivers:
      - id: W-2026-004                    # optional; default W<n>
        criterion: QUAL-SCRAP-FORMATION
        pilot_line: Vistula Cylindrical Line   # or bundle: vistula.zip
        justification: Formation cycler replaced in week 38; lots L12-L19 reworked.
        approver: LiPLANET certification board (M. Weber)
        granted_on: "2026-10-01"
        expires_on: "2027-03-31"

Semantics (chosen to fail closed, after Chef InSpec's waivers and what its users asked for):

- The file is validated completely before anything is assessed; any problem (syntax, unknown
  field, missing justification, malformed or impossible date, expiry before grant, duplicate id)
  raises :class:`~liplanet_cert.errors.WaiverError` listing every problem (exit code 2).
- Dates are calendar days without time zone, compared with the assessment day (``--at``, default
  today).  A waiver is *active* when ``granted_on <= day <= expires_on`` (both inclusive).
- An active waiver that matches a ``fail`` or ``error`` finding turns it into ``waived`` (never
  ``pass``) and records the waiver in ``finding.waiver``; the verdict counts it as approved with
  observations.  Findings that pass or are not applicable are left alone (the waiver is reported
  as not needed).
- An expired (or not yet granted) waiver is ignored, with a warning in the result.
- A waiver that matches nothing is reported (``unmatched``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path, PurePath
from typing import Any

from liplanet_cert.assessment.result import Finding, Status
from liplanet_cert.errors import Problem, WaiverError
from liplanet_cert.infra.schema_problems import path_text_order, schema_problems, shorten
from liplanet_cert.infra.textsafe import did_you_mean

WAIVABLE = (Status.FAIL, Status.ERROR)
MAX_WAIVER_BYTES = (
    512 * 1024
)  # a few hundred waivers are ~100 KB; parsed YAML takes up to ~200x its size in memory


@dataclass(frozen=True)
class Waiver:
    """One entry of a waiver file."""

    id: str
    criterion: str
    justification: str
    approver: str
    granted_on: date
    expires_on: date
    pilot_line: str | None = None
    bundle: str | None = None
    file: str = ""
    pointer: str = ""

    @property
    def target(self) -> str:
        return f"pilot line {self.pilot_line!r}" if self.pilot_line else f"bundle {self.bundle!r}"

    def state(self, day: date) -> str:
        """``active``, ``expired`` or ``not_yet_valid`` on ``day``."""
        if day > self.expires_on:
            return "expired"
        if day < self.granted_on:
            return "not_yet_valid"
        return "active"

    def covers(self, pilot_line: str, bundle_path: str) -> bool:
        if self.pilot_line is not None:
            return _norm(self.pilot_line) == _norm(pilot_line)
        return _bundle_matches(self.bundle or "", bundle_path)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "criterion": self.criterion,
            "justification": self.justification,
            "approver": self.approver,
            "granted_on": self.granted_on.isoformat(),
            "expires_on": self.expires_on.isoformat(),
            "file": self.file,
        }
        if self.pilot_line is not None:
            d["pilot_line"] = self.pilot_line
        if self.bundle is not None:
            d["bundle"] = self.bundle
        return d


@dataclass(frozen=True)
class WaiverSet:
    """A validated waiver file."""

    waivers: tuple[Waiver, ...]
    file: str
    sha256: str

    def __len__(self) -> int:
        return len(self.waivers)


@dataclass
class Applied:
    """What applying waivers to one bundle's findings did."""

    findings: list[Finding]
    warnings: list[str] = field(default_factory=list)
    used: list[str] = field(default_factory=list)  # ids of waivers that waived a finding
    relevant: list[str] = field(default_factory=list)  # ids of waivers whose target is this bundle


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _bundle_matches(spec: str, bundle_path: str) -> bool:
    """``spec`` names the bundle: its path as given, or its name with or without ``.zip``."""
    a, b = PurePath(spec.rstrip("/\\")), PurePath(bundle_path.rstrip("/\\"))
    if a == b or str(a) == str(b):
        return True
    if len(a.parts) > 1:  # a path: compare the trailing parts
        return b.parts[-len(a.parts) :] == a.parts
    name = b.name
    return spec in (name, name[:-4] if name.lower().endswith(".zip") else name)


# -- loading -------------------------------------------------------------------------------
def load_waivers(path: str | Path) -> WaiverSet:
    """Read and validate a waiver file; raises :class:`WaiverError` with every problem found."""
    from liplanet_cert.infra import safeyaml
    from liplanet_cert.infra.inputfile import read_input_file, strict_json, unicode_problem

    path = Path(path)
    name = str(path)
    data = read_input_file(path, "waiver file", MAX_WAIVER_BYTES, error=WaiverError)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WaiverError(Problem(name, f"byte {exc.start}", "waiver file is not UTF-8 text")) from None
    try:
        doc = (
            strict_json(text.lstrip("\ufeff"))
            if path.suffix.lower() == ".json"
            else safeyaml.load(text.lstrip("\ufeff"))
        )
    except (ValueError, RecursionError) as exc:
        raise WaiverError(
            Problem(
                name, getattr(exc, "location", ""), f"malformed waiver file: {getattr(exc, 'problem', exc)}"
            )
        ) from None
    bad = unicode_problem(doc)
    if bad is not None:  # a JSON "\ud800" escape: readable, but never writable to a report
        raise WaiverError(
            Problem(
                name,
                bad[0],
                "not valid Unicode text (a lone surrogate, e.g. a \\ud800 escape)",
                expected="text of Unicode characters",
            )
        )
    problems = _validate(doc, name)
    if problems:
        raise WaiverError(problems)
    waivers = []
    for i, item in enumerate(doc["waivers"]):
        waivers.append(
            Waiver(
                id=item.get("id") or f"W{i + 1}",
                criterion=item["criterion"],
                justification=item["justification"].strip(),
                approver=item["approver"].strip(),
                granted_on=date.fromisoformat(item["granted_on"]),
                expires_on=date.fromisoformat(item["expires_on"]),
                pilot_line=item.get("pilot_line"),
                bundle=item.get("bundle"),
                file=name,
                pointer=f"#/waivers/{i}",
            )
        )
    return WaiverSet(tuple(waivers), name, hashlib.sha256(data).hexdigest())


def _describe(err: Any) -> tuple[str, str, str]:
    """(message, expected, found) of a waiver file's schema error, in the waiver's words."""
    msg, expected = err.message[:300], ""
    if err.validator == "required":
        msg = err.message.replace("is a required property", "is required")
    elif err.validator == "anyOf":
        msg, expected = "a waiver must name what it covers", "pilot_line or bundle"
    elif (
        err.validator in ("format", "pattern")
        and err.absolute_path
        and str(err.absolute_path[-1]) in ("granted_on", "expires_on")
    ):
        msg, expected = "not a valid date", "a calendar date YYYY-MM-DD"
    v = err.instance
    found = shorten(v if isinstance(v, str) else repr(v)) if err.validator != "required" else ""
    return msg, expected, found


def _validate(doc: Any, name: str) -> list[Problem]:
    from liplanet_cert.infra.resources import load_schema

    problems = schema_problems(name, doc, load_schema("waivers"), describe=_describe, order=path_text_order)
    if problems:
        return problems
    seen: dict[str, int] = {}
    for i, item in enumerate(doc["waivers"]):
        where = f"#/waivers/{i}"
        try:
            granted, expires = date.fromisoformat(item["granted_on"]), date.fromisoformat(item["expires_on"])
        except ValueError as exc:  # fail closed even if the schema's format check did not catch it
            problems.append(
                Problem(name, where, f"not a valid date: {exc}", expected="a calendar date YYYY-MM-DD")
            )
            continue
        if expires < granted:
            problems.append(
                Problem(
                    name,
                    f"{where}/expires_on",
                    "waiver expires before it is granted",
                    expected=f">= {granted}",
                    found=str(expires),
                )
            )
        if "pilot_line" in item and "bundle" in item:
            problems.append(
                Problem(
                    name,
                    where,
                    "a waiver covers either a pilot line or a bundle",
                    expected="pilot_line or bundle",
                    found="both",
                )
            )
        wid = item.get("id") or f"W{i + 1}"
        if wid in seen:
            problems.append(
                Problem(name, f"{where}/id", "duplicate waiver id", expected="unique ids", found=wid)
            )
        seen[wid] = i
    return problems


# -- applying ------------------------------------------------------------------------------
def apply_waivers(
    findings: list[Finding], waivers: WaiverSet | None, *, pilot_line: str, bundle_path: str, day: date
) -> Applied:
    """Apply the waivers covering this bundle to its findings (returns new findings)."""
    if not waivers:
        return Applied(list(findings))
    out = Applied([])
    mine = [w for w in waivers.waivers if w.covers(pilot_line, bundle_path)]
    out.relevant = [w.id for w in mine]
    by_criterion: dict[str, list[Waiver]] = {}
    for w in mine:
        by_criterion.setdefault(w.criterion, []).append(w)
    ids = {f.id for f in findings}
    for w in mine:
        state = w.state(day)
        if w.criterion not in ids:
            out.warnings.append(
                f"waiver {w.id} ({w.file} {w.pointer}) names criterion {w.criterion}, which is not in the criteria pack; it matches nothing"
                + did_you_mean(w.criterion, sorted(ids))
            )
        elif state == "expired":
            out.warnings.append(
                f"waiver {w.id} for {w.criterion} expired on {w.expires_on} (assessed on {day}); ignored, the criterion is evaluated normally"
            )
        elif state == "not_yet_valid":
            out.warnings.append(
                f"waiver {w.id} for {w.criterion} is granted from {w.granted_on} only (assessed on {day}); ignored"
            )
    for f in findings:
        active = [w for w in by_criterion.get(f.id, []) if w.state(day) == "active"]
        if not active:
            out.findings.append(f)
            continue
        w = max(active, key=lambda x: (x.expires_on, x.id))  # the longest-lasting active waiver
        if f.status not in WAIVABLE:
            out.warnings.append(
                f"waiver {w.id} for {f.id} is not needed: the criterion is {f.status.value.replace('_', ' ')}"
            )
            out.findings.append(f)
            continue
        data = {**w.to_dict(), "original_status": f.status.value}
        msg = f"{f.message} — waived by {w.id} until {w.expires_on} ({w.approver}): {w.justification}"
        out.findings.append(replace(f, status=Status.WAIVED, waiver=data, message=msg))
        out.used.append(w.id)
    return out


def unmatched(waivers: WaiverSet, used: Iterable[str]) -> list[Waiver]:
    """Waivers that waived nothing in a run (to report)."""
    done = set(used)
    return [w for w in waivers.waivers if w.id not in done]
