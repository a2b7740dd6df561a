"""The ``liplanet-cert`` Typer apps and what every command shares: the error -> exit code mapping
(:func:`run`), the exit codes, the console, and the option helpers (bundle argument, ``--at``,
``--output``, output targets).  Commands live one group per module (``cli.assess``, ``cli.bundle``,
``cli.footprint``, ``cli.dossier``, ``cli.batch``, ``cli.integrity``, ``cli.criteria``) and register
themselves on :data:`app` / :data:`criteria_app`; :mod:`liplanet_cert.cli.main` imports them all.
This module imports none of them.

Exit codes: 0 approved (with or without observations) · 1 not approved · 2 invalid input or usage ·
3 internal error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from liplanet_cert.errors import LiplanetError, UsageError
from liplanet_cert.version import __version__

if TYPE_CHECKING:
    from liplanet_cert.reporters.views.base import View

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


def console(stderr: bool = False) -> Any:
    """A rich Console on stdout (or stderr) that shows text as given (no highlighting)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _fail(exc: LiplanetError) -> None:
    from liplanet_cert.infra.textsafe import say

    err = console(stderr=True)
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

        say(console(stderr=True), "interrupted", style="yellow")
        raise typer.Exit(130) from None
    except Exception as exc:  # an internal error: a bug, not the user's fault
        if os.environ.get("LIPLANET_DEBUG"):
            raise
        from liplanet_cert.infra.textsafe import say

        say(
            console(stderr=True),
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


def bundle_arg(bundle: Path | None, example: bool, name: str = "approved") -> Path:
    """The BUNDLE argument, or the shipped example with ``--example`` (exactly one of them)."""
    from liplanet_cert.infra.resources import example_bundle

    if example and bundle is not None:
        raise UsageError("give either a BUNDLE or --example, not both", file="command line")
    if example:
        return example_bundle(name)
    if bundle is None:
        raise UsageError("missing BUNDLE (a bundle directory or .zip); or use --example", file="command line")
    return bundle


def parse_at(at: str | None) -> date | None:
    """``--at YYYY-MM-DD`` as a date (None when not given)."""
    from liplanet_cert.criteria.select import parse_at as parse_day

    return None if at is None else parse_day(at)


def parse_outputs(
    outputs: list[str] | None,
    default_format: str,
    known: Sequence[str] | None = None,
    suffixes: Mapping[str, str] | None = None,
) -> list[tuple[str, Path]]:
    """``--output FORMAT:PATH``, or ``--output FILE`` with the format from the file's suffix (when
    --format is the terminal table) or from --format.  Refused, exit 2: an unknown ``FORMAT:``
    prefix (a path that contains a colon needs an explicit format, ``json:a:b.json``), and a file
    whose suffix names no report format while --format is the terminal table (``report.pdf``).
    ``known``/``suffixes``: a command's own formats (default: the result reporters')."""
    from liplanet_cert.infra.targets import split_targets
    from liplanet_cert.reporters import formats

    return split_targets(
        outputs,
        tuple(known) if known is not None else tuple(formats()),
        OUTPUT_SUFFIXES if suffixes is None else suffixes,
        option="--output",
        what="report",
        default=default_format,
        suffix_decides=default_format == "table",
    )


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
FOOTPRINT_HELP = "Compute the CO2 footprint (default: when the criteria need it)."
BW_DIR_HELP = "Brightway data directory for the footprint."
WAIVERS_HELP = "Waiver file (YAML); validated before anything is assessed (exit 2 if malformed)."


def check_targets(outs: list[tuple[Any, Path]], dossier: Path | None = None) -> None:
    """Every output target is checked before anything is assessed or written (exit 2 naming it)."""
    from liplanet_cert.infra.atomic import check_directory
    from liplanet_cert.infra.targets import check_distinct

    check_distinct(outs, option="--output", whats="reports")
    if dossier is not None:
        check_directory(dossier)


def table_or_json(format: str) -> None:
    """``--format`` of a command with a console view: table or json, else exit 2."""
    if format not in ("table", "json"):
        raise UsageError(f"unknown format {format!r}; choose table or json", file="--format")


def present(view: View[Any], item: Any, format: str) -> None:
    """``--format json``: the view's JSON on stdout; otherwise its console form."""
    if format == "json":
        sys.stdout.write(view.to_json(item))
    else:
        view.show(item, console())
