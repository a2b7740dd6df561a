"""Choosing one criteria pack: ``--criteria`` and ``--at``.

``--criteria``: ``liplanet-2026`` (newest version in force at ``--at``), ``liplanet-2026@2.0.0``
(exact), a path to a pack file (drafts), or nothing: the pack in force at ``--at`` (default today).
``--at`` is a day ``YYYY-MM-DD`` (:func:`parse_at`).

A shipped pack is in force from its ``valid_from`` to its ``valid_until`` (inclusive) or, sooner,
until the day a shipped pack that ``supersedes`` it comes into force (:func:`in_force`): a released
pack's file never changes (stored results cite its sha256), so its end is written in its successor.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from liplanet_cert.criteria.pack import CriteriaPack, load_pack, semver_key, shipped_packs
from liplanet_cert.errors import CriteriaError, Problem, UsageError


def parse_at(text: str) -> date:
    """The day of ``--at YYYY-MM-DD``; :class:`UsageError` (exit 2) if it is not one."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--at must be a date YYYY-MM-DD, got {text!r}", file="--at") from None


def select_pack(spec: str | None = None, at: date | None = None) -> CriteriaPack:
    """Resolve ``--criteria``/``--at`` to one pack (see module docstring); :class:`CriteriaError`
    (exit 2) when no pack fits."""
    day = at or date.today()
    if spec and (spec.endswith((".yaml", ".yml", ".json")) or "/" in spec or Path(spec).is_file()):
        return load_pack(Path(spec))
    packs = shipped_packs()
    if spec:
        return _by_id(spec, packs, day, dated=at is not None)
    in_force_now = [p for p in packs if in_force(p, day, packs)]
    if not in_force_now:
        raise _none_in_force("--at", "criteria pack", [(p.ref, p) for p in packs], day, packs)
    return max(in_force_now, key=lambda p: (p.valid_from, semver_key(p.version)))


def superseded_from(pack: CriteriaPack, packs: list[CriteriaPack] | None = None) -> date | None:
    """The day the earliest shipped pack that ``supersedes`` ``pack`` comes into force, if any."""
    packs = shipped_packs() if packs is None else packs
    days = [p.valid_from for p in packs if p.supersedes == pack.ref and p.valid_from > pack.valid_from]
    return min(days) if days else None


def in_force(pack: CriteriaPack, day: date, packs: list[CriteriaPack] | None = None) -> bool:
    """Whether ``pack`` is in force on ``day``: within its own window and not yet superseded."""
    if not pack.in_force(day):
        return False
    until = superseded_from(pack, packs)
    return until is None or day < until


def validity_text(pack: CriteriaPack, packs: list[CriteriaPack] | None = None) -> str:
    """``2026-07-01 .. 2026-11-29 (superseded)`` / ``2026-11-30 .. open``: the window in force."""
    until = superseded_from(pack, packs)
    if until is not None and (pack.valid_until is None or until <= pack.valid_until):
        return f"{pack.valid_from} .. {until - timedelta(days=1)} (superseded from {until})"
    return f"{pack.valid_from} .. {pack.valid_until or 'open'}"


def _by_id(spec: str, packs: list[CriteriaPack], day: date, *, dated: bool) -> CriteriaPack:
    """``id`` or ``id@version`` among the shipped packs.  Without ``@version``: the newest version
    in force on ``day``, or (``--at`` not given) the newest version of all."""
    pid, _, version = spec.partition("@")
    same = [p for p in packs if p.id == pid]
    if not same:
        known = sorted({p.id for p in packs})
        raise CriteriaError(
            Problem(
                "--criteria",
                message=f"unknown criteria pack {pid!r}",
                expected="one of " + ", ".join(known) + " or a path to a pack file",
                found=spec,
            )
        )
    if version:
        exact = [p for p in same if p.version == version]
        if not exact:
            raise CriteriaError(
                Problem(
                    "--criteria",
                    message=f"no version {version} of {pid}",
                    expected="one of " + ", ".join(p.version for p in same),
                    found=spec,
                )
            )
        return exact[0]
    current = [p for p in same if in_force(p, day, packs)]
    if current:
        return max(current, key=lambda p: semver_key(p.version))
    if not dated:
        return max(same, key=lambda p: semver_key(p.version))
    raise _none_in_force("--criteria", f"version of {pid}", [(p.version, p) for p in same], day, packs)


def _none_in_force(
    option: str, what: str, named: list[tuple[str, CriteriaPack]], day: date, packs: list[CriteriaPack]
) -> CriteriaError:
    """No ``what`` is in force on ``day``: the error lists each pack's name and validity window."""
    return CriteriaError(
        Problem(
            option,
            message=f"no {what} is in force on {day}",
            expected="; ".join(f"{name}: {validity_text(p, packs)}" for name, p in named),
            found=str(day),
        )
    )


def shipped_pack_by_sha256(sha256: str) -> CriteriaPack | None:
    """The shipped pack whose canonical sha256 is ``sha256`` (a stored result's pack), if any."""
    for p in shipped_packs():
        if p.sha256 == sha256:
            return p
    return None
