"""Shared fixtures: throw-away Brightway directory, editable copies of the example bundles.
Plain helpers and constants are in helpers.py; only fixtures live here."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import EXAMPLES, BundleDir


@pytest.fixture(scope="session", autouse=True)
def _throwaway_brightway(tmp_path_factory: pytest.TempPathFactory):
    """Any Brightway use during the tests goes to a temporary directory, never the user's."""
    old = os.environ.get("LIPLANET_BW_DIR")
    os.environ["LIPLANET_BW_DIR"] = str(tmp_path_factory.mktemp("brightway"))
    yield
    if old is None:
        os.environ.pop("LIPLANET_BW_DIR", None)
    else:
        os.environ["LIPLANET_BW_DIR"] = old


@pytest.fixture(scope="session")
def brightway_dir(_throwaway_brightway) -> Path:
    """The session's throw-away Brightway directory, set up once (background, method, caches):
    tests that need a ready project share it instead of paying the set-up each."""
    from liplanet_cert.lca import setup_brightway

    path = Path(os.environ["LIPLANET_BW_DIR"])
    setup_brightway(path)
    return path


@pytest.fixture
def make_bundle(tmp_path: Path) -> Callable[..., BundleDir]:
    """``make_bundle("approved")`` copies an example bundle into tmp_path and returns a :class:`BundleDir`."""
    counter = [0]

    def make(example: str = "approved") -> BundleDir:
        counter[0] += 1
        dest = tmp_path / f"{example}-{counter[0]}"
        shutil.copytree(EXAMPLES / example, dest)
        return BundleDir(dest)

    return make
