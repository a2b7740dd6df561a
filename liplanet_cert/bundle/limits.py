"""Size limits for reading untrusted bundles (per file, per bundle, entries, zip compression
ratio), with the defaults overridden by ``LIPLANET_MAX_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from liplanet_cert.errors import Problem, UsageError


@dataclass(frozen=True)
class Limits:
    """Size limits for untrusted bundles (all configurable)."""

    max_file_bytes: int = 64 * 1024 * 1024
    max_bundle_bytes: int = 256 * 1024 * 1024
    max_entries: int = 5_000
    max_compression_ratio: float = 200.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The defaults, overridden by ``LIPLANET_MAX_FILE_BYTES``, ``LIPLANET_MAX_BUNDLE_BYTES``,
        ``LIPLANET_MAX_ENTRIES`` and ``LIPLANET_MAX_COMPRESSION_RATIO`` when set."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for var, (fld, kind) in ENV_LIMITS.items():
            text = env.get(var, "").strip()
            if not text:
                continue
            try:
                value = kind(text.replace("_", ""))
                if not value > 0 or value != value or value == float("inf"):
                    raise ValueError
            except ValueError:
                raise UsageError(
                    Problem(
                        var,
                        message="invalid limit in environment variable",
                        expected="a positive number",
                        found=repr(text[:40]),
                    )
                ) from None
            values[fld] = value
        return cls(**values)


ENV_LIMITS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "LIPLANET_MAX_FILE_BYTES": ("max_file_bytes", int),
    "LIPLANET_MAX_BUNDLE_BYTES": ("max_bundle_bytes", int),
    "LIPLANET_MAX_ENTRIES": ("max_entries", int),
    "LIPLANET_MAX_COMPRESSION_RATIO": ("max_compression_ratio", float),
}
DEFAULT_LIMITS = Limits()
