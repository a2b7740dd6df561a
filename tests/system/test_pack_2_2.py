"""Criteria pack liplanet-2026@2.2.0: in force from 2026-11-30 (2.1.0 ends the day before), and its
new criteria give the right verdicts.  Every expected number is worked out by hand in a comment
from the example bundles' CSV files (22 lots of 48 cells into mixing; 981 cells reach quality
control and are end-of-line tested; 975 pass)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from helpers import EXAMPLES

from liplanet_cert.assessment.core import assess
from liplanet_cert.assessment.metrics import relevant_steps
from liplanet_cert.criteria.pack import shipped_packs
from liplanet_cert.criteria.select import in_force, select_pack, validity_text

AT = "2026-12-01"  # a day on which 2.2.0 is in force, whatever the machine's clock says


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _finding(result, fid: str):
    return next(f for f in result.findings if f.id == fid)


# -- which pack is in force -------------------------------------------------------------------
def test_2_2_0_supersedes_2_1_0_from_2026_11_30() -> None:
    assert select_pack(None, date(2026, 11, 29)).ref == "liplanet-2026@2.1.0"
    assert select_pack(None, date(2026, 11, 30)).ref == "liplanet-2026@2.2.0"
    assert select_pack("liplanet-2026", date(2026, 11, 30)).ref == "liplanet-2026@2.2.0"
    old = next(p for p in shipped_packs() if p.ref == "liplanet-2026@2.1.0")
    assert old.valid_until is None  # the released file is unchanged: its end is its successor's start
    assert not in_force(old, date(2026, 11, 30)) and in_force(old, date(2026, 11, 29))
    assert validity_text(old) == "2026-07-01 .. 2026-11-29 (superseded from 2026-11-30)"


def test_the_superseded_pack_is_a_what_if_after_its_end() -> None:
    r = assess(EXAMPLES / "approved", criteria="liplanet-2026@2.1.0", at=AT, footprint=False)
    assert r.criteria.in_force is False and r.what_if and "2026-12-01" in r.what_if


# -- the examples under 2.2.0 -------------------------------------------------------------------
def test_the_approved_example_is_approved(brightway_dir: Path) -> None:
    r = assess(EXAMPLES / "approved", at=AT, bw_dir=brightway_dir)
    assert r.criteria.ref == "liplanet-2026@2.2.0" and r.criteria.in_force is True
    assert r.verdict.value == "approved", [(f.id, f.actual) for f in r.findings if f.status.value != "pass"]


def test_the_not_approved_example_fails_what_it_should(brightway_dir: Path) -> None:
    r = assess(EXAMPLES / "not-approved", at=AT, bw_dir=brightway_dir)
    failed = sorted(f.id for f in r.findings if f.status.value in ("fail", "error"))
    assert r.verdict.value == "not_approved"
    # throughput 15.23 cells/day < 20 (335 good cells over 22 days); stacking and tab welding manual; scrap 61 of 396 = 15.4 %;
    # formation scrap above 4 %; declared 5 % vs 15.4 %; formation, dry room and coating meter
    # their electricity but not their natural gas (whose reference-model defaults stay: partial),
    # and they are among the steps that make 80 % of the footprint; advisory: footprint above
    # 20 kg CO2e/kWh
    assert failed == sorted(
        [
            "CONS-SCRAP-RATE",
            "ELIG-AUTO-STACKING",
            "ELIG-AUTO-TAB-WELDING",
            "ELIG-CELL-OUTPUT-SMALL",
            "KPI-SCRAP-OVERALL",
            "QUAL-SCRAP-FORMATION",
            "SUST-INTENSITY",
            "SUST-RELEVANT-PRIMARY",
        ]
    )
    relevant = _finding(r, "SUST-RELEVANT-PRIMARY").actual
    assert "not (fully) metered: formation, dry_room, coating_and_drying" in relevant


# -- unit balance -------------------------------------------------------------------------------
def test_cells_lost_between_steps_fail_the_line_naming_lots_steps_and_size(make_bundle) -> None:
    b = make_bundle("approved")
    log = b.path / "production_log.csv"
    rows = _rows(log)
    for r in rows:  # five cells of every lot vanish between sealing and formation
        if r["step"] in ("formation", "aging", "quality_control"):
            r["units_in"] = str(int(r["units_in"]) - 5)
            r["good_out"] = str(int(r["good_out"]) - 5)
    _write(log, rows)
    r = assess(b.path, at=AT, footprint=False)
    lost = _finding(r, "BAL-UNLOGGED-LOSS")
    assert r.verdict.value == "not_approved"
    assert lost.status.value == "fail"
    assert lost.measured[0].value == pytest.approx(110 / 1056 * 100)  # 22 lots x 5 of 22 x 48 = 10.42 %
    assert lost.actual.startswith("10.42 % (110 of 1056 units): L01 sealing→formation 5")
    assert lost.lots[:3] == ["L01", "L02", "L03"] and len(lost.lots) == 22
    # the end-of-line file still holds the 5 cells per lot the log no longer made
    assert _finding(r, "EOL-TESTED-NOT-MADE").status.value == "fail"


# -- end-of-line file vs production log ---------------------------------------------------------
def test_cells_missing_from_the_end_of_line_file_are_incomplete_testing(make_bundle) -> None:
    b = make_bundle("approved")
    eol = b.path / "eol_tests.csv"
    rows = _rows(eol)
    l03 = [i for i, r in enumerate(rows) if r["lot_id"] == "L03"][:3]
    _write(eol, [r for i, r in enumerate(rows) if i not in l03])
    r = assess(b.path, at=AT, footprint=False)
    f = _finding(r, "EOL-UNTESTED")
    assert f.status.value == "fail" and f.lots == ["L03"]
    assert f.measured[0].value == pytest.approx(3 / 981 * 100)  # 3 of the 981 cells made = 0.31 %
    assert r.verdict.value == "not_approved"


def test_quality_control_scrap_must_agree_with_the_end_of_line_fails(make_bundle) -> None:
    b = make_bundle("approved")
    log = b.path / "production_log.csv"
    rows = _rows(log)
    qc = next(r for r in rows if r["step"] == "quality_control" and r["lot_id"] == "L01")
    assert (qc["units_in"], qc["good_out"], qc["scrap"]) == ("45", "45", "0")
    qc["good_out"], qc["scrap"] = "44", "1"  # the log scraps a cell the end-of-line file passed
    _write(log, rows)
    r = assess(b.path, at=AT, footprint=False)
    f = _finding(r, "CONS-QC-EOL")
    assert f.status.value == "fail" and f.lots == ["L01"]
    assert f.measured[0].value == pytest.approx(1 / 981 * 100)  # |0 fails - 1 scrapped| of 981 tested
    # quality control has no scrap limit of its own any more: the end-of-line pass rate owns it
    assert not any(f.id == "QUAL-SCRAP-QC" for f in r.findings)


# -- the most relevant steps are metered --------------------------------------------------------
@dataclass
class _Step:
    step: str
    kg_co2e_per_cell: float
    kg_co2e: float | None
    primary_kg_co2e: float | None
    data_source: str


@dataclass
class _Footprint:
    steps: tuple[_Step, ...]


def test_the_relevant_steps_are_those_making_80_percent_largest_first() -> None:
    fp = _Footprint(
        (
            _Step("a", 0.5, 50.0, 0.0, "default"),
            _Step("b", 5.0, 500.0, 500.0, "primary"),
            _Step("c", 3.0, 300.0, 0.0, "default"),
            _Step("d", 1.0, 100.0, 100.0, "primary"),
            _Step("e", 0.5, 50.0, 0.0, "default"),
        )
    )
    # total 10; largest first: b 5 (50 %), c 3 (80 %): b and c make 80 % and are the relevant ones
    assert [s.step for s in relevant_steps(fp)] == ["b", "c"]


def test_an_unmetered_dominant_step_fails_the_data_criterion(make_bundle, brightway_dir: Path) -> None:
    b = make_bundle("approved")
    energy = b.path / "energy.csv"
    _write(energy, [r for r in _rows(energy) if r["step"] != "dry_room"])  # dry room no longer metered
    r = assess(b.path, at=AT, bw_dir=brightway_dir)
    f = _finding(r, "SUST-RELEVANT-PRIMARY")
    assert f.status.value == "fail" and "not (fully) metered: dry_room" in f.actual
    assert r.verdict.value == "not_approved"
