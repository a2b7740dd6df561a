"""``liplanet-cert footprint`` and ``liplanet-cert passport``: a bundle's per-step CO2 footprint (with
scenarios and Monte Carlo uncertainty) and the carbon-footprint section of its battery passport."""

from __future__ import annotations

from pathlib import Path

import typer

from liplanet_cert.cli.app import app, bundle_arg, console, run, table_or_json
from liplanet_cert.cli.outputs import deliver


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
        if list_scenarios:
            from liplanet_cert.lca import scenarios

            for sid, title in scenarios().items():
                typer.echo(f"{sid}\t{title}")
            return 0
        table_or_json(format)
        from liplanet_cert.assessment.footprint import footprint_of
        from liplanet_cert.reporters.views.footprint import FootprintView

        fp = footprint_of(
            bundle_arg(bundle, example), scenario=scenario, uncertainty=uncertainty, seed=seed, bw_dir=bw_dir
        )
        view = FootprintView()
        text = view.to_json(fp)
        if format == "table":
            view.show(fp, console())
        deliver(text, output, stdout=format == "json")
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
        from liplanet_cert.assessment.footprint import passport_of
        from liplanet_cert.reporters.views.passport import PassportView

        doc = passport_of(bundle_arg(bundle, example), bw_dir=bw_dir)
        deliver(PassportView().to_json(doc), output, stdout=output is None)
        return 0

    run(body)
