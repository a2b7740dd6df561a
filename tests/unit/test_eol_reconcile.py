"""The end-of-line test file is reconciled with the production log (cells tested per lot vs cells
made, EOL fails vs quality_control scrap) and its internal-resistance and OCV-drop columns are used
(issue 12).  Each metric is read end to end: through a draft criteria pack and ``assess``, or
``metrics.read`` on a bundle that the loader would refuse.

Figures of the approved example, counted by hand (awk over its CSV files): 22 lots; the good out of
aging (the step before quality_control) sums to 981 cells, as many as eol_tests.csv has rows and as
the units into quality_control; lot L01: 45 out of aging, 45 tested, quality_control scrap 0, no
EOL fail; lot L03: 46 tested, no fail.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from helpers import EXAMPLES

from liplanet_cert.assessment import metrics
from liplanet_cert.assessment.core import assess
from liplanet_cert.assessment.evaluate import Context
from liplanet_cert.assessment.kpis import measure
from liplanet_cert.bundle.load import load_bundle
from liplanet_cert.bundle.model import LogTable
from liplanet_cert.errors import BundleError

MADE = 981  # cells out of aging, all 22 lots of the approved example
HEADER = "cell_id,lot_id,date,capacity [Ah],internal_resistance [mohm],ocv_drop [mV],result\n"

_CRITERIA = (
    ("EOL-UNTESTED", "eol.untested_cells", "0 %"),
    ("EOL-NOT-MADE", "eol.tested_not_made", "0 %"),
    ("EOL-QC-AGREE", "eol.qc_scrap_mismatch", "0 %"),
    ("EOL-IR-CV", "eol.internal_resistance_cv", "10 %"),
    ("EOL-OCV", "eol.ocv_drop_outliers", "5 %"),
)


def _assess(bundle, tmp_path) -> dict:
    """The findings of a draft pack holding one criterion per eol.* metric, by id."""
    lines = ["id: eol-draft", "version: 0.1.0", "title: End-of-line reconciliation (draft)"]
    lines += ["status: draft", 'valid_from: "2026-01-01"', "criteria:"]
    for cid, metric, limit in _CRITERIA:
        lines += [
            f"  - id: {cid}",
            f"    title: {metric} at most {limit}",
            "    category: consistency",
            "    severity: required",
            f'    check: {{metric: {metric}, op: "<=", value: "{limit}"}}',
            '    source: {kind: proposal, ref: "issue 12", rationale: "the two logs tell one story"}',
        ]
    pack = tmp_path / "eol-pack.yaml"
    pack.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = assess(bundle.path, criteria=str(pack), at="2026-11-30", footprint=False)
    return {f.id: f for f in result.findings}


def test_the_approved_example_is_reconciled(make_bundle, tmp_path):
    found = _assess(make_bundle("approved"), tmp_path)
    for cid in ("EOL-UNTESTED", "EOL-NOT-MADE", "EOL-QC-AGREE"):
        assert found[cid].status.value == "pass" and found[cid].measured[0].value == 0
    assert "0 of 981 cells" in found["EOL-UNTESTED"].actual
    assert "6 fails, 6 scrapped" in found["EOL-QC-AGREE"].actual  # 1+1+1+1+2 fails (L08 L13 L17 L19 L20)


def test_cells_made_but_not_tested_are_incomplete_testing(make_bundle, tmp_path):
    b = make_bundle("approved")
    for cell in ("C00091", "C00092", "C00093"):  # three of lot L03's 46 cells
        text = b.read("eol_tests.csv")
        start = text.index(f"\n{cell},L03,") + 1
        b.write("eol_tests.csv", text[:start] + text[text.index("\n", start) + 1 :])
    found = _assess(b, tmp_path)
    f = found["EOL-UNTESTED"]
    assert f.status.value == "fail"
    assert f.measured[0].value == pytest.approx(3 / MADE * 100)  # 3 of 981 = 0.306 %
    assert "3 of 981 cells made not tested" in f.actual
    assert "lots L03 3" in f.location and "eol_tests.csv" in f.location
    assert found["EOL-NOT-MADE"].status.value == "pass"
    assert found["EOL-QC-AGREE"].status.value == "pass"  # L03 has neither a fail nor QC scrap
    assert measure(load_bundle(b.path)).eol_check.lots("eol.untested_cells") == ["L03"]


def test_a_lot_of_the_production_log_with_no_eol_rows_is_fully_untested(make_bundle, tmp_path):
    b = make_bundle("approved")
    kept = [line for line in b.read("eol_tests.csv").splitlines(keepends=True) if ",L22," not in line]
    b.write("eol_tests.csv", "".join(kept))
    f = _assess(b, tmp_path)["EOL-UNTESTED"]
    assert f.measured[0].value == pytest.approx(44 / MADE * 100)  # L22: 44 out of aging, none tested
    assert "lots L22 44" in f.location


def test_more_cells_tested_than_made_is_an_integrity_problem(make_bundle, tmp_path):
    b = make_bundle("approved")
    extra = "C99001,L01,2026-09-01,5.0100,1.900,1.20,pass\nC99002,L01,2026-09-01,5.0200,1.910,1.10,pass\n"
    b.write("eol_tests.csv", b.read("eol_tests.csv") + extra)
    found = _assess(b, tmp_path)
    f = found["EOL-NOT-MADE"]
    assert f.status.value == "fail"
    assert f.measured[0].value == pytest.approx(2 / 983 * 100)  # L01: 47 tested, 45 made; 981 + 2 tested
    assert "2 of 983 cells tested" in f.actual and "lots L01 2" in f.location
    assert found["EOL-UNTESTED"].status.value == "pass"


def _read(bundle, name: str) -> metrics.Value:
    return metrics.read(name, Context(bundle, measure(bundle)))


def test_an_eol_lot_the_production_log_does_not_know_counts_fully():
    """The loader refuses such a lot (next test); a bundle built otherwise still counts it."""
    b = load_bundle(EXAMPLES / "approved")
    cols = dict(b.eol.columns)
    add = {"lot_id": ["L99"] * 4, "passed": [True] * 4}
    for name, column in cols.items():
        column = np.asarray(column)
        tail = add.get(name, [column[-1]] * 4)
        cols[name] = np.concatenate([column, np.asarray(tail, dtype=column.dtype)])
    b = dataclasses.replace(b, eol=LogTable(cols))
    v = _read(b, "eol.tested_not_made")
    assert v.value == pytest.approx(4 / 985 * 100)  # 4 cells of L99, 981 + 4 tested
    assert "lots L99 4" in v.location
    assert measure(b).eol_check.lots("eol.tested_not_made") == ["L99"]
    assert _read(b, "eol.untested_cells").value == 0


def test_the_loader_refuses_unknown_lots_and_cells_tested_twice(make_bundle):
    b = make_bundle("approved")
    b.write("eol_tests.csv", b.read("eol_tests.csv") + "C99001,L99,2026-09-01,5.01,1.9,1.2,pass\n")
    with pytest.raises(BundleError, match="lot not in the production log"):
        load_bundle(b.path)
    b = make_bundle("approved")
    b.write("eol_tests.csv", b.read("eol_tests.csv") + "C00001,L01,2026-09-01,5.01,1.9,1.2,pass\n")
    with pytest.raises(BundleError, match="cell tested twice"):
        load_bundle(b.path)


def test_eol_fails_and_quality_control_scrap_must_agree(make_bundle, tmp_path):
    b = make_bundle("approved")
    b.replace("production_log.csv", ",quality_control,L01,45,45,0,", ",quality_control,L01,45,44,1,")
    f = _assess(b, tmp_path)["EOL-QC-AGREE"]
    assert f.status.value == "fail"
    assert f.measured[0].value == pytest.approx(1 / MADE * 100)  # L01: 0 fails vs 1 scrapped
    assert "6 fails, 7 scrapped" in f.actual and "lots L01 1" in f.location


def test_without_a_quality_control_step_the_mismatch_is_unavailable(make_bundle, tmp_path):
    b = make_bundle("approved")
    log = b.read("production_log.csv").splitlines(keepends=True)
    b.write("production_log.csv", "".join(line for line in log if ",quality_control," not in line))
    b.replace("declaration.yaml", "  - step: quality_control\n    automation: semi-automatic\n", "")
    found = _assess(b, tmp_path)
    assert found["EOL-QC-AGREE"].status.value == "error"
    assert "no quality_control step" in found["EOL-QC-AGREE"].message
    f = found["EOL-UNTESTED"]  # made = good out of each lot's last logged step: aging, 981 cells
    assert f.status.value == "pass" and "0 of 981 cells" in f.actual and "no quality_control" in f.actual


# A small file: 11 cells of lots L01 and L02, the last with neither resistance nor OCV drop.
#   OCV drop (mV), sorted: 1.0 1.1 1.2 1.2 1.3 1.4 1.6 2.0 3.0 5.0  -> median (1.3 + 1.4) / 2 = 1.35
#   |x - 1.35| sorted: .05 .05 .15 .15 .25 .25 .35 .65 1.65 3.65      -> MAD (.25 + .25) / 2 = 0.25
#   fence 1.35 + 3 x 1.4826 x 0.25 = 1.35 + 1.11195 = 2.46195 mV: 3.0 (L01) and 5.0 (L02) above
#   -> 2 of 10 cells = 20 %
#   internal resistance (mohm): 2 2 2 2 2 1 | 2 2 2 3 -> mean 20 / 10 = 2.0, squared deviations
#   1 + 1 = 2, sample SD sqrt(2 / 9) = 0.4714, CV sqrt(2 / 9) / 2 = 23.57 %
_SMALL = [
    ("L01", 2, 1.0),
    ("L01", 2, 1.1),
    ("L01", 2, 1.2),
    ("L01", 2, 1.2),
    ("L01", 2, 1.3),
    ("L01", 1, 3.0),
    ("L02", 2, 1.4),
    ("L02", 2, 1.6),
    ("L02", 2, 2.0),
    ("L02", 3, 5.0),
    ("L02", "", ""),
]


def test_resistance_spread_and_the_ocv_drop_screen_on_a_small_file(make_bundle, tmp_path):
    b = make_bundle("approved")
    rows = [f"C{i:05d},{lot},2026-09-01,5.0,{ir},{ocv},pass\n" for i, (lot, ir, ocv) in enumerate(_SMALL)]
    b.write("eol_tests.csv", HEADER + "".join(rows))
    found = _assess(b, tmp_path)
    ocv = found["EOL-OCV"]
    assert ocv.status.value == "fail" and ocv.measured[0].value == pytest.approx(2 / 10 * 100)
    assert "2 of 10 cells above 2.46 mV = median 1.35 + 3 × 1.4826 × MAD 0.25; 1 blank" in ocv.actual
    assert "lots L01 1, L02 1" in ocv.location
    ir = found["EOL-IR-CV"]
    assert ir.status.value == "fail"
    assert ir.measured[0].value == pytest.approx(math.sqrt(2 / 9) / 2 * 100)  # 23.57 %
    assert "over 10 cells" in ir.actual
    check = measure(load_bundle(b.path)).eol_check
    assert check.ocv.fence == pytest.approx(1.35 + 3 * 1.4826 * 0.25)
    assert check.lots("eol.ocv_drop_outliers") == ["L01", "L02"]
    assert check.lots("eol.internal_resistance_cv") == []


def test_without_the_columns_or_the_file_the_metrics_are_unavailable(make_bundle, tmp_path):
    b = make_bundle("approved")
    b.write("eol_tests.csv", "cell_id,lot_id,capacity [Ah],result\nC1,L01,5.0,pass\nC2,L01,5.1,pass\n")
    found = _assess(b, tmp_path)
    assert "no internal_resistance column" in found["EOL-IR-CV"].message
    assert "no ocv_drop column" in found["EOL-OCV"].message
    assert found["EOL-IR-CV"].status.value == found["EOL-OCV"].status.value == "error"
    bundle = dataclasses.replace(load_bundle(EXAMPLES / "approved"), eol=None)
    for name in ("eol.untested_cells", "eol.ocv_drop_outliers"):
        with pytest.raises(metrics.Unavailable, match="no end-of-line test file"):
            _read(bundle, name)


def test_when_most_cells_share_one_ocv_drop_the_fence_is_not_the_median(make_bundle, tmp_path):
    # OCV drop 1.0 (6 cells), 1.5, 2.0, 9.0: median 1.0, |x - 1.0| = 0 0 0 0 0 0 .5 1 8 -> MAD 0;
    # mean absolute deviation 9.5 / 9 = 1.0556; fence 1.0 + 3 x 1.2533 x 1.0556 = 4.969 mV:
    # only 9.0 above -> 1 of 9 = 11.1 % (with MAD 0 every cell above the median would be: 3 of 9)
    b = make_bundle("approved")
    ocv = [1.0] * 6 + [1.5, 2.0, 9.0]
    rows = [f"C{i:05d},L01,2026-09-01,5.0,2.0,{x},pass\n" for i, x in enumerate(ocv)]
    b.write("eol_tests.csv", HEADER + "".join(rows))
    found = _assess(b, tmp_path)
    f = found["EOL-OCV"]
    assert f.measured[0].value == pytest.approx(1 / 9 * 100)
    assert (
        "1 of 9 cells above 4.97 mV = median 1 + 3 × 1.2533 × mean absolute deviation 1.06 (MAD 0)"
        in f.actual
    )
    assert found["EOL-IR-CV"].measured[0].value == 0  # every resistance 2.0 mohm
