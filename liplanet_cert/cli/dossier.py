"""``liplanet-cert dossier``: assess a bundle and write its audit dossier (HTML and Markdown),
optionally signed."""

from __future__ import annotations

from pathlib import Path

import typer

from liplanet_cert.cli import outputs
from liplanet_cert.cli.app import AT_HELP, CRITERIA_HELP, app, bundle_arg, parse_at, run
from liplanet_cert.cli.config import ALLOW_OPTION, BACKGROUND_OPTION, MAPPING_OPTION, background_spec
from liplanet_cert.errors import UsageError


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
    network: Path | None = typer.Option(
        None,
        "--network",
        help="A batch run's output directory (batch --out): add where this line stands in that network.",
    ),
    background: str | None = BACKGROUND_OPTION,
    background_mapping: Path | None = MAPPING_OPTION,
    allow_embedded_default: bool = ALLOW_OPTION,
) -> None:
    """Write the audit dossier (self-contained HTML and Markdown) for a bundle.

    Byte-identical for the same inputs; the date comes from SOURCE_DATE_EPOCH when set.

    [bold]Example[/bold]

      liplanet-cert dossier --example -o out/

      liplanet-cert dossier bundles/nordwerk -o out/ --network run/

      BRIGHTWAY2_DIR=~/bw liplanet-cert dossier --example -o out/ --background my-study/ecoinvent-3.10-cutoff
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
        key = outputs.signing_key(sign, True)
        from liplanet_cert.cli.network import network_of, standing_of

        net = network_of(network)  # a run that cannot be read fails before anything is assessed
        spec = background_spec(background, background_mapping, allow_embedded_default)
        result = do_assess(
            bundle_arg(bundle, example),
            AssessOptions(criteria=criteria, at=parse_at(at), dossier=True, bw_dir=bw_dir, background=spec),
        )
        outputs.sign(key, outputs.write_dossier(result, out, formats, standing_of(net, result)))
        return result.exit_code

    run(body)
