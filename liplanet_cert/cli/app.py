"""The ``liplanet-cert`` command line.  Thin: parse options, call the core, hand the result to a
reporter, map errors to exit codes.

Exit codes: 0 approved (with or without observations) · 1 not approved · 2 invalid input or usage ·
3 internal error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import typer

from liplanet_cert.errors import LiplanetError, Problem, UsageError
from liplanet_cert.version import __version__

EXIT_APPROVED, EXIT_NOT_APPROVED, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3

app = typer.Typer(
    name="liplanet-cert",
    help=(
        "Certify battery-cell pilot lines for the [bold]LiPLANET approved[/bold] seal and compute the CO2 "
        "footprint of each production step.\n\n"
        "Start with:  [cyan]liplanet-cert assess --example[/cyan]\n\n"
        "Exit codes: 0 approved · 1 not approved · 2 invalid input or usage · 3 internal error."
    ),
    rich_markup_mode="rich",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
criteria_app = typer.Typer(
    help="List, show and lint versioned criteria packs.", no_args_is_help=True, rich_markup_mode="rich"
)
app.add_typer(criteria_app, name="criteria")


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _fail(exc: LiplanetError) -> None:
    from liplanet_cert.infra.textsafe import say

    err = _console(stderr=True)
    title = exc.title
    n = len(exc.problems)
    say(err, f"error: {title}" + (f" ({n} problems)" if n > 1 else ""), style="bold red")
    for p in exc.problems:
        say(err, "  • ", p)  # (say never hard-wraps: a path or id is never cut)
    reported = getattr(exc, "reported", None)
    if reported:
        say(err, "the problems were also written to: ", ", ".join(str(p) for p in reported), style="dim")
    else:  # outputs are atomic: a file that failed keeps its previous content (outputs finished before stay)
        say(
            err,
            "that output was left as it was." if exc.kind == "output" else "nothing was written.",
            style="dim",
        )


def run(fn: Callable[[], int]) -> None:
    """Run a command body; turn the project's errors into exit 2 and anything else into exit 3."""
    try:
        code = fn()
    except LiplanetError as exc:
        _fail(exc)
        raise typer.Exit(EXIT_INVALID) from None
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        from liplanet_cert.infra.textsafe import say

        say(_console(stderr=True), "interrupted", style="yellow")
        raise typer.Exit(130) from None
    except Exception as exc:  # an internal error: a bug, not the user's fault
        if os.environ.get("LIPLANET_DEBUG"):
            raise
        from liplanet_cert.infra.textsafe import say

        say(
            _console(stderr=True),
            f"internal error: {type(exc).__name__}: {exc}\n(set LIPLANET_DEBUG=1 for a traceback and please report it)",
            style="bold red",
        )
        raise typer.Exit(EXIT_INTERNAL) from None
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"liplanet-cert {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", help="Show the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    pass


def _bundle_arg(bundle: Path | None, example: bool, name: str = "approved") -> Path:
    from liplanet_cert.infra.resources import example_bundle

    if example and bundle is not None:
        raise UsageError("give either a BUNDLE or --example, not both", file="command line")
    if example:
        return example_bundle(name)
    if bundle is None:
        raise UsageError("missing BUNDLE (a bundle directory or .zip); or use --example", file="command line")
    return bundle


def _parse_at(at: str | None) -> date | None:
    from liplanet_cert.criteria.select import parse_at

    return None if at is None else parse_at(at)


