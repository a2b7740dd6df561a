"""The ``liplanet-cert`` entry point: the app of :mod:`liplanet_cert.cli.app` with every command
group registered.  Importing a command module registers its commands, so the import order below is
the order ``--help`` lists them in (the ``criteria`` group comes after the commands; its
subcommands in the order of :mod:`liplanet_cert.cli.criteria`)."""

from __future__ import annotations

# isort: off
from liplanet_cert.cli import assess  # noqa: F401  assess, validate
from liplanet_cert.cli import bundle  # noqa: F401  init, schema
from liplanet_cert.cli import footprint  # noqa: F401  footprint, passport
from liplanet_cert.cli import dossier  # noqa: F401  dossier
from liplanet_cert.cli import batch  # noqa: F401  batch
from liplanet_cert.cli import network  # noqa: F401  network
from liplanet_cert.cli import integrity  # noqa: F401  verify, keygen
from liplanet_cert.cli import roundrobin  # noqa: F401  roundrobin
from liplanet_cert.cli import criteria  # noqa: F401  criteria list, show, metrics, check, diff, impact

# isort: on
from liplanet_cert.cli.app import app, criteria_app

__all__ = ["app", "criteria_app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()
