"""The time limit of one bundle (``--bundle-timeout``).

A bundle still being assessed after its limit gets :class:`BundleTimeout` raised in the assessing
(main) thread by SIGALRM (:func:`time_limit`).  In a worker process, a bundle stuck where the alarm
cannot reach (C code) is ended by faulthandler's watchdog after a grace period (:func:`hard_grace`),
and the pool replaces the process.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class BundleTimeout(BaseException):
    """Raised in the assessing (main) thread when a bundle's time is up.  A BaseException, like
    KeyboardInterrupt, so that no ``except Exception`` inside an assessment can swallow it."""


def hard_grace(seconds: float) -> float:
    """How long past its limit a bundle that ignores the limit (stuck in C code) may keep a worker
    process before the process is ended: a tenth of the limit, 2 s at least, 60 s at most."""
    return min(60.0, max(2.0, seconds / 10))


_HARD_LOG: Any = None


def _hard_log() -> Any:
    """Where a worker ended for overrunning writes the stacks it was stuck in (LIPLANET_DEBUG=1: stderr)."""
    global _HARD_LOG
    if os.environ.get("LIPLANET_DEBUG"):
        return sys.stderr
    if _HARD_LOG is None:
        _HARD_LOG = open(os.devnull, "w")
    return _HARD_LOG


@contextmanager
def time_limit(seconds: float | None, hard: bool = False) -> Iterator[None]:
    """Raise :class:`BundleTimeout` in the block after ``seconds`` (SIGALRM from an interval timer;
    the main thread only, else no limit).  ``hard`` (a worker process): should the block not return
    to Python code by ``seconds`` + :func:`hard_grace` (stuck in C code, the alarm ignored), the
    process is ended by faulthandler's watchdog thread, and the pool reports the bundle."""
    if (
        not seconds
        or seconds <= 0
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise BundleTimeout

    old = signal.signal(signal.SIGALRM, on_alarm)
    try:
        if hard:
            import faulthandler

            faulthandler.dump_traceback_later(seconds + hard_grace(seconds), exit=True, file=_hard_log())
        signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        if hard:
            import faulthandler

            faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGALRM, old)


def timeout_message(seconds: float | None, ended: bool = False) -> str:
    n = f"{seconds:g}" if seconds else "?"
    how = "could not be stopped, so its worker process was ended" if ended else "stopped"
    return f"took longer than {n} s (--bundle-timeout {n}): {how}; the rest of the batch is unaffected"
