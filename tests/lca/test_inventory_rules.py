"""Inventory rules of issue 13: defaults per (step, carrier), per-unit metering on the metered
step's own throughput, natural gas on gross or net calorific value, the partial mark.

Expected figures are computed by hand from the model's data files (numbers quoted below):
- grid, Germany: 342.06 g CO2e/kWh (background.yaml, Ember 2024) -> 0.34206 kg/kWh;
- natural gas per kWh on NCV (background.yaml): combustion CO2 56,100 kg/TJ, CH4 1 kg/TJ x 29.8,
  N2O 0.1 kg/TJ x 273 (IPCC 2021 GWP100 as shipped by bw2io), 1 TJ = 277,777.78 kWh, plus the
  upstream 45.04 g/kWh: (56,100 + 29.8 + 27.3) / 277,777.78 + 0.04504 = 0.2021656 + 0.04504
  = 0.2472056 kg CO2e/kWh;
- reference model (reference_energy_degen_schuette_2022.yaml), kWh per kWh of cell: dry room
  electricity 1.4096, dry room natural gas 8.5744, infrastructure electricity 1.6816;
- NCV/GCV of natural gas: 0.9 (background.yaml, IPCC 2006 Vol. 2 Ch. 1; IEA Energy Statistics
  Manual 2005).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SMALL_CELLS, SMALL_ROWS, eol_csv, production_csv, squash
from typer.testing import CliRunner

from liplanet_cert.lca import FootprintInput, MeteredStep, compute_footprint
from liplanet_cert.lca.types import StepResult

GRID_DEU = 342.06 / 1000
GAS_NCV = (56_100 + 1 * 29.8 + 0.1 * 273) / 277_777.777_777_777_8 + 45.04 / 1000  # 0.2472056
CAPACITY = 20_000 * 0.018  # kWh of cell capacity: 20,000 cells of 18 Wh = 360 kWh


@pytest.fixture(scope="module")
def bw_dir(brightway_dir: Path) -> Path:
    return brightway_dir


def facility_only(**metered: MeteredStep) -> FootprintInput:
    """A line with no production step of its own: the footprint is dry room + infrastructure."""
    return FootprintInput("DEU", cells_produced=20_000, cell_energy_kwh=0.018, steps=(), metered=metered)


def test_metering_dry_room_electricity_keeps_its_natural_gas_default(bw_dir):
    # electricity metered at exactly the reference amount: 1.4096 x 360 = 507.456 kWh
    metered = MeteredStep("dry_room", electricity_kwh=1.4096 * CAPACITY)
    fp = compute_footprint(facility_only(dry_room=metered), bw_dir=bw_dir)
    dry = fp.step("dry_room")
    electricity = 1.4096 * CAPACITY * GRID_DEU  # 507.456 x 0.34206 = 173.580 kg
    gas = 8.5744 * CAPACITY * GAS_NCV  # default 3,086.784 kWh x 0.2472056 = 763.070 kg
    assert dry.kg_co2e == pytest.approx(electricity + gas, rel=1e-6)  # 936.650 kg, not 173.580
    assert dry.primary_kg_co2e == pytest.approx(electricity, rel=1e-6)
    assert dry.data_source == "partial" and dry.data_label == "partial"
    infrastructure = 1.6816 * CAPACITY * GRID_DEU  # 605.376 kWh x 0.34206 = 207.075 kg
    assert fp.total_kg_co2e == pytest.approx(electricity + gas + infrastructure, rel=1e-6)
    # metering a carrier at its reference amount leaves the total where the defaults had it
    nothing = compute_footprint(facility_only(), bw_dir=bw_dir)
    assert fp.total_kg_co2e == pytest.approx(nothing.total_kg_co2e, rel=1e-6)
    # primary data share: metered kg over total kg = 173.580 / (936.650 + 207.075)
    assert fp.primary_data_share == pytest.approx(
        electricity / (electricity + gas + infrastructure), rel=1e-6
    )


def test_a_step_is_primary_only_when_every_carrier_it_has_is_metered(bw_dir):
    both = MeteredStep("dry_room", electricity_kwh=500.0, natural_gas_kwh=0.0)  # gas metered: 0
    fp = compute_footprint(facility_only(dry_room=both), bw_dir=bw_dir)
    assert fp.step("dry_room").data_source == "primary"
    assert fp.step("dry_room").kg_co2e == pytest.approx(500.0 * GRID_DEU, rel=1e-6)  # 171.03 kg
    # infrastructure has an electricity default only: metering it makes it primary
    infra = MeteredStep("infrastructure", electricity_kwh=100.0)
    fp = compute_footprint(facility_only(infrastructure=infra), bw_dir=bw_dir)
    assert fp.step("infrastructure").data_source == "primary"
    assert fp.step("dry_room").data_source == "default"


def test_natural_gas_on_gcv_is_converted_with_the_ncv_gcv_ratio(bw_dir):
    gcv = compute_footprint(
        facility_only(dry_room=MeteredStep("dry_room", electricity_kwh=0.0, natural_gas_gcv_kwh=1000.0)),
        bw_dir=bw_dir,
    ).step("dry_room")
    ncv = compute_footprint(
        facility_only(dry_room=MeteredStep("dry_room", electricity_kwh=0.0, natural_gas_kwh=1000.0)),
        bw_dir=bw_dir,
    ).step("dry_room")
    assert ncv.kg_co2e == pytest.approx(1000.0 * GAS_NCV, rel=1e-6)  # 247.206 kg
    assert gcv.kg_co2e == pytest.approx(0.9 * 1000.0 * GAS_NCV, rel=1e-6)  # 900 kWh NCV: 222.485 kg
    assert gcv.kg_co2e / ncv.kg_co2e == pytest.approx(0.9, rel=1e-6)
    assert gcv.data_source == ncv.data_source == "primary"


def test_data_labels_mark_partial_and_zero_defaults():
    def step(source: str, kg: float) -> StepResult:
        return StepResult("x", kg, kg, kg, 0.0, source, {}, 0.0)

    assert step("partial", 0.5).data_label == "partial"
    assert step("primary", 0.0).data_label == "primary"  # a metered zero is a measurement
    assert step("default", 0.0).data_label == "default 0"
    assert step("default", 0.5).data_label == "default"


# -- from energy.csv -----------------------------------------------------------------------------
ROWS, CELLS = SMALL_ROWS, SMALL_CELLS  # (tests/helpers.py)
HEADER = "step,period_start,period_end,carrier,amount,unit,meter_accuracy,meter_id,calorific_basis"


def _input(make_bundle, rows: list[str]):
    from liplanet_cert.assessment.footprint import footprint_input
    from liplanet_cert.assessment.kpis import measure
    from liplanet_cert.bundle.load import load_bundle

    b = (
        make_bundle()
        .write("production_log.csv", production_csv(ROWS))
        .write("eol_tests.csv", eol_csv(CELLS))
        .write("energy.csv", "\n".join([HEADER, *rows]) + "\n")
    )
    bundle = load_bundle(b.path)
    return footprint_input(bundle, measure(bundle))


def test_per_cell_metering_counts_the_cells_the_metered_step_took_in(make_bundle):
    fi = _input(
        make_bundle,
        [
            "formation,2026-09-01,2026-09-03,electricity,0.5,kWh/cell,,F1,",
            "stacking_or_winding,2026-09-02,2026-09-02,electricity,0.1,kWh/cell,,S1,",
            "dry_room,2026-09-01,2026-09-30,electricity,0.2,kWh/cell,,D1,",
            "coating_and_drying,2026-09-01,2026-09-30,natural_gas,2,kWh/lot,,G1,",
        ],
    )
    # formation took in 90 (L01) + 95 (L02) = 185 cells: 0.5 x 185 = 92.5 kWh (not 0.5 x 176 good
    # cells leaving the last step = 88)
    assert fi.metered["formation"].electricity_kwh == pytest.approx(92.5)
    # stacking took in 100 cells on 2026-09-02 (L02): 10 kWh; no cell left the last step that day
    assert fi.metered["stacking_or_winding"].electricity_kwh == pytest.approx(10.0)
    # the dry room is not in the log: good cells leaving the last logged step, formation, 81 + 95
    dry = fi.metered["dry_room"]
    assert dry.electricity_kwh == pytest.approx(0.2 * 176)  # 35.2 kWh
    assert "176 good cells leaving formation (dry_room is not in the production log)" in dry.location
    # per lot: the lots of the metered step (L01, L02): 2 x 2 kWh, on GCV (no basis stated)
    coating = fi.metered["coating_and_drying"]
    assert coating.natural_gas_gcv_kwh == pytest.approx(4.0) and coating.natural_gas_kwh is None
    assert "natural gas on GCV (not stated: the default)" in coating.location


def test_calorific_basis_of_each_gas_row_is_read(make_bundle):
    fi = _input(
        make_bundle,
        [
            "dry_room,2026-09-01,2026-09-15,natural_gas,100,kWh,,G1,NCV",
            "dry_room,2026-09-16,2026-09-30,natural_gas,3.6,GJ,,G1,GCV",
            "formation,2026-09-01,2026-09-30,natural_gas,50,kWh,,G2,",
        ],
    )
    dry = fi.metered["dry_room"]
    assert dry.natural_gas_kwh == pytest.approx(100.0)  # stated NCV
    assert dry.natural_gas_gcv_kwh == pytest.approx(1000.0)  # 3.6 GJ = 1,000 kWh, stated GCV
    assert "row 2: natural gas on NCV" in dry.location and "row 3: natural gas on GCV" in dry.location
    assert fi.metered["formation"].natural_gas_gcv_kwh == pytest.approx(50.0)  # blank: GCV


def _validate(bundle: Path) -> tuple[int, str]:
    from liplanet_cert.cli.main import app

    r = CliRunner().invoke(app, ["validate", str(bundle)], env={"COLUMNS": "240", "NO_COLOR": "1"})
    assert "Traceback" not in r.output
    return r.exit_code, squash(r.stderr)


@pytest.mark.parametrize(
    ("gas_basis", "message"),
    [
        ("gvc", "unknown calorific basis (did you mean GCV?)"),
        ("HHV", "unknown calorific basis (did you mean GCV?)"),
        ("lower heating value", "unknown calorific basis (did you mean NCV?)"),
        ("XYZ", "unknown calorific basis (expected GCV (gross calorific value), NCV"),
        ("net", "unknown calorific basis (did you mean NCV?)"),
    ],
)
def test_an_invalid_calorific_basis_is_a_located_error(make_bundle, gas_basis, message):
    b = make_bundle()
    lines = b.read("energy.csv").rstrip("\n").split("\n")
    lines = [lines[0] + ",calorific_basis"] + [line + "," for line in lines[1:]]
    lines[6] = lines[6] + gas_basis  # file line 7: coating_and_drying natural gas, 604 MJ
    b.write("energy.csv", "\n".join(lines) + "\n")
    code, err = _validate(b.path)
    assert code == 2
    assert f"energy.csv row 7, column calorific_basis: {message}" in err
    assert f"found '{gas_basis}'" in err


def test_a_calorific_basis_on_a_row_that_is_not_natural_gas_is_an_error(make_bundle):
    b = make_bundle()
    lines = b.read("energy.csv").rstrip("\n").split("\n")
    lines = [lines[0] + ",calorific_basis"] + [line + "," for line in lines[1:]]
    lines[1] = lines[1] + "GCV"  # file line 2: coating_and_drying electricity
    b.write("energy.csv", "\n".join(lines) + "\n")
    code, err = _validate(b.path)
    assert code == 2
    assert "energy.csv row 2, column calorific_basis: a calorific basis applies to natural gas only" in err
