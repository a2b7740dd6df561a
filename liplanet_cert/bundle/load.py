"""Submission bundle v1: load, validate, and return a typed :class:`~liplanet_cert.bundle.model.Bundle`.

A bundle is a directory (or a ``.zip`` of one, :mod:`liplanet_cert.bundle.source`) holding
- ``declaration.yaml`` / ``.yml`` / ``.json`` — validated against ``schemas/declaration.schema.json``
  (``liplanet-cert schema bundle``), every quantity parsed and dimension-checked with pint
  (:mod:`liplanet_cert.bundle.declaration`);
- ``production_log.csv`` — one row per lot and step;
- ``eol_tests.csv`` — one row per cell (end-of-line test);
- ``energy.csv`` — metered energy and materials per step and period (long format, unit per row);
- optional evidence files, referenced with their sha256.

CSV columns that carry a physical quantity declare their unit in the header, e.g.
``capacity [Ah]``; reading the CSV files themselves (encoding, delimiter, strict numbers and dates,
grouped row problems) is :mod:`liplanet_cert.bundle.csvread`, what each log must contain
:mod:`liplanet_cert.bundle.logs`.  :func:`load_bundle` runs the steps in order — source,
declaration, logs, evidence — and collects *every* problem before raising one
:class:`~liplanet_cert.errors.BundleError`, so ``validate`` can list them all at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from liplanet_cert.bundle.declaration import Declaration, Declared, declared, passport, read_declaration
from liplanet_cert.bundle.limits import DEFAULT_LIMITS, Limits
from liplanet_cert.bundle.logs import Logs, check_lots, read_logs
from liplanet_cert.bundle.model import Bundle, InputFile
from liplanet_cert.bundle.source import BundleSource, sha256_bytes
from liplanet_cert.errors import BundleError, ProblemCollector


def load_bundle(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> Bundle:
    """Load and validate a bundle; raises :class:`BundleError` listing every problem found."""
    path = Path(path)
    with BundleSource(path, limits) as src:
        return _load(src)


class _Files:
    """The bundle's files as they were read: (sha256, size) of each, so that the recorded hashes
    are those of the bytes parsed.  The bytes themselves are not kept: a log is parsed and dropped
    before the next one is read."""

    def __init__(self, src: BundleSource) -> None:
        self.src = src
        self.digests: dict[str, tuple[str, int]] = {}

    def read(self, rel: str, max_bytes: int | None = None, what: str = "", log: bool = False) -> bytes:
        data = self.src.read(rel, max_bytes, what, log)
        self.digests[rel] = (sha256_bytes(data), len(data))
        return data

    def digest(self, rel: str) -> tuple[str, int]:
        if rel not in self.digests:
            self.digests[rel] = self.src.digest(rel)
        return self.digests[rel]


def _load(src: BundleSource) -> Bundle:
    problems = ProblemCollector()
    files = _Files(src)
    decl = read_declaration(src.display, src.names(), files.read, problems)
    facts = declared(decl, problems)
    logs = read_logs(src, files.read, facts, decl.doc is not None, problems)
    check_lots(logs, facts.files, problems)
    evidence = _evidence(src, files, decl, problems)
    declared_passport = passport(decl, problems)
    problems.raise_if_any(BundleError)
    inputs = [InputFile(rel, *files.digest(rel)) for rel in src.names()]
    return _bundle(src.display, decl, facts, logs, inputs, evidence, declared_passport)


def _evidence(
    src: BundleSource, files: _Files, decl: Declaration, problems: ProblemCollector
) -> list[dict[str, str]]:
    """The declared evidence files, each present with the declared sha256."""
    evidence = []
    for i, ev in enumerate(decl.get("evidence") if decl.ok("#/evidence") and decl.get("evidence") else []):
        rel = ev["path"]
        if not src.exists(rel):
            problems.add(
                decl.name, f"#/evidence/{i}/path", "evidence file not found in the bundle", found=rel
            )
            continue
        actual = files.digest(rel)[0]
        if actual != ev["sha256"]:
            problems.add(
                decl.name,
                f"#/evidence/{i}/sha256",
                f"sha256 of {rel} does not match",
                expected=ev["sha256"],
                found=actual,
            )
        evidence.append({"path": rel, "sha256": actual, "description": ev.get("description", "")})
    return evidence


def _bundle(
    display: str,
    decl: Declaration,
    facts: Declared,
    logs: Logs,
    inputs: list[InputFile],
    evidence: list[dict[str, str]],
    declared_passport: dict[str, Any] | None,
) -> Bundle:
    """The :class:`Bundle` of a declaration and logs without problems."""
    doc, pl = decl.doc, facts.pilot_line or {}
    return Bundle(
        path=display,
        declaration_file=decl.name,
        format_version=doc["format_version"],
        pilot_line={k: pl[k] for k in ("name", "operator", "site", "country")},
        country_iso3=facts.country_iso3,
        period_start=facts.period_start,  # type: ignore[arg-type]
        period_end=facts.period_end,  # type: ignore[arg-type]
        cell=facts.cell,  # type: ignore[arg-type]
        coating_both_sides=doc["electrode_coating"]["both_sides"],
        coating_mode=doc["electrode_coating"].get("mode"),
        steps=facts.steps,
        declared_kpis=facts.kpis,
        files={k: v for k, v in facts.files.items()},
        production=logs.production,  # type: ignore[arg-type]
        eol=logs.eol,
        energy=logs.energy,
        inputs=inputs,
        evidence=evidence,
        passport=declared_passport,
        quality=logs.quality,
        quality_specs=facts.quality_specs,
    )
