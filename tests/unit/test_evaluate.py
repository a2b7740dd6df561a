"""Every criterion's pass and fail edge, on small bundles built from the approved example."""

from __future__ import annotations

import re

import pytest
from helpers import LIB_STEPS, PACK_2026, eol_csv, line_log, production_csv

from liplanet_cert.assessment.core import assess
from liplanet_cert.assessment.evaluate import verdict_of
from liplanet_cert.assessment.result import Finding, Status, Verdict

ENERGY = "step,period_start,period_end,carrier,amount,unit\ncoating_and_drying,2026-09-01,2026-09-30,electricity,10,kWh\n"
ASSB_STEPS = tuple("electrolyte_production" if s == "electrolyte_filling" else s for s in LIB_STEPS)


def tiny(
    make_bundle,
    log: str | None = None,
    eol: str | None = None,
    kpis: str = "{}",
    capacity: float | None = None,
    steps: tuple[str, ...] | None = None,
):
    """The approved example's declaration with a small log (1000 units, one lot, no scrap) and 20 good 5 Ah cells."""
    b = make_bundle()
    text = re.sub(r"(?m)^kpis:.*\n(?:  .*\n)*", f"kpis: {kpis}\n", b.read("declaration.yaml"))
    if steps is not None:
        text = re.sub(
            r"(?m)^steps:.*\n(?:  .*\n)*",
            "steps:\n" + "".join(f"  - {{step: {s}, automation: automatic}}\n" for s in steps),
            text,
        )
    b.write("declaration.yaml", text)
    if capacity is not None:  # keep nominal energy = capacity x 3.65 V
        b.set_yaml("nominal_capacity", f'"{capacity} Ah"').set_yaml(
            "nominal_energy", f'"{capacity * 3.65:.6g} Wh"'
        )
    b.write("production_log.csv", log or line_log(units=1000, steps=steps or LIB_STEPS))
    b.write("eol_tests.csv", eol or eol_csv([("L01", 5.0, "pass")] * 20))
    b.write("energy.csv", ENERGY)
    return b


def run(b, pack: str = PACK_2026):
    return assess(b.path, criteria=pack, footprint=False)


def finding(result, cid: str) -> Finding:
    return next(f for f in result.findings if f.id == cid)


def status(b, cid: str, pack: str = PACK_2026) -> str:
    return finding(run(b, pack), cid).status.value


def test_the_small_bundle_is_approved(make_bundle):
    result = run(tiny(make_bundle))
    assert result.verdict is Verdict.APPROVED
    assert {f.status for f in result.findings} <= {Status.PASS, Status.NOT_APPLICABLE}


# -- overall scrap < 10 % ------------------------------------------------------------------
@pytest.mark.parametrize(("scrap", "expected"), [(99, "pass"), (100, "fail")])
@pytest.mark.parametrize("pack", ["liplanet-2023@1.0.0", PACK_2026])
def test_overall_scrap_of_exactly_10_percent_fails(make_bundle, scrap, expected, pack):
    # 1000 in, 100 scrapped at formation: 1 - 0.9 is 0.0999... in floating point; it must still fail "< 10 %"
    assert (
        status(
            tiny(make_bundle, log=line_log(units=1000, scrap={"formation": scrap})), "KPI-SCRAP-OVERALL", pack
        )
        == expected
    )


# -- cell output ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("capacity", "cells_per_day", "small", "large"),
    [
        (5, 20, "pass", "not_applicable"),
        (5, 19, "fail", "not_applicable"),
        (9.99, 19, "fail", "not_applicable"),
        (10, 10, "not_applicable", "pass"),  # exactly 10 Ah: the >= 10 Ah criterion, 10 cells/day
        (10, 9, "not_applicable", "fail"),
        (20, 10, "not_applicable", "pass"),
    ],
)
def test_cell_output_threshold_depends_on_cell_size(make_bundle, capacity, cells_per_day, small, large):
    eol = eol_csv([("L01", capacity, "pass")] * 5)
    result = run(tiny(make_bundle, log=line_log(units=cells_per_day), eol=eol, capacity=capacity))
    assert (
        finding(result, "ELIG-CELL-OUTPUT-SMALL").status.value,
        finding(result, "ELIG-CELL-OUTPUT-LARGE").status.value,
    ) == (small, large)
    if small == "fail":
        f = finding(result, "ELIG-CELL-OUTPUT-SMALL")
        assert f.actual == f"{cells_per_day:.4g} cell/day" and "production_log.csv" in f.location


