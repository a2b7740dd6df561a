"""KPI maths on a small production log and end-of-line file, checked by hand."""

from __future__ import annotations

import math

import pytest
from helpers import SMALL_CELLS, SMALL_ROWS, eol_csv, production_csv

from liplanet_cert.assessment.kpis import compress_ids, measure
from liplanet_cert.bundle.load import load_bundle

ROWS, CELLS = SMALL_ROWS, SMALL_CELLS  # (tests/helpers.py)


@pytest.fixture
def measured(make_bundle):
    b = make_bundle().write("production_log.csv", production_csv(ROWS)).write("eol_tests.csv", eol_csv(CELLS))
    return measure(load_bundle(b.path))


def test_step_scrap_and_rolled_throughput_yield(measured):
    # per step: coating 5/200, stacking 10/195, formation 9/185
    assert measured.step_scrap["coating_and_drying"] == pytest.approx(2.5)
    assert measured.step_scrap["stacking_or_winding"] == pytest.approx(10 / 195 * 100)
    assert measured.step_scrap["formation"] == pytest.approx(9 / 185 * 100)
    rty = (195 / 200) * (185 / 195) * (176 / 185)  # product of the step yields = 0.88
    assert measured.values["first_pass_yield"] == pytest.approx(rty * 100) == pytest.approx(88.0)
    assert measured.values["scrap_rate"] == pytest.approx(12.0)
    assert [s.step for s in measured.steps] == [
        "coating_and_drying",
        "stacking_or_winding",
        "formation",
    ]  # Figure 7 order
    coating = measured.steps[0]
    assert (coating.lots, coating.units_in, coating.good_out, coating.scrap) == (2, 200, 195, 5)


def test_throughput_over_the_days_each_step_worked(measured):
    assert measured.production_days == 3  # 09-01, 09-02, 09-03 in the log
    assert measured.final_step == "formation"
    assert measured.cells_produced == 176  # 81 + 95 good cells out of formation
    # formation produced good cells on 09-01 and 09-03 only: 176 cells over 2 days
    assert measured.values["cell_throughput"] == pytest.approx(88.0)
    # coating ran on 09-01 and 09-02: 40 m + 20 m over 2 days
    assert measured.values["electrode_throughput"] == pytest.approx(30.0)
    assert "over the 2 days it produced good cells" in measured.locations["cell_throughput"]
    assert "over the 2 days coating ran" in measured.locations["electrode_throughput"]
    assert measured.values["electrode_per_batch"] == pytest.approx(
        30.0
    )  # mean of 40 m and 20 m per coated lot
    assert measured.daily_output == [
        {"date": "2026-09-01", "cells": 81.0},
        {"date": "2026-09-03", "cells": 95.0},
    ]


def test_end_of_line_pass_rate_and_capacity_spread(measured):
    assert measured.values["eol_pass_rate"] == pytest.approx(75.0)  # 3 of 4
    assert measured.values["capacity_mean"] == pytest.approx(5.05)  # 20.2 / 4
    std = math.sqrt((0.05**2 + 0.05**2 + 0.15**2 + 0.15**2) / 3)  # sample standard deviation (n - 1)
    assert measured.values["capacity_std"] == pytest.approx(std)
    assert measured.values["capacity_cv"] == pytest.approx(std / 5.05 * 100)
    assert measured.values["capacity_cv"] == pytest.approx(2.5564, abs=1e-4)


def test_scrap_per_lot_names_the_bad_lot(measured):
    assert measured.lot_scrap["L01"] == pytest.approx(19.0)  # 1 - 0.95 * 90/95 * 0.9
    assert measured.lot_scrap["L02"] == pytest.approx(5.0)
    assert measured.lot_step_scrap["L01"]["formation"] == pytest.approx(10.0)


def test_column_units_in_the_header_are_converted(make_bundle):
    prod = (
        production_csv(ROWS)
        .replace("electrode_length [m]", "electrode_length [cm]")
        .replace(",40\n", ",4000\n")
        .replace(",20\n", ",2000\n")
    )
    eol = (
        eol_csv(CELLS)
        .replace("capacity [Ah]", "capacity [mAh]")
        .replace(",5.0,", ",5000,")
        .replace(",5.1,", ",5100,")
    )
    eol = eol.replace(",4.9,", ",4900,").replace(",5.2,", ",5200,")
    m = measure(load_bundle(make_bundle().write("production_log.csv", prod).write("eol_tests.csv", eol).path))
    # 4000 cm + 2000 cm over the 2 days coating ran
    assert m.values["electrode_throughput"] == pytest.approx(30.0)
    assert m.values["capacity_mean"] == pytest.approx(5.05)


def test_approved_example_matches_its_declaration():
    from helpers import EXAMPLES

    m = measure(load_bundle(EXAMPLES / "approved"))
    assert m.values["scrap_rate"] == pytest.approx(7.7, abs=0.05)
    assert m.values["cell_throughput"] == pytest.approx(44.3, abs=0.05)
    assert m.production_days == 22


@pytest.mark.parametrize(
    ("ids", "text"),
    [
        (["L19", "L12", "L13", "L14", "L15", "L16", "L17", "L18"], "L12–L19"),
        (["L12", "L13", "L14", "L19"], "L12–L14, L19"),
        (["L3", "L03"], "L03, L3"),
        (["B", "A"], "A, B"),
        ([], ""),
    ],
)
def test_compress_ids(ids, text):
    assert compress_ids(ids) == text


def test_metering_per_cell_and_per_lot_counts_the_log_within_each_rows_period(make_bundle):
    """energy.csv amounts per cell / per lot are multiplied by the cells the metered step took in
    (its units_in), or its lots, logged inside that row's own period (footprint input)."""
    from liplanet_cert.assessment.footprint import footprint_input

    energy = (
        "\n".join(
            [
                "step,period_start,period_end,carrier,amount,unit,meter_accuracy,meter_id",
                "formation,2026-09-01,2026-09-02,electricity,0.5,kWh/cell,1 %,M1",  # L01: 90 in -> 45 kWh
                "formation,2026-09-03,2026-09-03,electricity,1,kWh/cell,,M2",  # L02: 95 in -> 95 kWh
                "coating_and_drying,2026-09-01,2026-09-30,electricity,3.6,MJ/lot,2 %,M3",  # 2 lots x 1 kWh
                "stacking_or_winding,2026-09-02,2026-09-02,natural_gas,10,kWh/lot,,M4",  # only L02 that day
            ]
        )
        + "\n"
    )
    b = (
        make_bundle()
        .write("production_log.csv", production_csv(ROWS))
        .write("eol_tests.csv", eol_csv(CELLS))
        .write("energy.csv", energy)
    )
    bundle = load_bundle(b.path)
    fi = footprint_input(bundle, measure(bundle))
    assert fi.cells_produced == 176
    formation, coating, stacking = (
        fi.metered[s] for s in ("formation", "coating_and_drying", "stacking_or_winding")
    )
    assert formation.electricity_kwh == pytest.approx(45 + 95) and not formation.gas_metered
    assert formation.accuracy == {"electricity": pytest.approx(0.01)}
    assert formation.location == "energy.csv rows 2–3"
    assert coating.electricity_kwh == pytest.approx(2.0) and coating.accuracy == {
        "electricity": pytest.approx(0.02)
    }
    # natural gas without a calorific_basis is on the default basis, GCV
    assert stacking.natural_gas_gcv_kwh == pytest.approx(10.0) and stacking.natural_gas_kwh is None
    assert stacking.electricity_kwh is None
