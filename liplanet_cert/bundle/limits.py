"""Size limits for reading untrusted bundles, with the defaults overridden by ``LIPLANET_MAX_*``
environment variables.  Per kind of file: a log (the production, end-of-line, energy and quality
logs the declaration names) may be large — a year of a 10,000 cells/day line is about 220 MB of
end-of-line CSV — while the declaration, the evidence and any other file stay small.  Also per
bundle, entries and zip compression ratio.  Every limit is enforced before the bytes are read
(from the directory entry or zip header; a zip entry that lies about its size is cut off at the
limit while it is read)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from liplanet_cert.errors import Problem, UsageError


@dataclass(frozen=True)
class Limits:
    """Size limits for untrusted bundles (all configurable)."""

    max_file_bytes: int = 64 * 1024 * 1024  # the declaration, evidence, any file that is not a log
    max_log_bytes: int = 512 * 1024 * 1024  # each log (CSV or Parquet)
    max_bundle_bytes: int = 1024 * 1024 * 1024
    max_entries: int = 5_000
    max_compression_ratio: float = 200.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The defaults, overridden by ``LIPLANET_MAX_FILE_BYTES``, ``LIPLANET_MAX_LOG_BYTES``,
        ``LIPLANET_MAX_BUNDLE_BYTES``, ``LIPLANET_MAX_ENTRIES`` and
        ``LIPLANET_MAX_COMPRESSION_RATIO`` when set.  ``LIPLANET_MAX_FILE_BYTES`` set without
        ``LIPLANET_MAX_LOG_BYTES`` caps the logs too (it capped every file before logs had their
        own limit)."""
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
        if "max_file_bytes" in values and "max_log_bytes" not in values:
            values["max_log_bytes"] = min(values["max_file_bytes"], cls.max_log_bytes)
        return cls(**values)

    @property
    def largest_file(self) -> tuple[int, str]:
        """(the largest size any file may have, the setting that says so): what a file of a kind
        not yet known (a directory or zip is scanned before the declaration is read) may be."""
        if self.max_log_bytes > self.max_file_bytes:
            return self.max_log_bytes, "LIPLANET_MAX_LOG_BYTES"
        return self.max_file_bytes, "LIPLANET_MAX_FILE_BYTES"


ENV_LIMITS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "LIPLANET_MAX_FILE_BYTES": ("max_file_bytes", int),
    "LIPLANET_MAX_LOG_BYTES": ("max_log_bytes", int),
    "LIPLANET_MAX_BUNDLE_BYTES": ("max_bundle_bytes", int),
    "LIPLANET_MAX_ENTRIES": ("max_entries", int),
    "LIPLANET_MAX_COMPRESSION_RATIO": ("max_compression_ratio", float),
}
DEFAULT_LIMITS = Limits()
