"""What a batch is asked to do (:class:`BatchOptions`) and the checks of those options.

The CLI builds a :class:`BatchOptions`; :func:`~liplanet_cert.batch.run.run_batch` reads it.  The
defaults that follow from an option left unset (the number of workers, the time limit of one
bundle) are worked out here, once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from liplanet_cert.bundle.limits import DEFAULT_LIMITS, Limits
from liplanet_cert.errors import UsageError

DEFAULT_BUNDLE_TIMEOUT = 300.0  # seconds: ~1,000 times what a bundle takes; --bundle-timeout


@dataclass(frozen=True)
class BatchOptions:
    """What to assess and where to write."""

    paths: tuple[str, ...]
    out: Path
    criteria: str | None = None
    at: date | None = None
    jobs: int | None = None  # default: all cores; 1 runs in this process
    previous: Path | None = None  # an earlier run's results.jsonl (or its directory)
    waivers: Any = None  # waivers.WaiverSet, loaded (and validated) by the caller
    force: bool = False
    footprint: bool | None = None  # None: when the criteria need it
    bw_dir: Path | None = None
    background: Any = None  # the user's Brightway background (lca.userbackground.BackgroundSpec)
    limits: Limits = DEFAULT_LIMITS
    start_method: str | None = None  # multiprocessing start method (default forkserver where available)
    in_flight_per_job: int = 4  # tasks per worker
    chunk: int | None = None  # bundles per task (default: up to 8, fewer for small batches)
    bundle_timeout: float | None = (
        None  # seconds one bundle may take (None: DEFAULT_BUNDLE_TIMEOUT; 0: no limit)
    )

    @property
    def job_count(self) -> int:
        """How many worker processes: ``jobs``, else one per core (1: assess in this process)."""
        return max(1, self.jobs or os.cpu_count() or 1)

    @property
    def timeout_seconds(self) -> float | None:
        """The time limit of one bundle in seconds (None: no limit)."""
        return DEFAULT_BUNDLE_TIMEOUT if self.bundle_timeout is None else (self.bundle_timeout or None)

    def check(self) -> None:
        """Raise :class:`~liplanet_cert.errors.UsageError` for options no batch can run with."""
        if self.bundle_timeout is not None and self.bundle_timeout < 0:
            raise UsageError(
                f"--bundle-timeout must be 0 (no limit) or a number of seconds, not {self.bundle_timeout:g}",
                file="--bundle-timeout",
            )
