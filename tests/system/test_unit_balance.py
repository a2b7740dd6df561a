"""Units are balanced from step to step: cells that vanish between steps without being logged as
scrap count in the overall scrap rate, and a criterion on the balance names the lots and steps.
Expected values are computed here from the example's CSV with the csv module, not from the tool."""

from __future__ import annotations

import csv
import io

from helpers import EXAMPLES

from liplanet_cert.assessment.core import assess
from liplanet_cert.assessment.kpis import measure
from liplanet_cert.bundle.load import load_bundle

PACK = "liplanet-2026@2.1.0"


def _vanish(make_bundle, per_lot: int):
    """The approved example with ``per_lot`` cells of every lot gone between sealing and formation
    (formation and every later step receive that many fewer; nothing logged as scrap)."""
    b = make_bundle("approved")
    log = b.path / "production_log.csv"
    rows = list(csv.DictReader(io.StringIO(log.read_text(encoding="utf-8"))))
    for r in rows:
        if r["step"] in ("formation", "aging", "quality_control"):
            r["units_in"] = str(int(r["units_in"]) - per_lot)
            r["good_out"] = str(int(r["good_out"]) - per_lot)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    log.write_text(buf.getvalue(), encoding="utf-8")
    return b, rows


def test_cells_vanishing_between_steps_count_in_the_overall_scrap(make_bundle, brightway_dir):
    b, rows = _vanish(make_bundle, 5)
    first_in = sum(int(r["units_in"]) for r in rows if r["step"] == "mixing")  # 22 lots x 48
    last_good = sum(int(r["good_out"]) for r in rows if r["step"] == "quality_control")
    lots = len({r["lot_id"] for r in rows})
    m = measure(load_bundle(b.path))
    assert m.values["scrap_rate"] == (1 - last_good / first_in) * 100  # 1 - 865/1056 = 18.1 %
    assert m.balance.unlogged == 5 * lots
    assert m.balance.lots(1) == sorted({r["lot_id"] for r in rows})
    result = assess(b.path, criteria=PACK, at="2026-11-30", bw_dir=brightway_dir)
    overall = next(f for f in result.findings if f.id == "KPI-SCRAP-OVERALL")
    assert overall.status.value == "fail" and result.verdict.value == "not_approved"


def test_a_balance_criterion_names_the_lots_and_steps(make_bundle, tmp_path):
    b, rows = _vanish(make_bundle, 5)
    pack = tmp_path / "balance-pack.yaml"
    pack.write_text(
        """id: balance-draft
version: 0.1.0
title: Unit balance (draft)
status: draft
valid_from: "2026-01-01"
criteria:
  - id: BAL-UNLOGGED
    title: No units lost between steps without being logged
    category: scrap
    severity: required
    check: {metric: balance.unlogged_loss, op: "<=", value: "0 %"}
    source: {kind: proposal, ref: "issue 12", rationale: "a loss nobody logged is a loss the scrap rate hides"}
  - id: BAL-FROM-NOWHERE
    title: No units from nowhere
    category: consistency
    severity: required
    check: {metric: balance.units_from_nowhere, op: "<=", value: "0 %"}
    source: {kind: proposal, ref: "issue 12", rationale: "units cannot enter a step they never left the step before"}
""",
        encoding="utf-8",
    )
    result = assess(b.path, criteria=str(pack), at="2026-11-30", footprint=False)
    lost = next(f for f in result.findings if f.id == "BAL-UNLOGGED")
    first_in = sum(int(r["units_in"]) for r in rows if r["step"] == "mixing")
    n_lots = len({r["lot_id"] for r in rows})
    assert lost.status.value == "fail"
    assert lost.measured[0].value == 5 * n_lots / first_in * 100  # 110 of 1056 units = 10.4 %
    assert "L01 sealing→formation 5" in lost.actual
    assert lost.lots == sorted({r["lot_id"] for r in rows})
    assert next(f for f in result.findings if f.id == "BAL-FROM-NOWHERE").status.value == "pass"


def test_units_from_nowhere_are_a_finding_of_their_own(make_bundle, tmp_path):
    b, _ = _vanish(make_bundle, -3)  # three cells more enter formation than left sealing
    m = measure(load_bundle(b.path))
    assert m.balance.appearing == 3 * len(m.lot_scrap) and m.balance.unlogged == 0


def test_the_balanced_example_has_no_gaps():
    m = measure(load_bundle(EXAMPLES / "approved"))
    assert m.balance.gaps == [] and m.balance.unlogged == 0 and m.balance.appearing == 0
