"""Assessing bundles in a worker process (or, with ``--jobs 1``, in the coordinating one).

A task (:data:`Task`) names a bundle and what an earlier run stored for it; the worker returns the
bundle's ``results.jsonl`` line and writes its result file (atomically, durably, before the line is
returned).  A bundle's failures are contained: a bundle the loader refuses is ``invalid``, an
unexpected exception ``error``, a result that cannot be written ``error``, a bundle over its time
limit ``error`` (:mod:`liplanet_cert.batch.timelimit`).  A stored result whose cache key still
matches is reused instead of assessing again (:mod:`liplanet_cert.batch.keys`).
"""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from liplanet_cert.batch.keys import cache_key, digest_or_none
from liplanet_cert.batch.store import result_name, stored_result
from liplanet_cert.batch.timelimit import BundleTimeout, time_limit, timeout_message
from liplanet_cert.errors import LiplanetError
from liplanet_cert.infra.atomic import write_text


@dataclass(frozen=True)
class WorkerState:
    """What every worker of a run holds (sent once per process)."""

    pack: Any
    assess_options: Any
    out: str
    key_base: str
    force: bool
    timeout: float | None = None  # seconds per bundle (--bundle-timeout); None: no limit


_STATE: WorkerState | None = None
_HARD_LIMIT = False  # a worker process (not the coordinating one) may be ended when a bundle overruns

Task = tuple[str, str | None, str | None]  # bundle, previous cache key, previous result file
Pending = tuple[str, str] | Future | None  # a result file still to write (path, text), being written, or none


def init_worker(state: WorkerState, warm: bool = True, in_process: bool = False) -> None:
    """Per process, once: keep the state, ignore Ctrl-C (the parent coordinates), warm the caches.

    ``in_process`` (``--jobs 1``): this *is* the coordinating process, so Ctrl-C must keep working
    (an ignored SIGINT would also be inherited by every program it starts later).
    """
    global _STATE, _HARD_LIMIT
    _STATE = state
    _HARD_LIMIT = not in_process
    if not in_process:
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        except (ValueError, OSError):  # not the main thread
            pass
    if warm:
        import pandas  # noqa: F401  (imported once per process, not per bundle)

        from liplanet_cert.assessment import kpis  # noqa: F401

        if state.assess_options.footprint:
            try:
                from liplanet_cert.lca import load_model
                from liplanet_cert.lca.compute import unit_impacts

                unit_impacts(load_model(), state.assess_options.bw_dir)
            except Exception:  # the bundle that needs it will report the problem
                pass


def error_line(bundle: str, kind: str, message: str, **more: Any) -> dict[str, Any]:
    """The line of a bundle that could not be assessed (``status`` error) for a reason of ``kind``."""
    return {"bundle": bundle, "result": None, "status": "error", "kind": kind, "message": message, **more}


def internal_error(exc: BaseException) -> str:
    """The message of a bundle's unexpected exception (a bug, contained to the bundle)."""
    return f"internal error: {type(exc).__name__}: {exc}"[:500]


def work(task: Task) -> dict[str, Any]:
    """Assess one bundle (in a worker).  Never raises for a bundle's fault; returns the jsonl line."""
    line, write = _assess_one(task)
    return _finish(line, write)


def work_many(tasks: list[Task]) -> list[dict[str, Any]]:
    """Assess several bundles in turn (one task of the pool), pipelined: while bundle k is
    assessed, a thread writes and fsyncs the result of bundle k-1 (fsync releases the GIL; it was
    ~7% of a bundle's time).  A line is returned only once its result file is durable, so the parent
    never records a result that is not on disk."""
    from concurrent.futures import ThreadPoolExecutor

    lines: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="liplanet-writer") as writer:
        prev: tuple[dict[str, Any], Future | None] | None = None
        for task in tasks:
            line, write = _assess_one(task)
            fut = writer.submit(write_text, *write) if write is not None else None
            if prev is not None:
                lines.append(_finish(*prev))
            prev = (line, fut)
        if prev is not None:
            lines.append(_finish(*prev))
    return lines


def _finish(line: dict[str, Any], pending: Pending) -> dict[str, Any]:
    """Complete ``line`` once its result file is durable: ``pending`` is the (path, text) to write
    now, or the writer thread's future to wait for, or None.  A result that cannot be written (disk
    full...) makes the bundle an error, never a line pointing at a missing file."""
    t0 = time.perf_counter()
    try:
        if isinstance(pending, Future):
            pending.result()
        elif pending is not None:
            write_text(*pending)
    except (LiplanetError, OSError, ValueError) as exc:  # disk full, permissions, text that cannot be encoded
        line.update(
            status="error",
            kind="output",
            result=None,
            message=f"could not write the result file: {exc}"[:500],
        )
    line["seconds"] = line.get("seconds", 0.0) + (time.perf_counter() - t0)
    return line


