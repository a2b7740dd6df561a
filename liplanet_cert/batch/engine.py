"""Batch re-certification: assess many bundles in parallel worker processes, stream the results.

``run_batch(BatchOptions(...))`` discovers bundles (directories with a declaration, ``.zip`` files,
folders of them, globs: :func:`discover_all`; a folder holding bundle files without a declaration is
an invalid bundle, a folder holding none is listed as skipped — nothing vanishes silently), assesses
them in a process pool and writes into the output directory:

- ``results/<name>-<hash>.json`` — the full result of each bundle: the document of ``assess --format
  json``, written in the compact canonical form of ``--format jsonl`` (sorted keys, one line;
  half the encoding time of the indented form, which matters at 1,000s of bundles), atomically, by
  the worker;
- ``results.jsonl`` — one line per bundle (status, verdict, criteria, input hash, cache key, the
  status of every criterion, the result file), streamed as bundles finish: each line reaches the file
  with one ``os.write`` and a failed or cut write is undone, so the file holds whole lines only
  (:class:`_LineFile`); a line is always one line for every reader (``dumps_line`` escapes NEL,
  U+2028/U+2029 and lone surrogates); sorted by bundle at the end of a complete run (split on
  ``\n`` only) so that reruns are byte-identical;
- ``summary.csv`` — one spreadsheet-safe row per bundle, streamed the same way (line breaks inside a
  cell are written as visible escapes: one row, one line);
- ``changes.csv`` — with ``previous``: per bundle newly approved / lost approval (with the criteria
  that changed the outcome) / unchanged / new;
- ``summary.json`` — counts, status changes, unmatched waivers, the folders searched and skipped, and
  (the only non-deterministic part) timings with the slowest bundles.

Skipping: a bundle whose cache key — sha256 of its input files, the criteria pack sha256, the waiver
file sha256 (and the assessment day when waivers are used), the footprint flag and the tool version —
equals the key recorded for it in ``previous`` (or in an earlier, interrupted run into the same
output directory) is not recomputed; its stored result is reused.  ``force`` recomputes all.

Safety: one broken bundle is ``invalid`` with its message; an unexpected exception is ``error``; a
worker process that dies is replaced and the bundles it held are retried one by one, so only the
bundle that kills a worker is marked ``error``.  A bundle still being assessed after
``bundle_timeout`` seconds (default 300) is ``error`` ("took longer than N s"): SIGALRM stops it in
the assessing thread (in a worker, or in this process with ``jobs=1``); a worker stuck where the
alarm cannot reach (C code) is ended by faulthandler's watchdog after a grace period and the pool
replaces it.  Ctrl-C / SIGTERM stop cleanly: finished results and jsonl lines stay valid, and
rerunning the same command resumes (only what is missing is computed).  An earlier run's
results.jsonl is read line by line; an unusable line is skipped with a warning naming it
(``BatchSummary.warnings``), and its bundle is assessed again.

One batch per output directory: the run holds an exclusive ``flock`` on ``<out>/.lock``; a second
batch into the same directory stops at once (:class:`OutputError`, exit 2, naming the holder's pid).
The kernel drops the lock when its process dies, so a killed run never blocks the next.  Output that
cannot be written (a full disk) stops the run with an :class:`OutputError` naming the file; what was
written stays whole, and a rerun resumes.

Memory: bundle paths and (with ``previous``) one small line per previous bundle are held; results are
not — each lives in its worker until written, with at most ``4 × jobs`` tasks of up to 8 bundles in
flight.  A task assesses its bundles in turn while a thread writes (and fsyncs) the previous result;
a line reaches ``results.jsonl`` only once its result file is durable.

Exit code: 0 all approved (with or without observations), 1 any not approved, 2 any invalid/error.
"""

from __future__ import annotations

import errno
import glob
import hashlib
import heapq
import json
import os
import re
import signal
import stat
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

from liplanet_cert.bundle.limits import DEFAULT_LIMITS, Limits
from liplanet_cert.errors import LiplanetError, OutputError, Problem, UsageError
from liplanet_cert.infra.atomic import write_text
from liplanet_cert.version import __version__

BATCH_FORMAT = "1.0"
DEFAULT_BUNDLE_TIMEOUT = 300.0  # seconds: ~1,000 times what a bundle takes; --bundle-timeout
LOCK_NAME = ".lock"  # in --out: one batch at a time per output directory
STATUSES = ("approved", "approved_with_observations", "not_approved", "invalid", "error")
APPROVED = ("approved", "approved_with_observations")
DECLARATIONS = ("declaration.yaml", "declaration.yml", "declaration.json")
SUMMARY_COLUMNS = (
    "bundle",
    "pilot_line",
    "operator",
    "country",
    "status",
    "criteria",
    "failed_required",
    "failed_advisory",
    "not_evaluable",
    "waived",
    "footprint_kg_co2e_per_kwh",
    "result",
    "message",
)
CHANGE_COLUMNS = ("bundle", "pilot_line", "previous_status", "status", "change", "criteria")


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
    limits: Limits = DEFAULT_LIMITS
    start_method: str | None = None  # multiprocessing start method (default forkserver where available)
    in_flight_per_job: int = 4  # tasks per worker
    chunk: int | None = None  # bundles per task (default: up to 8, fewer for small batches)
    bundle_timeout: float | None = (
        None  # seconds one bundle may take (None: DEFAULT_BUNDLE_TIMEOUT; 0: no limit)
    )


