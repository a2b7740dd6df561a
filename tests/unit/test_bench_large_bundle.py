"""The large-bundle benchmark's generator (benchmarks/bench_large_bundle.py) on a small line: the
bundle is deterministic, its units balance, end-of-line rows match quality control, it loads
without problems as CSV, and its Parquet variant follows the contract (units in field metadata,
declaration pointing at the .parquet logs)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from helpers import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import bench_large_bundle as bench  # noqa: E402  (after the sys.path line)

# rate 100 cells/day in lots of 50 = 2 lots a day; 14 days, 11 steps on consecutive days: lots start
# on the first 14 - 10 = 4 days, 4 x 2 = 8 lots, 8 x 11 = 88 production rows, 8 x 50 = 400 units in.
RATE, DAYS, LOT = 100, 14, 50


def test_small_line_balances_and_is_deterministic():
    line = bench.generate(RATE, DAYS, LOT)
    prod = line["prod"]
    assert len(prod["step"]) == 88
    assert line["units_first"].sum() == 400
    uin = prod["units_in"].reshape(8, 11)
    good = prod["good_out"].reshape(8, 11)
    assert (uin[:, 1:] == good[:, :-1]).all()  # good output of a step = input of the next
    assert (prod["units_in"] == prod["good_out"] + prod["scrap"]).all()
    # lot 1 starts on day 0 (2025-01-01) and reaches quality control on day 10; the last lots start
    # on day 3 and end on day 13 = 2025-01-14, the period's last day
    assert prod["date"][:11].tolist() == list(range(11))
    assert int(prod["date"].max()) == DAYS - 1
    eol = line["eol"]
    lots, tested = np.unique(eol["lot_id"], return_counts=True)
    assert tested.tolist() == uin[:, -1].tolist()  # one end-of-line row per cell into quality control
    fails = np.array([(eol["result"][eol["lot_id"] == lot] == "fail").sum() for lot in lots])
    assert fails.tolist() == prod["scrap"].reshape(8, 11)[:, -1].tolist()  # fails = QC scrap, per lot
    again = bench.generate(RATE, DAYS, LOT)
    assert all(np.array_equal(eol[k], again["eol"][k]) for k in eol)


def test_written_bundles_load_and_follow_the_parquet_contract(tmp_path: Path):
    import pyarrow.parquet as pq

    from liplanet_cert.bundle.load import load_bundle

    line = bench.generate(RATE, DAYS, LOT)
    logs = bench.write_bundle(tmp_path / "csv", line, RATE, parquet=False)
    b = load_bundle(tmp_path / "csv")  # raises on any problem
    assert len(b.production) == 88
    head = logs["eol_tests"].read_text(encoding="utf-8").splitlines()[0]
    assert head == "cell_id,lot_id,date,capacity [Ah],internal_resistance [mohm],ocv_drop [mV],result"
    logs = bench.write_bundle(tmp_path / "pq", line, RATE, parquet=True)
    schema = pq.read_schema(logs["eol_tests"])
    assert schema.field("capacity").metadata == {b"unit": b"Ah"}
    assert schema.field("date").type == "date32[day]"
    assert pq.read_schema(logs["production_log"]).field("electrode_length").metadata == {b"unit": b"m"}
    decl = (tmp_path / "pq" / "declaration.yaml").read_text(encoding="utf-8")
    assert "production_log: production_log.parquet" in decl and "eol_tests: eol_tests.parquet" in decl
    assert 'start: "2025-01-01"' in decl and 'end: "2025-01-14"' in decl  # day 0 .. day 13