def test_cells_per_week_declaration_agrees_with_20_cells_per_day(make_bundle):
    b = tiny(make_bundle, log=line_log(units=20), kpis='{cell_throughput: "140 cell/week"}')
    f = finding(run(b), "CONS-CELL-THROUGHPUT")
    assert f.status is Status.PASS and "140 cell/week" in f.actual


@pytest.mark.parametrize(("capacity", "expected"), [(1, "pass"), (0.99, "fail")])
def test_cell_size_of_at_least_1_ah(make_bundle, capacity, expected):
    b = tiny(make_bundle, eol=eol_csv([("L01", capacity, "pass")] * 5), capacity=capacity)
    assert status(b, "ELIG-CELL-SIZE") == expected


# -- electrode output (any of m/day, m/batch) ----------------------------------------------
def test_electrode_output_of_exactly_2_m_per_day_passes(make_bundle):
    assert status(tiny(make_bundle, log=line_log(length_m=2)), "ELIG-ELECTRODE-OUTPUT") == "pass"


def test_electrode_output_passes_on_metres_per_batch_alone(make_bundle):
    # two production days, one coated roll of 3 m: 1.5 m/day (below 2) but 3 m/batch
    rows = [
        r for r in _rows(line_log(days=2, length_m=3)) if not (r[2] == "L02" and r[1] == "coating_and_drying")
    ]
    rows.append(("2026-09-02", "coating_and_drying", "L02", 1000, 1000, 0, None))
    f = finding(run(tiny(make_bundle, log=production_csv(rows))), "ELIG-ELECTRODE-OUTPUT")
    assert f.status is Status.PASS
    assert "1.5 m/day" in f.actual and "3 m/batch" in f.actual


def test_electrode_output_below_both_alternatives_fails(make_bundle):
    f = finding(run(tiny(make_bundle, log=line_log(length_m=1.9))), "ELIG-ELECTRODE-OUTPUT")
    assert (
        f.status is Status.FAIL
        and f.expected == "kpi.electrode_throughput ≥ 2 m/day or kpi.electrode_per_batch ≥ 2 m/batch"
    )


def test_electrode_output_without_lengths_is_an_error_never_a_silent_pass(make_bundle):
    log = line_log().replace(",100.0\n", ",\n")
    result = run(tiny(make_bundle, log=log))
    f = finding(result, "ELIG-ELECTRODE-OUTPUT")
    assert f.status is Status.ERROR and "could not be evaluated" in f.message
    assert result.verdict is Verdict.NOT_APPROVED


def _rows(csv_text: str) -> list[tuple]:
    out = []
    for line in csv_text.splitlines()[1:]:
        d, s, lot, i, g, x, length = line.split(",")
        out.append((d, s, lot, int(i), int(g), int(x), float(length) if length else None))
    return out


# -- process: automation, scope, coating ---------------------------------------------------
@pytest.mark.parametrize(
    ("level", "expected"), [("manual", "fail"), ("semi-automatic", "pass"), ("automatic", "pass")]
)
def test_stacking_must_be_at_least_semi_automatic(make_bundle, level, expected):
    b = tiny(make_bundle).replace(
        "declaration.yaml",
        "  - step: stacking_or_winding\n    automation: semi-automatic",
        f"  - step: stacking_or_winding\n    automation: {level}",
    )
    f = finding(run(b), "ELIG-AUTO-STACKING")
    assert f.status.value == expected
    assert f.location == "declaration.yaml#/steps/4/automation"


def test_all_solid_state_line_passes_electrolyte_automation_with_electrolyte_production(make_bundle):
    result = run(tiny(make_bundle, steps=ASSB_STEPS))
    assert finding(result, "ELIG-AUTO-ELECTROLYTE").status is Status.PASS
    assert finding(result, "QUAL-SCRAP-FILLING").status is Status.NOT_APPLICABLE
    assert finding(result, "QUAL-SCRAP-ELECTROLYTE-PRODUCTION").status is Status.PASS


def test_scope_without_cell_finishing_fails(make_bundle):
    steps = tuple(s for s in LIB_STEPS if s not in ("formation", "aging", "quality_control"))
    result = run(tiny(make_bundle, steps=steps))
    assert finding(result, "ELIG-SCOPE").status is Status.FAIL
    assert finding(result, "ELIG-AUTO-FORMATION").actual == "step not declared"
    assert finding(result, "ELIG-AUTO-FORMATION").status is Status.FAIL


