"""Batch re-certification: :func:`run_batch` assesses many bundles in parallel worker processes and
streams the results into an output directory (``--out``).

It discovers the bundles (:mod:`~liplanet_cert.batch.discover`), assesses them in a process pool
(:mod:`~liplanet_cert.batch.pool`, :mod:`~liplanet_cert.batch.worker`) and writes:

- ``results/<name>-<hash>.json`` — the full result of each bundle: the document of ``assess --format
  json``, written in the compact canonical form of ``--format jsonl`` (sorted keys, one line;
  half the encoding time of the indented form, which matters at 1,000s of bundles), atomically, by
  the worker;
- ``results.jsonl`` — one line per bundle (status, verdict, criteria, input hash, cache key, the
  status of every criterion, the result file), streamed as bundles finish, whole lines only, sorted
  by bundle at the end of a complete run so that reruns are byte-identical
  (:mod:`~liplanet_cert.batch.output`);
- ``summary.csv`` — one spreadsheet-safe row per bundle, streamed the same way;
- ``changes.csv`` — with ``previous``: per bundle newly approved / lost approval (with the criteria
  that changed the outcome) / unchanged / new (:mod:`~liplanet_cert.batch.changes`);
- ``summary.json`` — counts, status changes, unmatched waivers, the folders searched and skipped, and
  (the only non-deterministic part) timings with the slowest bundles (:mod:`~liplanet_cert.batch.summary`).

Skipping: a bundle whose cache key (:mod:`~liplanet_cert.batch.keys`) equals the key recorded for it
in ``previous`` (or in an earlier, interrupted run into the same output directory) is not
recomputed; its stored result is reused.  ``force`` recomputes all.

Safety: one broken bundle is ``invalid`` with its message; an unexpected exception is ``error``; a
worker process that dies is replaced and only the bundle that kills it is marked ``error``; a bundle
over ``bundle_timeout`` seconds (default 300) is ``error``.  Ctrl-C / SIGTERM stop cleanly: finished
results and jsonl lines stay valid, and rerunning the same command resumes (only what is missing is
computed).  An earlier run's results.jsonl is read line by line; an unusable line is skipped with a
warning naming it (``BatchSummary.warnings``), and its bundle is assessed again.

One batch per output directory: the run holds an exclusive ``flock`` on ``<out>/.lock``
(:func:`lock_out`).  Output that cannot be written (a full disk) stops the run with an
:class:`~liplanet_cert.errors.OutputError` naming the file; what was written stays whole, and a
rerun resumes.

Memory: bundle paths and (with ``previous``) one small line per previous bundle are held; results are
not — each lives in its worker until written, with at most ``4 × jobs`` tasks of up to 8 bundles in
flight.  A line reaches ``results.jsonl`` only once its result file is durable.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from liplanet_cert.batch.changes import PreviousRun, change_row, compare
from liplanet_cert.batch.discover import Discovery, discover_all
from liplanet_cert.batch.keys import background_stamp, key_base
from liplanet_cert.batch.options import BatchOptions
from liplanet_cert.batch.output import LineFiles, sort_outputs
from liplanet_cert.batch.pool import assess_all, prestart, sigterm_as_interrupt
from liplanet_cert.batch.store import load_index
from liplanet_cert.batch.summary import BatchSummary, Tally
from liplanet_cert.batch.worker import Task, WorkerState
from liplanet_cert.errors import OutputError, Problem
from liplanet_cert.infra.atomic import write_text

LOCK_NAME = ".lock"  # in --out: one batch at a time per output directory
MAX_WARNINGS = 50  # listed in the summary; more are counted as one line
RESUME_NAME = ".resume.jsonl"  # in --out: what an interrupted run finished, while the next one runs


@dataclass
class Progress:
    """Callbacks for a progress display (the core never prints)."""

    start: Callable[[int], None] = lambda total: None
    advance: Callable[[dict[str, Any]], None] = lambda line: None


def run_batch(
    options: BatchOptions,
    progress: Progress | None = None,
    after: Callable[[BatchSummary], None] | None = None,
) -> BatchSummary:
    """Run the batch; returns the summary.  Raises LiplanetError only for usage/criteria problems
    (before anything is assessed), a second batch into the same output directory and output that
    cannot be written (:class:`OutputError`, e.g. a full disk); bundle problems are statuses, never
    exceptions.  ``after(summary)`` runs while the output directory is still locked (the CLI writes
    the reports it reads from the stored results)."""
    t_start = time.perf_counter()
    jobs = options.job_count
    prestart(options, jobs)  # first: the workers' warm-up is the longest part of the start

    from liplanet_cert.criteria.select import select_pack

    progress = progress or Progress()
    options.check()
    pack = select_pack(options.criteria, options.at)
    found = discover_all(options.paths)
    if not found.bundles:
        raise found.nothing_found()
    with lock_out(options.out):
        summary = _run_locked(options, progress, pack, found, jobs, t_start)
        if after is not None:
            after(summary)
    return summary


@contextmanager
def lock_out(out: Path) -> Iterator[None]:
    """Create the output directory and hold it for one batch: an exclusive ``flock`` on
    ``<out>/.lock`` (the kernel releases it when the process ends, even when killed, so a lock left
    by a dead run never blocks).  A second batch into the same directory stops at once with an
    :class:`OutputError` naming the lock and its holder's pid.  Re-entrant in one process (the CLI
    holds it over the run and the reports written after it)."""
    from liplanet_cert.infra.locks import Busy, exclusive

    try:
        (out / "results").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError.cannot_write(out, exc, "output directory (--out)") from None
    lock = out / LOCK_NAME
    with ExitStack() as stack:
        try:
            stack.enter_context(exclusive(lock, wait=False))
        except Busy as busy:
            raise OutputError(
                Problem(
                    str(lock),
                    message="another batch is writing into this output directory"
                    + (f" (pid {busy.pid} holds the lock)" if busy.pid else " (it holds the lock)"),
                    expected="one batch at a time per --out: wait until it ends, or choose another --out",
                )
            ) from None
        except OSError as exc:
            raise OutputError.cannot_write(lock, exc, "lock file of the output directory") from None
        yield


def _run_locked(
    options: BatchOptions, progress: Progress, pack: Any, found: Discovery, jobs: int, t_start: float
) -> BatchSummary:
    """The run, once the output directory is held: load what earlier runs stored, assess, tally,
    write the line files and the summary."""
    want_fp = _footprint_wanted(options, pack)
    out = options.out
    warnings: list[str] = []
    warn = _warner(warnings)
    for stale in (out / "results").glob(".*.tmp"):  # left by a worker killed mid-write
        stale.unlink(missing_ok=True)
    previous = PreviousRun.load(options.previous, warn) if options.previous is not None else None
    resume = _resume(out, warn)
    state = _worker_state(options, pack, want_fp)
    summary = _new_summary(options, pack, found, warnings)
    tally = Tally(summary)
    writer = LineFiles(out, with_changes=previous is not None)

    def handle(line: dict[str, Any]) -> None:
        change = prev = None
        tally.add(line)
        if previous is not None:
            prev = previous.match(line["bundle"], line)
            change = compare(prev, line)
            tally.add_change(line, prev, change)
        writer.write(line, change_row(line, prev, change) if change is not None else None)
        progress.advance(line)

    progress.start(len(found.bundles))
    with sigterm_as_interrupt():
        try:
            assess_all(found.bundles, _task_source(resume, previous), handle, state, jobs, options)
        except KeyboardInterrupt:
            summary.interrupted = True
        except BaseException:  # e.g. the disk is full: the files keep their whole lines, a rerun resumes
            writer.close(quiet=True)
            raise
    writer.close()
    summary.seconds = time.perf_counter() - t_start
    summary.slowest = tally.slowest()
    if previous is not None:
        summary.not_reassessed = previous.not_reassessed()
    if options.waivers:
        from liplanet_cert.assessment.waivers import unmatched

        summary.unmatched_waivers = (
            [w.to_dict() for w in unmatched(options.waivers, tally.used_waivers)]
            if not summary.interrupted
            else []
        )
    _write_summary(out, summary, with_changes=previous is not None)
    return summary


def _footprint_wanted(options: BatchOptions, pack: Any) -> bool:
    """Whether the bundles' footprints are computed (``--footprint``, else when the criteria need
    it); if so, the Brightway unit-impact cache is filled once, before the workers need it."""
    from liplanet_cert.assessment.core import pack_needs_footprint

    want_fp = options.footprint if options.footprint is not None else pack_needs_footprint(pack)
    if want_fp:
        from liplanet_cert.lca import setup_brightway

        setup_brightway(options.bw_dir)
    return want_fp


def _warner(warnings: list[str]) -> Callable[[str], None]:
    """A ``warn`` that lists the first :data:`MAX_WARNINGS` warnings in ``warnings``, then says
    that there were more."""

    def warn(text: str) -> None:
        if len(warnings) < MAX_WARNINGS:
            warnings.append(text)
        elif len(warnings) == MAX_WARNINGS:
            warnings.append(f"(more lines ignored; only the first {MAX_WARNINGS} are listed)")

    return warn


def _resume(out: Path, warn: Callable[[str], None]) -> dict[str, dict[str, Any]]:
    """What an earlier (maybe interrupted) run into this directory finished, by bundle; kept in
    ``.resume.jsonl`` until this run completes (its results.jsonl is about to be rewritten)."""
    resume: dict[str, dict[str, Any]] = {}
    for f in (out / RESUME_NAME, out / "results.jsonl"):
        if f.is_file():
            resume.update(load_index(f, out, warn))
    if resume:
        from liplanet_cert.reporters.jsonl import dumps_line

        write_text(
            out / RESUME_NAME,
            "".join(
                dumps_line({k: v for k, v in d.items() if not k.startswith("_")}) for d in resume.values()
            ),
        )
    return resume


def _worker_state(options: BatchOptions, pack: Any, want_fp: bool) -> WorkerState:
    """What every worker needs: the criteria, the assessment options, the run's cache-key base."""
    from liplanet_cert.assessment.core import AssessOptions

    waivers = options.waivers
    day = options.at or date.today()
    aopts = AssessOptions(
        at=options.at,
        footprint=want_fp,
        bw_dir=options.bw_dir,
        limits=options.limits,
        waivers=waivers,
        background=options.background,
    )
    stamp = background_stamp(options.background) if want_fp and options.background is not None else None
    return WorkerState(
        pack=pack,
        assess_options=aopts,
        out=str(options.out),
        key_base=key_base(pack, waivers, day, want_fp, options.limits, stamp),
        force=options.force,
        timeout=options.timeout_seconds,
    )


