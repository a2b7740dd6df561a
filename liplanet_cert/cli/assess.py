"""``liplanet-cert assess`` and ``liplanet-cert validate``: one bundle against the criteria (or only
its schema and consistency), reported on stdout and in every ``--output`` format asked for."""

from __future__ import annotations

from pathlib import Path

import typer

from liplanet_cert.cli import outputs
from liplanet_cert.cli.app import (
    AT_HELP,
    BW_DIR_HELP,
    CRITERIA_HELP,
    FOOTPRINT_HELP,
    FORMAT_HELP,
    WAIVERS_HELP,
    app,
    bundle_arg,
    check_targets,
    console,
    parse_at,
    parse_outputs,
    run,
)
from liplanet_cert.cli.config import ALLOW_OPTION, BACKGROUND_OPTION, MAPPING_OPTION, background_spec
from liplanet_cert.errors import UsageError


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
        help=FOOTPRINT_HELP,
    ),
    dossier: Path | None = typer.Option(
        None, "--dossier", help="Also write the audit dossier (HTML and Markdown) into this directory."
    ),
    bw_dir: Path | None = typer.Option(None, "--bw-dir", envvar="LIPLANET_BW_DIR", help=BW_DIR_HELP),
    background: str | None = BACKGROUND_OPTION,
    background_mapping: Path | None = MAPPING_OPTION,
    allow_embedded_default: bool = ALLOW_OPTION,
    waivers: Path | None = typer.Option(
        None,
        "--waivers",
        help=WAIVERS_HELP,
    ),
    sign: Path | None = typer.Option(
        None,
        "--sign",
        help="Ed25519 private key (liplanet-cert keygen): write a detached signature FILE.sig beside each written report and dossier file.",
    ),
    roundrobin: Path | None = typer.Option(
        None,
        "--roundrobin",
        help="A round-robin result (roundrobin --format json): the line's scores for the roundrobin.<measurand>.* criteria.",
    ),
    roundrobin_participant: str | None = typer.Option(
        None,
        "--roundrobin-participant",
        help="The line's participant code in the --roundrobin result (needed unless it was made with --reveal).",
    ),
    network: Path | None = typer.Option(
        None,
        "--network",
        help="With --dossier: a batch run's output directory; the dossier shows where this line stands in it.",
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

        path = bundle_arg(bundle, example)
        reporter = get_reporter(format)
        outs = [(get_reporter(f), p) for f, p in parse_outputs(output, format)]
        check_targets(outs, dossier)
        if roundrobin_participant is not None and roundrobin is None:
            raise UsageError(
                "--roundrobin-participant needs --roundrobin RESULT.json", file="--roundrobin-participant"
            )
        if network is not None and dossier is None:
            raise UsageError("--network adds a section to the dossier: add --dossier DIR", file="--network")
        from liplanet_cert.cli.network import network_of, standing_of

        net = network_of(network)  # a run that cannot be read fails before anything is assessed
        from liplanet_cert.assessment.waivers import load_waivers

        wset = load_waivers(waivers) if waivers is not None else None  # fail closed, before assessing
        key = outputs.signing_key(
            sign, bool(outs) or dossier is not None
        )  # a bad key fails before anything is written
        opts = AssessOptions(
            criteria=criteria,
            at=parse_at(at),
            footprint=footprint,
            bw_dir=bw_dir,
            waivers=wset,
            dossier=dossier is not None,
            roundrobin=roundrobin,
            roundrobin_participant=roundrobin_participant,
            background=background_spec(background, background_mapping, allow_embedded_default),
        )
        with outputs.reporting_refusal(path, reporter, outs):
            result = do_assess(path, opts)
        outputs.emit(result, reporter, outs)
        written = [p for _r, p in outs]
        if dossier is not None:
            written += outputs.write_dossier(
                result, dossier, ("html", "md"), network=standing_of(net, result)
            )
        outputs.sign(key, written)
        return result.exit_code

    run(body)


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

        path = bundle_arg(bundle, example)
        reporter = get_reporter(format)
        outs = [(get_reporter(f), p) for f, p in parse_outputs(output, format)]
        check_targets(outs)
        with outputs.reporting_refusal(path, reporter, outs):
            b = do_validate(path)
        from liplanet_cert.infra.textsafe import clean, say

        summary = (
            f"valid bundle: {clean(b.pilot_line['name'], oneline=True)} — {len(b.inputs)} files, {len(b.production)} production-log rows, "
            f"{0 if b.eol is None else len(b.eol)} cells tested, {0 if b.energy is None else len(b.energy)} metering rows"
        )
        if reporter.terminal:
            say(console(), "✓ ", summary, style="green")
        outputs.report_unassessed(Unassessed(str(path), "valid", summary, kind="bundle"), reporter, outs)
        return 0

    run(body)
