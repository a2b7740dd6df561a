"""Running the workers: the process pool (fed from a warm fork server), containment of a worker that
dies, and interruption.

:func:`assess_all` assesses the bundles in this process (``--jobs 1``) or in a pool of worker
processes, in small chunks, at most ``in_flight_per_job`` tasks per worker (:class:`_PoolRun`).  A
worker process that dies is replaced and the bundles it held are retried one by one, so only the
bundle that kills a worker is marked ``error`` (:func:`_isolated`).  Ctrl-C reaches the coordinating
process only (workers ignore it); SIGTERM is made to behave like it (:func:`sigterm_as_interrupt`).
"""

from __future__ import annotations

import signal
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from itertools import islice
from typing import Any

from liplanet_cert.batch.options import BatchOptions
from liplanet_cert.batch.timelimit import timeout_message
from liplanet_cert.batch.worker import (
    Task,
    WorkerState,
    error_line,
    init_worker,
    internal_error,
    work,
    work_many,
)

Line = dict[str, Any]
TaskOf = Callable[[str], Task]  # a bundle's task
Handle = Callable[[Line], None]  # what is done with each bundle's line, as it comes


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C in the block (clean stop, resumable)."""

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        old = signal.signal(signal.SIGTERM, on_term)
    except (ValueError, OSError):  # not in the main thread
        old = None
    try:
        yield
    finally:
        if old is not None:
            try:
                signal.signal(signal.SIGTERM, old)
            except (ValueError, OSError):
                pass


def mp_context(method: str | None) -> Any:
    """The multiprocessing context of the pool (default: a fork server where available)."""
    import multiprocessing as mp

    if method is None:
        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver":
        # workers fork from a server that has already imported the heavy modules and built the
        # process-wide caches (pandas, pint registry, schemas, LCA model): see liplanet_cert.batch.warm
        ctx.set_forkserver_preload(["liplanet_cert.batch.warm", "liplanet_cert.batch.worker"])
    return ctx


def prestart(options: BatchOptions, jobs: int) -> None:
    """Start the fork server now, so that it warms up while this process selects the criteria and
    discovers the bundles (~0.4 s of a batch's start-up overlapped)."""
    if jobs <= 1:
        return
    ctx = mp_context(options.start_method)
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        try:
            forkserver.ensure_running()
        except Exception:  # the pool will start it (or report why it cannot)
            pass


def assess_all(
    bundles: list[str], task_of: TaskOf, handle: Handle, state: WorkerState, jobs: int, options: BatchOptions
) -> None:
    """Assess every bundle and ``handle`` each line as it comes: in this process with one job,
    else in a pool of ``jobs`` worker processes."""
    if jobs == 1:
        init_worker(state, warm=False, in_process=True)
        for b in bundles:
            handle(work(task_of(b)))
    else:
        _PoolRun(task_of, handle, state, jobs, options).run(bundles)


def _new_pool(state: WorkerState, jobs: int, ctx: Any) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=init_worker, initargs=(state,))


def _kill(pool: ProcessPoolExecutor) -> None:
    procs = list(getattr(pool, "_processes", {}).values())  # stdlib keeps no public handle
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=5)


class _PoolRun:
    """Feed the bundles to a pool in small chunks (one task assesses a few bundles, pipelining
    their writes: see :func:`~liplanet_cert.batch.worker.work_many`), at most
    ``in_flight_per_job`` tasks per worker; replace the pool when a worker dies."""

    def __init__(
        self, task_of: TaskOf, handle: Handle, state: WorkerState, jobs: int, options: BatchOptions
    ) -> None:
        self.task_of, self.handle, self.state, self.jobs, self.options = task_of, handle, state, jobs, options
        self.ctx = mp_context(options.start_method)
        self.per = max(1, options.in_flight_per_job)  # tasks in flight per worker
        self.limit = jobs * self.per
        self.size = 1  # bundles per task
        self.todo: Iterator[str] = iter(())
        self.requeue: deque[list[str]] = deque()  # not yet run because the pool broke while submitting them
        self.pending: dict[Future, list[str]] = {}
        self.pool = _new_pool(state, jobs, self.ctx)

    def run(self, bundles: list[str]) -> None:
        self.size = self.options.chunk or max(1, min(8, len(bundles) // (self.jobs * self.per * 2)))
        self.todo = iter(bundles)
        try:
            while True:
                pool_broken = self._submit()
                if not self.pending and not pool_broken:
                    break
                done = wait(list(self.pending), return_when=FIRST_COMPLETED)[0] if self.pending else set()
                broken = self._collect(done)
                if broken or pool_broken:
                    self._replace_pool(broken)
        except BaseException:
            _kill(self.pool)
            raise
        self.pool.shutdown(wait=True)

    def _submit(self) -> bool:
        """Submit chunks up to the limit in flight; True if the pool turned out broken."""
        from concurrent.futures.process import BrokenProcessPool

        while len(self.pending) < self.limit:
            chunk = self.requeue.popleft() if self.requeue else list(islice(self.todo, self.size))
            if not chunk:
                break
            try:
                self.pending[self.pool.submit(work_many, [self.task_of(b) for b in chunk])] = chunk
            except BrokenProcessPool:  # a worker died since the last wait: this chunk never ran
                self.requeue.appendleft(chunk)
                return True
        return False

    def _collect(self, done: set[Future]) -> list[str]:
        """Handle the lines of finished tasks; the bundles of tasks lost with a dead worker."""
        from concurrent.futures.process import BrokenProcessPool

        broken: list[str] = []
        for fut in done:
            chunk = self.pending.pop(fut)
            exc = fut.exception()
            if exc is None:
                for line in fut.result():
                    self.handle(line)
            elif isinstance(exc, BrokenProcessPool):
                broken.extend(chunk)
            else:
                self._internal(chunk, exc)
        return broken

    def _internal(self, chunk: list[str], exc: BaseException) -> None:
        for b in chunk:  # e.g. a result that could not be sent back
            self.handle(error_line(b, "internal", internal_error(exc)))

    def _replace_pool(self, broken: list[str]) -> None:
        """A worker died: every bundle in flight is suspect; retry each alone to find the culprit."""
        from concurrent.futures.process import BrokenProcessPool

        for fut, chunk in list(self.pending.items()):
            try:
                for line in fut.result():
                    self.handle(line)
            except BrokenProcessPool:
                broken.extend(chunk)
            except Exception as exc:  # noqa: BLE001
                self._internal(chunk, exc)
        self.pending.clear()
        _kill(self.pool)
        for b in broken:
            self.handle(_isolated(b, self.task_of, self.state, self.ctx))
        self.pool = _new_pool(self.state, self.jobs, self.ctx)


def _isolated(bundle: str, task_of: TaskOf, state: WorkerState, ctx: Any) -> Line:
    """Assess one suspect bundle alone in a fresh process: its line, or an ``error`` line saying
    that it ended its worker (a crash, or its time limit's last resort)."""
    from concurrent.futures.process import BrokenProcessPool

    solo = _new_pool(state, 1, ctx)
    t0 = time.perf_counter()
    try:
        return solo.submit(work, task_of(bundle)).result()
    except BrokenProcessPool:
        if (
            state.timeout and time.perf_counter() - t0 >= state.timeout
        ):  # ended by the time limit's last resort
            return error_line(bundle, "timeout", timeout_message(state.timeout, ended=True))
        return error_line(
            bundle,
            "crash",
            "the worker process died while assessing this bundle (crash or killed); the rest of the batch is unaffected",
        )
    finally:
        _kill(solo)