@dataclass
class BatchSummary:
    """What a batch run did (the core returns it; the CLI prints it)."""

    out: Path
    criteria: dict[str, str]
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {s: 0 for s in STATUSES})
    reused: int = 0
    seconds: float = 0.0
    slowest: list[tuple[float, str]] = field(default_factory=list)
    changes: dict[str, int] = field(default_factory=dict)
    lost: list[dict[str, Any]] = field(
        default_factory=list
    )  # first 200, for display (all are in changes.csv)
    newly: list[dict[str, Any]] = field(default_factory=list)
    not_reassessed: int = 0  # in previous but not in this run
    unmatched_waivers: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False
    files: dict[str, str] = field(default_factory=dict)
    discovery: dict[str, Any] = field(default_factory=dict)  # Discovery.to_dict(): folders searched, skipped
    warnings: list[str] = field(default_factory=list)  # e.g. unusable lines of an earlier run's results.jsonl

    @property
    def exit_code(self) -> int:
        if self.counts["invalid"] or self.counts["error"]:
            return 2
        if self.counts["not_approved"]:
            return 1
        return 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch_format": BATCH_FORMAT,
            "tool": {"name": "liplanet-cert", "version": __version__},
            "criteria": self.criteria,
            "total": self.total,
            "counts": dict(self.counts),
            "reused": self.reused,
            "changes": dict(sorted(self.changes.items())),
            "lost_approval": self.lost,
            "newly_approved": self.newly,
            "not_reassessed": self.not_reassessed,
            "unmatched_waivers": self.unmatched_waivers,
            "interrupted": self.interrupted,
            "exit_code": self.exit_code,
            "files": dict(self.files),
            "discovery": dict(self.discovery),
            "warnings": list(self.warnings),
            "timing": {
                "seconds": round(self.seconds, 3),
                "bundles_per_second": round(self.total / self.seconds, 2) if self.seconds else None,
                "slowest": [
                    {"bundle": b, "seconds": round(s, 3)} for s, b in sorted(self.slowest, reverse=True)
                ],
            },
        }


# -- discovery -----------------------------------------------------------------------------
BUNDLE_FILES = ("production_log.csv", "eol_tests.csv", "energy.csv")
ARCHIVES = (
    ".zip",
    ".tar",
    ".tgz",
    ".tar.gz",
    ".tar.bz2",
    ".tbz2",
    ".tar.xz",
    ".txz",
    ".7z",
    ".rar",
)  # only .zip can be read


def is_bundle_dir(p: Path) -> bool:
    return any((p / n).is_file() for n in DECLARATIONS)


def is_bundle_file(name: str) -> bool:
    """A file a bundle holds: a log (``production_log.csv``, ``eol_tests.csv``, ``energy.csv``) or
    a declaration, in any letter case and, for the declaration, under any extension."""
    n = name.lower()
    return n in BUNDLE_FILES or n == "declaration" or n.startswith("declaration.")


def bundle_kind(p: Path) -> str | None:
    """``"bundle"`` (a folder with a declaration), ``"no_declaration"`` (it holds bundle files but no
    declaration: an invalid bundle, never a folder to skip) or None (not a bundle)."""
    if is_bundle_dir(p):
        return "bundle"
    try:
        names = os.listdir(p)
    except OSError:
        return None
    return "no_declaration" if any(is_bundle_file(n) for n in names) else None


@dataclass
class Discovery:
    """What the PATH arguments hold: the bundles, and what was searched and skipped (never silently)."""

    bundles: list[str] = field(default_factory=list)
    folders_searched: int = 0
    zips: int = 0
    no_declaration: list[str] = field(default_factory=list)  # among the bundles: they will be invalid
    skipped: list[dict[str, str]] = field(default_factory=list)  # {"path", "reason"}

    def to_dict(self) -> dict[str, Any]:
        return {
            "bundles": len(self.bundles),
            "folders_searched": self.folders_searched,
            "zips": self.zips,
            "no_declaration": list(self.no_declaration),
            "skipped": list(self.skipped),
        }


SKIP_NOT_BUNDLE = "not a bundle: none of " + ", ".join((DECLARATIONS[0], *BUNDLE_FILES))
SKIP_HIDDEN = "hidden folder holding bundle files (names starting with '.' are not searched)"
SKIP_LINK = "symbolic link to a folder (not followed)"


def discover(specs: Iterable[str]) -> list[str]:
    """Bundle paths (as strings) for the command-line PATHs, in a stable order, without duplicates
    (see :func:`discover_all`)."""
    return discover_all(specs).bundles


def discover_all(specs: Iterable[str]) -> Discovery:
    """The bundles of the command-line PATHs, and the folders searched and skipped.

    A PATH is a bundle directory, a ``.zip``, a folder holding bundles (searched recursively, not
    below a bundle), or a glob of those.  A folder that holds bundle files (see
    :func:`is_bundle_file`) but no declaration is a bundle — an invalid one, reported as such — and
    so is an archive other than ``.zip`` or a PATH that does not exist.  Folders below which no
    bundle was found are ``skipped`` (the topmost one is listed), as are symbolic links to folders
    and hidden folders that hold bundle files; other hidden entries are ignored.
    """
    d = Discovery()
    seen: set[str] = set()
    skipped: set[str] = set()
    searched: dict[str, tuple[bool, list[Path]]] = {}  # a folder named twice (PATH and glob) is searched once

    def key(p: Path) -> str:
        return os.path.normcase(os.path.abspath(p))

    def add(p: Path) -> bool:
        if key(p) in seen:
            return False
        seen.add(key(p))
        d.bundles.append(str(p))
        if p.name.lower().endswith(".zip"):
            d.zips += 1
        return True

    def skip(p: Path, reason: str) -> None:
        if key(p) not in skipped:
            skipped.add(key(p))
            d.skipped.append({"path": str(p), "reason": reason})

    def folder(p: Path) -> tuple[bool, list[Path]]:
        """Classify and search a folder: (a bundle was found in or below it, topmost empty folders)."""
        if key(p) not in searched:
            searched[key(p)] = _folder(p)
        return searched[key(p)]

    def _folder(p: Path) -> tuple[bool, list[Path]]:
        d.folders_searched += 1
        kind = bundle_kind(p)
        if kind == "bundle":
            add(p)
            return True, []
        if kind == "no_declaration":
            if add(p):
                d.no_declaration.append(str(p))
            walk(p)  # it is no real bundle: bundles below it are still found (its empty folders are its own)
            return True, []
        found, empty = walk(p)
        return (True, empty) if found else (False, [p])

    def walk(p: Path) -> tuple[bool, list[Path]]:
        try:
            entries = sorted(os.scandir(p), key=lambda e: e.name)
        except OSError:  # unreadable: the loader will say why
            add(p)
            return True, []
        found, empty = False, []
        for e in entries:
            child = Path(e.path)
            try:
                is_dir = e.is_dir(follow_symlinks=False)
                link_to_dir = not is_dir and e.is_symlink() and e.is_dir()
            except OSError:
                continue
            if e.name.startswith("."):
                if is_dir and bundle_kind(child) is not None:
                    skip(child, SKIP_HIDDEN)
                continue
            if is_dir:
                f, em = folder(child)
                found |= f
                empty += em
            elif link_to_dir:
                skip(child, SKIP_LINK)
            elif e.name.lower().endswith(ARCHIVES):
                add(child)
                found = True
        return found, empty

    for spec in specs:
        matches = sorted(glob.glob(spec, recursive=True)) if glob.has_magic(spec) else [spec]
        if not matches:
            raise UsageError(f"no file or folder matches {spec!r}", file="PATH")
        for m in matches:
            p = Path(m)
            if p.is_dir():
                _found, empty = folder(p)
                for e in empty:
                    skip(e, SKIP_NOT_BUNDLE)
            else:
                add(p)
    return d


