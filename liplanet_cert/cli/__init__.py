"""The command line: a thin Typer layer that parses options, calls the core and hands results to reporters."""
