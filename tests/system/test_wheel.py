"""The built wheel, installed into a fresh virtual environment, works from outside the repository.

It must find its criteria packs, templates, JSON Schemas and example bundles inside the installed
package (``liplanet_cert/_data``), never in a source checkout.

Installing the wheel *with* its dependencies (pandas, scipy, Brightway, ...) into a fresh
environment takes about 30 s on these machines, half the time budget of the whole suite.  By
default the fresh environment therefore gets the wheel with ``--no-deps`` and borrows the
dependencies of the running environment through a ``.pth`` line (``--system-site-packages`` does
not help: the base interpreter has none of them).  Only that directory is added: ``.pth`` files
inside it are not processed, so the editable install of this checkout does not leak in — the test
checks that ``liplanet_cert`` is imported from the fresh environment.  Set
``LIPLANET_TEST_FULL_INSTALL=1`` to resolve the dependencies for real (CI on a fresh machine
does the full install anyway, as the README says).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from helpers import REPO

FULL_INSTALL = os.environ.get("LIPLANET_TEST_FULL_INSTALL") == "1"
pytestmark = pytest.mark.slow  # builds the wheel and installs it into a fresh environment


def _run(cmd: list, cwd: Path, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, brightway_dir: Path) -> dict:
    work = tmp_path_factory.mktemp("wheel")
    # built once per session, without a throw-away build environment: the test extras install the
    # build backend (hatchling), so nothing is downloaded here
    built = _run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", work / "dist", REPO],
        cwd=work,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (wheel,) = (work / "dist").glob("liplanet_cert-*.whl")

    venv = work / "venv"
    runner_pip = importlib.util.find_spec("pip") is not None  # (an environment made by uv has none)
    made = _run(
        [sys.executable, "-m", "venv", *(() if FULL_INSTALL or not runner_pip else ("--without-pip",)), venv],
        cwd=work,
    )
    assert made.returncode == 0, made.stderr
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    if FULL_INSTALL:
        inst = _run(
            [python, "-m", "pip", "install", "--disable-pip-version-check", wheel], cwd=work, timeout=900
        )
    else:
        # the runner's pip installs into the fresh environment (--python): no pip bootstrapped there
        pip = [sys.executable, "-m", "pip", "--python", python] if runner_pip else [python, "-m", "pip"]
        inst = _run([*pip, "install", "--disable-pip-version-check", "--no-deps", wheel], cwd=work)
        # Only now borrow the runner's dependencies: had the .pth been there during the install, pip
        # would have found the runner's own (non-editable) liplanet-cert and skipped the wheel.
        # The fresh environment's site-packages stays first on sys.path.
        purelib = Path(
            _run(
                [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=work
            ).stdout.strip()
        )
        (purelib / "_deps_of_test_runner.pth").write_text(
            sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
        )
    assert inst.returncode == 0, inst.stdout[-2000:] + inst.stderr[-2000:]

    cwd = work / "elsewhere"  # not the repository: nothing may be read from a checkout
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    # the session's Brightway project, already set up: a first set-up on a fresh machine is what
    # .ci/run exercises with the README's first command itself
    env.update(
        LIPLANET_BW_DIR=str(brightway_dir),
        COLUMNS="200",
        NO_COLOR="1",
        PATH=str(bindir) + os.pathsep + env.get("PATH", ""),
    )
    return {
        "wheel": wheel,
        "venv": venv,
        "python": python,
        "exe": bindir / "liplanet-cert",
        "cwd": cwd,
        "env": env,
    }


def cli(installed: dict, *args) -> subprocess.CompletedProcess:
    return _run([installed["exe"], *args], cwd=installed["cwd"], env=installed["env"])


def test_wheel_ships_the_data_files(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for required in (
        "liplanet_cert/_data/criteria/liplanet-2023-1.0.0.yaml",
        "liplanet_cert/_data/criteria/liplanet-2026-2.0.0.yaml",
        "liplanet_cert/_data/templates/dossier.html.j2",
        "liplanet_cert/_data/examples/bundles/approved/declaration.yaml",
        "liplanet_cert/schemas/declaration.schema.json",
        "liplanet_cert/schemas/result.schema.json",
    ):
        assert required in names
    assert any(n.startswith("liplanet_cert/_data/lca_models/") for n in names)


def test_installed_package_reads_its_data_from_the_environment_not_the_checkout(installed):
    code = (
        "import json, liplanet_cert, liplanet_cert.infra.resources as r; "
        "print(json.dumps([liplanet_cert.__file__, str(r.data_dir('criteria')), str(r.data_dir('templates')), str(r.example_bundle())]))"
    )
    proc = _run([installed["python"], "-c", code], cwd=installed["cwd"], env=installed["env"])
    assert proc.returncode == 0, proc.stderr
    venv = str(installed["venv"].resolve())
    for path in json.loads(proc.stdout):
        assert str(Path(path).resolve()).startswith(venv), path


def test_installed_command_runs_the_example_from_outside_the_repository(installed):
    version = cli(installed, "--version")
    assert version.returncode == 0 and version.stdout.startswith("liplanet-cert ")

    listed = cli(installed, "criteria", "list")
    assert listed.returncode == 0 and "liplanet-2026" in listed.stdout and "liplanet-2023" in listed.stdout

    quick = cli(installed, "assess", "--example", "--no-footprint", "--criteria", "liplanet-2026@2.0.0")
    assert quick.returncode == 0, quick.stdout[-3000:] + quick.stderr[-3000:]
    assert "LiPLANET APPROVED" in quick.stdout and "Traceback" not in quick.stderr


def test_readme_main_command_approves_the_example(installed):
    # the README's first command: the pack in force today, footprint computed (throw-away Brightway dir)
    proc = cli(installed, "assess", "--example", "--format", "json")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert json.loads(proc.stdout)["verdict"] == "approved"


def test_installed_dossier_finds_its_templates(installed):
    out = installed["cwd"] / "dossier"
    proc = cli(installed, "dossier", "--example", "-o", out)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    html = list(out.glob("*.html"))
    assert html and "Nordwerk Pouch Pilot Line" in html[0].read_text(encoding="utf-8")
