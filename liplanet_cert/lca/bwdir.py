"""The Brightway directory: where it is (option, ``$LIPLANET_BW_DIR`` or the user data
directory), that it is usable, its lock, and the unit-impact cache the fast engine reads without
importing Brightway (written by :mod:`liplanet_cert.lca.brightway`)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from liplanet_cert.errors import Problem, UsageError
from liplanet_cert.lca.model import Model

CACHE_DIR = "liplanet-cache"
LOCK_NAME = ".liplanet.lock"


def resolve_bw_dir(bw_dir: Path | str | None = None) -> Path:
    """The Brightway directory: option, else $LIPLANET_BW_DIR, else the user data directory."""
    if bw_dir:
        return Path(bw_dir).expanduser().resolve()
    env = os.environ.get("LIPLANET_BW_DIR")
    if env:
        return Path(env).expanduser().resolve()
    import platformdirs

    return Path(platformdirs.user_data_dir("liplanet-cert")) / "brightway"


def usable_bw_dir(bw_dir: Path) -> Path:
    """Create ``bw_dir`` if needed; a path that cannot be a writable directory (a file, a folder
    inside a file, no permission) is the user's input: a :class:`UsageError` naming it, exit 2."""
    try:
        bw_dir.mkdir(parents=True, exist_ok=True)
        if not os.access(bw_dir, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied")
    except OSError as exc:
        found = "a file" if bw_dir.is_file() else (exc.strerror or type(exc).__name__)
        raise UsageError(
            Problem(
                str(bw_dir),
                message="the Brightway directory (--bw-dir or LIPLANET_BW_DIR) cannot be used",
                expected="a writable directory, or a path where one can be created",
                found=found,
            )
        ) from None
    return bw_dir


@contextlib.contextmanager
def locked(bw_dir: Path) -> Iterator[None]:
    """Hold the Brightway directory (exclusive, waiting for another process that holds it)."""
    from liplanet_cert.infra.locks import exclusive

    with exclusive(usable_bw_dir(bw_dir) / LOCK_NAME, wait=True):
        yield


def cache_path(bw_dir: Path, model: Model) -> Path:
    return bw_dir / CACHE_DIR / f"unit-impacts-{model.sha256}.json"


# Version of the cache's layout: a cache of another format (or none, written before formats) is
# not read, so Brightway recomputes it.  2: adds the characterised inventory per supplier.
CACHE_FORMAT = 2
_READ: dict[str, tuple[tuple[int, int], dict[str, Any] | None]] = {}  # path -> (stat, payload)


def _payload(bw_dir: Path, model: Model) -> dict[str, Any] | None:
    """The cache file of this model, if it is of this format, model and method.

    Memoised per process while the file is unchanged (mtime and size): a batch asks once per bundle.
    """
    path = cache_path(bw_dir, model)
    try:
        st = path.stat()
    except OSError:
        return None
    stamp = (st.st_mtime_ns, st.st_size)
    hit = _READ.get(str(path))
    if hit is not None and hit[0] == stamp:
        return hit[1]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = (
        isinstance(data, dict)
        and data.get("format") == CACHE_FORMAT
        and data.get("model_sha256") == model.sha256
        and data.get("method") == list(model.method)
    )
    payload = data if ok else None
    _READ[str(path)] = (stamp, payload)
    return payload


def read_cache(bw_dir: Path, model: Model) -> dict[str, float] | None:
    """Unit impacts (kg CO2e per kWh or kg of each background supplier), if cached for this model."""
    data = _payload(bw_dir, model)
    return None if data is None else {k: float(v) for k, v in data["unit_impacts"].items()}


def read_cells(
    bw_dir: Path, model: Model
) -> tuple[dict[str, dict[str, dict[str, float]]], dict[str, str]] | None:
    """(supplier -> background process -> elementary flow -> kg CO2e per unit of the supplier,
    process code -> name), if cached for this model (see :mod:`liplanet_cert.lca.contribution`);
    converted once per cache file read (read-only: callers must not change them)."""
    data = _payload(bw_dir, model)
    if data is None:
        return None
    if "_cells" not in data:
        cells = {
            s: {p: {f: float(v) for f, v in flows.items()} for p, flows in procs.items()}
            for s, procs in data["characterized"].items()
        }
        data["_cells"] = (cells, {str(k): str(v) for k, v in data["process_names"].items()})
    return data["_cells"]