def parse_outputs(outputs: list[str] | None, default_format: str) -> list[tuple[str, Path]]:
    """``--output FORMAT:PATH``, or ``--output FILE`` with the format from the file's suffix (when
    --format is the terminal table) or from --format.  Refused, exit 2: an unknown ``FORMAT:``
    prefix (a path that contains a colon needs an explicit format, ``json:a:b.json``), and a file
    whose suffix names no report format while --format is the terminal table (``report.pdf``)."""
    from liplanet_cert.reporters import formats

    known = formats()
    listing = ", ".join(known)
    out = []
    for spec in outputs or []:
        fmt, sep, rest = spec.partition(":")
        if sep:
            if fmt not in known:
                raise UsageError(
                    Problem(
                        "--output",
                        message=f"unknown report format {fmt!r} in {spec!r}",
                        expected=f"FORMAT:PATH with FORMAT one of {listing} (a path that contains ':' needs an explicit format, e.g. json:{spec})",
                        found=repr(fmt),
                    )
                )
            if not rest:
                raise UsageError(
                    Problem("--output", message=f"no path after {fmt + ':'!r}", expected="FORMAT:PATH")
                )
            out.append((fmt, Path(rest)))
            continue
        path = Path(spec)
        suffix = path.suffix.lower()
        guess = OUTPUT_SUFFIXES.get(suffix)
        if default_format == "table" and guess is None and suffix:
            raise UsageError(
                Problem(
                    "--output",
                    message=f"cannot tell the report format of {spec!r} from its suffix {suffix!r}",
                    expected=f"FORMAT:PATH with FORMAT one of {listing}, or a file ending in {', '.join(sorted(OUTPUT_SUFFIXES))}",
                    found=repr(spec),
                )
            )
        out.append((guess if default_format == "table" and guess else default_format, path))
    return out


OUTPUT_SUFFIXES = {
    ".json": "json",
    ".txt": "table",
    ".sarif": "sarif",
    ".xml": "junit",
    ".csv": "csv",
    ".md": "markdown",
    ".jsonl": "jsonl",
}


FORMAT_HELP = "Report on stdout: table, json, jsonl, csv, markdown, sarif or junit."
CRITERIA_HELP = "Criteria pack: an id (newest in force), id@version, or a path to a pack file. Default: the pack in force on --at."
AT_HELP = "Select the criteria in force on this day (YYYY-MM-DD). Default: today."


@app.command()
def assess(
    bundle: Path | None = typer.Argument(None, help="Bundle directory or .zip.", show_default=False),
    example: bool = typer.Option(
        False, "--example", help="Assess the approved example bundle shipped with the tool."
    ),
    criteria: str | None = typer.Option(None, "--criteria", "-c", help=CRITERIA_HELP),
    at: str | None = typer.Option(None, "--at", help=AT_HELP),
    format: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
    output: list[str] | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Also write a report: FILE (format from --format or suffix) or FORMAT:PATH. Repeatable.",
    ),
    footprint: bool | None = typer.Option(
        None,
        "--footprint/--no-footprint",
        help="Compute the CO2 footprint (default: when the criteria need it).",
    ),
    dossier: Path | None = typer.Option(
        None, "--dossier", help="Also write the audit dossier (HTML and Markdown) into this directory."
    ),
    bw_dir: Path | None = typer.Option(
        None, "--bw-dir", envvar="LIPLANET_BW_DIR", help="Brightway data directory for the footprint."
    ),
    waivers: Path | None = typer.Option(
        None,
        "--waivers",
        help="Waiver file (YAML); validated before anything is assessed (exit 2 if malformed).",
    ),
    sign: Path | None = typer.Option(
        None,
        "--sign",
        help="Ed25519 private key (liplanet-cert keygen): write a detached signature FILE.sig beside each written report and dossier file.",
    ),
) -> None:
    """Assess a submission bundle against the seal criteria and give the verdict.

    [bold]Examples[/bold]

      liplanet-cert assess --example

      liplanet-cert assess bundles/nordwerk.zip --criteria liplanet-2026@2.0.0 --format json

      liplanet-cert assess bundles/nordwerk --at 2026-05-01 -o json:result.json -o report.txt
    """

    def body() -> int:
        from liplanet_cert.assessment.core import AssessOptions
        from liplanet_cert.assessment.core import assess as do_assess
        from liplanet_cert.reporters import get_reporter

        path = _bundle_arg(bundle, example)
        reporter = get_reporter(format)
        outs = [(get_reporter(f), p) for f, p in parse_outputs(output, format)]
        _check_targets(outs, dossier)
        from liplanet_cert.assessment.waivers import load_waivers

        wset = load_waivers(waivers) if waivers is not None else None  # fail closed, before assessing
        key = _signing_key(
            sign, bool(outs) or dossier is not None
        )  # a bad key fails before anything is written
        opts = AssessOptions(
            criteria=criteria,
            at=_parse_at(at),
            footprint=True if dossier else footprint,
            bw_dir=bw_dir,
            waivers=wset,
        )
        with _reporting_refusal(path, reporter, outs):
            result = do_assess(path, opts)
        _emit(result, reporter, outs)
        written = [p for _r, p in outs]
        if dossier is not None:
            written += _write_dossier(result, dossier, ("html", "md"))
        _sign(key, written)
        return result.exit_code

    run(body)