def test_one_sided_coating_fails(make_bundle):
    f = finding(run(tiny(make_bundle).set_yaml("both_sides", "false")), "ELIG-COATING-BOTH-SIDES")
    assert (f.status, f.actual, f.location) == (
        Status.FAIL,
        "one side only",
        "declaration.yaml#/electrode_coating/both_sides",
    )


@pytest.mark.parametrize("fmt", ["pouch", "prismatic", "cylindrical"])
def test_each_table_2_cell_format_passes(make_bundle, fmt):
    assert status(tiny(make_bundle).set_yaml("format", fmt), "ELIG-FORMAT") == "pass"


# -- quality standard per step -------------------------------------------------------------
STEP_LIMITS = [
    ("QUAL-SCRAP-MIXING", "mixing", 2),
    ("QUAL-SCRAP-COATING", "coating_and_drying", 5),
    ("QUAL-SCRAP-CALENDERING", "calendering", 3),
    ("QUAL-SCRAP-CUTTING", "cutting", 3),
    ("QUAL-SCRAP-STACKING", "stacking_or_winding", 3),
    ("QUAL-SCRAP-TAB-WELDING", "tab_welding", 2),
    ("QUAL-SCRAP-FILLING", "electrolyte_filling", 2),
    ("QUAL-SCRAP-ELECTROLYTE-PRODUCTION", "electrolyte_production", 3),
    ("QUAL-SCRAP-SEALING", "sealing", 2),
    ("QUAL-SCRAP-FORMATION", "formation", 4),
    ("QUAL-SCRAP-AGING", "aging", 3),
    ("QUAL-SCRAP-QC", "quality_control", 4),
]


@pytest.mark.parametrize(("cid", "step", "limit"), STEP_LIMITS, ids=[c for c, _, _ in STEP_LIMITS])
def test_step_scrap_at_the_limit_passes_and_just_above_fails(make_bundle, cid, step, limit):
    steps = ASSB_STEPS if step == "electrolyte_production" else LIB_STEPS
    at_limit = tiny(make_bundle, log=line_log(units=1000, scrap={step: limit * 10}, steps=steps), steps=steps)
    above = tiny(
        make_bundle, log=line_log(days=2, units=1000, scrap={step: limit * 10 + 1}, steps=steps), steps=steps
    )
    assert finding(run(at_limit), cid).status is Status.PASS
    f = finding(run(above), cid)
    assert f.status is Status.FAIL
    assert f.actual == f"{limit + 0.1:.2f} %" and f.location == f"production_log.csv (step {step})"


# -- end-of-line quality -------------------------------------------------------------------
@pytest.mark.parametrize(("passed", "expected"), [(19, "pass"), (18, "fail")])
def test_end_of_line_pass_rate_of_at_least_95_percent(make_bundle, passed, expected):
    cells = [("L01", 5.0, "pass")] * passed + [("L01", 5.0, "fail")] * (20 - passed)
    assert status(tiny(make_bundle, eol=eol_csv(cells)), "QUAL-EOL-PASS-RATE") == expected


@pytest.mark.parametrize(("spread", "expected"), [(0.14, "pass"), (0.15, "fail")])
def test_capacity_coefficient_of_variation_at_most_3_percent(make_bundle, spread, expected):
    # 10 cells at 5 - a, 10 at 5 + a: CV = a * sqrt(20/19) / 5 -> 2.87 % and 3.08 %
    cells = [("L01", 5 - spread, "pass")] * 10 + [("L01", 5 + spread, "pass")] * 10
    assert status(tiny(make_bundle, eol=eol_csv(cells)), "QUAL-CAPACITY-SPREAD") == expected


@pytest.mark.parametrize(
    ("capacity", "verdict"), [(4.85, Verdict.APPROVED), (4.8, Verdict.APPROVED_WITH_OBSERVATIONS)]
)
def test_capacity_below_97_percent_of_nominal_is_only_an_observation(make_bundle, capacity, verdict):
    result = run(tiny(make_bundle, eol=eol_csv([("L01", capacity, "pass")] * 20)))
    f = finding(result, "QUAL-CAPACITY-NOMINAL")
    assert f.severity == "advisory"
    assert f.status is (Status.PASS if verdict is Verdict.APPROVED else Status.FAIL)
    assert result.verdict is verdict and result.exit_code == 0


# -- declared KPIs cross-checked against the logs ------------------------------------------
@pytest.mark.parametrize(("scrap", "expected"), [(70, "pass"), (71, "fail")])
def test_declared_scrap_rate_within_2_points_of_the_logs(make_bundle, scrap, expected):
    log = line_log(units=1000, scrap={"mixing": 20, "coating_and_drying": 30, "formation": scrap - 50})
    f = finding(run(tiny(make_bundle, log=log, kpis='{scrap_rate: "5 %"}')), "CONS-SCRAP-RATE")
    assert f.status.value == expected
    if expected == "fail":
        assert f.message == "declared overall production scrap rate 5 %, logs show 7.1 %"


