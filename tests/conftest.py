"""Shared fixtures: throw-away Brightway directory, editable copies of the example bundles.
Plain helpers and constants are in helpers.py; only fixtures live here."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import EXAMPLES, BundleDir

# The logs are read by pyarrow when a file is large and plainly well-formed, else line by line
# (liplanet_cert/bundle/arrowcsv.py).  The modules below test what the readers accept and say: each of
# their tests runs through BOTH readers, whatever the size of its files.
BOTH_READERS = {
    "test_hostile.py",
    "test_hostile_text.py",
    "test_hostile_bounds.py",
    "test_hostile_quality.py",
    "test_csv_excel.py",
    "test_bundle.py",
    "test_quality_log.py",
    "test_eol_reconcile.py",
    "test_unit_balance.py",
    "test_production_days.py",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "csv_reader" in metafunc.fixturenames and Path(metafunc.definition.fspath).name in BOTH_READERS:
        metafunc.parametrize("csv_reader", ["lines", "columnar"], indirect=True)


@pytest.fixture(autouse=True)
def csv_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which CSV reader reads the logs: "lines" or "columnar" for every file (the modules of
    BOTH_READERS run each test with both), else "auto" (by size, as in use)."""
    reader = getattr(request, "param", "auto")
    if reader != "auto":
        size = 0 if reader == "columnar" else 1 << 62
        monkeypatch.setattr("liplanet_cert.bundle.arrowcsv.MIN_COLUMNAR_BYTES", size)
    return reader


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