def _check_targets(outs: list[tuple[Any, Path]], dossier: Path | None = None) -> None:
    """Every output target is checked before anything is assessed or written (exit 2 naming it)."""
    from liplanet_cert.infra.atomic import check_directory, check_target

    seen: dict[str, Path] = {}
    for _r, p in outs:
        if check_target(p) == "replace":
            key = os.path.realpath(p)
            if key in seen:  # the second report would silently replace the first
                raise UsageError(
                    Problem(
                        "--output",
                        message=f"two reports would be written to one file: {seen[key]} and {p}",
                        expected="one file per --output (a device or pipe such as /dev/stdout may take several)",
                    )
                )
            seen[key] = p
    if dossier is not None:
        check_directory(dossier)


def _emit(result: Any, reporter: Any, outs: list[tuple[Any, Path]]) -> None:
    """The ``--output`` files, all or nothing, then stdout."""
    from liplanet_cert.infra.atomic import write_all

    write_all(
        [(p, r.render(result).encode("utf-8")) for r, p in outs]
    )  # rendered first: nothing half-written
    if reporter.name == "table":
        reporter.show(result, _console())
    else:
        sys.stdout.write(reporter.render(result))


@contextmanager
def _reporting_refusal(path: Path, reporter: Any, outs: list[tuple[Any, Path]]) -> Iterator[None]:
    """An invalid bundle is still reported in the machine formats asked for (stdout and every
    ``--output``: JSON of the published schema, SARIF results at each problem's file and line,
    JUnit errors), so a pilot line's CI gets the problems exactly when it needs them; exit 2 all the
    same.  Problems with the command line, criteria or waivers write nothing."""
    from liplanet_cert.errors import BundleError

    try:
        yield
    except BundleError as exc:
        from liplanet_cert.assessment.result import Unassessed

        _report_unassessed(Unassessed.from_error(str(path), exc), reporter, outs)
        exc.reported = [p for _r, p in outs]  # type: ignore[attr-defined]
        raise


def _report_unassessed(item: Any, reporter: Any, outs: list[tuple[Any, Path]]) -> None:
    from liplanet_cert.infra.atomic import write_all

    write_all([(p, r.render_unassessed(item).encode("utf-8")) for r, p in outs])
    if reporter.name != "table":
        sys.stdout.write(reporter.render_unassessed(item))


def _signing_key(sign: Path | None, writes_files: bool) -> Any:
    if sign is None:
        return None
    if not writes_files:
        raise UsageError(
            "--sign signs the files written: add --output FILE (or --dossier DIR)", file="--sign"
        )
    from liplanet_cert.integrity.signing import load_private_key

    return load_private_key(sign)


def _sign(key: Any, paths: list[Path]) -> None:
    if key is None:
        return
    from liplanet_cert.cli.integrity import sign_outputs

    for sig in sign_outputs(key, paths):
        _console(stderr=True).print(f"signed {sig}", markup=False)


def _deliver(text: str, output: Path | None, *, stdout: bool) -> None:
    """Print ``text`` and/or write it atomically to ``output``."""
    if stdout:
        sys.stdout.write(text)
    if output is not None:
        from liplanet_cert.infra.atomic import write_all

        write_all([(output, text.encode("utf-8"))])


