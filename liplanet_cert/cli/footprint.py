"""``liplanet-cert footprint`` and ``liplanet-cert passport``: a bundle's per-step CO2 footprint (with
scenarios and Monte Carlo uncertainty) and the carbon-footprint section of its battery passport."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from liplanet_cert.cli.app import app, bundle_arg, console, run, table_or_json
from liplanet_cert.cli.config import ALLOW_OPTION, BACKGROUND_OPTION, MAPPING_OPTION, background_spec
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
    contribution_cutoff: float = typer.Option(
        0.01,  # lca.contribution.DEFAULT_CUTOFF (not imported here: --help stays light)
        "--contribution-cutoff",
        min=0.0,
        max=0.999,
        help="Contribution analysis: list processes and elementary flows with at least this share of "
        "their stage (0.01 = 1 %); the rest is summed as 'other'.",
    ),
    bw_dir: Path | None = typer.Option(
        None,
        "--bw-dir",
        envvar="LIPLANET_BW_DIR",
        help="Brightway data directory (default: the user data directory).",
    ),
    export_inventory: list[str] | None = typer.Option(
        None,
        "--export-inventory",
        help="Also write the line's foreground inventory (with the embedded background): "
        "brightway-excel:PATH.xlsx (bw2io ExcelImporter) or olca-jsonld:PATH.zip (openLCA JSON-LD); "
        "repeatable; the format may be left to the suffix.",
    ),
    background: str | None = BACKGROUND_OPTION,
    background_mapping: Path | None = MAPPING_OPTION,
    allow_embedded_default: bool = ALLOW_OPTION,
) -> None:
    """Per-step CO2 footprint of cell production (kg CO2e per cell and per kWh), with Brightway.

    Metered energy from the bundle is primary data; steps without metering use the sourced
    reference model (Degen & Schütte 2022) and are marked [italic]default[/italic].

    [bold]Examples[/bold]

      liplanet-cert footprint --example

      liplanet-cert footprint --example --uncertainty 1000 --seed 42 --format json

      liplanet-cert footprint bundles/nordwerk --scenario renewable-electricity

      liplanet-cert footprint --example --export-inventory line.xlsx --export-inventory olca-jsonld:line.zip

      BRIGHTWAY2_DIR=~/bw liplanet-cert footprint --example --background my-study/ecoinvent-3.10-cutoff
    """

    def body() -> int:
        if list_scenarios:
            from liplanet_cert.lca import scenarios

            for sid, title in scenarios().items():
                typer.echo(f"{sid}\t{title}")
            return 0
        table_or_json(format)
        from liplanet_cert.lca.export import parse_targets

        targets = parse_targets(export_inventory)  # checked before anything is computed
        spec = background_spec(background, background_mapping, allow_embedded_default)
        from liplanet_cert.assessment.footprint import bundle_footprint
        from liplanet_cert.assessment.kpis import measure
        from liplanet_cert.bundle.load import load_bundle
        from liplanet_cert.reporters.views.footprint import FootprintView

        loaded = load_bundle(bundle_arg(bundle, example))  # (once: the export reads the same bundle)
        m = measure(loaded)
        fp = bundle_footprint(
            loaded,
            m,
            scenario=scenario,
            uncertainty=uncertainty,
            seed=seed,
            bw_dir=bw_dir,
            background=spec,
            contribution_cutoff=contribution_cutoff,
        )
        view = FootprintView()
        text = view.to_json(fp)
        if format == "table":
            view.show(fp, console())
        deliver(text, output, stdout=format == "json")
        _export(loaded, m, targets, bw_dir)
        return 0

    run(body)


def _export(loaded: Any, m: Any, targets: list[tuple[str, Path]], bw_dir: Path | None) -> None:
    """``--export-inventory``: the inventory of the loaded bundle (``m``: its measurements) written
    to each target, named on stderr."""
    if not targets:
        return
    from liplanet_cert.assessment.footprint import footprint_input
    from liplanet_cert.infra.textsafe import say
    from liplanet_cert.lca.export import export_inventory

    name = f"liplanet {loaded.pilot_line.get('name', '')} {loaded.period_start}..{loaded.period_end}"
    for p in export_inventory(footprint_input(loaded, m), targets, database=name, bw_dir=bw_dir):
        say(console(stderr=True), f"wrote inventory {p}")


SUBMODELS = ("carbon-footprint", "performance", "material-composition")


@app.command()
def passport(
    bundle: Path | None = typer.Argument(None, help="Bundle directory or .zip.", show_default=False),
    example: bool = typer.Option(False, "--example", help="Use the approved example bundle."),
    submodel: str = typer.Option(
        "carbon-footprint",
        "--submodel",
        "-s",
        help="carbon-footprint, performance or material-composition.",
    ),
    partial: bool = typer.Option(
        False,
        "--partial",
        help="Export a carbon footprint without the raw-material stage, marked partial (no class).",
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the JSON to this file instead of stdout."
    ),
    bw_dir: Path | None = typer.Option(
        None, "--bw-dir", envvar="LIPLANET_BW_DIR", help="Brightway data directory."
    ),
) -> None:
    """Export a battery-passport submodel (Battery Pass data model 1.2.0) as JSON.

    [bold]carbon-footprint[/bold] (default): kg CO2e per kWh of energy over the service life, every
    computed lifecycle stage listed (RawMaterialExtraction, MainProduction) and summed; the stages
    left out are named on stderr and in the extension key x-liplanet.  The functional unit follows
    the declared passport.application_category (cycles per year) and passport.warranty_years
    (service life); passport.cycles_per_year_override (value, reason) is recorded.  Without the
    raw-material stage the export is refused (exit 2) unless --partial.  The performance class is
    provisional (legal classes not yet set).

    [bold]performance[/bold]: rated capacity, nominal voltage, rated energy and the initial
    internal resistance (cell level, end-of-line mean).  [bold]material-composition[/bold]:
    chemistry and the declared bill of materials.  Attributes the data cannot fill are listed in
    x-liplanet.notFilled and on stderr.

    [bold]Examples[/bold]

      liplanet-cert passport --example -o passport-carbon-footprint.json

      liplanet-cert passport --example --partial

      liplanet-cert passport --example --submodel performance -o passport-performance.json
    """

    def body() -> int:
        from liplanet_cert.errors import Problem, UsageError

        if submodel not in SUBMODELS:
            raise UsageError(
                Problem(
                    "--submodel", message="unknown submodel", expected=", ".join(SUBMODELS), found=submodel
                )
            )
        from liplanet_cert.assessment.footprint import passport_of
        from liplanet_cert.reporters.views.passport import PassportView

        doc = passport_of(bundle_arg(bundle, example), bw_dir=bw_dir, partial=partial, submodel=submodel)
        view = PassportView()
        view.notes(doc, console(stderr=True))
        deliver(view.to_json(doc), output, stdout=output is None)
        return 0

    run(body)
