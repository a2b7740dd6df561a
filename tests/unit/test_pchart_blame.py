"""Lot blame on a statistical basis: a lot is named only when its scrap is above the upper control
limit of a binomial p-chart for its own size (Montgomery, variable sample size); otherwise the
finding says the scrap is spread across lots.  Every figure below is computed by hand."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from helpers import LIB_STEPS, PACK_2026, eol_csv, production_csv

from liplanet_cert.assessment.core import assess
from liplanet_cert.assessment.kpis import measure
from liplanet_cert.assessment.pchart import blame_text, lot_text, p_chart
from liplanet_cert.assessment.result import Finding, Status
from liplanet_cert.bundle.load import load_bundle

SPREAD = "scrap is spread across lots: no lot above its p-chart 3σ upper limit"


def ucl(p: float, n: float) -> float:
    """The 3σ upper control limit (%) of a p-chart with centre ``p`` (fraction) for a lot of ``n``."""
    return (p + 3 * math.sqrt(p * (1 - p) / n)) * 100


# -- the chart itself ----------------------------------------------------------------------
def test_l03_with_3_of_18_inside_its_limit_is_not_named():
    # ten lots of 18: 14 scrapped of 180, p̄ = 14/180 = 0.07778 (7.8 %);
    # UCL(18) = 0.07778 + 3·sqrt(0.07778·0.92222/18) = 0.07778 + 3·0.06313 = 0.2672 (26.7 %)
    # L03 at 3/18 = 16.7 % is inside: above the mean, not out of control
    lots = [f"L{i:02d}" for i in range(1, 11)]
    chart = p_chart(lots, [1, 1, 3, 2, 1, 1, 1, 1, 1, 2], [18] * 10)
    assert chart.centre == pytest.approx(14 / 180 * 100)
    assert ucl(14 / 180, 18) == pytest.approx(26.72, abs=0.01)
    assert chart.lots == 10 and chart.lots_out == [] and chart.names == []
    assert blame_text(chart) == f"{SPREAD} (p̄ = 7.8 %)"


def test_the_brief_example_l03_at_p_bar_7_9_percent():
    # p̄ = 7.9 %: UCL(18) = 0.079 + 3·sqrt(0.079·0.921/18) = 0.0790 + 0.1907 = 0.270 > 3/18 = 0.167
    assert ucl(0.079, 18) == pytest.approx(27.0, abs=0.05)
    assert 3 / 18 * 100 < ucl(0.079, 18)


def test_a_lot_clearly_outside_is_named_with_its_limit():
    # nine lots of 18 without scrap, L10 with 9: p̄ = 9/180 = 5 %;
    # UCL(18) = 0.05 + 3·sqrt(0.05·0.95/18) = 0.05 + 3·0.05137 = 0.2041 (20.4 %); L10 = 50 %
    lots = [f"L{i:02d}" for i in range(1, 11)]
    chart = p_chart(lots, [0] * 9 + [9], [18] * 10)
    assert chart.centre == pytest.approx(5.0)
    assert chart.names == ["L10"]
    (out,) = chart.lots_out
    assert (out.lot, out.scrap, out.n, out.rate) == ("L10", 9, 18, pytest.approx(50.0))
    assert out.ucl == pytest.approx(ucl(0.05, 18)) == pytest.approx(20.41, abs=0.01)
    assert lot_text(out) == "L10 (9 of 18 = 50.0 % > UCL 20.4 % for n = 18)"
    assert blame_text(chart) == (
        "lots above their p-chart 3σ upper limit (p̄ = 5.0 %): L10 (9 of 18 = 50.0 % > UCL 20.4 % for n = 18)"
    )


def test_the_same_rate_is_out_for_a_big_lot_and_in_for_a_small_one():
    # BIG 100 of 1000 and SMALL 2 of 20 (both 10 %), REST 98 of 2980: p̄ = 200/4000 = 5 %
    # UCL(1000) = 0.05 + 3·sqrt(0.0475/1000) = 0.05 + 3·0.006892 = 0.0707 (7.1 %) < 10 %: out
    # UCL(20)   = 0.05 + 3·sqrt(0.0475/20)   = 0.05 + 3·0.04873  = 0.1962 (19.6 %) > 10 %: in
    # UCL(2980) = 0.05 + 3·sqrt(0.0475/2980) = 0.0620; REST at 98/2980 = 3.3 % is in
    chart = p_chart(["BIG", "SMALL", "REST"], np.array([100, 2, 98]), np.array([1000, 20, 2980]))
    assert chart.centre == pytest.approx(5.0)
    assert chart.names == ["BIG"]
    assert chart.lots_out[0].ucl == pytest.approx(7.068, abs=0.001)
    assert ucl(0.05, 20) == pytest.approx(19.62, abs=0.01)
    assert lot_text(chart.lots_out[0]) == "BIG (100 of 1000 = 10.0 % > UCL 7.1 % for n = 1000)"


def test_many_lots_out_show_the_figures_of_six_and_the_ids_of_all():
    # 8 lots with 30 of 100 and 12 lots with 0 of 100: p̄ = 240/2000 = 12 %;
    # UCL(100) = 0.12 + 3·sqrt(0.12·0.88/100) = 0.12 + 3·0.03250 = 0.2175 (21.7 %) < 30 %
    lots = [f"L{i:02d}" for i in range(1, 21)]
    chart = p_chart(lots, [30] * 8 + [0] * 12, [100] * 20)
    assert chart.names == lots[:8]
    text = blame_text(chart)
    assert text.startswith("lots L01–L08 above their p-chart 3σ upper limit (p̄ = 12.0 %): ")
    assert text.count("> UCL 21.7 % for n = 100") == 6 and text.endswith(" and 2 more")
    assert "L06 (30 of 100 = 30.0 % > UCL 21.7 % for n = 100)" in text and "L07 (" not in text


def test_float_noise_is_not_above_the_limit_and_lots_without_units_are_not_charted():
    # with 0σ the limit is p̄ itself: (0.7 + 0.1) / 8 = 0.09999999999999999 in floating point,
    # B's 0.1 / 1 = 0.1 is above it only by float noise; C has no units in
    chart = p_chart(["A", "B", "C"], [0.7, 0.1, 0.0], [7, 1, 0], sigmas=0)
    assert chart.lots == 2 and chart.names == []
    assert p_chart(["A"], [3], [18]).lots_out == [] and blame_text(p_chart(["A"], [3], [18])) == ""
    assert p_chart([], [], []).lots == 0


# -- through measure() and assess() --------------------------------------------------------
def rows_for(formation_scrap: list[int], units: int = 18) -> list[tuple]:
    """One lot per day through every lithium-ion step, each losing ``formation_scrap[i]`` cells at
    formation only (so the formation scrap and the overall loss of a lot are the same count)."""
    rows = []
    for d, lost in enumerate(formation_scrap):
        n = units
        for step in LIB_STEPS:
            s = lost if step == "formation" else 0
            length = 10.0 if step == "coating_and_drying" else None
            rows.append((f"2026-09-{d + 1:02d}", step, f"L{d + 1:02d}", n, n - s, s, length))
            n -= s
    return rows


def bundle(make_bundle, formation_scrap: list[int], declared_scrap: str):
    b = make_bundle()
    text = re.sub(
        r"(?m)^kpis:.*\n(?:  .*\n)*",
        f'kpis: {{scrap_rate: "{declared_scrap}"}}\n',
        b.read("declaration.yaml"),
    )
    b.write("declaration.yaml", text)
    b.write("production_log.csv", production_csv(rows_for(formation_scrap)))
    b.write("eol_tests.csv", eol_csv([("L01", 5.0, "pass")] * 20))
    return b


def findings(b) -> dict[str, Finding]:
    return {f.id: f for f in assess(b.path, criteria=PACK_2026, footprint=False).findings}


def test_measure_gives_the_counts_per_lot_at_a_step_and_at_the_lots_two_ends(make_bundle):
    m = measure(load_bundle(bundle(make_bundle, [0, 2, 5], "1 %").path))
    lots, scrap, units_in = m.lot_step_scrap.counts("formation")
    assert list(lots) == ["L01", "L02", "L03"]
    assert scrap.tolist() == [0, 2, 5] and units_in.tolist() == [18, 18, 18]
    assert [len(x) for x in m.lot_step_scrap.counts("no_such_step")] == [0, 0, 0]
    bal = m.balance
    assert list(bal.lot_ids) == ["L01", "L02", "L03"]
    assert bal.lot_units_in.tolist() == [18, 18, 18]  # into mixing
    assert bal.lot_good_out.tolist() == [18, 16, 13]  # out of the last step: 18 - formation scrap


def test_scrap_spread_across_lots_names_none_in_any_scrap_criterion(make_bundle):
    # formation scrap [1, 1, 3, 2, 1, 1, 1, 1, 1, 2] of 18 each: 14 of 180 = 7.78 % at formation and
    # overall (nothing else lost); UCL(18) = 26.7 % (first test); L03's 3/18 = 16.7 % is inside
    f = findings(bundle(make_bundle, [1, 1, 3, 2, 1, 1, 1, 1, 1, 2], "1 %"))
    formation, declared = f["QUAL-SCRAP-FORMATION"], f["CONS-SCRAP-RATE"]
    assert formation.status is Status.FAIL and declared.status is Status.FAIL  # 7.78 % > 4 %; ≠ 1 % ± 2
    assert f["KPI-SCRAP-OVERALL"].status is Status.PASS  # 7.78 % < 10 %
    for finding in (formation, declared):
        assert finding.lots == []
        assert finding.message.endswith(f"; {SPREAD} (p̄ = 7.8 %)")


def test_overall_step_and_declared_scrap_name_the_lot_outside_its_limit(make_bundle):
    # nine lots lose 1 of 18 at formation, L10 loses 9: 18 of 180 = 10 % at formation and overall;
    # UCL(18) = 0.10 + 3·sqrt(0.10·0.90/18) = 0.10 + 3·0.07071 = 0.3121 (31.2 %)
    # L10 at 9/18 = 50 % is out; the others at 1/18 = 5.6 % are in
    f = findings(bundle(make_bundle, [1] * 9 + [9], "1 %"))
    named = "L10 (9 of 18 = 50.0 % > UCL 31.2 % for n = 18)"
    head = "lots above their p-chart 3σ upper limit (p̄ = 10.0 %): "
    for cid in ("KPI-SCRAP-OVERALL", "QUAL-SCRAP-FORMATION", "CONS-SCRAP-RATE"):  # 10 % ≮ 10 %; > 4 %; ≠ 1 %
        assert f[cid].status is Status.FAIL, cid
        assert f[cid].lots == ["L10"], cid
        assert f[cid].message.endswith(f"; {head}{named}"), cid
    assert f["KPI-SCRAP-OVERALL"].message == (
        "Overall production scrap rate below 10 %: expected kpi.scrap_rate < 10 %, found 10.00 %; "
        + head
        + named
    )
