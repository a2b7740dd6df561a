"""CLI commands for batch re-certification and criteria evolution: ``batch``, ``criteria diff``,
``criteria impact``.  Thin: parse options, call :mod:`liplanet_cert.batch.engine` or
:mod:`liplanet_cert.criteria.diff`, print.  Heavy modules are imported inside the commands so that
``--help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

BATCH_EPILOG = (
    "Exit codes: 0 every bundle approved (with or without observations) · 1 any not approved · 2 any invalid bundle "
    "(a folder with bundle files but no declaration is one), or a usage/criteria/waiver error."
)


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
        help="Waiver file (YAML); validated before anything is assessed (exit 2 if malformed).",
    ),
    force: bool = typer.Option(
        False, "--force", help="Recompute every bundle, even when inputs and criteria are unchanged."
    ),
    footprint: bool | None = typer.Option(
        None,
        "--footprint/--no-footprint",
        help="Compute the CO2 footprint (default: when the criteria need it).",
    ),
    bw_dir: Path | None = typer.Option(
        None, "--bw-dir", envvar="LIPLANET_BW_DIR", help="Brightway data directory for the footprint."
    ),
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
) -> None:
    """Re-assess many bundles in parallel and report who keeps the seal, who loses it and why.

    Writes one result JSON per bundle and the streamed summary (results.jsonl, summary.csv) into
    --out.  A broken bundle is reported as invalid and never stops the batch; so is a folder that
    holds bundle files (production_log.csv, eol_tests.csv, energy.csv, a misnamed declaration) but
    no declaration.  Folders holding none of them are skipped, and listed as skipped.  Rerunning into the same
    --out resumes an interrupted run; bundles whose inputs, criteria and waivers are unchanged since
    --previous are not recomputed (--force recomputes).

    [bold]Examples[/bold]

      liplanet-cert batch submissions/ --out runs/2026-11

      liplanet-cert batch 'submissions/*.zip' -c liplanet-2026@2.1.0 --previous runs/2026-11 --out runs/2026-12

      liplanet-cert batch submissions/ --waivers waivers.yaml -o sarif:batch.sarif -o junit:batch.xml -q
    """
    from liplanet_cert.cli.app import _check_targets, _parse_at, parse_outputs, run

    def body() -> int:
        from liplanet_cert.assessment.waivers import load_waivers
        from liplanet_cert.batch.engine import BatchOptions
        from liplanet_cert.infra.textsafe import clean
        from liplanet_cert.reporters import get_reporter

        wset = load_waivers(waivers) if waivers is not None else None  # fail closed, before assessing
        stdout_reporter = None if format == "table" else get_reporter(format)
        outs = [(get_reporter(f), p) for f, p in parse_outputs(output, "json")]
        _check_targets(outs, out)  # every report target and --out, before anything is assessed
        opts = BatchOptions(
            paths=tuple(paths),
            out=out,
            criteria=criteria,
            at=_parse_at(at),
            jobs=jobs,
            previous=previous,
            waivers=wset,
            force=force,
            footprint=footprint,
            bw_dir=bw_dir,
            bundle_timeout=bundle_timeout,
        )
        show = not quiet and format == "table"

        def reports(summary: Any) -> None:  # while the output directory is still locked
            for w in summary.warnings:
                typer.echo(f"warning: {clean(w)}", err=True)
            _write_reports(summary.out, outs, stdout_reporter)

        summary = _with_progress(opts, show, reports)
        if show:
            print_summary(summary)
        else:
            warn_skipped(summary, sys.stderr)
        if not show and summary.interrupted:
            typer.echo("interrupted: rerun the same command to finish", err=True)
        if summary.interrupted:
            return 130
        return summary.exit_code

    run(body)


def _with_progress(opts: Any, show: bool, after: Any = None) -> Any:
    from liplanet_cert.batch.engine import _Progress, run_batch

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

    from liplanet_cert.batch.engine import _Progress

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
    from liplanet_cert.batch.engine import iter_entries
    from liplanet_cert.infra.atomic import atomic_writer

    for reporter, path in outs:
        with atomic_writer(path) as fh:
            reporter.write_many(iter_entries(out_dir), fh)
    if stdout_reporter is not None:
        stdout_reporter.write_many(iter_entries(out_dir), sys.stdout)


SKIPPED_SHOWN = 10  # skipped folders listed by name in the summary (all are in summary.json)


def discovery_lines(summary: Any) -> list[tuple[str, str]]:
    """(text, style) lines saying what was searched and what was skipped: never silent."""
    from liplanet_cert.infra.textsafe import clean

    d = summary.discovery or {}
    if not d:
        return []
    n, zips, nodecl, skipped = (
        d.get("bundles", 0),
        d.get("zips", 0),
        d.get("no_declaration", []),
        d.get("skipped", []),
    )
    searched = d.get("folders_searched", 0)
    parts = [f"{n} bundle{'s' if n != 1 else ''}" + (f" ({zips} .zip)" if zips else "")]
    if nodecl:
        parts.append(f"{len(nodecl)} of them without a declaration (invalid)")
    parts.append(f"{len(skipped)} folder{'s' if len(skipped) != 1 else ''} skipped as not bundles")
    out = [
        (
            f"searched {searched} folder{'s' if searched != 1 else ''}: " + " · ".join(parts),
            "dim" if not (skipped or nodecl) else "bold",
        )
    ]
    if nodecl:
        shown = ", ".join(clean(x) for x in nodecl[:SKIPPED_SHOWN])
        more = (
            f" and {len(nodecl) - SKIPPED_SHOWN} more (in summary.csv)" if len(nodecl) > SKIPPED_SHOWN else ""
        )
        out.append(
            (f"folders with bundle files but no declaration (reported invalid): {shown}{more}", "magenta")
        )
    if skipped:
        shown = "; ".join(f"{clean(x['path'])} ({x['reason']})" for x in skipped[:SKIPPED_SHOWN])
        more = (
            f"; and {len(skipped) - SKIPPED_SHOWN} more (all in summary.json)"
            if len(skipped) > SKIPPED_SHOWN
            else ""
        )
        out.append((f"skipped: {shown}{more}", "yellow"))
    return out


def warn_skipped(summary: Any, stream: Any) -> None:
    """Without the summary table (--quiet, --format): still say what was skipped, on stderr."""
    from liplanet_cert.infra.textsafe import clean

    d = summary.discovery or {}
    skipped, nodecl = d.get("skipped", []), d.get("no_declaration", [])
    if nodecl:
        stream.write(
            f"warning: {len(nodecl)} folder(s) with bundle files but no declaration, reported invalid: "
            + ", ".join(clean(x) for x in nodecl[:SKIPPED_SHOWN])
            + (f" and {len(nodecl) - SKIPPED_SHOWN} more" if len(nodecl) > SKIPPED_SHOWN else "")
            + "\n"
        )
    if skipped:
        stream.write(
            f"warning: {len(skipped)} folder(s) skipped as not bundles (of {d.get('folders_searched', 0)} searched): "
            + "; ".join(f"{clean(x['path'])} ({x['reason']})" for x in skipped[:SKIPPED_SHOWN])
            + (
                f"; and {len(skipped) - SKIPPED_SHOWN} more (all in summary.json)"
                if len(skipped) > SKIPPED_SHOWN
                else ""
            )
            + "\n"
        )


def print_summary(summary: Any) -> None:
    from rich.console import Console

    from liplanet_cert.infra.textsafe import clean, safe_text
    from liplanet_cert.reporters.safetable import NO_KEY, SafeTable, id_col, print_text, text_col, words_col

    con = Console(highlight=False)
    c = summary.counts
    for text, style in discovery_lines(summary):
        print_text(con, text, style)
    print_text(
        con,
        f"batch: {summary.total} bundle{'s' if summary.total != 1 else ''} · criteria {summary.criteria['id']}@{summary.criteria['version']}",
        "bold",
    )
    t = SafeTable(
        *(
            id_col(col, justify="right")
            for col in ("approved", "with observations", "not approved", "invalid", "error", "reused")
        ),
        key=NO_KEY,
    )
    t.add_row(
        safe_text(c["approved"], style="green"),
        safe_text(c["approved_with_observations"], style="yellow"),
        safe_text(c["not_approved"], style="red"),
        safe_text(c["invalid"], style="magenta"),
        str(c["error"]),
        str(summary.reused),
    )
    t.print(con)
    rate = summary.total / summary.seconds if summary.seconds else 0
    print_text(con, f"{summary.seconds:.1f} s, {rate:.1f} bundles/s", "dim")
    if summary.slowest:
        print_text(con, "slowest: " + ", ".join(f"{clean(b)} ({s:.2f} s)" for s, b in summary.slowest), "dim")
    if summary.changes:
        ch = summary.changes
        print_text(
            con,
            f"against previous run: {ch.get('lost_approval', 0)} lost approval · {ch.get('newly_approved', 0)} newly approved · "
            f"{ch.get('unchanged', 0)} unchanged · {ch.get('new', 0)} new · {summary.not_reassessed} not reassessed",
            "bold",
        )
        if summary.lost:
            lt = SafeTable(
                text_col("pilot line"),
                id_col("bundle"),
                id_col("was"),
                id_col("now"),
                words_col("criteria that changed the outcome"),
                title="lost approval",
                header_style="bold red",
                key=1,
            )
            for e in summary.lost[:50]:
                lt.add_row(
                    clean(e["pilot_line"]),
                    clean(e["bundle"]),
                    str(e["previous_status"]),
                    str(e["status"]),
                    clean(", ".join(e["criteria"])),
                )
            lt.print(con)
            if ch.get("lost_approval", 0) > 50:
                print_text(
                    con,
                    f"(the first 50 of {ch.get('lost_approval', 0)}; all are in {summary.files.get('changes', 'changes.csv')})",
                    "dim",
                )
        if summary.newly:
            print_text(
                con,
                "newly approved: "
                + ", ".join(clean(e["pilot_line"] or e["bundle"]) for e in summary.newly[:50]),
                "green",
            )
    for w in summary.unmatched_waivers:
        print_text(
            con,
            f"waiver {w['id']} ({w['criterion']}, {w.get('pilot_line') or w.get('bundle')}) matched no failed finding in this batch",
            "yellow",
        )
    if summary.counts["invalid"] or summary.counts["error"]:
        print_text(con, f"invalid bundles and their messages: {summary.files['summary']}", "magenta")
    print_text(
        con,
        f"wrote {summary.files['results']}, {summary.files['summary']}"
        + (f", {summary.files['changes']}" if "changes" in summary.files else ""),
        "dim",
    )
    if summary.interrupted:
        print_text(
            con, "interrupted: finished results are kept; rerun the same command to finish the rest", "yellow"
        )


# -- criteria diff / impact ----------------------------------------------------------------
def criteria_diff(
    old: str = typer.Argument(..., help="Old pack: id@version or a pack file."),
    new: str = typer.Argument(..., help="New pack: id@version or a pack file."),
    format: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Compare two criteria packs: criteria added, removed and changed (threshold, severity, applicability).

    [bold]Example[/bold]

      liplanet-cert criteria diff liplanet-2023@1.0.0 liplanet-2026@2.0.0
    """
    from liplanet_cert.cli.app import _console, run

    def body() -> int:
        from liplanet_cert.criteria.diff import diff_packs
        from liplanet_cert.criteria.select import select_pack
        from liplanet_cert.reporters.views.criteria_diff import DiffView

        d = diff_packs(select_pack(old, None), select_pack(new, None))
        if format == "json":
            sys.stdout.write(DiffView().to_json(d))
        else:
            DiffView().show(d, _console())
        return 0

    run(body)


