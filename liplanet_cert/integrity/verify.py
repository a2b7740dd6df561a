"""Integrity and provenance of results: re-verification against the bundle and the criteria.

:func:`verify` takes a JSON result (``assess --format json`` / ``-o json:FILE``) and the bundle it
claims to describe, and recomputes everything the result depends on:

- the sha256 of every file of the bundle (changed, added and removed files are reported by path);
- the criteria pack named in the result (``id@version``, or ``criteria=`` a pack file); its sha256
  must equal the one recorded;
- the assessment itself, with that pack, on the recorded ``assessed_on`` day, with the footprint
  when the result has one (on the same user Brightway background when it records one:
  ``footprint.background``, looked up in today's ``BRIGHTWAY2_DIR``; a background that is no
  longer there, or whose database changed, is a difference); verdict, findings (by criterion id) and every other section are compared
  (:mod:`liplanet_cert.integrity.compare`).

The tool/Python/Brightway versions in ``tool`` are reported as notes, not differences: a newer tool
that reproduces the same result byte for byte confirms it.

Reading the result file is :mod:`liplanet_cert.integrity.stored`; detached signatures of results
are :mod:`liplanet_cert.integrity.signing`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from liplanet_cert.integrity.compare import Difference, compare_inputs, compare_results
from liplanet_cert.integrity.stored import read_result


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
    from liplanet_cert.errors import BundleError, UsageError

    recorded = read_result(result_path)
    report = VerifyReport(str(result_path), str(bundle_path), recorded_verdict=str(recorded["verdict"]))
    diffs = report.differences

    # 1. input files (and the round-robin result the assessment read, when it is still there)
    now = bundle_digests(bundle_path, limits)
    rr = _roundrobin_for(recorded.get("roundrobin"), now)
    compare_inputs(recorded["inputs"], now, diffs)

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
    bg_rec = (recorded.get("footprint") or {}).get("background") if had_fp else None
    background = _background_for(bg_rec)
    try:
        bundle = load_bundle(bundle_path, limits=limits) if limits is not None else load_bundle(bundle_path)
        extra: dict[str, Any] = {"waivers": waivers} if waivers is not None else {}
        if rr is not None:
            extra.update(roundrobin=Path(rr["file"]), roundrobin_participant=rr["participant"])
        if background is not None:
            extra["background"] = background
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
    except UsageError as exc:
        if background is None:
            raise
        diffs.append(
            Difference("background", background.label, "available", f"not available: {exc.problems[0]}")
        )
        return report
    fresh = json.loads(json.dumps(result.to_dict(), sort_keys=True, default=str))
    _compare_background(bg_rec, (fresh.get("footprint") or {}).get("background"), diffs)
    report.recomputed_verdict = fresh["verdict"]
    compare_results(recorded, fresh, diffs, report.notes)
    return report


def _roundrobin_for(rec: Any, now: dict[str, str]) -> dict[str, str] | None:
    """The recorded ``--roundrobin`` file when it is still there with the recorded sha256 (its digest
    joins ``now``, so it is compared as an input); else None (verify then reports it removed or
    changed)."""
    import hashlib

    from liplanet_cert.assessment.roundrobin_line import INPUT_PREFIX, MAX_ROUNDROBIN_BYTES
    from liplanet_cert.errors import LiplanetError
    from liplanet_cert.infra.inputfile import read_input_file

    if not isinstance(rec, dict) or not all(
        isinstance(rec.get(k), str) for k in ("file", "sha256", "participant")
    ):
        return None
    try:
        data = read_input_file(Path(rec["file"]), "round-robin result", MAX_ROUNDROBIN_BYTES)
    except LiplanetError:
        return None
    digest = hashlib.sha256(data).hexdigest()
    now[INPUT_PREFIX + rec["file"]] = digest
    return rec if digest == rec["sha256"] else None


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


def _background_for(rec: Any) -> Any:
    """The user background a stored footprint was computed on (``footprint.background``), to
    recompute with: same project/database in today's BRIGHTWAY2_DIR, the user's mapping file at its
    recorded path, embedded defaults allowed where the result used them; None when it has none."""
    if not isinstance(rec, dict) or not all(isinstance(rec.get(k), str) for k in ("project", "database")):
        return None
    from liplanet_cert.lca.userbackground import BackgroundSpec, user_bw_dir

    user = (rec.get("mapping") or {}).get("user") or {}
    needs = rec.get("needs") if isinstance(rec.get("needs"), dict) else {}
    return BackgroundSpec(
        project=rec["project"],
        database=rec["database"],
        bw_dir=user_bw_dir(),
        mapping_file=Path(user["file"]) if isinstance(user.get("file"), str) else None,
        allow_embedded=any(isinstance(n, dict) and n.get("embedded") for n in needs.values()),
    )


def _compare_background(old: Any, new: Any, diffs: list[Difference]) -> None:
    """A clear difference when the background differs: its database (version, modification,
    size), the mapping, or the activity a need was matched to."""
    if old == new or not isinstance(old, dict) or not isinstance(new, dict):
        return
    label = f"{old.get('project')}/{old.get('database')}"
    for key in ("database_metadata", "mapping", "needs"):
        if old.get(key) != new.get(key):
            what = {"database_metadata": "database changed", "mapping": "mapping changed"}.get(
                key, "matches changed"
            )
            diffs.append(
                Difference(
                    "background",
                    f"{label}: {what}",
                    json.dumps(old.get(key), sort_keys=True),
                    json.dumps(new.get(key), sort_keys=True),
                )
            )