def _write_dossier(result: Any, out_dir: Path, formats: tuple[str, ...]) -> list[Path]:
    from liplanet_cert.dossier import write_dossier

    command = " ".join(["liplanet-cert", *sys.argv[1:]]) if sys.argv else "liplanet-cert"
    paths = write_dossier(result, out_dir, formats, command=command)
    for p in paths:
        _console(stderr=True).print(f"wrote {p}", markup=False)
    return paths


@app.command()
def validate(
    bundle: Path | None = typer.Argument(None, help="Bundle directory or .zip.", show_default=False),
    example: bool = typer.Option(False, "--example", help="Validate the approved example bundle."),
    format: str = typer.Option(
        "table", "--format", "-f", help=FORMAT_HELP + " An invalid bundle's problems in that format (exit 2)."
    ),
    output: list[str] | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Also write the outcome: FILE (format from --format or suffix) or FORMAT:PATH. Repeatable.",
    ),
) -> None:
    """Check a bundle's schema, units and cross-file consistency, listing every problem.

    Does not evaluate criteria and does not compute the footprint.  With --format/--output json,
    sarif, junit, csv, jsonl or markdown the problems are also written in that format (CI).

    [bold]Examples[/bold]

      liplanet-cert validate bundles/nordwerk

      liplanet-cert validate bundles/nordwerk -o sarif:validate.sarif -o junit:validate.xml
    """

    def body() -> int:
        from liplanet_cert.assessment.core import validate as do_validate
        from liplanet_cert.assessment.result import Unassessed
        from liplanet_cert.reporters import get_reporter

        path = _bundle_arg(bundle, example)
        reporter = get_reporter(format)
        outs = [(get_reporter(f), p) for f, p in parse_outputs(output, format)]
        _check_targets(outs)
        with _reporting_refusal(path, reporter, outs):
            b = do_validate(path)
        from liplanet_cert.infra.textsafe import clean, say

        summary = (
            f"valid bundle: {clean(b.pilot_line['name'], oneline=True)} — {len(b.inputs)} files, {len(b.production)} production-log rows, "
            f"{0 if b.eol is None else len(b.eol)} cells tested, {0 if b.energy is None else len(b.energy)} metering rows"
        )
        if reporter.name == "table":
            say(_console(), "✓ ", summary, style="green")
        _report_unassessed(Unassessed(str(path), "valid", summary, kind="bundle"), reporter, outs)
        return 0

    run(body)


@app.command()
def init(directory: Path = typer.Argument(..., help="New bundle directory to create.")) -> None:
    """Scaffold a commented bundle that a pilot line can fill in.

    [bold]Example[/bold]

      liplanet-cert init my-line && liplanet-cert validate my-line
    """

    def body() -> int:
        from liplanet_cert.bundle.scaffold import scaffold

        written = scaffold(directory)
        _console().print(
            f"created {directory} with {', '.join(p.name for p in written)}; edit the files, then run: liplanet-cert validate {directory}",
            markup=False,
        )
        return 0

    run(body)


def _schema_names() -> str:
    from liplanet_cert.infra.resources import PUBLISHED_SCHEMAS

    names = list(PUBLISHED_SCHEMAS)
    return ", ".join(names[:-1]) + " or " + names[-1]


def _schema_help() -> str:
    from liplanet_cert.infra.resources import PUBLISHED_SCHEMAS

    return (
        "Which schema: "
        + "; ".join(f"{name} ({what})" for name, (_file, what) in PUBLISHED_SCHEMAS.items())
        + "."
    )


