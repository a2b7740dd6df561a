"""``liplanet-cert init`` and ``liplanet-cert schema``: start a bundle (a commented scaffold) and
print the published JSON Schemas a bundle, pack, result or waiver file is checked against."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from liplanet_cert.cli.app import app, console, run
from liplanet_cert.errors import UsageError


@app.command()
def init(directory: Path = typer.Argument(..., help="New bundle directory to create.")) -> None:
    """Scaffold a commented bundle that a pilot line can fill in.

    [bold]Example[/bold]

      liplanet-cert init my-line && liplanet-cert validate my-line
    """

    def body() -> int:
        from liplanet_cert.bundle.scaffold import scaffold

        written = scaffold(directory)
        console().print(
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
