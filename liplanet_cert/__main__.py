"""``python -m liplanet_cert`` runs the command-line interface."""

from .cli import main

main()
