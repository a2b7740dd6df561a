"""The version of liplanet-cert (kept equal to pyproject.toml's; the package root re-exports it)."""

__version__ = "0.1.0"
