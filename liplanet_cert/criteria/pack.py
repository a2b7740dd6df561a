"""Versioned criteria packs for the "LiPLANET approved" seal (``criteria/*.yaml``).

A pack has an id, a SemVer version, a validity window (``valid_from``/``valid_until``, inclusive),
what it supersedes, and criteria with stable ids.  Packs are validated by
``schemas/criteria-pack.schema.json`` and linted against the metric catalogue; their sha256 is taken
over a canonical JSON form (sorted keys, no whitespace), so reformatting a file does not change it.

Choosing one pack for ``--criteria``/``--at`` is :mod:`liplanet_cert.criteria.select`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from liplanet_cert import catalogue
from liplanet_cert.catalogue import KPI_SPECS
from liplanet_cert.errors import CriteriaError, Problem
from liplanet_cert.infra import safeyaml
from liplanet_cert.infra.resources import data_dir, load_schema
from liplanet_cert.infra.textsafe import did_you_mean
from liplanet_cert.units import QuantityError, parse_quantity, to_unit


@dataclass(frozen=True)
class Condition:
    metric: str
    op: str
    value: Any  # threshold in the metric's canonical unit (quantities) or raw value
    text: str  # threshold as written, e.g. "2 m/day"
    kind: str

    @property
    def expected(self) -> str:
        return f"{self.metric} {catalogue.OP_TEXT[self.op]} {self.text}"


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    category: str
    severity: str
    source: dict[str, str]
    description: str = ""
    applies_if: Condition | None = None
    check: tuple[Condition, ...] = ()  # one condition, or alternatives (any-of)
    consistency: dict[str, Any] | None = None  # {kpi, tolerance (canonical), mode, text}

    @property
    def metric(self) -> str:
        if self.consistency:
            return f"consistency.{self.consistency['kpi']}"
        return " | ".join(c.metric for c in self.check)

    @property
    def source_text(self) -> str:
        s = self.source
        text = s.get("ref", "")
        if s.get("kind") == "proposal":
            text = f"proposal ({text})" if text else "proposal"
        if s.get("rationale"):
            text += f": {s['rationale']}"
        return text


@dataclass(frozen=True)
class CriteriaPack:
    id: str
    version: str
    title: str
    valid_from: date
    valid_until: date | None
    supersedes: str | None
    criteria: tuple[Criterion, ...]
    sha256: str
    path: str
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def by_id(self) -> dict[str, Criterion]:
        return {c.id: c for c in self.criteria}


def canonical_sha256(doc: Any) -> str:
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def semver_key(v: str) -> tuple[int, int, int, int, str]:
    m = re.match(r"^(\d+)\.(\d+)\.(\d+)(?:-(.+))?$", v)
    if not m:
        return (0, 0, 0, 0, v)
    pre = m.group(4)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)), 0 if pre else 1, pre or "")


# -- loading -------------------------------------------------------------------------------
MAX_PACK_BYTES = 512 * 1024  # the shipped packs are ~15 KB; parsed YAML takes up to ~200x its size in memory


def parse_pack_file(path: Path) -> tuple[Any, list[Problem]]:
    """Read a pack file; returns (document, problems) without raising on content problems.  The
    file must be a regular file of at most MAX_PACK_BYTES (exit 2 otherwise: never a hang)."""
    from liplanet_cert.bundle.textfile import decode_text
    from liplanet_cert.errors import BundleError
    from liplanet_cert.infra.inputfile import read_input_file, strict_json, unicode_problem

    name = str(path)
    data = read_input_file(path, "criteria pack", MAX_PACK_BYTES, error=CriteriaError)
    try:
        text = decode_text(name, data)
    except BundleError as exc:  # empty, NUL, not UTF-8, mixed line endings
        raise CriteriaError(
            [
                Problem(p.file, p.location, f"cannot read criteria pack: {p.message}", p.expected, p.found)
                for p in exc.problems
            ]
        ) from None
    try:
        doc = strict_json(text) if name.endswith(".json") else safeyaml.load(text)
    except (ValueError, RecursionError) as exc:
        return None, [
            Problem(name, getattr(exc, "location", ""), f"malformed pack: {getattr(exc, 'problem', exc)}")
        ]
    bad = unicode_problem(doc)
    if bad is not None:  # a JSON "\ud800" escape: readable, but never writable to a report
        return None, [
            Problem(
                name,
                bad[0],
                "not valid Unicode text (a lone surrogate, e.g. a \\ud800 escape)",
                expected="text of Unicode characters",
            )
        ]
    return doc, lint(doc, name)


def lint(doc: Any, name: str) -> list[Problem]:
    """Every problem of a pack: schema, duplicate ids, unknown metrics, thresholds whose unit does not fit."""
    from liplanet_cert.infra.schema_problems import path_text_order, schema_problems

    problems = schema_problems(
        name,
        doc,
        load_schema("criteria-pack"),
        describe=lambda e: (e.message[:300], "", ""),
        order=path_text_order,
    )
    if problems:
        return problems
    seen: set[str] = set()
    for i, item in enumerate(doc["criteria"]):
        where = f"#/criteria/{i}"
        if item["id"] in seen:
            problems.append(
                Problem(
                    name, f"{where}/id", "duplicate criterion id", expected="unique ids", found=item["id"]
                )
            )
        seen.add(item["id"])
        conds = []
        if "check" in item:
            conds.append((f"{where}/check", item["check"]))
        for j, c in enumerate(item.get("any_of", [])):
            conds.append((f"{where}/any_of/{j}", c))
        if "applies_if" in item:
            conds.append((f"{where}/applies_if", item["applies_if"]))
        for ptr, c in conds:
            try:
                _condition(c)
            except _LintError as exc:
                problems.append(Problem(name, ptr, exc.args[0], exc.expected, exc.found))
        if "consistency" in item:
            try:
                _consistency(item["consistency"])
            except _LintError as exc:
                problems.append(Problem(name, f"{where}/consistency", exc.args[0], exc.expected, exc.found))
    if doc.get("valid_until") and doc["valid_until"] < doc["valid_from"]:
        problems.append(
            Problem(
                name,
                "#/valid_until",
                "pack expires before it starts",
                expected=f">= {doc['valid_from']}",
                found=doc["valid_until"],
            )
        )
    return problems


class _LintError(Exception):
    def __init__(self, message: str, expected: str = "", found: str = "") -> None:
        super().__init__(message)
        self.expected = expected
        self.found = found


def _condition(c: dict[str, Any]) -> Condition:
    spec = catalogue.spec(c["metric"])
    if spec is None:
        raise _LintError(
            "unknown metric",
            expected="a metric of the catalogue (liplanet-cert criteria metrics) or "
            + " | ".join(catalogue.ROUNDROBIN_PATTERNS)
            + did_you_mean(c["metric"], catalogue.similar_names(c["metric"])).replace(" (", "; ").rstrip(")"),
            found=c["metric"],
        )
    op, value = c["op"], c["value"]
    if op not in catalogue.OPS_BY_KIND[spec.kind]:
        raise _LintError(
            f"operator {op!r} does not fit a {spec.kind} metric",
            expected=", ".join(sorted(catalogue.OPS_BY_KIND[spec.kind])),
            found=op,
        )
    if spec.kind == "quantity":
        try:
            threshold = to_unit(parse_quantity(value, spec.dimension), spec.unit or "")
        except QuantityError as exc:
            raise _LintError(
                f"threshold unit does not fit {c['metric']}: {exc.message}", exc.expected, exc.found
            ) from None
        return Condition(c["metric"], op, threshold, str(value), spec.kind)
    if spec.kind == "automation":
        from liplanet_cert.catalogue import AUTOMATION_ORDER

        if value not in AUTOMATION_ORDER:
            raise _LintError(
                "unknown automation level", expected=", ".join(AUTOMATION_ORDER), found=str(value)
            )
        return Condition(c["metric"], op, value, str(value), spec.kind)
    if spec.kind == "bool" and not isinstance(value, bool):
        raise _LintError("threshold must be true or false", found=repr(value))
    if spec.kind in ("set",) or op in ("in", "not_in"):
        if not isinstance(value, list):
            raise _LintError("threshold must be a list", found=repr(value))
        return Condition(c["metric"], op, tuple(value), ", ".join(map(str, value)), spec.kind)
    return Condition(
        c["metric"], op, value, str(value).lower() if isinstance(value, bool) else str(value), spec.kind
    )


def _consistency(c: dict[str, Any]) -> dict[str, Any]:
    kpi = c["kpi"]
    if kpi not in KPI_SPECS:
        raise _LintError("unknown KPI", expected="one of " + ", ".join(KPI_SPECS), found=kpi)
    dim, unit, _ = KPI_SPECS[kpi]
    mode = c.get("mode", "absolute")
    try:
        if mode == "relative":
            tol = to_unit(parse_quantity(c["tolerance"], "dimensionless"), "percent")
        else:
            tol = to_unit(parse_quantity(c["tolerance"], dim), unit)
    except QuantityError as exc:
        raise _LintError(f"tolerance does not fit {kpi}: {exc.message}", exc.expected, exc.found) from None
    return {"kpi": kpi, "tolerance": tol, "mode": mode, "text": str(c["tolerance"]), "unit": unit}


def build_pack(doc: dict[str, Any], path: str) -> CriteriaPack:
    crits = []
    for item in doc["criteria"]:
        check: tuple[Condition, ...] = ()
        if "check" in item:
            check = (_condition(item["check"]),)
        elif "any_of" in item:
            check = tuple(_condition(c) for c in item["any_of"])
        crits.append(
            Criterion(
                id=item["id"],
                title=item["title"],
                category=item["category"],
                severity=item["severity"],
                source=dict(item["source"]),
                description=item.get("description", ""),
                applies_if=_condition(item["applies_if"]) if "applies_if" in item else None,
                check=check,
                consistency=_consistency(item["consistency"]) if "consistency" in item else None,
            )
        )
    return CriteriaPack(
        id=doc["id"],
        version=doc["version"],
        title=doc["title"],
        valid_from=date.fromisoformat(doc["valid_from"]),
        valid_until=date.fromisoformat(doc["valid_until"]) if doc.get("valid_until") else None,
        supersedes=doc.get("supersedes"),
        criteria=tuple(crits),
        sha256=canonical_sha256(doc),
        path=path,
        raw=doc,
    )


def load_pack(path: Path) -> CriteriaPack:
    doc, problems = parse_pack_file(path)
    if problems:
        raise CriteriaError(problems)
    return build_pack(doc, str(path))


_SHIPPED: dict[str, tuple[tuple[int, int], CriteriaPack]] = {}  # path -> ((mtime_ns, size), pack)


def _shipped_pack(path: Path) -> CriteriaPack:
    """A shipped pack, parsed and linted once per process while its file is unchanged."""
    st = path.stat()
    stamp = (st.st_mtime_ns, st.st_size)
    hit = _SHIPPED.get(str(path))
    if hit is None or hit[0] != stamp:
        hit = (stamp, load_pack(path))
        _SHIPPED[str(path)] = hit
    return hit[1]


def shipped_packs() -> list[CriteriaPack]:
    """All packs shipped in ``criteria/``, sorted by id and version."""
    packs = [_shipped_pack(p) for p in sorted(data_dir("criteria").glob("*.yaml"))]
    return sorted(packs, key=lambda p: (p.id, semver_key(p.version)))