def result_name(bundle: str) -> str:
    """File name of a bundle's result: readable and unique per bundle path."""
    stem = Path(bundle.rstrip("/\\")).name
    stem = stem[:-4] if stem.lower().endswith(".zip") else stem
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:60] or "bundle"
    h = hashlib.sha256(os.path.abspath(bundle).encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return f"{slug}-{h}.json"


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
    h = hashlib.sha256()
    if not p.is_dir():
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    if inputs is None:
        from liplanet_cert.bundle.source import BundleSource

        with BundleSource(p, limits) as src:
            inputs = [(rel, hashlib.sha256(src.read(rel)).hexdigest()) for rel in src.names()]
    for rel, hexdigest in sorted(inputs):
        h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        h.update(bytes.fromhex(hexdigest))
    return h.hexdigest()


def _digest_or_none(
    bundle: str, limits: Limits, inputs: Iterable[tuple[str, str]] | None = None
) -> str | None:
    try:
        return input_digest(bundle, inputs, limits)
    except (OSError, LiplanetError):
        return None


# -- worker --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _State:
    pack: Any
    assess_options: Any
    out: str
    key_base: str
    force: bool
    timeout: float | None = None  # seconds per bundle (--bundle-timeout); None: no limit


_STATE: _State | None = None
_HARD_LIMIT = False  # a worker process (not the coordinating one) may be ended when a bundle overruns


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
def _time_limit(seconds: float | None, hard: bool = False) -> Iterator[None]:
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


def _init_worker(state: _State, warm: bool = True, in_process: bool = False) -> None:
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


def cache_key(digest: str, key_base: str) -> str:
    return hashlib.sha256(f"{digest}\0{key_base}".encode()).hexdigest()


Task = tuple[str, str | None, str | None]  # bundle, previous cache key, previous result file


def _work(task: Task) -> dict[str, Any]:
    """Assess one bundle (in a worker).  Never raises for a bundle's fault; returns the jsonl line."""
    line, write = _assess_one(task)
    return _finish(line, write)


def _work_many(tasks: list[Task]) -> list[dict[str, Any]]:
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


def _finish(line: dict[str, Any], pending: tuple[str, str] | Future | None) -> dict[str, Any]:
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
        with _time_limit(st.timeout, hard=_HARD_LIMIT):
            return _assess_limited(task)
    except BundleTimeout:
        return {
            "bundle": task[0],
            "result": None,
            "status": "error",
            "kind": "timeout",
            "message": timeout_message(st.timeout),
            "input_sha256": None,
            "cache_key": None,
            "seconds": time.perf_counter() - t0,
        }, None


def _assess_limited(task: Task) -> tuple[dict[str, Any], tuple[str, str] | None]:
    from liplanet_cert.assessment.core import assess
    from liplanet_cert.reporters.jsonl import dumps_line

    bundle, prev_key, prev_result = task
    st = _STATE
    assert st is not None
    t0 = time.perf_counter()
    rel = f"results/{result_name(bundle)}"
    line: dict[str, Any] = {"bundle": bundle, "result": None}
    limits = st.assess_options.limits
    digest = None
    write: tuple[str, str] | None = None
    if prev_key and prev_result and not st.force:  # only a rerun needs the digest before assessing
        digest = _digest_or_none(bundle, limits)
        if digest and cache_key(digest, st.key_base) == prev_key:
            stored = _stored_result(prev_result, bundle, digest, st.pack.sha256, limits)
            if stored is not None:  # else: assessed afresh
                doc, result = stored
                target = os.path.join(st.out, rel)
                if os.path.realpath(prev_result) != os.path.realpath(target):
                    # what was checked is what is copied (never the file as it may be by now)
                    write_text(target, dumps_line(doc))
                # what the bundle reports comes from the stored result itself, never from the line that named it
                line.update(
                    _line_of(result),
                    input_sha256=digest,
                    cache_key=prev_key,
                    reused=True,
                    result=rel,
                    seconds=time.perf_counter() - t0,
                )
                return line, None
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
        digest = digest or _digest_or_none(bundle, limits)
    except Exception as exc:  # a bug: contained to this bundle
        line.update(
            status="error", kind="internal", message=f"internal error: {type(exc).__name__}: {exc}"[:500]
        )
        digest = digest or _digest_or_none(bundle, limits)
    else:
        # the digest of exactly the bytes assessed (the loader hashed them already)
        digest = digest or _digest_or_none(bundle, limits, [(i.path, i.sha256) for i in result.inputs])
        write = (os.path.join(st.out, rel), dumps_line(result.to_dict()))
        line.update(_line_of(result), result=rel)
    line.update(input_sha256=digest, cache_key=cache_key(digest, st.key_base) if digest else None)
    line["seconds"] = time.perf_counter() - t0
    return line, write


def _pairs_digest(pairs: Iterable[tuple[str, str]]) -> str:
    """The digest :func:`input_digest` gives a directory whose files have these (path, sha256) pairs."""
    h = hashlib.sha256()
    for rel, hexdigest in sorted(pairs):
        h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        h.update(bytes.fromhex(hexdigest))
    return h.hexdigest()


def _stored_result(
    path: str, bundle: str, digest: str, criteria_sha256: str, limits: Limits
) -> tuple[dict[str, Any], Any] | None:
    """(document, Result) of an earlier run's result file if it may stand for ``bundle`` now, else None.

    ``path`` was confined to the earlier run's ``results/`` folder when its line was read
    (:func:`_load_index`); it must still be that file (no symbolic link put in since).  It is read
    bounded and checked like ``verify``'s RESULT (a regular file of at most 64 MiB, the result
    schema), and it must be the result of exactly these inputs (its ``inputs`` sha256s give the
    bundle's digest) under exactly these criteria (``criteria.sha256``)."""
    try:
        if os.path.realpath(path) != path:
            return None
        from liplanet_cert.integrity.verify import read_result

        doc = read_result(path, escaped_names=True)  # read and checked as verify reads its RESULT
        if not isinstance(doc.get("criteria"), dict) or doc["criteria"].get("sha256") != criteria_sha256:
            return None
        pairs = [(i["path"], i["sha256"]) for i in doc["inputs"]]
        if os.path.isdir(bundle):
            if _pairs_digest(pairs) != digest:
                return None
        else:  # a zip: its digest is over its bytes; compare file by file
            from liplanet_cert.integrity.verify import bundle_digests

            if _pairs_digest(pairs) != _pairs_digest(bundle_digests(bundle, limits).items()):
                return None
        return doc, result_from_dict(doc)
    except (LiplanetError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


def _first_line(text: str) -> str:
    return text.splitlines()[0][:500] if text else ""


def _line_of(result: Any) -> dict[str, Any]:
    fp = result.footprint or {}
    total = fp.get("total", {}) if isinstance(fp, dict) else {}
    return {
        "status": result.verdict.value,
        "pilot_line": dict(result.pilot_line),
        "criteria": result.criteria.to_dict(),
        "assessed_on": result.assessed_on,
        "findings": {f.id: f.status.value for f in result.findings},
        "advisory": sorted(f.id for f in result.findings if f.severity != "required"),
        "waivers": sorted({f.waiver["id"] for f in result.findings if f.waiver}),
        "counts": result.counts,
        "footprint_kg_co2e_per_kwh": total.get("kg_co2e_per_kwh"),
        "warnings": len(result.warnings),
    }


# -- reading earlier runs ------------------------------------------------------------------
def results_file(path: Path) -> Path:
    """``results.jsonl`` of a run: the file itself or the run's output directory."""
    return path / "results.jsonl" if path.is_dir() else path


_LINE_FIELDS: dict[str, tuple[type, ...]] = {  # what a results.jsonl line may hold, and of which JSON type
    "result": (str, type(None)),
    "status": (str, type(None)),
    "cache_key": (str, type(None)),
    "input_sha256": (str, type(None)),
    "message": (str, type(None)),
    "kind": (str, type(None)),
    "pilot_line": (dict, type(None)),
    "criteria": (dict, type(None)),
    "findings": (dict, type(None)),
    "counts": (dict, type(None)),
    "advisory": (list, type(None)),
    "waivers": (list, type(None)),
    "problems": (list, type(None)),
    "details": (list, type(None)),
    "assessed_on": (str, type(None)),
}


def _line_problem(d: Any) -> str | None:
    """Why a parsed results.jsonl line cannot be used (None: it can)."""
    if not isinstance(d, dict):
        return f"not a JSON object but {type(d).__name__}"
    if not isinstance(d.get("bundle"), str) or not d["bundle"]:
        return "no bundle path"
    for key, types in _LINE_FIELDS.items():
        if key in d and not isinstance(d[key], types):
            return f"{key} is {type(d[key]).__name__}"
    if d.get("status") is not None and d["status"] not in STATUSES:
        return f"unknown status {d['status']!r}"[:120]
    if not all(isinstance(v, str) for v in (d.get("findings") or {}).values()):
        return "findings are not statuses"
    if not all(isinstance(v, str) for k in ("advisory", "waivers") for v in d.get(k) or []):
        return "advisory or waivers are not criterion ids"
    if not isinstance((d.get("pilot_line") or {}).get("name", ""), str):
        return "pilot_line.name is not text"
    return None


def read_lines(path: Path, warn: Callable[[str], None] | None = None) -> Iterator[dict[str, Any]]:
    """Complete, usable lines of a results.jsonl.  Lines are split on ``\\n`` only (bytes); a line
    that is not a JSON object of the results format (a hand edit, a crash mid-write of an older
    version, bytes that are not UTF-8) is skipped and ``warn`` is told which line and why; so is a
    trailing partial line."""
    for _n, d in read_numbered_lines(path, warn):
        yield d


MAX_RESULTS_LINE = 16 << 20  # a results.jsonl line is a summary of one bundle: far below this


def _lines(fh: Any, limit: int) -> Iterator[tuple[bytes, bool]]:
    """(line, whole) of a binary file, each line held up to ``limit`` bytes: the rest of a longer
    line is read through in pieces and dropped (``whole`` False), so memory stays bounded."""
    while True:
        raw = fh.readline(limit + 1)
        if not raw:
            return
        if len(raw) <= limit or raw.endswith(b"\n"):
            yield raw, True
            continue
        while raw and not raw.endswith(b"\n"):
            raw = fh.readline(1 << 20)
        yield b"", False


def read_numbered_lines(
    path: Path, warn: Callable[[str], None] | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, line) of every usable line of a results.jsonl, as :func:`read_lines`.  Only a
    regular file is read, each line up to :data:`MAX_RESULTS_LINE` bytes (a longer one is skipped
    with a warning)."""
    import io

    from liplanet_cert.infra.inputfile import open_input_file

    raw_fh, _size = open_input_file(path, "results file (results.jsonl)")
    with io.BufferedReader(raw_fh) as fh:  # type: ignore[arg-type]
        for n, (raw, whole) in enumerate(_lines(fh, MAX_RESULTS_LINE), start=1):
            if not whole:
                if warn is not None:
                    warn(f"{path}: line {n} ignored: longer than {MAX_RESULTS_LINE >> 20} MiB")
                continue
            if not raw.endswith(b"\n"):
                if warn is not None and raw.strip():
                    warn(
                        f"{path}: line {n} ignored: incomplete (no line end: a run stopped while writing it)"
                    )
                break
            try:
                d = json.loads(raw.decode("utf-8"))  # (json.loads of bytes would also guess UTF-16/32)
            except (ValueError, RecursionError) as exc:
                if warn is not None:
                    why = (
                        "not UTF-8 text"
                        if isinstance(exc, UnicodeDecodeError)
                        else f"not JSON ({exc.msg} at byte {exc.pos})"
                        if isinstance(exc, json.JSONDecodeError)
                        else f"not JSON ({str(exc)[:80]})"
                    )
                    warn(f"{path}: line {n} ignored: {why}")
                continue
            why = _line_problem(d)
            if why is None:
                yield n, d
            elif warn is not None:
                warn(f"{path}: line {n} ignored: {why}")


def _load_index(
    path: Path, base: Path, warn: Callable[[str], None] | None = None
) -> dict[str, dict[str, Any]]:
    """bundle -> its line (with the result file made absolute), held for the whole run: what every
    line repeats (criterion ids and statuses, the criteria reference) is shared, not copied, which
    keeps ~10,000 previous bundles to a few tens of MB.  Lines that cannot be used are skipped
    (``warn`` names them): the bundles they stood for are assessed again."""
    index: dict[str, dict[str, Any]] = {}
    shared: dict[str, Any] = {}
    intern = sys.intern
    results = os.path.realpath(base / "results")
    for n, d in read_numbered_lines(path, warn):
        if d.get("result"):
            where = _confined_result(base, results, d["result"])
            if where is None:  # the bundle is assessed afresh
                if warn is not None:
                    warn(
                        f"{path}: line {n} ignored: result {_short_text(d['result'])} is not a regular file inside {base / 'results'} (stored results are read from there only)"
                    )
                continue
            d["_result_abs"] = where
        findings = d.get("findings")
        if isinstance(findings, dict):
            d["findings"] = {intern(k): intern(v) if isinstance(v, str) else v for k, v in findings.items()}
        for key in ("advisory", "waivers"):
            if isinstance(d.get(key), list):
                d[key] = [intern(x) if isinstance(x, str) else x for x in d[key]]
        for key in ("criteria", "counts"):
            if isinstance(d.get(key), dict):
                d[key] = shared.setdefault(json.dumps(d[key], sort_keys=True), d[key])
        for key in ("status", "assessed_on", "kind"):
            if isinstance(d.get(key), str):
                d[key] = intern(d[key])
        index[d["bundle"]] = d
    return index


def _short_text(text: str, limit: int = 60) -> str:
    shown = json.dumps(text[:limit], ensure_ascii=True)
    return shown if len(text) <= limit else f"{shown}... ({len(text)} characters)"


def _confined_result(base: Path, results: str, rel: str) -> str | None:
    """The real path of a stored result ``rel`` (as a results.jsonl line names it) if it is a
    regular file inside the run's ``results/`` folder ``results`` (a real path), else None: an
    absolute path, ``..`` or a symbolic link leading elsewhere is never read."""
    try:
        if "\0" in rel or os.path.isabs(rel):
            return None
        real = os.path.realpath(base / rel)
        if os.path.commonpath([real, results]) != results or real == results:
            return None
        return real if stat.S_ISREG(os.stat(real).st_mode) else None
    except (OSError, ValueError):
        return None


# -- status changes ------------------------------------------------------------------------
def compare(prev: dict[str, Any] | None, cur: dict[str, Any]) -> tuple[str, list[str]]:
    """(change, criteria): newly_approved | lost_approval | unchanged | new."""
    if prev is None:
        return "new", []
    was, now = prev.get("status") in APPROVED, cur.get("status") in APPROVED
    if was and not now:
        before = prev.get("findings") or {}
        advisory = set(cur.get("advisory") or [])
        crit = sorted(
            cid
            for cid, st in (cur.get("findings") or {}).items()
            if st in ("fail", "error") and cid not in advisory and before.get(cid) not in ("fail", "error")
        )
        if not crit and cur.get("status") in ("invalid", "error"):
            crit = [f"{cur['status']}: {cur.get('message', '')}"]
        return "lost_approval", crit
    if now and not was:
        return "newly_approved", []
    return "unchanged", []


# -- the run -------------------------------------------------------------------------------
class _LineFile:
    """A file of whole lines.  Each line reaches the file as one ``os.write`` of its encoded bytes
    (no buffer that a full disk could cut at 4,096 bytes); a write that fails, comes up short or is
    interrupted (disk full, file size limit, Ctrl-C) is undone — the file is cut back to its last
    whole line — and a failure is an :class:`~liplanet_cert.errors.OutputError` naming the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = 0
        try:
            self.fd: int | None = os.open(
                path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o666
            )
        except OSError as exc:
            raise OutputError.cannot_write(path, exc) from None

    def write(self, text: str) -> None:
        assert self.fd is not None
        raw = text.encode("utf-8", "backslashreplace")
        data = memoryview(raw)
        try:
            while data:
                n = os.write(self.fd, data)
                if n <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                data = data[n:]
        except BaseException as exc:
            try:
                os.ftruncate(self.fd, self.size)
                os.lseek(self.fd, self.size, os.SEEK_SET)
            except OSError:
                pass
            if isinstance(exc, OSError):
                raise OutputError.cannot_write(self.path, exc) from None
            raise
        self.size += len(raw)

    def sync(self) -> None:
        if self.fd is not None:
            try:
                os.fsync(self.fd)
            except OSError as exc:
                raise OutputError.cannot_write(self.path, exc) from None

    def close(self) -> None:
        if self.fd is not None:
            fd, self.fd = self.fd, None
            try:
                os.fsync(fd)
            except OSError as exc:
                raise OutputError.cannot_write(self.path, exc) from None
            finally:
                os.close(fd)


class _Writer:
    """Appends whole lines to results.jsonl / summary.csv / changes.csv (see :class:`_LineFile`):
    after a crash, a kill or a full disk each file holds only complete lines."""

    def __init__(self, out: Path, with_changes: bool) -> None:
        from liplanet_cert.reporters.csv_ import csv_line

        self.out = out
        self.files: list[_LineFile] = []
        self.jsonl = self._open(out / "results.jsonl")
        self.csv = self._open(out / "summary.csv")
        self.changes = self._open(out / "changes.csv") if with_changes else None
        self._csv_line = lambda cells: csv_line([_one_line(c) for c in cells])
        self.csv.write(self._csv_line(SUMMARY_COLUMNS))
        if self.changes:
            self.changes.write(self._csv_line(CHANGE_COLUMNS))
        self.n = 0

    def _open(self, path: Path) -> _LineFile:
        try:
            f = _LineFile(path)
        except BaseException:
            self.close(quiet=True)
            raise
        self.files.append(f)
        return f

    def write(
        self, line: dict[str, Any], change: tuple[str, list[str]] | None, prev: dict[str, Any] | None
    ) -> None:
        from liplanet_cert.reporters.jsonl import dumps_line

        public = {k: v for k, v in line.items() if not k.startswith("_") and k not in ("seconds", "reused")}
        self.jsonl.write(dumps_line(public))  # first: the line a rerun resumes from
        self.csv.write(self._csv_line(summary_row(line)))
        if self.changes is not None and change is not None:
            pl = (line.get("pilot_line") or {}).get("name") or ((prev or {}).get("pilot_line") or {}).get(
                "name", ""
            )
            self.changes.write(
                self._csv_line(
                    [
                        line["bundle"],
                        pl,
                        (prev or {}).get("status", ""),
                        line.get("status", ""),
                        change[0],
                        " ".join(change[1]),
                    ]
                )
            )
        self.n += 1
        if self.n % 200 == 0:
            self.jsonl.sync()

    def close(self, quiet: bool = False) -> None:
        """fsync and close every file; the first failure is raised after all are closed (unless
        ``quiet``: the run is failing already)."""
        first: BaseException | None = None
        for f in self.files:
            try:
                f.close()
            except OutputError as exc:
                first = first or exc
        if first is not None and not quiet:
            raise first


def summary_row(line: dict[str, Any]) -> list[Any]:
    pl = line.get("pilot_line") or {}
    findings = line.get("findings") or {}
    advisory = set(line.get("advisory") or [])
    crit = line.get("criteria") or {}
    return [
        line["bundle"],
        pl.get("name", ""),
        pl.get("operator", ""),
        pl.get("country", ""),
        line.get("status", ""),
        f"{crit.get('id')}@{crit.get('version')}" if crit else "",
        " ".join(sorted(k for k, v in findings.items() if v == "fail" and k not in advisory)),
        " ".join(sorted(k for k, v in findings.items() if v == "fail" and k in advisory)),
        " ".join(sorted(k for k, v in findings.items() if v == "error")),
        " ".join(sorted(k for k, v in findings.items() if v == "waived")),
        line.get("footprint_kg_co2e_per_kwh"),
        line.get("result") or "",
        line.get("message", ""),
    ]


def _sort_file(path: Path, header: bool, key: Callable[[bytes], Any]) -> None:
    """Rewrite a line file sorted (atomically), so that complete runs are byte-identical.  Lines are
    split on ``\\n`` only, as they were written (never ``str.splitlines``, which also splits on
    U+2028, NEL, form feed... that a bundle's text may hold)."""
    from liplanet_cert.infra.atomic import write_bytes

    lines = path.read_bytes().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    head, body = (lines[:1], lines[1:]) if header else ([], lines)
    write_bytes(path, b"".join(x + b"\n" for x in head + sorted(body, key=lambda x: (key(x), x))))


def _bundle_of_jsonl_line(line: bytes) -> str:
    try:
        return str(json.loads(line)["bundle"])
    except (ValueError, KeyError, TypeError):
        return ""


def _bundle_of_csv_line(line: bytes) -> str:
    import csv

    return next(csv.reader([line.decode("utf-8", "replace")]), [""])[0]


_NOT_ONE_LINE = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029\ud800-\udfff]")


def _one_line(value: Any) -> Any:
    """A CSV cell of summary.csv / changes.csv that keeps its row on one line, as UTF-8: line breaks of
    any kind (``str.splitlines``' list) and lone surrogates (a folder name that is not UTF-8) are
    written as visible escapes (``\\n``, ``\\u2028``, ``\\udcfc``)."""
    if not isinstance(value, str):
        return value
    return _NOT_ONE_LINE.sub(
        lambda m: {"\n": "\\n", "\r": "\\r"}.get(m.group(), f"\\u{ord(m.group()):04x}"), value
    )


@dataclass
class _Progress:
    """Callbacks for a progress display (the core never prints)."""

    start: Callable[[int], None] = lambda total: None
    advance: Callable[[dict[str, Any]], None] = lambda line: None


def run_batch(
    options: BatchOptions,
    progress: _Progress | None = None,
    after: Callable[[BatchSummary], None] | None = None,
) -> BatchSummary:
    """Run the batch; returns the summary.  Raises LiplanetError only for usage/criteria problems
    (before anything is assessed), a second batch into the same output directory and output that
    cannot be written (:class:`OutputError`, e.g. a full disk); bundle problems are statuses, never
    exceptions.  ``after(summary)`` runs while the output directory is still locked (the CLI writes
    the reports it reads from the stored results)."""
    t_start = time.perf_counter()
    jobs = max(1, options.jobs or os.cpu_count() or 1)
    _prestart(options, jobs)  # first: the workers' warm-up is the longest part of the start

    from liplanet_cert.criteria.select import select_pack

    progress = progress or _Progress()
    if options.bundle_timeout is not None and options.bundle_timeout < 0:
        raise UsageError(
            f"--bundle-timeout must be 0 (no limit) or a number of seconds, not {options.bundle_timeout:g}",
            file="--bundle-timeout",
        )
    pack = select_pack(options.criteria, options.at)
    found = discover_all(options.paths)
    if not found.bundles:
        raise UsageError(
            f"no bundles found in the given PATHs ({found.folders_searched} folder{'s' if found.folders_searched != 1 else ''} searched"
            + (
                ", skipped: " + "; ".join(f"{x['path']} ({x['reason']})" for x in found.skipped[:10])
                if found.skipped
                else ""
            )
            + ")",
            file="PATH",
        )
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
    options: BatchOptions, progress: _Progress, pack: Any, found: Discovery, jobs: int, t_start: float
) -> BatchSummary:
    from liplanet_cert.assessment.core import AssessOptions, pack_needs_footprint

    bundles = found.bundles
    want_fp = options.footprint if options.footprint is not None else pack_needs_footprint(pack)
    if want_fp:  # fill the Brightway unit-impact cache once, before the workers need it
        from liplanet_cert.lca import setup_brightway

        setup_brightway(options.bw_dir)
    out = options.out
    warnings: list[str] = []

    def warn(text: str) -> None:
        if len(warnings) < 50:
            warnings.append(text)
        elif len(warnings) == 50:
            warnings.append("(more lines ignored; only the first 50 are listed)")

    for stale in (out / "results").glob(".*.tmp"):  # left by a worker killed mid-write
        stale.unlink(missing_ok=True)

    previous: dict[str, dict[str, Any]] = {}
    by_line_name: dict[str, list[str]] = {}
    if options.previous is not None:
        pfile = results_file(options.previous)
        from liplanet_cert.infra.inputfile import open_input_file

        open_input_file(pfile, "results of the earlier run (--previous)")[
            0
        ].close()  # not found / not a regular file: exit 2
        previous = _load_index(pfile, pfile.parent, warn)
        for b, d in previous.items():
            name = (d.get("pilot_line") or {}).get("name")
            if name:
                by_line_name.setdefault(name, []).append(b)
    # resume: what an earlier (maybe interrupted) run into this directory finished
    resume: dict[str, dict[str, Any]] = {}
    resume_file = out / ".resume.jsonl"
    for f in (resume_file, out / "results.jsonl"):
        if f.is_file():
            resume.update(_load_index(f, out, warn))
    if resume:
        from liplanet_cert.reporters.jsonl import dumps_line

        write_text(
            resume_file,
            "".join(
                dumps_line({k: v for k, v in d.items() if not k.startswith("_")}) for d in resume.values()
            ),
        )

    waivers = options.waivers
    day = options.at or date.today()
    key_base = json.dumps(
        {
            "criteria": pack.sha256,
            "waivers": waivers.sha256 if waivers else None,
            "day": day.isoformat() if waivers else None,
            "footprint": bool(want_fp),
            "tool": __version__,
            "limits": repr(options.limits),
        },
        sort_keys=True,
    )
    aopts = AssessOptions(
        at=options.at, footprint=want_fp, bw_dir=options.bw_dir, limits=options.limits, waivers=waivers
    )
    timeout = DEFAULT_BUNDLE_TIMEOUT if options.bundle_timeout is None else (options.bundle_timeout or None)
    state = _State(
        pack=pack, assess_options=aopts, out=str(out), key_base=key_base, force=options.force, timeout=timeout
    )

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
    writer = _Writer(out, with_changes=options.previous is not None)
    used_waivers: set[str] = set()
    seen_prev: set[str] = set()
    slow: list[tuple[float, str]] = []

    def task_of(b: str) -> tuple[str, str | None, str | None]:
        for index in (resume, previous):
            d = index.get(b)
            if d and d.get("cache_key") and d.get("_result_abs"):
                return (b, d["cache_key"], d["_result_abs"])
        return (b, None, None)

    def prev_of(b: str, line: dict[str, Any]) -> dict[str, Any] | None:
        if b in previous:
            return previous[b]
        name = (line.get("pilot_line") or {}).get("name")
        cands = by_line_name.get(name or "", [])
        return previous[cands[0]] if len(cands) == 1 else None

    def handle(line: dict[str, Any]) -> None:
        b = line["bundle"]
        if line.get("reused"):  # (what it reports was read from the stored result, not from the earlier line)
            summary.reused += 1
        summary.total += 1
        summary.counts[line.get("status", "error")] = summary.counts.get(line.get("status", "error"), 0) + 1
        used_waivers.update(line.get("waivers") or [])
        sec = float(line.get("seconds") or 0.0)
        if not line.get("reused"):
            if len(slow) < 5:
                heapq.heappush(slow, (sec, b))
            elif sec > slow[0][0]:
                heapq.heapreplace(slow, (sec, b))
        change = prev = None
        if options.previous is not None:
            prev = prev_of(b, line)
            if prev is not None:
                seen_prev.add(prev["bundle"])
            change = compare(prev, line)
            summary.changes[change[0]] = summary.changes.get(change[0], 0) + 1
            entry = {
                "bundle": b,
                "pilot_line": (line.get("pilot_line") or (prev or {}).get("pilot_line") or {}).get(
                    "name", ""
                ),
                "previous_status": (prev or {}).get("status"),
                "status": line.get("status"),
                "criteria": change[1],
            }
            if change[0] == "lost_approval" and len(summary.lost) < 200:
                summary.lost.append(entry)
            elif change[0] == "newly_approved" and len(summary.newly) < 200:
                summary.newly.append(entry)
        writer.write(line, change, prev)
        progress.advance(line)

    progress.start(len(bundles))
    old_term = _install_sigterm()
    try:
        if jobs == 1:
            _init_worker(state, warm=False, in_process=True)
            for b in bundles:
                handle(_work(task_of(b)))
        else:
            _run_pool(bundles, task_of, handle, state, jobs, options)
    except KeyboardInterrupt:
        summary.interrupted = True
    except BaseException:  # e.g. the disk is full: the files keep their whole lines, a rerun resumes
        writer.close(quiet=True)
        raise
    finally:
        _restore_sigterm(old_term)
    writer.close()
    summary.seconds = time.perf_counter() - t_start
    summary.slowest = sorted(slow, reverse=True)
    if options.previous is not None:
        summary.not_reassessed = len(set(previous) - seen_prev)
    if waivers:
        from liplanet_cert.assessment.waivers import unmatched

        summary.unmatched_waivers = (
            [w.to_dict() for w in unmatched(waivers, used_waivers)] if not summary.interrupted else []
        )
    if not summary.interrupted:
        _sort_file(out / "results.jsonl", False, _bundle_of_jsonl_line)
        _sort_file(out / "summary.csv", True, _bundle_of_csv_line)
        if options.previous is not None:
            _sort_file(out / "changes.csv", True, _bundle_of_csv_line)
        resume_file.unlink(missing_ok=True)
    from liplanet_cert.infra.atomic import write_bytes
    from liplanet_cert.reporters.json_ import dumps

    # (a folder name that is not UTF-8 holds a lone surrogate: its \udcXX escape is exact JSON)
    write_bytes(out / "summary.json", dumps(summary.to_dict()).encode("utf-8", "backslashreplace"))
    return summary