@app.command(
    help=f"""Print a published JSON Schema (Draft 2020-12).

    {_schema_help()}

    [bold]Examples[/bold]

      liplanet-cert schema bundle > declaration.schema.json

      liplanet-cert schema waivers > waivers.schema.json
    """
)
def schema(what: str = typer.Argument(..., help=_schema_help(), show_default=False)) -> None:

    def body() -> int:
        from liplanet_cert.infra.resources import published_schema

        path = published_schema(what)
        if path is None:
            raise UsageError(f"unknown schema {what!r}; choose {_schema_names()}", file="command line")
        sys.stdout.write(path.read_text(encoding="utf-8"))
        return 0

    run(body)


@app.command()
def footprint(
    bundle: Path | None = typer.Argument(None, help="Bundle directory or .zip.", show_default=False),
    example: bool = typer.Option(False, "--example", help="Use the approved example bundle."),
    format: str = typer.Option("table", "--format", "-f", help="table or json."),
    uncertainty: int = typer.Option(
        0,
        "--uncertainty",
        min=0,
        max=100000,
        help="Monte Carlo iterations (Brightway uncertainty machinery); 0 = none.",
    ),
    scenario: str | None = typer.Option(
        None, "--scenario", help="Optimisation scenario from lca_models/scenarios (see --list-scenarios)."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Random seed: makes --uncertainty reproducible."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Also write the JSON to this file."),
    list_scenarios: bool = typer.Option(False, "--list-scenarios", help="List the scenarios and exit."),
    bw_dir: Path | None = typer.Option(
        None,
        "--bw-dir",
        envvar="LIPLANET_BW_DIR",
        help="Brightway data directory (default: the user data directory).",
    ),
) -> None:
    """Per-step CO2 footprint of cell production (kg CO2e per cell and per kWh), with Brightway.

    Metered energy from the bundle is primary data; steps without metering use the sourced
    reference model (Degen & Schütte 2022) and are marked [italic]default[/italic].

    [bold]Examples[/bold]

      liplanet-cert footprint --example

      liplanet-cert footprint --example --uncertainty 1000 --seed 42 --format json

      liplanet-cert footprint bundles/nordwerk --scenario renewable-electricity
    """

    def body() -> int:
        from liplanet_cert.reporters.json_ import dumps

        if list_scenarios:
            from liplanet_cert.lca import scenarios

            for sid, title in scenarios().items():
                typer.echo(f"{sid}\t{title}")
            return 0
        if format not in ("table", "json"):
            raise UsageError(f"unknown format {format!r}; choose table or json", file="--format")
        from liplanet_cert.assessment.footprint import bundle_footprint
        from liplanet_cert.assessment.kpis import measure
        from liplanet_cert.bundle.load import load_bundle

        b = load_bundle(_bundle_arg(bundle, example))
        fp = bundle_footprint(
            b, measure(b), scenario=scenario, uncertainty=uncertainty, seed=seed, bw_dir=bw_dir
        ).to_dict()
        text = dumps(fp)
        if format == "table":
            from liplanet_cert.reporters.footprint_table import show_footprint

            show_footprint(fp, _console())
        _deliver(text, output, stdout=format == "json")
        return 0

    run(body)


@app.command()
def passport(
    bundle: Path | None = typer.Argument(None, help="Bundle directory or .zip.", show_default=False),
    example: bool = typer.Option(False, "--example", help="Use the approved example bundle."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the JSON to this file instead of stdout."
    ),
    bw_dir: Path | None = typer.Option(
        None, "--bw-dir", envvar="LIPLANET_BW_DIR", help="Brightway data directory."
    ),
) -> None:
    """Export the carbon-footprint section of a battery passport (Battery Pass data model 1.2.0).

    Needs the bundle's passport section (usable energy, full equivalent cycles per year, service
    years, study URL); exits 2 naming the fields to add when they are missing.

    [bold]Example[/bold]

      liplanet-cert passport --example -o passport-carbon-footprint.json
    """

    def body() -> int:
        from liplanet_cert.assessment.footprint import bundle_passport
        from liplanet_cert.assessment.kpis import measure
        from liplanet_cert.bundle.load import load_bundle
        from liplanet_cert.reporters.json_ import dumps

        b = load_bundle(_bundle_arg(bundle, example))
        _deliver(dumps(bundle_passport(b, measure(b), bw_dir=bw_dir)), output, stdout=output is None)
        return 0

    run(body)


