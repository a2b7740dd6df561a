"""The cache keys that decide whether a bundle's stored result may be reused.

A bundle's cache key is the sha256 of its input digest (:func:`input_digest`: its files, or a
``.zip``'s bytes) and the run's :func:`key_base` (the criteria pack sha256, the waiver file sha256
and, when waivers are used, the assessment day, the footprint flag, the tool version and the
bundle limits).  Equal keys mean the same inputs judged the same way: the stored result stands.
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


def key_base(pack: Any, waivers: Any, day: date, footprint: bool, limits: Limits) -> str:
    """What every bundle's cache key of this run shares: how the bundles are judged."""
    return json.dumps(
        {
            "criteria": pack.sha256,
            "waivers": waivers.sha256 if waivers else None,
            "day": day.isoformat() if waivers else None,
            "footprint": bool(footprint),
            "tool": __version__,
            "limits": repr(limits),
        },
        sort_keys=True,
    )


def cache_key(digest: str, key_base: str) -> str:
    """A bundle's cache key: its input digest under the run's :func:`key_base`."""
    return hashlib.sha256(f"{digest}\0{key_base}".encode()).hexdigest()