def _install_sigterm() -> Any:
    """SIGTERM behaves like Ctrl-C during a batch (clean stop, resumable)."""

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, on_term)
    except (ValueError, OSError):  # not in the main thread
        return None


def _restore_sigterm(old: Any) -> None:
    if old is not None:
        try:
            signal.signal(signal.SIGTERM, old)
        except (ValueError, OSError):
            pass


def _mp_context(method: str | None) -> Any:
    import multiprocessing as mp

    if method is None:
        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver":
        # workers fork from a server that has already imported the heavy modules and built the
        # process-wide caches (pandas, pint registry, schemas, LCA model): see liplanet_cert.batch.warm
        ctx.set_forkserver_preload(["liplanet_cert.batch.warm", "liplanet_cert.batch.engine"])
    return ctx


def _prestart(options: BatchOptions, jobs: int) -> None:
    """Start the fork server now, so that it warms up while this process selects the criteria and
    discovers the bundles (~0.4 s of a batch's start-up overlapped)."""
    if jobs <= 1:
        return
    ctx = _mp_context(options.start_method)
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        try:
            forkserver.ensure_running()
        except Exception:  # the pool will start it (or report why it cannot)
            pass


def _new_pool(state: _State, jobs: int, ctx: Any) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker, initargs=(state,))