@app.command()
def dossier(
    bundle: Path | None = typer.Argument(None, help="Bundle directory or .zip.", show_default=False),
    example: bool = typer.Option(False, "--example", help="Use the approved example bundle."),
    out: Path = typer.Option(..., "--out", "-o", help="Directory to write the dossier into."),
    format: str = typer.Option("html,md", "--format", "-f", help="Comma-separated: html, md."),
    criteria: str | None = typer.Option(None, "--criteria", "-c", help=CRITERIA_HELP),
    at: str | None = typer.Option(None, "--at", help=AT_HELP),
    bw_dir: Path | None = typer.Option(
        None, "--bw-dir", envvar="LIPLANET_BW_DIR", help="Brightway data directory."
    ),
    sign: Path | None = typer.Option(
        None,
        "--sign",
        help="Ed25519 private key (liplanet-cert keygen): write a detached signature FILE.sig beside each dossier file.",
    ),
) -> None:
    """Write the audit dossier (self-contained HTML and Markdown) for a bundle.

    Byte-identical for the same inputs; the date comes from SOURCE_DATE_EPOCH when set.

    [bold]Example[/bold]

      liplanet-cert dossier --example -o out/
    """

    def body() -> int:
        from liplanet_cert.assessment.core import AssessOptions
        from liplanet_cert.assessment.core import assess as do_assess

        formats = tuple(f.strip() for f in format.split(",") if f.strip())
        bad = [f for f in formats if f not in ("html", "md")]
        if bad or not formats:
            raise UsageError(
                f"unknown dossier format(s) {', '.join(bad) or format!r}; choose html, md", file="--format"
            )
        key = _signing_key(sign, True)
        result = do_assess(
            _bundle_arg(bundle, example),
            AssessOptions(criteria=criteria, at=_parse_at(at), footprint=True, bw_dir=bw_dir),
        )
        _sign(key, _write_dossier(result, out, formats))
        return result.exit_code

    run(body)


# -- criteria ------------------------------------------------------------------------------
@criteria_app.command("list")
def criteria_list(
    at: str | None = typer.Option(None, "--at", help="Mark the pack in force on this day (default today)."),
) -> None:
    """List the shipped criteria packs and which one is in force.

    [bold]Example[/bold]

      liplanet-cert criteria list --at 2024-06-01
    """

    def body() -> int:
        from liplanet_cert.criteria.pack import shipped_packs
        from liplanet_cert.criteria.select import select_pack
        from liplanet_cert.reporters.safetable import SafeTable, id_col, text_col, words_col

        day = _parse_at(at) or date.today()
        try:
            current = select_pack(None, day).ref
        except LiplanetError:
            current = None
        t = SafeTable(
            id_col("pack"),
            id_col("in force"),
            words_col("valid"),
            id_col("criteria", justify="right"),
            id_col("sha256"),
            text_col("title", optional=True),
        )
        for p in shipped_packs():
            t.add_row(
                p.ref,
                "◀ in force" if p.ref == current else "",
                f"{p.valid_from} .. {p.valid_until or 'open'}",
                len(p.criteria),
                p.sha256[:12],
                p.title,
            )
        t.print(_console())
        return 0

    run(body)


