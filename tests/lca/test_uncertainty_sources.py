"""Monte Carlo with sourced distributions only: the grid factor's spread from Ember's own
year-to-year change, the material factors' triangular ranges, both stages sampled, the drivers of
the spread (squared Spearman, normalised), the parameters kept fixed, reproducible seeds."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from liplanet_cert.catalogue import line_steps
from liplanet_cert.lca import FootprintInput, MeteredStep, compute_footprint, load_model
from liplanet_cert.lca.materials import factor_distribution
from liplanet_cert.lca.types import MaterialLine

STEPS = tuple(line_steps())


@pytest.fixture(scope="module")
def bw_dir(brightway_dir: Path) -> Path:
    return brightway_dir


def _electricity_only(accuracy: float = 0.0) -> FootprintInput:
    """Only the facility services, metered with electricity alone (no gas, no defaults)."""
    metered = {
        s: MeteredStep(s, electricity_kwh=kwh, natural_gas_kwh=0.0, accuracy={"electricity": accuracy})
        for s, kwh in (("dry_room", 4000.0), ("infrastructure", 1000.0))
    }
    return FootprintInput(
        country="DEU", cells_produced=10_000, cell_energy_kwh=0.02, steps=(), metered=metered
    )


def test_grid_sigma_of_germany_is_embers_mean_year_on_year_change():
    unc = load_model().background["electricity"]["uncertainty"]
    deu = unc["countries"]["DEU"]
    # Ember via co2.js: 2022 420.06 (commit 6b17d40), 2023 371.43 (d824b52), 2024 342.06 (b459b5e)
    assert deu["years"] == [2022, 2023, 2024]
    assert deu["g_co2e_per_kwh"] == [420.06, 371.43, 342.06]
    assert deu["commits"] == ["6b17d40", "d824b52", "b459b5e"]
    # |371.43 - 420.06| / 420.06 = 48.63 / 420.06 = 0.1157693
    # |342.06 - 371.43| / 371.43 = 29.37 / 371.43 = 0.0790728
    # mean = (0.1157693 + 0.0790728) / 2 = 0.0974210
    assert deu["relative_sd"] == pytest.approx(0.0974210, abs=1e-6)
    # the latest year is the factor the model uses
    assert load_model().grid("DEU")["g_co2e_per_kwh"] == 342.06


def test_every_grid_country_has_its_spread_and_the_10_percent_judgement_is_gone():
    el = load_model().background["electricity"]
    assert "relative_sd" not in el["uncertainty"]
    for country, row in el["uncertainty"]["countries"].items():
        v = row["g_co2e_per_kwh"]
        changes = [abs(b - a) / a for a, b in zip(v, v[1:])]
        assert row["relative_sd"] == pytest.approx(sum(changes) / len(changes), abs=1e-6), country
        assert v[-1] == el["countries"][country]["g_co2e_per_kwh"], country
    assert set(el["uncertainty"]["countries"]) == set(el["countries"])


def test_grid_spread_is_what_the_monte_carlo_draws(bw_dir):
    """Metered electricity with accuracy 0 (a fixed amount): the footprint's relative spread is the
    grid factor's, 0.0974 (normal), and the grid factor is the only driver."""
    inp = _electricity_only(accuracy=0.0)
    u = compute_footprint(inp, uncertainty=2000, seed=11, bw_dir=bw_dir).uncertainty
    total = u["total"]
    # relative sd 0.097421; the standard error of a sample sd is about sd / sqrt(2 n) = 1.6 % of it
    assert total["sd"] / total["mean"] == pytest.approx(0.097421, rel=0.06)
    top = u["contributions"]["total"]
    assert top[0]["input"] == "grid electricity DEU (factor)" and top[0]["share"] == pytest.approx(1.0)
    fixed = [f["parameter"] for f in u["fixed"]]
    assert "dry_room electricity (metered amount)" in fixed  # accuracy 0: not varied, and said so
    assert not any("natural-gas" in p for p in fixed)  # no gas drawn: nothing to name


def test_a_huge_metered_amount_with_a_wide_meter_dominates(bw_dir):
    """Formation meters 1,000,000 kWh at 30 % accuracy; every other step is small or default.
    Var share of the amount ~ 0.30^2 / (0.30^2 + 0.0974^2) = 0.09 / 0.0995 = 0.90 of that term."""
    inp = FootprintInput(
        country="DEU",
        cells_produced=20_000,
        cell_energy_kwh=0.018,
        steps=STEPS,
        metered={
            "formation": MeteredStep("formation", electricity_kwh=1_000_000.0, accuracy={"electricity": 0.30})
        },
    )
    u = compute_footprint(inp, uncertainty=1000, seed=5, bw_dir=bw_dir).uncertainty
    for rows in (u["contributions"]["total"], u["contributions"]["stages"]["main_production"]):
        assert rows[0]["input"] == "formation electricity (metered amount)"
        assert rows[0]["share"] > 0.7
        assert rows[1]["input"] == "grid electricity DEU (factor)"
        assert len(rows) <= 5 and sum(r["share"] for r in rows) <= 1.0 + 1e-12
    assert "Spearman" in u["contributions"]["method"]


def _nmc811() -> FootprintInput:
    return FootprintInput(
        country="DEU",
        cells_produced=1_000,
        cell_energy_kwh=0.018,
        steps=STEPS,
        metered={
            "coating_and_drying": MeteredStep(
                "coating_and_drying", electricity_kwh=300.0, natural_gas_kwh=900.0
            ),
            "dry_room": MeteredStep("dry_room", electricity_kwh=400.0, natural_gas_kwh=100.0),
        },
        chemistry="NMC811/graphite",
    )


