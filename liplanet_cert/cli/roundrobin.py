"""``liplanet-cert roundrobin``: score the participants of a round robin (ISO 13528 z, z', zeta, En;
ISO 5725-2 precision with replicates) from a results CSV or from their submission bundles, and
show the result as a table, JSON (``schema roundrobin-result``), Markdown or HTML.

Exit codes: 0 no participant unsatisfactory (questionable scores are shown, not failed) · 1 at
least one unsatisfactory score · 2 invalid input or usage · 3 internal error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from liplanet_cert.cli.app import app, check_targets, console, parse_outputs, run
from liplanet_cert.errors import Problem, UsageError

if TYPE_CHECKING:
    from liplanet_cert.roundrobin.model import MeasurandData, Observation, Protocol, RoundRobinResult

FORMATS = ("table", "json", "markdown", "html")
SUFFIXES = {".txt": "table", ".json": "json", ".md": "markdown", ".html": "html", ".htm": "html"}
TABLE_FILE_WIDTH = 120  # columns of a table written with -o table:PATH


@app.command(
    help="""Score the participants of a round robin against the assigned value of each measurand.

    DATA is a results CSV (columns participant, measurand, value, unit; optional replicate, uncertainty, cell_id), or several; with --from-bundles, the participants' submission bundles, of which those of the protocol's reference design are used (their end-of-line capacity, internal resistance and OCV drop, one value per cell).  Without --protocol: Algorithm A consensus, sigma_pt the robust SD, |z| <= 2 satisfactory, >= 3 unsatisfactory.  Participants are shown as codes P01, P02, ... unless --reveal.

    Exit codes: 0 no unsatisfactory score (questionable ones are shown) · 1 at least one unsatisfactory score · 2 invalid input or usage · 3 internal error.

    [bold]Examples[/bold]

      liplanet-cert roundrobin examples/roundrobin/results.csv --protocol examples/roundrobin/protocol.yaml

      liplanet-cert roundrobin results.csv --format json -o html:round.html -o markdown:round.md

      liplanet-cert roundrobin --from-bundles bundles/*.zip --protocol protocol.yaml --reveal
    """
)
def roundrobin(
    data: list[Path] | None = typer.Argument(
        None,
        help="Results CSV file(s); with --from-bundles, bundles (directories or .zip).",
        show_default=False,
        metavar="DATA",
    ),
    protocol: Path | None = typer.Option(
        None, "--protocol", "-p", help="Round-robin protocol (YAML; liplanet-cert schema roundrobin)."
    ),
    from_bundles: bool = typer.Option(
        False,
        "--from-bundles",
        help="DATA are submission bundles: take the end-of-line results of those of the protocol's reference design (needs --protocol).",
    ),
    reveal: bool = typer.Option(False, "--reveal", help="Show the participants' names instead of codes."),
    format: str = typer.Option(
        "table", "--format", "-f", help="Report on stdout: table, json, markdown or html."
    ),
    output: list[str] | None = typer.Option(
        None,
        "--output",
        "-o",
        help="Also write a report: FORMAT:PATH, or FILE with the format from its suffix (.txt .json .md .html). Repeatable.",
    ),
) -> None:
    def body() -> int:
        if format not in FORMATS:
            raise UsageError(f"unknown format {format!r}; choose {', '.join(FORMATS)}", file="--format")
        outs = parse_outputs(output, "table", FORMATS, SUFFIXES)  # the format from the suffix
        check_targets(outs)
        result = compute(list(data or []), protocol, from_bundles, reveal)
        texts = [(p, render(result, fmt)) for fmt, p in outs]  # rendered first: nothing half-written
        from liplanet_cert.infra.atomic import write_all

        write_all([(p, t.encode("utf-8")) for p, t in texts])
        if format == "table":
            show_table(result, console())
        else:
            sys.stdout.write(render(result, format))
        return exit_code(result)

    run(body)


def compute(
    paths: list[Path], protocol_file: Path | None, from_bundles: bool, reveal: bool
) -> RoundRobinResult:
    """Read the inputs, group them, score them (:func:`liplanet_cert.roundrobin.analyse.analyse`)."""
    from liplanet_cert.infra.textsafe import say
    from liplanet_cert.roundrobin.data import codes, group, missing_measurands, read_bundles
    from liplanet_cert.roundrobin.protocol import default_protocol, load_protocol
    from liplanet_cert.version import __version__

    if not paths:
        what = "bundles (directories or .zip)" if from_bundles else "a results CSV file"
        raise UsageError(f"missing DATA: {what}", file="command line")
    proto = load_protocol(protocol_file) if protocol_file is not None else None
    err = console(stderr=True)
    if from_bundles:
        if proto is None:
            raise UsageError(
                "--from-bundles needs --protocol FILE (its reference_design says which bundles take part)",
                file="--from-bundles",
            )
        taken = read_bundles(paths, proto)
        for path, why in taken.skipped:
            say(err, f"skipped {path}: {why}", style="yellow")
        observations = taken.observations
    else:
        observations = read_csv_files(paths)
    data = group(observations, proto)
    for m in missing_measurands(data, proto):
        say(err, f"note: no participant reported {m}, which the protocol names", style="yellow")
    if not data:
        raise UsageError("no results to score", file=", ".join(map(str, paths)))
    used = proto or default_protocol({m: md.spec.unit for m, md in data.items()})
    names = sorted({p for md in data.values() for p in md.by_participant})
    result = _analyse(data, used, None if reveal else codes(names, used.round_id))
    result.pseudonymised = not reveal
    result.tool = result.tool or {"name": "liplanet-cert", "version": __version__}
    return result


def read_csv_files(paths: list[Path]) -> list[Observation]:
    """The observations of every results CSV; the problems of all of them at once (exit 2)."""
    from liplanet_cert.roundrobin.data import read_results_csv
    from liplanet_cert.roundrobin.protocol import RoundRobinError

    observations: list[Observation] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            observations += read_results_csv(path)
        except RoundRobinError as exc:
            problems += exc.problems
    if problems:
        raise RoundRobinError(problems)
    return observations


def _analyse(
    data: dict[str, MeasurandData], protocol: Protocol, codes: dict[str, str] | None
) -> RoundRobinResult:
    from liplanet_cert.roundrobin.analyse import analyse

    return analyse(data, protocol, codes)


def exit_code(result: RoundRobinResult) -> int:
    """1 when any participant's flag is unsatisfactory, else 0."""
    return int(any(p.flag == "unsatisfactory" for m in result.measurands for p in m.participants))


def render(result: RoundRobinResult, fmt: str) -> str:
    """The report of ``result`` in ``fmt`` (table, json, markdown, html) as text."""
    if fmt == "json":
        from liplanet_cert.reporters.json_ import dumps

        return dumps(result.to_dict())
    if fmt == "table":
        import io

        from rich.console import Console

        buf = io.StringIO()
        show_table(result, Console(file=buf, width=TABLE_FILE_WIDTH, color_system=None, highlight=False))
        return buf.getvalue()
    from liplanet_cert.reporters.roundrobin_report import render as render_report

    return render_report(result.to_dict(), fmt)


def _num(x: float | None, digits: int = 5) -> str:
    return "—" if x is None else f"{x:.{digits}g}"


def _score(x: float | None) -> str:
    return "—" if x is None else f"{x:+.2f}"


FLAG_STYLE = {"satisfactory": "green", "questionable": "yellow", "unsatisfactory": "bold red"}


def show_table(result: RoundRobinResult, con: Any) -> None:
    """The terminal form: per measurand its assigned value, sigma_pt and n, then one row per
    participant (value, u, z, z', zeta, En, flag), its precision figures and limitations."""
    from liplanet_cert.infra.textsafe import say
    from liplanet_cert.reporters.safetable import SafeTable, id_col, text_col

    p = result.protocol
    say(
        con,
        f"Round robin {p.round_id or '(no round id)'} · protocol {p.id} {p.version} · {p.source}",
        style="bold",
    )
    if p.reference_design:
        say(con, f"reference design: {p.reference_design}")
    who = "participant (code)" if result.pseudonymised else "participant"
    for m in result.measurands:
        say(con, "")
        say(
            con,
            f"{m.measurand} [{m.unit}]: assigned value {_num(m.assigned_value)} ± {_num(m.u_assigned_value, 2)} "
            f"(standard uncertainty) · σ_pt {_num(m.sigma_pt, 3)} · n {m.n}",
            style="bold",
        )
        say(con, f"  {m.method}", style="dim")
        table = SafeTable(
            id_col(who),
            id_col("value", justify="right"),
            id_col("u", justify="right", optional=True),
            id_col("z", justify="right"),
            id_col("z′", justify="right", optional=True),
            id_col("ζ", justify="right"),
            id_col("En", justify="right"),
            text_col("flag"),
        )
        for s in m.participants:
            table.add_row(
                s.participant,
                _num(s.value),
                _num(s.uncertainty, 2),
                _score(s.z),
                _score(s.z_prime),
                _score(s.zeta),
                _score(s.En),
                s.flag,
                style=FLAG_STYLE.get(s.flag),
            )
        table.print(con)
        _precision(con, m.precision)
        for note in m.limitations:
            say(con, f"  limitation: {note}", style="yellow")
    bad = sum(s.flag == "unsatisfactory" for m in result.measurands for s in m.participants)
    doubtful = sum(s.flag == "questionable" for m in result.measurands for s in m.participants)
    say(con, "")
    say(
        con,
        f"{bad} unsatisfactory and {doubtful} questionable score{'s' if doubtful != 1 else ''}",
        style="bold red" if bad else ("yellow" if doubtful else "green"),
    )


def _precision(con: Any, precision: dict[str, Any] | None) -> None:
    from liplanet_cert.infra.textsafe import say

    if not precision:
        return
    figures = [f"{k} {_num(precision[k], 3)}" for k in ("s_r", "s_L", "s_R") if precision.get(k) is not None]
    if figures:
        say(con, "  ISO 5725-2: " + " · ".join(figures))
    for key in ("outliers", "stragglers"):
        if precision.get(key):
            say(con, f"  {key}: {', '.join(map(str, precision[key]))}", style="yellow")
