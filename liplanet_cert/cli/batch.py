"""``liplanet-cert batch``: re-assess many bundles in parallel.  Thin: parse options, call
:func:`liplanet_cert.batch.run.run_batch` (with a progress display), hand the summary to
:class:`~liplanet_cert.reporters.views.batch.BatchSummaryView`.  Heavy modules are imported inside
the command so that ``--help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from liplanet_cert.cli.app import (
    BW_DIR_HELP,
    FOOTPRINT_HELP,
    WAIVERS_HELP,
    app,
    check_targets,
    console,
    parse_at,
    parse_outputs,
    run,
)
from liplanet_cert.cli.config import ALLOW_OPTION, BACKGROUND_OPTION, MAPPING_OPTION, background_spec

BATCH_EPILOG = (
    "Exit codes: 0 every bundle approved (with or without observations) · 1 any not approved · 2 any invalid bundle "
    "(a folder with bundle files but no declaration is one), or a usage/criteria/waiver error."
)


@app.command("batch", epilog=BATCH_EPILOG)
def batch(
    paths: list[str] = typer.Argument(
        ...,
        help="Bundle directories, .zip files, folders of them, or globs (quote them).",
        show_default=False,
    ),
    criteria: str | None = typer.Option(
        None,
        "--criteria",
        "-c",
        help="Criteria pack: id, id@version or a pack file. Default: the pack in force on --at.",
    ),
    at: str | None = typer.Option(
        None,
        "--at",
        help="Assess as on this day (YYYY-MM-DD): criteria in force, waiver expiry. Default: today.",
    ),
    jobs: int | None = typer.Option(
        None, "--jobs", "-j", min=1, help="Worker processes (default: all cores; 1 runs in this process)."
    ),
    out: Path = typer.Option(
        Path("liplanet-results"),
        "--out",
        help="Output directory: results/*.json, results.jsonl, summary.csv, summary.json, changes.csv.",
    ),
    previous: Path | None = typer.Option(
        None,
        "--previous",
        help="An earlier run's results.jsonl (or its directory): report status changes and reuse unchanged results.",
    ),
    waivers: Path | None = typer.Option(
        None,
        "--waivers",
        help=WAIVERS_HELP,
    ),
    force: bool = typer.Option(
        False, "--force", help="Recompute every bundle, even when inputs and criteria are unchanged."
    ),
    footprint: bool | None = typer.Option(
        None,
        "--footprint/--no-footprint",
        help=FOOTPRINT_HELP,
    ),
    bw_dir: Path | None = typer.Option(None, "--bw-dir", envvar="LIPLANET_BW_DIR", help=BW_DIR_HELP),
    format: str = typer.Option(
        "table",
        "--format",
        "-f",
        help="stdout: table (the summary) or a report over all results: json, jsonl, csv, markdown, sarif, junit.",
    ),
    output: list[str] | None = typer.Option(
        None, "--output", "-o", help="Also write a report over all results: FORMAT:PATH. Repeatable."
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="No progress bar and no summary table (scripts)."
    ),
    bundle_timeout: float = typer.Option(
        300.0,
        "--bundle-timeout",
        min=0,
        metavar="SECONDS",
        help="Time limit per bundle: a bundle still being assessed after it is an error "
        "('took longer than N s') and the batch goes on. 0: no limit.",
    ),
    background: str | None = BACKGROUND_OPTION,
    background_mapping: Path | None = MAPPING_OPTION,
    allow_embedded_default: bool = ALLOW_OPTION,
) -> None:
    """Re-assess many bundles in parallel and report who keeps the seal, who loses it and why.

    Writes one result JSON per bundle and the streamed summary (results.jsonl, summary.csv) into
    --out.  A broken bundle is reported as invalid and never stops the batch; so is a folder that
    holds bundle files (production_log.csv, eol_tests.csv, energy.csv, a misnamed declaration) but
    no declaration.  Folders holding none of them are skipped, and listed as skipped.  Rerunning into the same
    --out resumes an interrupted run; bundles whose inputs, criteria and waivers are unchanged since
    --previous are not recomputed (--force recomputes; a result computed on another --background
    is never reused).

    [bold]Examples[/bold]

      liplanet-cert batch submissions/ --out runs/2026-11

      liplanet-cert batch 'submissions/*.zip' -c liplanet-2026@2.1.0 --previous runs/2026-11 --out runs/2026-12

      liplanet-cert batch submissions/ --waivers waivers.yaml -o sarif:batch.sarif -o junit:batch.xml -q
    """

    def body() -> int:
        from liplanet_cert.assessment.waivers import load_waivers
        from liplanet_cert.batch.options import BatchOptions
        from liplanet_cert.infra.textsafe import clean
        from liplanet_cert.reporters import get_reporter
        from liplanet_cert.reporters.views.batch import BatchSummaryView, warn_skipped

        wset = load_waivers(waivers) if waivers is not None else None  # fail closed, before assessing
        stdout_reporter = None if format == "table" else get_reporter(format)
        outs = [(get_reporter(f), p) for f, p in parse_outputs(output, "json")]
        check_targets(outs, out)  # every report target and --out, before anything is assessed
        opts = BatchOptions(
            paths=tuple(paths),
            out=out,
            criteria=criteria,
            at=parse_at(at),
            jobs=jobs,
            previous=previous,
            waivers=wset,
            force=force,
            footprint=footprint,
            bw_dir=bw_dir,
            background=background_spec(background, background_mapping, allow_embedded_default),
            bundle_timeout=bundle_timeout,
        )
        show = not quiet and format == "table"

        def reports(summary: Any) -> None:  # while the output directory is still locked
            for w in summary.warnings:
                typer.echo(f"warning: {clean(w)}", err=True)
            _write_reports(summary.out, outs, stdout_reporter)

        summary = _with_progress(opts, show, reports)
        if show:
            BatchSummaryView().show(summary, console())
        else:
            warn_skipped(summary, sys.stderr)
        if not show and summary.interrupted:
            typer.echo("interrupted: rerun the same command to finish", err=True)
        if summary.interrupted:
            return 130
        return summary.exit_code

    run(body)


def _with_progress(opts: Any, show: bool, after: Any = None) -> Any:
    from liplanet_cert.batch.run import Progress as _Progress
    from liplanet_cert.batch.run import run_batch

    if not show:
        return run_batch(opts, after=after)
    if not sys.stderr.isatty():  # CI logs, pipes: a plain line every 10% (at most every 2 s), no bar
        return run_batch(opts, _log_progress(sys.stderr), after=after)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    counts = {"approved": 0, "not_approved": 0, "invalid": 0}
    prog = Progress(
        TextColumn("assessing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("{task.fields[counts]}"),
        transient=False,
    )
    state: dict[str, Any] = {}

    def start(total: int) -> None:
        import time

        state["t0"] = time.perf_counter()
        state["task"] = prog.add_task("batch", total=total, rate="", counts="")

    def advance(line: dict[str, Any]) -> None:
        import time

        st = line.get("status", "error")
        key = (
            "approved"
            if st in ("approved", "approved_with_observations")
            else ("not_approved" if st == "not_approved" else "invalid")
        )
        counts[key] += 1
        done = sum(counts.values())
        rate = done / max(time.perf_counter() - state["t0"], 1e-9)
        prog.update(
            state["task"],
            advance=1,
            rate=f"{rate:6.1f} bundles/s",
            counts=f"[green]{counts['approved']} approved[/] · [red]{counts['not_approved']} not approved[/] · [magenta]{counts['invalid']} invalid[/]",
        )

    with prog:
        return run_batch(opts, _Progress(start=start, advance=advance), after=after)


def _log_progress(stream: Any) -> Any:
    import time

    from liplanet_cert.batch.run import Progress as _Progress

    state: dict[str, Any] = {"done": 0, "total": 0, "t0": 0.0, "last": 0.0, "bad": 0}

    def start(total: int) -> None:
        state.update(total=total, t0=time.perf_counter(), last=time.perf_counter())

    def advance(line: dict[str, Any]) -> None:
        state["done"] += 1
        state["bad"] += line.get("status") in ("invalid", "error")
        now, done, total = time.perf_counter(), state["done"], state["total"]
        step = max(1, total // 10)
        if done == total or (done % step == 0 and now - state["last"] >= 2.0):
            state["last"] = now
            rate = done / max(now - state["t0"], 1e-9)
            stream.write(
                f"assessed {done}/{total} bundles ({rate:.0f}/s, {state['bad']} invalid or failed)\n"
            )
            stream.flush()

    return _Progress(start=start, advance=advance)


def _write_reports(out_dir: Path, outs: list[tuple[Any, Path]], stdout_reporter: Any) -> None:
    """Reports over the whole run, streamed from the stored results (memory does not grow with the
    number of bundles); invalid bundles are in them too."""
    from liplanet_cert.batch.store import iter_entries
    from liplanet_cert.infra.atomic import atomic_writer

    for reporter, path in outs:
        with atomic_writer(path) as fh:
            reporter.write_many(iter_entries(out_dir), fh)
    if stdout_reporter is not None:
        stdout_reporter.write_many(iter_entries(out_dir), sys.stdout)