def test_same_seed_same_numbers_including_contributions(bw_dir):
    one = compute_footprint(_nmc811(), uncertainty=200, seed=3, bw_dir=bw_dir).uncertainty
    two = compute_footprint(_nmc811(), uncertainty=200, seed=3, bw_dir=bw_dir).uncertainty
    other = compute_footprint(_nmc811(), uncertainty=200, seed=4, bw_dir=bw_dir).uncertainty
    assert one == two
    assert one["contributions"] == two["contributions"] and one["stages"] == two["stages"]
    assert one["total"] != other["total"]


def test_both_stages_are_sampled_and_the_total_interval_holds_the_deterministic_total(bw_dir):
    det = compute_footprint(_nmc811(), bw_dir=bw_dir)
    u = compute_footprint(_nmc811(), uncertainty=1000, seed=42, bw_dir=bw_dir).uncertainty
    assert [s["stage"] for s in u["stages"]] == ["raw_material_acquisition", "main_production"]
    assert u["total"]["p2_5"] <= det.total_per_cell <= u["total"]["p97_5"]
    for row in u["stages"]:
        st = det.stage(row["stage"])
        assert row["p2_5"] <= st.kg_co2e_per_cell <= row["p97_5"] and row["sd"] > 0
    # the total is the sum of the stages in every iteration, so the means add up
    assert u["total"]["mean"] == pytest.approx(sum(s["mean"] for s in u["stages"]), rel=1e-12)
    assert [s["step"] for s in u["steps"]] == [s.step for s in det.steps]
    raw = u["contributions"]["stages"]["raw_material_acquisition"]
    assert raw[0]["input"] == "cell material graphite synthetic (factor)"  # 54 % of the stage, widest range
    assert all(r["input"].startswith("cell material") for r in raw)
    main = [r["input"] for r in u["contributions"]["stages"]["main_production"]]
    assert not any(i.startswith("cell material") for i in main)
    fixed = {f["parameter"]: f["reason"] for f in u["fixed"]}
    # no sourced distribution for the gas supply chain: fixed, named, with the reason
    assert "Balcombe" in fixed["natural-gas supply chain (upstream factor)"]
    assert "natural-gas combustion CH4 and N2O (factors)" in fixed
    assert "cell material masses (bill of materials)" in fixed


def test_material_factor_is_triangular_over_the_data_files_range(bw_dir):
    """One declared line of synthetic graphite, 0.01 kg/cell, model factor; one separator line with
    the supplier's factor (no range: fixed)."""
    dist = factor_distribution(load_model(), "graphite_synthetic")
    lo, mode, hi = 32.11877781031461, 43.87147798772766, 71.63620284926549  # cell_materials.yaml
    assert (dist["minimum"], dist["loc"], dist["maximum"]) == (lo, mode, hi)
    bom = (
        MaterialLine("graphite_synthetic", 0.01),
        MaterialLine("separator", 0.002, kg_co2e_per_kg=5.0, source="supplier EPD"),
    )
    inp = FootprintInput(
        country="DEU", cells_produced=1_000, cell_energy_kwh=0.018, steps=STEPS, bill_of_materials=bom
    )
    u = compute_footprint(inp, uncertainty=1000, seed=9, bw_dir=bw_dir).uncertainty
    raw = next(s for s in u["stages"] if s["stage"] == "raw_material_acquisition")
    # triangular mean (32.1188 + 43.8715 + 71.6362) / 3 = 49.2088 -> 0.01 x 49.2088 = 0.492088 (graphite)
    # plus the fixed separator 0.002 x 5.0 = 0.01 -> 0.502088 kg CO2e/cell
    # sd = 0.01 x sqrt((a^2+b^2+c^2-ab-ac-bc)/18) = 0.01 x sqrt(1235.31/18) = 0.01 x 8.284 = 0.08284
    assert raw["sd"] == pytest.approx(0.08284, rel=0.08)
    assert abs(raw["mean"] - 0.502088) <= 3 * 0.08284 / math.sqrt(1000)
    top = u["contributions"]["stages"]["raw_material_acquisition"]
    assert top == [
        {"input": "cell material graphite synthetic (factor)", "share": 1.0, "spearman": top[0]["spearman"]}
    ]
    fixed = [f["parameter"] for f in u["fixed"]]
    assert "cell material separator (declared supplier factor)" in fixed


def test_a_country_without_history_is_fixed_and_named_never_a_proxy(bw_dir, tmp_path):
    """A model whose background has no year-to-year history for DEU: the grid factor is not varied
    (no EU proxy), the output names it, and metered electricity at accuracy 0 has no spread."""
    import shutil

    import yaml

    root = tmp_path / "lca_models"
    shutil.copytree(load_model().root, root)
    path = root / "background.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["electricity"]["uncertainty"]["countries"]["DEU"]
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    u = compute_footprint(
        _electricity_only(0.0), uncertainty=50, seed=1, bw_dir=bw_dir, model_dir=root
    ).uncertainty
    fixed = {f["parameter"]: f["reason"] for f in u["fixed"]}
    assert "no proxy" in fixed["grid electricity DEU (factor)"]
    assert u["total"]["sd"] <= 1e-12 * u["total"]["mean"] and u["contributions"]["total"] == []
    assert "grid factor DEU: fixed" in u["distributions"]