def test_contradicted_scrap_declaration_names_the_lots_behind_it(make_bundle):
    rows = _rows(line_log(days=6, units=1000))
    rows = [
        (d, s, lot, i, g - 200, x + 200, ln)
        if s == "formation" and lot in ("L04", "L05")
        else (d, s, lot, i, g, x, ln)
        for d, s, lot, i, g, x, ln in rows
    ]
    rows = [
        (
            d,
            s,
            lot,
            (i - 200 if lot in ("L04", "L05") and s in ("aging", "quality_control") else i),
            (g - 200 if lot in ("L04", "L05") and s in ("aging", "quality_control") else g),
            x,
            ln,
        )
        for d, s, lot, i, g, x, ln in rows
    ]
    result = run(tiny(make_bundle, log=production_csv(rows), kpis='{scrap_rate: "1 %"}'))
    f = finding(result, "CONS-SCRAP-RATE")
    # p-chart of each lot's overall loss: 6 lots of 1000 units, L04 and L05 lose 200 each:
    # p̄ = 400 / 6000 = 6.667 %; UCL = 0.06667 + 3·sqrt(0.06667·0.93333/1000) = 0.06667 + 3·0.007888
    # = 0.0903 (9.0 %) for every lot; L04 and L05 at 200/1000 = 20 % are above it, the others at 0 % not
    assert f.status is Status.FAIL and f.lots == ["L04", "L05"]
    assert f.message.endswith(
        "; lots above their p-chart 3σ upper limit (p̄ = 6.7 %):"
        " L04 (200 of 1000 = 20.0 % > UCL 9.0 % for n = 1000), L05 (200 of 1000 = 20.0 % > UCL 9.0 % for n = 1000)"
    )
    assert "declaration.yaml#/kpis/scrap_rate" in f.location


@pytest.mark.parametrize(
    ("declared", "expected"), [("22 cell/day", "pass"), ("18 cell/day", "pass"), ("22.1 cell/day", "fail")]
)
def test_declared_cell_throughput_within_10_percent(make_bundle, declared, expected):
    b = tiny(make_bundle, log=line_log(units=20), kpis=f'{{cell_throughput: "{declared}"}}')
    assert status(b, "CONS-CELL-THROUGHPUT") == expected


def test_undeclared_kpi_is_not_cross_checked(make_bundle):
    f = finding(run(tiny(make_bundle)), "CONS-SCRAP-RATE")
    assert f.status is Status.NOT_APPLICABLE and f.actual == "not declared"


# -- verdict -------------------------------------------------------------------------------
def _f(severity: str, st: Status) -> Finding:
    return Finding("X-1", "t", "scrap", severity, st, "", "", "", "")


@pytest.mark.parametrize(
    ("findings", "verdict"),
    [
        ([_f("required", Status.PASS), _f("advisory", Status.NOT_APPLICABLE)], Verdict.APPROVED),
        ([_f("required", Status.PASS), _f("advisory", Status.FAIL)], Verdict.APPROVED_WITH_OBSERVATIONS),
        ([_f("required", Status.PASS), _f("advisory", Status.ERROR)], Verdict.APPROVED_WITH_OBSERVATIONS),
        ([_f("required", Status.FAIL), _f("advisory", Status.PASS)], Verdict.NOT_APPROVED),
        ([_f("required", Status.ERROR)], Verdict.NOT_APPROVED),
    ],
)
def test_verdict(findings, verdict):
    assert verdict_of(findings) is verdict


@pytest.mark.parametrize("first", ["", "import liplanet_cert.cli.main, liplanet_cert.assessment.core\n"])
def test_documented_library_api_works_in_a_fresh_interpreter(first):
    """``from liplanet_cert import assess`` (package docstring, README) gives the function, whether
    or not the CLI and the core module were imported first (a clash once made it recurse or
    return the module)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    code = first + (
        "from liplanet_cert import assess, validate, load_bundle\n"
        f"r = assess({str(repo / 'examples' / 'bundles' / 'approved')!r}, criteria='liplanet-2026@2.0.0', at='2026-11-01')\n"
        "print(callable(validate), callable(load_bundle), r.verdict.value)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(repo) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=repo, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", "True", "approved"]
