"""The statistics core of issue 15 (liplanet_cert.spc) against published examples (cited, with their
printed digits), hand-computed small cases, each run rule on a hand-built series, and the degenerate
cases.

Published sources reproduced:
- Montgomery, *Introduction to Statistical Quality Control*, Table 6.3 (inside diameter of piston
  rings, 25 samples of 5; the table with its x̄_i and s_i columns as reproduced in the exercise "Consider
  the piston ring data shown in Table 6.3", transtutors.com question 686305 and Table 6.4 in question
  686291 for samples 17-25; sample 21 is 73.982 74.001 74.015 74.005 73.996 with s = 0.0122 there;
  the qcc R package's ``pistonrings`` has 73.988 … 74.009 for it, from an older edition): Example
  6.3 prints x̄̄ = 74.001, s̄ = 0.0094, X̄ limits 74.001 ± 1.427(0.0094) = 74.014 / 73.988, S chart
  UCL = 2.089(0.0094) = 0.0196, LCL 0; the exercise states that the X̄–R limits are the same.
- SAS/QC User's Guide, PROC CAPABILITY, "Computing Capability Indices" (Figure 5.2, Cans data, 100
  fluid weights, LSL 11.95, USL 12.05; SAS's Cp/Cpk use the sample SD, i.e. our Pp/Ppk): Cp 0.354967
  (95 % 0.305565, 0.404288), Cpk 0.288943 (0.212210, 0.365677), 7 % < LSL, 16 % > USL.
- SAS/QC User's Guide, PROC CAPABILITY Example 5.3 (Amps data, 75 values, LSL 4, USL 6): 90 %
  confidence interval of Cpk "from 0.328 to 0.496" (Bissell's approximation, CPKLCL/CPKUCL).
- The control-chart factor table (Montgomery appendix VI; ASTM E2587), as reproduced in several
  open SPC libraries (e.g. qcc's ``exp.R.unscaled`` / ``se.R.unscaled``): d2, d3, A2, A3, B3, B4, D3,
  D4 to three decimals, c4 to four.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from liplanet_cert.spc import constants as k
from liplanet_cert.spc.capability import MIN_VALUES, capability
from liplanet_cert.spc.control import individuals, run_rules, xbar_r, xbar_s

PISTON_RINGS = """
74.030 74.002 74.019 73.992 74.008 | 73.995 73.992 74.001 74.011 74.004 | 73.988 74.024 74.021 74.005 74.002
74.002 73.996 73.993 74.015 74.009 | 73.992 74.007 74.015 73.989 74.014 | 74.009 73.994 73.997 73.985 73.993
73.995 74.006 73.994 74.000 74.005 | 73.985 74.003 73.993 74.015 73.988 | 74.008 73.995 74.009 74.005 74.004
73.998 74.000 73.990 74.007 73.995 | 73.994 73.998 73.994 73.995 73.990 | 74.004 74.000 74.007 74.000 73.996
73.983 74.002 73.998 73.997 74.012 | 74.006 73.967 73.994 74.000 73.984 | 74.012 74.014 73.998 73.999 74.007
74.000 73.984 74.005 73.998 73.996 | 73.994 74.012 73.986 74.005 74.007 | 74.006 74.010 74.018 74.003 74.000
73.984 74.002 74.003 74.005 73.997 | 74.000 74.010 74.013 74.020 74.003 | 73.982 74.001 74.015 74.005 73.996
74.004 73.999 73.990 74.006 74.009 | 74.010 73.989 73.990 74.009 74.014 | 74.015 74.008 73.993 74.000 74.010
73.982 73.984 73.995 74.017 74.013
"""
GROUPS = [np.array(g.split(), dtype=float) for g in PISTON_RINGS.replace("\n", "|").split("|") if g.strip()]
# Table 6.3's printed s_i column, samples 1-16 and 21-22
PRINTED_S = {0: 0.0148, 1: 0.0075, 2: 0.0147, 3: 0.0091, 4: 0.0122, 5: 0.0087, 6: 0.0055, 7: 0.0123,
             8: 0.0055, 9: 0.0063, 10: 0.0029, 11: 0.0042, 12: 0.0105, 13: 0.0153, 14: 0.0073,
             15: 0.0078, 20: 0.0122, 21: 0.0074}  # fmt: skip

CANS = """12.07 12.02 12.00 12.01 11.98 11.96 12.04 12.05 12.01 11.97 12.03 12.03 12.00 12.04 11.96
12.02 12.06 12.00 12.02 11.91 12.05 11.98 11.91 12.01 12.06 12.02 12.05 11.90 12.07 11.98 12.02 12.11
12.00 11.99 11.95 11.98 12.05 12.00 12.10 12.04 12.06 12.04 11.99 12.06 11.99 12.07 11.96 11.97 12.00
11.97 12.09 11.99 11.95 11.99 11.99 11.96 11.94 12.03 12.09 12.03 11.99 12.00 12.05 12.04 12.05 12.01
11.97 11.93 12.00 11.97 12.13 12.07 12.00 11.96 11.99 11.97 12.05 11.94 11.99 12.02 11.95 11.99 11.91
12.06 12.03 12.06 12.05 12.04 12.03 11.98 12.05 12.05 12.11 11.96 12.00 11.96 11.96 12.00 12.01 11.98"""
AMPS = """4.54 4.87 4.66 4.90 4.68 5.22 4.43 5.14 3.07 4.22 5.09 3.41 5.75 5.16 3.96 5.37 5.70 4.11 4.83
4.51 4.57 4.16 5.73 3.64 5.48 4.95 4.57 4.46 4.75 5.38 5.19 4.35 4.98 4.87 3.53 4.46 4.57 4.69 5.27 4.67
5.03 4.50 5.35 4.55 4.05 6.63 5.32 5.24 5.73 5.08 5.07 5.42 5.05 5.70 4.79 4.34 5.06 4.64 4.82 3.24 4.79
4.46 3.84 5.05 5.46 4.64 6.13 4.31 4.81 4.98 4.95 5.57 4.11 4.15 5.95"""


def half_unit(value: float, printed: float, decimals: int) -> bool:
    """``value`` rounds to the printed figure (within half a unit of its last decimal)."""
    return abs(value - printed) <= 0.5 * 10**-decimals + 1e-12


# ---------------------------------------------------------------- constants vs the published table
@pytest.mark.parametrize(
    "n, d2, d3, a2, a3, b3, b4, d3f, d4f, c4",
    [
        (2, 1.128, 0.853, 1.880, 2.659, 0.0, 3.267, 0.0, 3.267, 0.7979),
        (5, 2.326, 0.864, 0.577, 1.427, 0.0, 2.089, 0.0, 2.114, 0.9400),
        (7, 2.704, 0.833, 0.419, 1.182, 0.118, 1.882, 0.076, 1.924, 0.9594),
        (10, 3.078, 0.797, 0.308, 0.975, 0.284, 1.716, 0.223, 1.777, 0.9727),
        (25, 3.931, 0.708, 0.153, 0.606, 0.565, 1.435, 0.459, 1.541, 0.9896),
    ],
)
def test_constants_reproduce_the_factor_table(n, d2, d3, a2, a3, b3, b4, d3f, d4f, c4):
    assert half_unit(k.d2(n), d2, 3) and half_unit(k.d3(n), d3, 3)
    assert half_unit(k.a2(n), a2, 3) and half_unit(k.a3(n), a3, 3)
    assert half_unit(k.b3(n), b3, 3) and half_unit(k.b4(n), b4, 3)
    assert half_unit(k.d3_factor(n), d3f, 3) and half_unit(k.d4_factor(n), d4f, 3)
    assert half_unit(k.c4(n), c4, 4)


def test_constants_closed_forms_and_precise_d3():
    # n = 2: the range of two N(0,1) is |N(0, 2)|: mean 2/√π, variance 2 − 4/π
    assert k.d2(2) == pytest.approx(2 / math.sqrt(math.pi), abs=1e-15)
    # qcc's se.R.unscaled (d3 to 7 decimals): n = 3: 0.8883697, n = 5: 0.8640855
    assert k.d3(3) == pytest.approx(0.8883697, abs=1e-5)
    assert k.d3(5) == pytest.approx(0.8640855, abs=1e-5)
    # c4(5) = sqrt(2/4)·Γ(2.5)/Γ(2) = 0.7071068 × 1.3293404 = 0.9399856
    assert k.c4(5) == pytest.approx(0.9399856, abs=1e-7)
    for bad in (1, 26):
        with pytest.raises(ValueError):
            k.d2(bad)


# ---------------------------------------------------------------- Montgomery Table 6.3, piston rings
def test_piston_ring_data_is_table_6_3():
    assert len(GROUPS) == 25 and all(g.shape == (5,) for g in GROUPS)
    for i, s in PRINTED_S.items():
        assert half_unit(float(GROUPS[i].std(ddof=1)), s, 4), i


def test_piston_rings_xbar_s_reproduces_example_6_3():
    chart = xbar_s(GROUPS)
    x_bar_bar, s_bar = chart.location.centre[0], chart.dispersion.centre[0]
    assert half_unit(x_bar_bar, 74.001, 3) and half_unit(s_bar, 0.0094, 4)
    # printed: 74.001 ± 1.427 × 0.0094 = 74.014 / 73.988 (from the rounded x̄̄ and s̄, so compared
    # within one unit of the third decimal); S chart 2.089 × 0.0094 = 0.0196, LCL 0
    assert abs(chart.location.ucl[0] - 74.014) <= 0.001
    assert abs(chart.location.lcl[0] - 73.988) <= 0.001
    assert half_unit(chart.dispersion.ucl[0], 0.0196, 4) and chart.dispersion.lcl[0] == 0.0
    # σ̂ = s̄/c4 ≈ 0.0094/0.9400 = 0.0100
    assert half_unit(chart.sigma, 0.0100, 4)


def test_piston_rings_xbar_r_same_limits():
    chart = xbar_r(GROUPS)
    # Σ R_i = 0.581 (hand sum of the 25 ranges), R̄ = 0.581/25 = 0.02324 ≈ 0.023
    assert chart.dispersion.centre[0] == pytest.approx(0.581 / 25, abs=1e-12)
    assert half_unit(chart.location.centre[0], 74.001, 3)
    # 74.001 + 0.577 × 0.023 = 74.0143 → 74.014; 74.001 − 0.0133 = 73.988
    assert abs(chart.location.ucl[0] - 74.014) <= 0.001
    assert abs(chart.location.lcl[0] - 73.988) <= 0.001
    # R chart: D4 R̄ = 2.114 × 0.02324 = 0.04913, LCL 0 (D3 = 0 for n = 5)
    assert chart.dispersion.ucl[0] == pytest.approx(2.114 * 0.02324, abs=2e-5)
    assert chart.dispersion.lcl[0] == 0.0
    assert chart.sigma == pytest.approx(0.02324 / 2.326, abs=1e-5)


# ---------------------------------------------------------------- SAS/QC PROC CAPABILITY examples
def test_cans_capability_reproduces_sas_figure_5_2():
    values = np.array(CANS.split(), dtype=float)
    cap = capability(values, lsl=11.95, usl=12.05)
    assert cap.n == 100 and cap.limitation is None
    assert half_unit(cap.pp, 0.354967, 6) and half_unit(cap.ppk, 0.288943, 6)
    assert half_unit(cap.pp_ci[0], 0.305565, 6) and half_unit(cap.pp_ci[1], 0.404288, 6)
    assert half_unit(cap.ppk_ci[0], 0.212210, 6) and half_unit(cap.ppk_ci[1], 0.365677, 6)
    assert cap.out_of_spec == pytest.approx(0.07 + 0.16)  # 7 % < LSL, 16 % > USL


def test_amps_cpk_interval_reproduces_sas_example_5_3():
    values = np.array(AMPS.split(), dtype=float)
    cap = capability(values, lsl=4, usl=6, confidence=0.90)
    assert half_unit(cap.ppk_ci[0], 0.328, 3) and half_unit(cap.ppk_ci[1], 0.496, 3)


# ---------------------------------------------------------------- hand-computed capability
SMALL = [10.0, 12.0, 11.0, 13.0, 14.0]


def test_capability_by_hand_moving_range():
    cap = capability(SMALL, lsl=5, usl=20, min_n=5)
    # mean = 60/5 = 12; deviations −2, 0, −1, 1, 2 → SS = 10; s = √(10/4) = 1.5811388
    assert cap.mean == 12.0 and cap.sd_overall == pytest.approx(1.5811388, abs=1e-7)
    # moving ranges 2, 1, 2, 1 → MR̄ = 1.5; σ_within = 1.5 / (2/√π) = 1.5 × 0.8862269 = 1.3293404
    assert cap.sd_within == pytest.approx(1.3293404, abs=1e-7)
    # Cp = 15 / (6 × 1.3293404) = 1.8806319; Cpk = min(8, 7) / (3 × 1.3293404) = 1.7552564
    assert cap.cp == pytest.approx(1.8806319, abs=1e-6)
    assert cap.cpk == pytest.approx(1.7552564, abs=1e-6)
    # Pp = 15 / 9.4868330 = 1.5811388; Ppk = 7 / 4.7434165 = 1.4757296
    assert cap.pp == pytest.approx(1.5811388, abs=1e-6)
    assert cap.ppk == pytest.approx(1.4757296, abs=1e-6)
    # Bissell: se = √(1/45 + 1.4757296²/8) = √(0.0222222 + 0.2722222) = 0.5426274;
    # half-width 1.9599640 × 0.5426274 = 1.0635301 → (0.4121995, 2.5392597)
    assert cap.ppk_ci == pytest.approx((0.4121995, 2.5392597), abs=1e-6)
    # chi-square Cp: χ²(0.025, 4) = 0.4844186, χ²(0.975, 4) = 11.1432868
    # Pp × √(0.4844186/4) = 1.5811388 × 0.3480009 = 0.5502378; × √(11.1432868/4) = 1.5811388 ×
    # 1.6690807 = 2.6390441
    assert cap.pp_ci == pytest.approx((0.5502378, 2.6390441), abs=1e-6)
    assert cap.out_of_spec == 0.0 and "moving range" in cap.method


def test_capability_by_hand_pooled_subgroups_and_one_sided():
    cap = capability(SMALL, usl=20, subgroups=["a", "a", "b", "b", "b"], min_n=5)
    # lot a: 10, 12 → mean 11, SS 2; lot b: 11, 13, 14 → mean 38/3, SS 1.6667² + 0.3333² + 1.3333²
    # = 4.6667; pooled = √((2 + 4.6667) / (1 + 2)) = √2.2222 = 1.4907120
    assert cap.sd_within == pytest.approx(1.4907120, abs=1e-6)
    # upper side only: Cp, Pp None; Cpk = (20 − 12) / (3 × 1.4907120) = 1.7888544
    assert cap.cp is None and cap.pp is None and cap.cp_ci is None
    assert cap.cpk == pytest.approx(1.7888544, abs=1e-6)
    # Ppk = 8 / 4.7434165 = 1.6865481
    assert cap.ppk == pytest.approx(1.6865481, abs=1e-6)
    assert "pooled" in cap.method
    # lower side only, with one value below it: out_of_spec = 1/5
    low = capability(SMALL, lsl=10.5, min_n=5)
    assert low.out_of_spec == pytest.approx(0.2) and low.cpk == pytest.approx(1.5 / (3 * 1.3293404))


# ---------------------------------------------------------------- degenerate and too few
def test_capability_below_minimum():
    cap = capability(np.arange(12.0), lsl=0, usl=20)
    assert MIN_VALUES == 25 and cap.min_n_required == 25
    assert cap.limitation == "too few measurements: n = 12, need ≥ 25"
    assert cap.cp is cap.cpk is cap.pp is cap.ppk is cap.cpk_ci is cap.ppk_ci is None
    assert cap.mean == 5.5  # the description is still given
    assert "25" in cap.method


@pytest.mark.parametrize("values", [[], [3.0]])
def test_capability_fewer_than_two(values):
    cap = capability(values, lsl=0, usl=5)
    assert cap.n == len(values) and cap.sd_overall is None and cap.cpk is None
    assert cap.limitation == f"too few measurements: n = {len(values)}, need ≥ 25"


def test_capability_zero_spread_and_no_limits():
    flat = capability([4.0] * 30, lsl=0, usl=10)
    assert flat.cpk is None and "zero spread" in flat.limitation and flat.out_of_spec == 0.0
    free = capability(np.linspace(0, 1, 30))
    assert free.cpk is None and "no specification limits" in free.limitation
    assert free.out_of_spec is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"values": [1.0, float("nan")] * 20},
        {"values": [1.0, float("inf")] * 20},
        {"values": [1.0, 2.0] * 20, "lsl": float("nan")},
        {"values": [1.0, 2.0] * 20, "lsl": 3, "usl": 3},
        {"values": [1.0, 2.0] * 20, "usl": 3, "confidence": 1.0},
        {"values": [1.0, 2.0] * 20, "usl": 3, "subgroups": [1, 2]},
    ],
)
def test_capability_bad_input(kwargs):
    with pytest.raises(ValueError):
        capability(**kwargs)


# ---------------------------------------------------------------- charts by hand
def test_individuals_by_hand():
    chart = individuals([2, 4, 6, 4, 2, 4, 6, 4])
    # mean 32/8 = 4; moving ranges all 2 → MR̄ = 2; σ̂ = 2/(2/√π) = √π = 1.7724539
    assert chart.sigma == pytest.approx(math.sqrt(math.pi), abs=1e-12)
    assert chart.location.ucl[0] == pytest.approx(4 + 3 * 1.7724539, abs=1e-6)
    assert chart.location.lcl[0] == pytest.approx(4 - 3 * 1.7724539, abs=1e-6)
    # MR UCL = D4(2) × 2 = (1 + 3 × 0.8525025/1.1283792) × 2 = 3.2665 × 2 = 6.5331
    assert chart.dispersion.ucl[0] == pytest.approx(6.5331, abs=1e-4)
    assert chart.dispersion.points.shape == (7,) and chart.location.beyond().size == 0
    with pytest.raises(ValueError):
        chart.location.points[0] = 1.0  # read-only
    with pytest.raises(ValueError):
        individuals([1.0])


def test_xbar_s_variable_sizes_by_hand():
    chart = xbar_s([[1.0, 3.0], [2.0, 4.0, 6.0]])
    # means 2 and 4, s = √2 and 2; x̄̄ = (2×2 + 3×4)/5 = 3.2; s̄ = √((1×2 + 2×4)/3) = √(10/3) = 1.8257419
    assert chart.location.centre[0] == pytest.approx(3.2)
    assert chart.dispersion.centre[0] == pytest.approx(1.8257419, abs=1e-7)
    # A3(2) = 3/(c4(2)√2), c4(2) = √(2/π) = 0.7978846 → 2.6586808; UCL_1 = 3.2 + 2.6586808 ×
    # 1.8257419 = 3.2 + 4.8540648 = 8.0540648
    # A3(3) = 3/(c4(3)√3), c4(3) = √π/2 = 0.8862269 → 1.9544100; UCL_2 = 3.2 + 1.9544100 ×
    # 1.8257419 = 3.2 + 3.5682482 = 6.7682482
    assert chart.location.ucl == pytest.approx([8.0540648, 6.7682482], abs=1e-6)
    assert list(chart.sizes) == [2, 3]


def test_chart_bad_input():
    with pytest.raises(ValueError):
        xbar_r([[1.0, 2.0], [1.0, 2.0, 3.0]])  # unequal sizes
    with pytest.raises(ValueError):
        xbar_r([np.arange(26.0), np.arange(26.0)])  # beyond the table
    with pytest.raises(ValueError):
        xbar_s([[1.0, 2.0]])  # one subgroup
    with pytest.raises(ValueError):
        xbar_s([[1.0, 2.0], [1.0]])  # a subgroup of one
    with pytest.raises(ValueError):
        individuals([1.0, float("nan")])


# ---------------------------------------------------------------- run rules, one series per rule
# centre 0, σ 1; each series triggers exactly the named rule (checked against all eight)
NONE = [0.5, -0.5, 0.2, 0.4, -1.2, 0.3, -0.1, 1.1, -0.6, 0.2, 1.5, -0.3, 0.1, -1.4, 0.6, 0.0]
SERIES = {
    1: ([0.0, 0.0, 3.5, 0.0], [2]),
    2: ([0.5] * 9, [8]),
    3: ([-0.5, -0.3, -0.1, 0.1, 0.3, 0.5], [5]),
    4: ([0.5, -0.5] * 7, [13]),
    5: ([0.0, 2.5, 0.0, 2.5], [3]),
    6: ([0.0, 1.5, 1.5, 0.0, 1.5, 1.5], [5]),
    7: ([0.5, 0.6, -0.5, -0.6] * 3 + [0.5, 0.6, -0.5], [14]),
    8: ([1.5, -1.5] * 4, [7]),
}


def test_run_rules_none():
    assert run_rules(NONE, 0.0, 1.0) == []
    assert run_rules(NONE, 0.0, 1.0, rules="western_electric") == []


@pytest.mark.parametrize("rule", sorted(SERIES))
def test_each_nelson_rule_alone(rule):
    series, indices = SERIES[rule]
    found = run_rules(series, 0.0, 1.0)
    assert [(v.rule, v.index) for v in found] == [(rule, i) for i in indices]
    assert found[0].text.startswith(f"Nelson rule {rule}:")


def test_rule_flags_every_completing_point():
    found = run_rules([0.5] * 12, 0.0, 1.0)
    assert [(v.rule, v.index) for v in found] == [(2, 8), (2, 9), (2, 10), (2, 11)]


def test_western_electric_numbering():
    # WE 1 = Nelson 1, WE 2 = Nelson 5, WE 3 = Nelson 6, WE 4 = eight in a row on one side
    assert [(v.rule, v.index) for v in run_rules([0, 0, 3.5, 0], 0, 1, "western_electric")] == [(1, 2)]
    assert [(v.rule, v.index) for v in run_rules(SERIES[5][0], 0, 1, "western_electric")] == [(2, 3)]
    assert [(v.rule, v.index) for v in run_rules(SERIES[6][0], 0, 1, "western_electric")] == [(3, 5)]
    eight = run_rules([0.5] * 8, 0, 1, "western_electric")
    assert [(v.rule, v.index) for v in eight] == [(4, 7)]
    assert run_rules([0.5] * 8, 0, 1) == []  # Nelson needs nine
    with pytest.raises(ValueError):
        run_rules([0.0], 0, 1, rules="weco")


def test_run_rules_per_point_sigma_and_bad_input():
    # the same deviation 2.5 is beyond 3σ where σ = 0.5 (3σ = 1.5), not where σ = 1
    found = run_rules([2.5, 2.5], [0.0, 0.0], [1.0, 0.5])
    assert [(v.rule, v.index) for v in found] == [(1, 1)]
    with pytest.raises(ValueError):
        run_rules([1.0, float("nan")], 0, 1)
    with pytest.raises(ValueError):
        run_rules([1.0], 0, -1)
