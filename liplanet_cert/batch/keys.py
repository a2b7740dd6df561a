"""The cache keys that decide whether a bundle's stored result may be reused.

A bundle's cache key is the sha256 of its input digest (:func:`input_digest`: its files, or a
``.zip``'s bytes) and the run's :func:`key_base` (the criteria pack sha256, the waiver file sha256
and, when waivers are used, the assessment day, the footprint flag, the tool version, the
bundle limits and, with a footprint on the user's Brightway background, :func:`background_stamp`).  Equal keys mean the same inputs judged the same way: the stored result stands.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from liplanet_cert.bundle.limits import DEFAULT_LIMITS, Limits
from liplanet_cert.errors import LiplanetError
from liplanet_cert.version import __version__


def pairs_digest(pairs: Iterable[tuple[str, str]]) -> str:
    """The digest :func:`input_digest` gives a directory whose files have these (path, sha256) pairs."""
    h = hashlib.sha256()
    for rel, hexdigest in sorted(pairs):
        h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        h.update(bytes.fromhex(hexdigest))
    return h.hexdigest()


def input_digest(
    path: str | Path, inputs: Iterable[tuple[str, str]] | None = None, limits: Limits = DEFAULT_LIMITS
) -> str:
    """sha256 identifying a bundle's inputs (part of the cache key).

    For a directory: over the relative path and content sha256 of every file the loader reads (the
    same files as ``Result.inputs``), so ``inputs`` — (path, sha256 hex) pairs the loader already
    computed — gives the same digest without reading the files again.  For a ``.zip``: over its bytes.
    Raises :class:`~liplanet_cert.errors.LiplanetError` for a bundle the loader would refuse.
    """
    p = Path(path)
    if not p.is_dir():
        h = hashlib.sha256()
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    if inputs is None:
        from liplanet_cert.bundle.source import BundleSource

        with BundleSource(p, limits) as src:
            inputs = [(rel, hashlib.sha256(src.read(rel)).hexdigest()) for rel in src.names()]
    return pairs_digest(inputs)


def digest_or_none(
    bundle: str, limits: Limits, inputs: Iterable[tuple[str, str]] | None = None
) -> str | None:
    """:func:`input_digest`, or None for a bundle that cannot be read."""
    try:
        return input_digest(bundle, inputs, limits)
    except (OSError, LiplanetError):
        return None


def key_base(
    pack: Any, waivers: Any, day: date, footprint: bool, limits: Limits, background: Any = None
) -> str:
    """What every bundle's cache key of this run shares: how the bundles are judged.
    ``background``: the :func:`background_stamp` of the user's background (None: embedded)."""
    base = {
        "criteria": pack.sha256,
        "waivers": waivers.sha256 if waivers else None,
        "day": day.isoformat() if waivers else None,
        "footprint": bool(footprint),
        "tool": __version__,
        "limits": repr(limits),
    }
    if background is not None:  # absent for the embedded one: earlier runs' keys still match
        base["background"] = background
    return json.dumps(base, sort_keys=True, default=str)


def background_stamp(spec: Any) -> dict[str, Any]:
    """What identifies the user's background ``spec`` (a :class:`~liplanet_cert.lca.
    userbackground.BackgroundSpec`) for reuse: its directory, project and database, the database's
    metadata (version, modification) as its project's ``databases.json`` gives them, the mapping
    (shipped and the user's, by sha256) and whether the embedded default is allowed.  Read without
    Brightway; a project or database that is not there is refused now (exit 2), before any bundle."""
    from liplanet_cert.lca.userbackground import load_mapping

    meta = _database_meta(spec)
    return {
        "bw_dir": str(spec.bw_dir),
        "project": spec.project,
        "database": spec.database,
        "database_metadata": {
            k: str(meta[k]) for k in ("version", "modified", "format", "number") if k in meta
        },
        "mapping": load_mapping(spec.mapping_file).record(),
        "allow_embedded": bool(spec.allow_embedded),
    }


def _database_meta(spec: Any) -> dict[str, Any]:
    """The entry of ``spec.database`` in the project's ``databases.json`` (bw2data's metadata)."""
    import contextlib
    import sqlite3

    from bw_processing import safe_filename

    from liplanet_cert.errors import Problem, UsageError

    row = None
    with (
        contextlib.suppress(sqlite3.Error),
        contextlib.closing(sqlite3.connect(f"file:{spec.bw_dir / 'projects.db'}?mode=ro", uri=True)) as con,
    ):
        cols = {r[1] for r in con.execute("PRAGMA table_info(projectdataset)")}
        full = "full_hash" if "full_hash" in cols else "1"
        row = con.execute(
            f"SELECT name, {full} FROM projectdataset WHERE name = ?", (spec.project,)
        ).fetchone()
    if row is None:
        raise UsageError(
            Problem(
                str(spec.bw_dir),
                message=f"no Brightway project {spec.project!r} in this directory (BRIGHTWAY2_DIR)",
                expected="an existing project (the tool never creates one here)",
                found=spec.project,
            )
        )
    path = spec.bw_dir / safe_filename(spec.project, full=bool(row[1])) / "databases.json"
    try:
        entry = json.loads(path.read_text(encoding="utf-8")).get(spec.database)
    except (OSError, ValueError, AttributeError):
        entry = None
    if not isinstance(entry, dict):
        raise UsageError(
            Problem(
                f"background {spec.label}",
                message=f"no database {spec.database!r} in project {spec.project!r}",
                expected="a database of the project",
                found=spec.database,
            )
        )
    return entry


def cache_key(digest: str, key_base: str) -> str:
    """A bundle's cache key: its input digest under the run's :func:`key_base`."""
    return hashlib.sha256(f"{digest}\0{key_base}".encode()).hexdigest()
