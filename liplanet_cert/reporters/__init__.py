"""Reporters: one module per output format, behind :class:`~liplanet_cert.reporters.base.Reporter`.

Adding a format means adding one module and one line to ``_REGISTRY``.
"""

from __future__ import annotations

from importlib import import_module

from liplanet_cert.errors import UsageError
from liplanet_cert.reporters.base import Reporter

# format name -> "module:Class" (imported lazily)
_REGISTRY: dict[str, str] = {
    "table": "table:TableReporter",
    "json": "json_:JSONReporter",
    "jsonl": "jsonl:JSONLReporter",
    "csv": "csv_:CSVReporter",
    "markdown": "markdown:MarkdownReporter",
    "sarif": "sarif:SARIFReporter",
    "junit": "junit:JUnitReporter",
}


def formats() -> list[str]:
    return sorted(_REGISTRY)


def get_reporter(name: str) -> Reporter:
    target = _REGISTRY.get(name)
    if target is None:
        raise UsageError(
            f"unknown output format {name!r}; choose one of: {', '.join(formats())}", file="--format"
        )
    module, cls = target.split(":")
    return getattr(import_module(f".{module}", __name__), cls)()


def register(name: str, target: str) -> None:
    """Register a format ("module:Class" relative to this package)."""
    _REGISTRY[name] = target
