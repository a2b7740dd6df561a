"""``liplanet-cert network``: where each pilot line of a batch run stands among the others; and the
``--network RUN_DIR`` of ``dossier`` and ``assess --dossier`` (the line's standing, computed here and
handed to the dossier as plain data)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from liplanet_cert.cli.app import app, console, run, table_or_json
from liplanet_cert.cli.outputs import deliver


@app.command()
def network(
    run_dir: Path = typer.Argument(
        ..., help="A batch run's output directory (batch --out).", show_default=False
    ),
    format: str = typer.Option("table", "--format", "-f", help="table or json."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Also write the JSON to this file."),
    reveal: bool = typer.Option(False, "--reveal", help="Show the pilot lines' names beside their codes."),
) -> None:
    """Compare the pilot lines of a batch run: per KPI and footprint figure, the network's
    distribution (n, min, quartiles, median, max) and each line's value and percentile rank.

    Lines are pseudonymised (codes L01, L02, …) unless --reveal.  Bundles that were invalid or
    failed are counted, not compared.

    [bold]Examples[/bold]

      liplanet-cert batch bundles/ --out run/ && liplanet-cert network run/

      liplanet-cert network run/ --format json -o network.json
    """

    def body() -> int:
        table_or_json(format)
        from liplanet_cert.batch.network import network as compute
        from liplanet_cert.reporters.views.network import NetworkView

        net = compute(run_dir, reveal=reveal)
        view = NetworkView()
        if format == "table":
            view.show(net, console())
        deliver(view.to_json(net), output, stdout=format == "json")
        return 0

    run(body)


def network_of(run_dir: Path | None) -> Any:
    """The network of ``--network RUN_DIR`` (None without it); exit 2 if it is not a run."""
    if run_dir is None:
        return None
    from liplanet_cert.batch.network import network as compute

    return compute(run_dir)


def standing_of(net: Any, result: Any) -> dict[str, Any] | None:
    """Where ``result``'s line stands in ``net``, as plain data for the dossier (None without one)."""
    return None if net is None else net.standing(result)
