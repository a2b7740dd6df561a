"""Hostile quality logs and specification limits (issue 15): each bad input is refused through the
CLI with exit 2 and a located message, no traceback, nothing written but the refusal asked for,
and the bundle left as it was.  The approved example has a quality log (quality_log.csv, a unit
per row) and quality_specs; each case edits one thing of it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from helpers import EXAMPLES, PACK_2026, squash
from typer.testing import CliRunner

from liplanet_cert.cli.main import app

runner = CliRunner()
APPROVED = EXAMPLES / "approved"
# the first data row of the approved quality log (its lot L01 was coated on 2026-09-01)
FIRST = "2026-09-01,coating_and_drying,L01,S1,mass_loading,"


def _tree(root: Path) -> dict[str, str]:
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            p = Path(dirpath) / name
            out[p.relative_to(root).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _reject(tmp_path: Path, bundle: Path, *needles: str) -> None:
    before = _tree(tmp_path)
    out = tmp_path / "out" / "result.json"
    r = runner.invoke(
        app,
        ["assess", str(bundle), "-c", PACK_2026, "--at", "2026-10-15", "--no-footprint", "-o", f"json:{out}"],
    )
    text = squash(r.output)
    assert r.exit_code == 2, f"exit {r.exit_code}: {text}\n{r.exception!r}"
    assert "Traceback" not in r.output
    for needle in needles:
        assert needle in text, f"{needle!r} not in: {text}"
    after = _tree(tmp_path)
    assert after.pop("out/result.json", None) is not None  # the refusal, for CI
    assert after == before, "something else was written, or the bundle was modified"
    assert json.loads(out.read_text(encoding="utf-8"))["status"] == "invalid"


def _bundle(tmp_path: Path) -> Path:
    dest = tmp_path / "bundle"
    shutil.copytree(APPROVED, dest)
    return dest


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        (
            ",coating_and_drying,L01,S1,",
            ",coating_and_dryng,L01,S1,",
            ["quality_log.csv row 2, column step: unknown step (did you mean coating_and_drying?)"],
        ),
        (
            ",S1,mass_loading,",
            ",S1,mass_loadin,",
            ["row 2, column characteristic: unknown characteristic (did you mean mass_loading?)"],
        ),
        (
            ",S1,mass_loading,",
            ",S1,pull_force,",
            ["row 2, column characteristic: pull_force is measured at tab_welding"],
        ),
        (",mg/cm^2\n", ",mg/cm\n", ["row 2, column unit: wrong dimension for mass_loading"]),
        (
            FIRST,
            FIRST.replace("2026-09-01", "2026-10-01"),
            ["row 2, column date: date outside the reporting period"],
        ),
        (",S1,mass_loading,", ",S2,mass_loading,", ["row 3: measurement logged twice"]),
        (
            ",L01,S1,mass_loading,",
            ",L77,S1,mass_loading,",
            ["row 2, column lot_id: lot not in the production log"],
        ),
        (
            ",L01,S1,mass_loading,",
            ",SAMPLE-L01,S1,mass_loading,",
            ["quality_log.csv column lot_id: 1 sample rows"],
        ),
    ],
)
def test_bad_quality_rows_are_located(tmp_path, old, new, needles):
    bundle = _bundle(tmp_path)
    _edit(bundle / "quality_log.csv", old, new)
    _reject(tmp_path, bundle, *needles)


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("nan", "not a finite number"),
        ("inf", "not a finite number"),
        ('"20,1"', "decimal comma: found '20,1'; write 20.1"),
    ],
)
def test_bad_quality_values_are_located(tmp_path, value, needle):
    bundle = _bundle(tmp_path)
    log = bundle / "quality_log.csv"
    lines = log.read_text(encoding="utf-8").splitlines()
    parts = lines[1].split(",")
    lines[1] = ",".join([*parts[:5], value, parts[6]])
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _reject(tmp_path, bundle, f"quality_log.csv row 2, column value: {needle}")


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ('lsl: "30 N"', 'lsl: "30 kg"', "#/quality_specs/2/lsl: pull_force lsl: wrong dimension"),
        (
            'lsl: "30 N"',
            'lsl: "30 N", usl: "20 N"',
            "#/quality_specs/2: lower limit not below the upper limit",
        ),
        ('lsl: "30 N"', 'target: "30 N"', "#/quality_specs/2: no limit for pull_force"),
        (
            "characteristic: pull_force",
            "characteristic: pul_force",
            "not a quality characteristic of tab_welding (did you mean pull_force?)",
        ),
        ('tolerance: "0.6 mg/cm^2"', 'tolerance: "0,6 mg/cm^2"', "#/quality_specs/0/tolerance"),
    ],
)
def test_bad_specs_are_located(tmp_path, old, new, needle):
    bundle = _bundle(tmp_path)
    _edit(bundle / "declaration.yaml", old, new)
    _reject(tmp_path, bundle, needle)
