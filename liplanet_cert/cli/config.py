"""The user's background settings: the ``--background`` options every footprint command shares,
and the configuration file: ``liplanet-cert.toml`` in the current directory, or the file named by
``$LIPLANET_CONFIG``.  Today it holds one table, the user's Brightway background::

    [background]
    database = "my-study/ecoinvent-3.10-cutoff"   # PROJECT/DATABASE, as --background
    mapping = "background_mapping.yaml"           # as --background-mapping; relative to this file
    allow_embedded_default = false                # as --allow-embedded-default

Every setting is optional but ``database``.  Precedence: the option, then its environment
variable (``LIPLANET_BACKGROUND``, ``LIPLANET_BACKGROUND_MAPPING``), then this file.  The file is
read as an untrusted input (a regular file, at most :data:`MAX_CONFIG_BYTES`); an unknown table or
key, a wrong type or bad TOML is a located error (exit 2).  No file: no settings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from liplanet_cert.errors import Problem, UsageError

CONFIG_NAME = "liplanet-cert.toml"
CONFIG_ENV = "LIPLANET_CONFIG"
MAX_CONFIG_BYTES = 64_000
# key -> (type, what is expected), per table
_KEYS: dict[str, dict[str, tuple[type, str]]] = {
    "background": {
        "database": (str, "text: PROJECT/DATABASE"),
        "mapping": (str, "text: a path to a background mapping (YAML), relative to this file"),
        "allow_embedded_default": (bool, "true or false"),
    }
}


@dataclass(frozen=True)
class BackgroundConfig:
    """The ``[background]`` table of the configuration file ``file``."""

    file: Path
    database: str
    mapping: Path | None = None
    allow_embedded_default: bool = False


def config_path() -> Path | None:
    """The configuration file in use: ``$LIPLANET_CONFIG`` (which must exist), else
    ``liplanet-cert.toml`` in the current directory when there is one, else None."""
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    local = Path.cwd() / CONFIG_NAME
    return local if local.is_file() else None


def load_config(path: Path) -> dict[str, dict[str, Any]]:
    """The checked tables of the configuration file at ``path`` (every problem at once)."""
    import tomllib

    from liplanet_cert.infra.inputfile import read_input_file

    raw = read_input_file(path, "configuration file", MAX_CONFIG_BYTES)
    name = str(path)
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise UsageError(
            Problem(name, f"byte {exc.start}", "not UTF-8 text", expected="a TOML file")
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(Problem(name, message="not valid TOML", found=str(exc))) from None
    problems: list[Problem] = []
    for table, body in doc.items():
        keys = _KEYS.get(table)
        if keys is None or not isinstance(body, dict):
            problems.append(
                Problem(
                    name, table, "unknown setting", expected="a table: " + ", ".join(f"[{t}]" for t in _KEYS)
                )
            )
            continue
        for key, value in body.items():
            where = f"[{table}] {key}"
            if key not in keys:
                problems.append(Problem(name, where, "unknown key", expected=", ".join(keys)))
            elif not isinstance(value, keys[key][0]) or (isinstance(value, str) and not value.strip()):
                problems.append(Problem(name, where, "wrong type", expected=keys[key][1], found=repr(value)))
    if isinstance(doc.get("background"), dict) and "database" not in doc["background"]:
        problems.append(
            Problem(name, "[background]", "missing key database", expected=_KEYS["background"]["database"][1])
        )
    if problems:
        raise UsageError(problems)
    return doc


def background_config() -> BackgroundConfig | None:
    """The ``[background]`` table of the configuration file in use (None: no file, or no table)."""
    path = config_path()
    if path is None:
        return None
    table = load_config(path).get("background")
    if table is None:
        return None
    mapping = table.get("mapping")
    return BackgroundConfig(
        file=path,
        database=table["database"],
        mapping=(path.parent / Path(mapping).expanduser()) if mapping else None,
        allow_embedded_default=bool(table.get("allow_embedded_default", False)),
    )


BACKGROUND_HELP = (
    "Use your own Brightway background: PROJECT/DATABASE in BRIGHTWAY2_DIR (the project must exist; "
    "the tool's foreground is written to its own database 'liplanet-foreground' there, never into "
    "yours).  Default: [background] database of liplanet-cert.toml (current directory, or "
    "LIPLANET_CONFIG); 'embedded' keeps the embedded background."
)
MAPPING_HELP = (
    "Your background mapping (YAML, same layout as lca_models/background_mapping.yaml), merged over it."
)
ALLOW_HELP = "Background needs your database does not match use the embedded default (marked in the result)."


def background_spec(background: str | None, mapping: Path | None, allow_embedded: bool) -> object:
    """The user's background (``None``: the embedded one): each setting from its option, else its
    environment variable (typer), else the configuration file (:func:`background_config`);
    ``--background embedded`` keeps the embedded one whatever the file says.  Read before anything
    imports Brightway, so that BRIGHTWAY2_DIR is the user's."""
    conf = background_config()
    if background is None and conf is not None:
        background = conf.database
    if background is not None and background.strip() == "embedded":
        background = None
    elif conf is not None:
        mapping = mapping if mapping is not None else conf.mapping
        allow_embedded = allow_embedded or conf.allow_embedded_default
    if not background:
        if mapping is not None or allow_embedded:
            raise UsageError(
                Problem(
                    "--background-mapping/--allow-embedded-default",
                    message="only with --background",
                    expected="--background PROJECT/DATABASE",
                )
            )
        return None
    from liplanet_cert.lca.userbackground import parse_background

    return parse_background(background, mapping_file=mapping, allow_embedded=allow_embedded)


# The three options of every command that computes a footprint (footprint, assess, dossier, batch)
BACKGROUND_OPTION = typer.Option(
    None, "--background", envvar="LIPLANET_BACKGROUND", help=BACKGROUND_HELP, show_default=False
)
MAPPING_OPTION = typer.Option(
    None, "--background-mapping", envvar="LIPLANET_BACKGROUND_MAPPING", help=MAPPING_HELP
)
ALLOW_OPTION = typer.Option(False, "--allow-embedded-default", help=ALLOW_HELP)
