"""Throughput counts the days the KPI's own step worked (issue: a line that runs formation and aging
on Saturdays must not lose its approval).  Expected values are computed here from the example's
CSV with the csv module, not from the tool."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from liplanet_cert.assessment.core import assess

PACKS = ["liplanet-2026@2.1.0", "liplanet-2026@2.2.0"]


def _rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _saturday_after(day: str) -> str:
    d = date.fromisoformat(day)
    return (d + timedelta(days=(5 - d.weekday()) % 7 or 7)).isoformat()


@pytest.mark.parametrize("pack", PACKS)
def test_formation_and_aging_on_saturdays_keep_cells_per_day(make_bundle, brightway_dir, pack):
    b = make_bundle("approved")
    log = b.path / "production_log.csv"
    rows = _rows(log)
    lots = sorted({r["lot_id"] for r in rows})[:4]
    for r in rows:  # four lots' formation and aging move to the Saturday after
        if r["lot_id"] in lots and r["step"] in ("formation", "aging"):
            r["date"] = _saturday_after(r["date"])
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    log.write_text(buf.getvalue(), encoding="utf-8")

    qc = [r for r in rows if r["step"] == "quality_control"]
    cells = sum(int(r["good_out"]) for r in qc)
    qc_days = len({r["date"] for r in qc if int(r["good_out"]) > 0})
    all_days = len({r["date"] for r in rows})
    assert all_days > qc_days  # the Saturdays are production days of the log, not of the last step

    result = assess(b.path, criteria=pack, at="2026-11-30", bw_dir=brightway_dir)
    assert result.kpis["cell_throughput"].measured == cells / qc_days  # 975 cells / 22 days = 44.3
    f = next(f for f in result.findings if f.id == "ELIG-CELL-OUTPUT-SMALL")
    assert f.status.value == "pass"
    assert f"over the {qc_days} days it produced good cells" in f.location
    assert result.verdict.value == "approved"