def _new_summary(options: BatchOptions, pack: Any, found: Discovery, warnings: list[str]) -> BatchSummary:
    out = options.out
    summary = BatchSummary(
        out=out,
        criteria={"id": pack.id, "version": pack.version, "sha256": pack.sha256},
        discovery=found.to_dict(),
        warnings=warnings,
    )
    summary.files = {
        "results": str(out / "results.jsonl"),
        "summary": str(out / "summary.csv"),
        "summary_json": str(out / "summary.json"),
    }
    if options.previous is not None:
        summary.files["changes"] = str(out / "changes.csv")
    return summary


def _task_source(resume: dict[str, dict[str, Any]], previous: PreviousRun | None) -> Callable[[str], Task]:
    """A bundle's task: with the cache key and result file an interrupted run into this directory,
    else the earlier run, stored for it (if any)."""
    indexes = (resume, previous.lines) if previous is not None else (resume,)

    def task_of(b: str) -> Task:
        for index in indexes:
            d = index.get(b)
            if d and d.get("cache_key") and d.get("_result_abs"):
                return (b, d["cache_key"], d["_result_abs"])
        return (b, None, None)

    return task_of


def _write_summary(out: Path, summary: BatchSummary, with_changes: bool) -> None:
    """Finish a run's files: a complete run's line files sorted (its resume file no longer needed),
    and ``summary.json``."""
    from liplanet_cert.infra.atomic import write_bytes
    from liplanet_cert.reporters.json_ import dumps

    if not summary.interrupted:
        sort_outputs(out, with_changes)
        (out / RESUME_NAME).unlink(missing_ok=True)
    # (a folder name that is not UTF-8 holds a lone surrogate: its \udcXX escape is exact JSON)
    write_bytes(out / "summary.json", dumps(summary.to_dict()).encode("utf-8", "backslashreplace"))