@criteria_app.command("show")
def criteria_show(
    pack: str = typer.Argument(..., help="Pack id, id@version or path."),
    format: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Show the criteria of a pack: thresholds, severity, applicability and sources.

    [bold]Example[/bold]

      liplanet-cert criteria show liplanet-2026
    """

    def body() -> int:
        from liplanet_cert.criteria.select import select_pack
        from liplanet_cert.reporters.json_ import dumps
        from liplanet_cert.reporters.safetable import SafeTable, id_col, print_text, text_col, words_col

        p = select_pack(pack, None)
        if format == "json":
            sys.stdout.write(dumps({"id": p.id, "version": p.version, "sha256": p.sha256, "pack": p.raw}))
            return 0
        con = _console()
        print_text(con, f"{p.ref} — {p.title}", "bold")
        print_text(
            con,
            f"valid {p.valid_from} .. {p.valid_until or 'open'} · supersedes {p.supersedes or '-'} · sha256 {p.sha256}",
        )
        t = SafeTable(
            id_col("id"),
            text_col("title"),
            id_col("category"),
            id_col("severity"),
            words_col("expected"),
            words_col("applies if"),
            text_col("source", optional=True),
            show_lines=True,
        )
        for c in p.criteria:
            exp = (
                " or ".join(x.expected for x in c.check)
                if c.check
                else f"declared {c.consistency['kpi']} within ± {c.consistency['text']} of the logs"
            )  # type: ignore[index]
            t.add_row(
                c.id,
                c.title,
                c.category,
                c.severity,
                exp,
                c.applies_if.expected if c.applies_if else "",
                c.source_text,
            )
        t.print(con)
        return 0

    run(body)


@criteria_app.command("metrics")
def criteria_metrics(format: str = typer.Option("table", "--format", "-f", help="table or json.")) -> None:
    """List every metric a criteria pack may test: its kind, unit (dimension), where its value comes
    from (declaration, logs or footprint) and what it means.

    A threshold is written in any unit of the metric's dimension (e.g. "2 m/day" or "14 m/week");
    the values are compared in the unit shown.

    [bold]Examples[/bold]

      liplanet-cert criteria metrics

      liplanet-cert criteria metrics --format json
    """

    def body() -> int:
        from liplanet_cert.assessment.metrics import CATALOGUE, OPS_BY_KIND

        if format not in ("table", "json"):
            raise UsageError(f"unknown format {format!r}; choose table or json", file="--format")
        specs = sorted(CATALOGUE.values(), key=lambda m: m.name)
        if format == "json":
            from liplanet_cert.reporters.json_ import dumps

            sys.stdout.write(
                dumps({"metrics": [{**m.to_dict(), "operators": sorted(OPS_BY_KIND[m.kind])} for m in specs]})
            )
            return 0
        from liplanet_cert.reporters.safetable import SafeTable, id_col, text_col, words_col

        t = SafeTable(
            id_col("metric"),
            id_col("kind"),
            words_col("unit (dimension)"),
            id_col("from"),
            text_col("meaning"),
        )
        for m in specs:
            unit = f"{m.unit} ({m.dimension})" if m.kind == "quantity" else "-"
            t.add_row(m.name, m.kind, m.unit_note or unit, m.source, m.description)
        t.print(_console())
        return 0

    run(body)


@criteria_app.command("check")
def criteria_check(file: Path = typer.Argument(..., help="A draft criteria pack (YAML or JSON).")) -> None:
    """Lint a draft pack: schema, duplicate ids, unknown metrics, units that do not fit the metric.

    Exit 0 when the pack is sound, 2 with every problem listed otherwise.

    [bold]Example[/bold]

      liplanet-cert criteria check drafts/liplanet-2027.yaml
    """

    def body() -> int:
        from liplanet_cert.criteria.pack import canonical_sha256, parse_pack_file
        from liplanet_cert.errors import CriteriaError

        doc, problems = parse_pack_file(file)
        if problems:
            raise CriteriaError(problems)
        from liplanet_cert.infra.textsafe import say

        say(
            _console(),
            f"✓ {file}: {doc['id']}@{doc['version']}, {len(doc['criteria'])} criteria, sha256 {canonical_sha256(doc)}",
            style="green",
        )
        return 0

    run(body)


def main() -> None:
    """Console-script entry point."""
    app()


from liplanet_cert.cli.batch import register as _register_batch  # noqa: E402  (batch, criteria diff/impact)

_register_batch(app, criteria_app)

from liplanet_cert.cli.integrity import register as _register_integrity  # noqa: E402  (verify, keygen)

_register_integrity(app)
