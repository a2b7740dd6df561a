"""``python -m liplanet_cert`` runs the command-line interface."""

from liplanet_cert.cli.main import main

main()