def _kill(pool: ProcessPoolExecutor) -> None:
    procs = list(getattr(pool, "_processes", {}).values())  # stdlib keeps no public handle
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=5)


def _run_pool(
    bundles: list[str],
    task_of: Callable[[str], Any],
    handle: Callable[[dict[str, Any]], None],
    state: _State,
    jobs: int,
    options: BatchOptions,
) -> None:
    """Feed the bundles to a pool in small chunks (one task assesses a few bundles, pipelining
    their writes: see :func:`_work_many`), at most ``in_flight_per_job`` tasks per worker."""
    from concurrent.futures.process import BrokenProcessPool

    ctx = _mp_context(options.start_method)
    per = max(1, options.in_flight_per_job)
    size = options.chunk or max(1, min(8, len(bundles) // (jobs * per * 2)))
    limit = jobs * per
    pool = _new_pool(state, jobs, ctx)
    todo = iter(bundles)
    requeue: deque[list[str]] = deque()  # not yet run because the pool broke while submitting them
    pending: dict[Future, list[str]] = {}

    def internal(b: str, exc: BaseException) -> dict[str, Any]:  # e.g. a result that could not be sent back
        return {
            "bundle": b,
            "status": "error",
            "kind": "internal",
            "result": None,
            "message": f"internal error: {type(exc).__name__}: {exc}"[:500],
        }

    try:
        while True:
            pool_broken = False
            while len(pending) < limit:
                chunk = requeue.popleft() if requeue else list(islice(todo, size))
                if not chunk:
                    break
                try:
                    pending[pool.submit(_work_many, [task_of(b) for b in chunk])] = chunk
                except BrokenProcessPool:  # a worker died since the last wait: this chunk never ran
                    requeue.appendleft(chunk)
                    pool_broken = True
                    break
            if not pending and not pool_broken:
                break
            done = wait(list(pending), return_when=FIRST_COMPLETED)[0] if pending else set()
            broken: list[str] = []
            for fut in done:
                chunk = pending.pop(fut)
                exc = fut.exception()
                if exc is None:
                    for line in fut.result():
                        handle(line)
                elif isinstance(exc, BrokenProcessPool):
                    broken.extend(chunk)
                else:
                    for b in chunk:
                        handle(internal(b, exc))
            if broken or pool_broken:
                # a worker died: every bundle in flight is suspect; retry each alone to find the culprit
                for fut, chunk in list(pending.items()):
                    try:
                        for line in fut.result():
                            handle(line)
                    except BrokenProcessPool:
                        broken.extend(chunk)
                    except Exception as exc:  # noqa: BLE001
                        for b in chunk:
                            handle(internal(b, exc))
                pending.clear()
                _kill(pool)
                for b in broken:
                    handle(_isolated(b, task_of, state, ctx))
                pool = _new_pool(state, jobs, ctx)
    except BaseException:
        _kill(pool)
        raise
    pool.shutdown(wait=True)


def _isolated(bundle: str, task_of: Callable[[str], Any], state: _State, ctx: Any) -> dict[str, Any]:
    from concurrent.futures.process import BrokenProcessPool

    solo = _new_pool(state, 1, ctx)
    t0 = time.perf_counter()
    try:
        return solo.submit(_work, task_of(bundle)).result()
    except BrokenProcessPool:
        if (
            state.timeout and time.perf_counter() - t0 >= state.timeout
        ):  # ended by the time limit's last resort
            return {
                "bundle": bundle,
                "status": "error",
                "kind": "timeout",
                "result": None,
                "message": timeout_message(state.timeout, ended=True),
            }
        return {
            "bundle": bundle,
            "status": "error",
            "kind": "crash",
            "result": None,
            "message": "the worker process died while assessing this bundle (crash or killed); the rest of the batch is unaffected",
        }
    finally:
        _kill(solo)


# -- reading stored results back -----------------------------------------------------------
def result_from_dict(d: dict[str, Any]) -> Any:
    """Rebuild a :class:`~liplanet_cert.assessment.result.Result` from its JSON (for reporters over a batch)."""
    from liplanet_cert.assessment.result import Result

    return Result.from_dict(d)


def _valid_text(data: Any) -> Any:
    """``data`` with every lone surrogate (a bundle folder name that is not UTF-8, stored as its
    ``\\udcXX`` JSON escape) made visible text (``\\udcfc``), so that every report format can encode it."""
    if isinstance(data, str):
        return data.encode("utf-8", "backslashreplace").decode("utf-8") if _SURROGATE.search(data) else data
    if isinstance(data, dict):
        return {_valid_text(k): _valid_text(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_valid_text(v) for v in data]
    return data


_SURROGATE = re.compile("[\ud800-\udfff]")


def iter_entries(out: Path) -> Iterator[Any]:
    """Every bundle of a run, in results.jsonl order, one at a time: its stored
    :class:`~liplanet_cert.assessment.result.Result`, or an :class:`~liplanet_cert.assessment.result.Unassessed` for a
    bundle that was invalid, failed, or whose stored result can no longer be read."""
    from liplanet_cert.assessment.result import Unassessed
    from liplanet_cert.infra.inputfile import read_input_file
    from liplanet_cert.integrity.verify import MAX_RESULT_BYTES

    f = results_file(out)
    results_dir = os.path.realpath(f.parent / "results")
    for line in read_lines(f):
        line = _valid_text(line)
        if line.get("result"):
            p = f.parent / line["result"]
            try:
                # the run's own output, written by this run: confined and bounded, not re-validated
                where = _confined_result(f.parent, results_dir, str(line["result"]))
                if where is None:
                    raise ValueError(f"not a regular file inside {results_dir}")
                text = read_input_file(where, "stored result", MAX_RESULT_BYTES).decode("utf-8")
                doc = json.loads(text)
                yield result_from_dict(
                    _valid_text(doc) if "\\ud" in text else doc
                )  # (only an escape can hold a surrogate)
            except (LiplanetError, OSError, ValueError, KeyError, TypeError) as exc:
                yield Unassessed(
                    line["bundle"],
                    "error",
                    f"stored result {p} cannot be read: {type(exc).__name__}",
                    kind="result",
                )
        else:
            yield Unassessed(
                line["bundle"],
                str(line.get("status") or "error"),
                str(line.get("message") or ""),
                [str(p) for p in line.get("problems") or []],
                str(line.get("kind") or ""),
                [{k: str(v) for k, v in d.items()} for d in line.get("details") or [] if isinstance(d, dict)],
            )


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: liplanet-cert batch")
