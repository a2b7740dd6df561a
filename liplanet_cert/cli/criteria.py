"""``liplanet-cert criteria ...``: the criteria catalogues (``list``, ``show``, ``metrics``), linting a
draft pack (``check``), and criteria evolution: two packs compared (``diff``) and which approved lines
a new pack would cost the seal (``impact``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from liplanet_cert.cli.app import console, criteria_app, parse_at, present, run, table_or_json
from liplanet_cert.errors import LiplanetError

IMPACT_EXIT_HELP = (
    "Exit codes: 0 no approved line would lose the seal · 1 some would lose it · 2 invalid input or usage · 3 internal error · "
    "4 some approved lines cannot be judged from the stored results (they lack what the new pack measures; re-run the batch) — "
    "4 wins over 1: when some lines would lose the seal and others cannot be judged, the list of losses is incomplete."
)


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
        from liplanet_cert.reporters.views.criteria import PackListView

        day = parse_at(at) or date.today()
        try:
            current = select_pack(None, day).ref
        except LiplanetError:
            current = None
        PackListView(in_force=current).show(shipped_packs(), console())
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
        from liplanet_cert.reporters.views.criteria import PackView

        present(PackView(), select_pack(pack, None), format)
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
        from liplanet_cert.catalogue import CATALOGUE, pattern_specs
        from liplanet_cert.reporters.views.criteria import MetricsView

        table_or_json(format)
        specs = sorted(CATALOGUE.values(), key=lambda m: m.name) + pattern_specs()
        present(MetricsView(), specs, format)
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
            console(),
            f"✓ {file}: {doc['id']}@{doc['version']}, {len(doc['criteria'])} criteria, sha256 {canonical_sha256(doc)}",
            style="green",
        )
        return 0

    run(body)


@criteria_app.command("diff")
def criteria_diff(
    old: str = typer.Argument(..., help="Old pack: id@version or a pack file."),
    new: str = typer.Argument(..., help="New pack: id@version or a pack file."),
    format: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Compare two criteria packs: criteria added, removed and changed (threshold, severity, applicability).

    [bold]Example[/bold]

      liplanet-cert criteria diff liplanet-2023@1.0.0 liplanet-2026@2.0.0
    """

    def body() -> int:
        from liplanet_cert.criteria.diff import diff_packs
        from liplanet_cert.criteria.select import select_pack
        from liplanet_cert.reporters.views.criteria_diff import DiffView

        d = diff_packs(select_pack(old, None), select_pack(new, None))
        present(DiffView(), d, format)
        return 0

    run(body)


@criteria_app.command("impact", epilog=IMPACT_EXIT_HELP)
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

    def body() -> int:
        from liplanet_cert.batch.impact import impact
        from liplanet_cert.criteria.select import select_pack
        from liplanet_cert.reporters.views.impact import ImpactView

        rep = impact(select_pack(new, None), against, criteria_arg=new)
        present(ImpactView(), rep, format)
        return rep.exit_code

    run(body)