IMPACT_EXIT_HELP = (
    "Exit codes: 0 no approved line would lose the seal · 1 some would lose it · 2 invalid input or usage · 3 internal error · "
    "4 some approved lines cannot be judged from the stored results (they lack what the new pack measures; re-run the batch) — "
    "4 wins over 1: when some lines would lose the seal and others cannot be judged, the list of losses is incomplete."
)


def criteria_impact(
    new: str = typer.Argument(..., help="The new pack: id@version or a (draft) pack file."),
    against: Path = typer.Option(
        ..., "--against", help="Stored results: a batch run's results.jsonl or its directory."
    ),
    format: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Before releasing a new criteria version: which approved lines would lose the seal, on which criteria.

    Computed from the stored results (no bundle is re-read): unchanged criteria keep their stored
    outcome, new and changed ones are re-evaluated from the stored measurements.  An approved line
    whose verdict depends on what the stored results lack (e.g. a footprint the old run never
    computed) cannot be judged: it is listed with the missing metrics, never counted as keeping the
    seal; re-run the batch with --previous to know.  Exit codes: below.

    [bold]Example[/bold]

      liplanet-cert criteria impact liplanet-2026@2.1.0 --against runs/2026-11
    """
    from liplanet_cert.cli.app import _console, run

    def body() -> int:
        from liplanet_cert.batch.impact import impact
        from liplanet_cert.criteria.select import select_pack
        from liplanet_cert.reporters.views.impact import ImpactView

        rep = impact(select_pack(new, None), against, criteria_arg=new)
        if format == "json":
            sys.stdout.write(ImpactView().to_json(rep))
        else:
            ImpactView().show(rep, _console())
        return rep.exit_code

    run(body)


def register(app: typer.Typer, criteria_app: typer.Typer) -> None:
    """Add the commands of this module to the main CLI."""
    app.command("batch", epilog=BATCH_EPILOG)(batch)
    criteria_app.command("diff")(criteria_diff)
    criteria_app.command("impact", epilog=IMPACT_EXIT_HELP)(criteria_impact)