def _assess_one(task: Task) -> tuple[dict[str, Any], tuple[str, str] | None]:
    """The jsonl line of one bundle and the result file still to write (path, text), if any; within
    the bundle's time limit, else an ``error`` line saying so."""
    st = _STATE
    assert st is not None
    t0 = time.perf_counter()
    try:
        with time_limit(st.timeout, hard=_HARD_LIMIT):
            return _assess_limited(st, task)
    except BundleTimeout:
        return error_line(
            task[0],
            "timeout",
            timeout_message(st.timeout),
            input_sha256=None,
            cache_key=None,
            seconds=time.perf_counter() - t0,
        ), None


def _assess_limited(st: WorkerState, task: Task) -> tuple[dict[str, Any], tuple[str, str] | None]:
    """The stored result reused when its cache key still matches, else the bundle assessed afresh."""
    bundle, prev_key, prev_result = task
    t0 = time.perf_counter()
    rel = f"results/{result_name(bundle)}"
    digest = None
    if prev_key and prev_result and not st.force:  # only a rerun needs the digest before assessing
        digest = digest_or_none(bundle, st.assess_options.limits)
        if digest and cache_key(digest, st.key_base) == prev_key:
            line = _reused(st, bundle, rel, digest, prev_key, prev_result)
            if line is not None:  # else: assessed afresh
                line["seconds"] = time.perf_counter() - t0
                return line, None
    line, write, digest = _assess(st, bundle, rel, digest)
    line.update(input_sha256=digest, cache_key=cache_key(digest, st.key_base) if digest else None)
    line["seconds"] = time.perf_counter() - t0
    return line, write


def _reused(
    st: WorkerState, bundle: str, rel: str, digest: str, prev_key: str, prev_result: str
) -> dict[str, Any] | None:
    """The line of a bundle whose earlier result stands (copied into this run's ``results/``), or
    None when that result cannot stand for it (see :func:`~liplanet_cert.batch.store.stored_result`)."""
    from liplanet_cert.reporters.jsonl import dumps_line

    stored = stored_result(prev_result, bundle, digest, st.pack.sha256, st.assess_options.limits)
    if stored is None:
        return None
    doc, result = stored
    target = os.path.join(st.out, rel)
    if os.path.realpath(prev_result) != os.path.realpath(target):
        # what was checked is what is copied (never the file as it may be by now)
        write_text(target, dumps_line(doc))
    # what the bundle reports comes from the stored result itself, never from the line that named it
    return {
        "bundle": bundle,
        **_line_of(result),
        "result": rel,
        "input_sha256": digest,
        "cache_key": prev_key,
        "reused": True,
    }


def _assess(
    st: WorkerState, bundle: str, rel: str, digest: str | None
) -> tuple[dict[str, Any], tuple[str, str] | None, str | None]:
    """(line, result file to write, input digest) of a bundle assessed now; its failures contained."""
    from liplanet_cert.assessment.core import assess
    from liplanet_cert.reporters.jsonl import dumps_line

    limits = st.assess_options.limits
    line: dict[str, Any] = {"bundle": bundle, "result": None}
    write: tuple[str, str] | None = None
    try:
        result = assess(bundle, st.assess_options, pack=st.pack)
    except LiplanetError as exc:
        from liplanet_cert.assessment.result import Unassessed

        u = Unassessed.from_error(bundle, exc)
        line.update(
            status="invalid",
            kind=exc.kind,
            message=_first_line(u.message),
            problems=u.problems,
            details=u.details,
            problem_count=len(exc.problems),
        )
        digest = digest or digest_or_none(bundle, limits)
    except Exception as exc:  # a bug: contained to this bundle
        line.update(status="error", kind="internal", message=internal_error(exc))
        digest = digest or digest_or_none(bundle, limits)
    else:
        # the digest of exactly the bytes assessed (the loader hashed them already)
        digest = digest or digest_or_none(bundle, limits, [(i.path, i.sha256) for i in result.inputs])
        write = (os.path.join(st.out, rel), dumps_line(result.to_dict()))
        line.update(_line_of(result), result=rel)
    return line, write, digest


def _first_line(text: str) -> str:
    return text.splitlines()[0][:500] if text else ""


def _line_of(result: Any) -> dict[str, Any]:
    """What a bundle's results.jsonl line says of its result."""
    fp = result.footprint
    return {
        "status": result.verdict.value,
        "pilot_line": dict(result.pilot_line),
        "criteria": result.criteria.to_dict(),
        "assessed_on": result.assessed_on,
        "findings": {f.id: f.status.value for f in result.findings},
        "advisory": sorted(f.id for f in result.findings if f.severity != "required"),
        "waivers": sorted({f.waiver["id"] for f in result.findings if f.waiver}),
        "counts": result.counts,
        # cradle-to-gate only where every stage was computed (else it would be production alone)
        "footprint_kg_co2e_per_kwh": fp.total_per_kwh
        if fp is not None and not any(st.not_computed for st in fp.stages)
        else None,
        "footprint_main_production_kg_co2e_per_kwh": fp.main_production[0] if fp is not None else None,
        "warnings": len(result.warnings),
    }
