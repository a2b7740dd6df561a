"""Where the program's data files live.

In an installed wheel the repository's top-level data folders (``criteria/``, ``lca_models/``,
``templates/``, ``examples/bundles/``) are shipped under ``liplanet_cert/_data/``; in a source
checkout (editable install, tests) they are read from the repository root.  JSON Schemas live in
the package itself (``liplanet_cert/schemas/``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def data_dir(name: str) -> Path:
    """Return the directory holding the data folder ``name`` (e.g. ``"criteria"``)."""
    shipped = PACKAGE_DIR / "_data" / name
    if shipped.is_dir():
        return shipped
    return PACKAGE_DIR.parent / name


def example_bundle(name: str = "approved") -> Path:
    """Path of an example bundle shipped with the package."""
    return data_dir("examples/bundles") / name


# The JSON Schemas ``liplanet-cert schema NAME`` publishes: NAME -> (file stem in schemas/, what it
# describes).  The one list: the command, its help and the README's command table come from it
# (tests/system/test_cli.py checks the README against it).
PUBLISHED_SCHEMAS: dict[str, tuple[str, str]] = {
    "bundle": ("declaration", "the declaration of a bundle"),
    "criteria": ("criteria-pack", "a criteria pack"),
    "result": ("result", "the output of assess --format json"),
    "waivers": ("waivers", "the --waivers file"),
    "roundrobin": ("roundrobin-protocol", "a round-robin protocol, roundrobin --protocol"),
    "roundrobin-result": ("roundrobin-result", "the output of roundrobin --format json"),
}
SCHEMA_ALIASES = {"declaration": "bundle"}


def schema_path(name: str) -> Path:
    return PACKAGE_DIR / "schemas" / f"{name}.schema.json"


def published_schema(name: str) -> Path | None:
    """The file of a published schema by its command-line name (or alias), or None."""
    entry = PUBLISHED_SCHEMAS.get(SCHEMA_ALIASES.get(name, name))
    return schema_path(entry[0]) if entry else None


@cache
def load_json(name: str) -> Any:
    """Load (once per process) a JSON file shipped in ``liplanet_cert/schemas``, e.g. ``"steps"``."""
    return json.loads((PACKAGE_DIR / "schemas" / f"{name}.json").read_text(encoding="utf-8"))


def load_schema(name: str) -> dict[str, Any]:
    """Load a JSON Schema shipped in ``liplanet_cert/schemas``."""
    return load_json(f"{name}.schema")
