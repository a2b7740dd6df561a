"""LCA core: Brightway results against an independent calculation, defaults, units, Monte Carlo,
scenarios and the fast engine.  Every test runs in a throw-away Brightway directory."""

from __future__ import annotations

import csv
import json
import math
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from liplanet_cert.catalogue import line_steps
from liplanet_cert.errors import LCAError
from liplanet_cert.lca import FootprintInput, MeteredStep, compute_footprint, known_materials, load_model
from liplanet_cert.lca.model import KWH_PER_TJ

REPO = Path(__file__).resolve().parents[2]
METHOD = ("IPCC 2021", "climate change", "global warming potential (GWP100)")
STEPS = tuple(line_steps())  # every step of a lithium-ion line


def f32(x: float) -> float:
    """Brightway (bw_processing) stores amounts as float32; the independent check does the same."""
    return struct.unpack("f", struct.pack("f", x))[0]


@pytest.fixture(scope="module")
def bw_dir(brightway_dir: Path) -> Path:
    return brightway_dir


@pytest.fixture(scope="module")
def shipped_cfs() -> dict[str, float]:
    """IPCC 2021 GWP100 factors for air emissions (unspecified), read from bw2io's bundled zip."""
    import bw2io

    with zipfile.ZipFile(Path(bw2io.__file__).parent / "data" / "lcia" / "lcia_39_ecoinvent.zip") as z:
        method = next(m for m in json.loads(z.read("data.json")) if tuple(m["name"]) == METHOD)
    return {e["name"]: float(e["amount"]) for e in method["exchanges"] if e["categories"] == ["air"]}


def line(**metered: MeteredStep) -> FootprintInput:
    return FootprintInput(
        country="DEU", cells_produced=20_000, cell_energy_kwh=0.018, steps=STEPS, metered=metered
    )


def full_line() -> FootprintInput:
    return line(
        mixing=MeteredStep("mixing", electricity_kwh=600.0, accuracy={"electricity": 0.01}),
        coating_and_drying=MeteredStep(
            "coating_and_drying",
            electricity_kwh=3000.0,
            natural_gas_kwh=9000.0,
            materials_kg={"nitrogen": 50.0, "argon": 3.0},
        ),
        formation=MeteredStep("formation", electricity_kwh=5000.0, natural_gas_kwh=120.0),
        dry_room=MeteredStep("dry_room", electricity_kwh=4000.0, natural_gas_kwh=1000.0),
    )


def independent_step_kg(inp: FootprintInput, step: str, cfs: dict[str, float]) -> float:
    """kg CO2e of a metered step from the model file's factors and the shipped CFs (no Brightway)."""
    m = load_model()
    comb = m.background["heat"]["natural_gas"]["combustion"]
    gas = (
        f32(comb["co2_kg_per_tj"]["value"] / KWH_PER_TJ) * f32(cfs["Carbon dioxide, fossil"])
        + f32(comb["ch4_kg_per_tj"]["value"] / KWH_PER_TJ) * f32(cfs["Methane, fossil"])
        + f32(comb["n2o_kg_per_tj"]["value"] / KWH_PER_TJ) * f32(cfs["Dinitrogen monoxide"])
        + f32(m.background["heat"]["natural_gas"]["upstream"]["g_co2e_per_kwh"] / 1000)
    )
    grid = f32(m.background["electricity"]["countries"][inp.country]["g_co2e_per_kwh"] / 1000)
    ms = inp.metered[step]
    kg = f32(ms.electricity_kwh or 0.0) * grid + f32(ms.natural_gas_kwh or 0.0) * gas
    for mat, amount in ms.materials_kg.items():
        kg += f32(amount) * f32(m.background["materials"][mat]["kg_co2e_per_kg"])
    return kg


def test_method_factors_for_ch4_and_n2o_are_the_shipped_ipcc_2021_values(bw_dir, shipped_cfs):
    from liplanet_cert.lca import brightway as bw

    bd, _ = bw._bw(bw_dir)
    loaded = {}
    for key, cf in bd.Method(METHOD).load():
        node = bd.get_node(id=key) if isinstance(key, int) else bd.get_node(database=key[0], code=key[1])
        if tuple(node.get("categories", ())) == ("air",):
            loaded[node["name"]] = cf
    for name in ("Methane, fossil", "Dinitrogen monoxide", "Carbon dioxide, fossil"):
        assert loaded[name] == shipped_cfs[name]
    assert shipped_cfs["Dinitrogen monoxide"] == 273  # AR6 GWP100 as shipped


def test_brightway_step_results_match_amounts_times_factors(bw_dir, shipped_cfs):
    inp = full_line()
    result = compute_footprint(inp, engine="brightway", bw_dir=bw_dir)
    assert result.engine == "brightway"
    for step in inp.metered:
        expected = independent_step_kg(inp, step, shipped_cfs)
        assert result.step(step).kg_co2e == pytest.approx(expected, rel=1e-9)
        assert result.step(step).data_source == "primary"


@pytest.mark.slow
def test_fast_engine_equals_brightway_engine(bw_dir):
    from dataclasses import replace

    from liplanet_cert.lca.types import MaterialLine

    declared = (MaterialLine("copper", 0.004), MaterialLine("separator", 0.001, 7.25, "supplier"))
    for inp, scenario in (
        (full_line(), None),
        (full_line(), "renewable-electricity"),
        (full_line(), "heat-pump-drying"),
        (full_line(), "optimised-dry-room"),
        (replace(full_line(), chemistry="NMC811/graphite"), None),  # the default materials stage
        (replace(full_line(), bill_of_materials=declared), "renewable-electricity"),
    ):
        fast = compute_footprint(inp, scenario=scenario, bw_dir=bw_dir).to_dict()
        full = compute_footprint(inp, scenario=scenario, bw_dir=bw_dir, engine="brightway").to_dict()
        for a, b in zip(fast.get("stages", []), full.get("stages", []), strict=True):
            assert a["name"] == b["name"]
            if "not_computed" in a:  # no chemistry or bill of materials: in both, with its reason
                assert a == b
            else:
                assert a["kg_co2e"] == pytest.approx(b["kg_co2e"], rel=1e-9)
        for a, b in zip(fast["steps"], full["steps"]):
            assert a["step"] == b["step"]
            assert a["kg_co2e_per_cell"] == pytest.approx(b["kg_co2e_per_cell"], rel=1e-9, abs=1e-15)
        assert fast["total"]["kg_co2e"] == pytest.approx(full["total"]["kg_co2e"], rel=1e-9)
        if scenario:
            for a, b in zip(fast["scenario"]["steps"], full["scenario"]["steps"]):
                assert a["scenario_kg_co2e_per_cell"] == pytest.approx(
                    b["scenario_kg_co2e_per_cell"], rel=1e-9, abs=1e-15
                )


def test_totals_equal_sum_of_steps_and_json_shape(bw_dir):
    d = compute_footprint(full_line(), bw_dir=bw_dir).to_dict()
    assert d["method"] == list(METHOD)
    assert d["total"]["kg_co2e_per_cell"] == sum(s["kg_co2e_per_cell"] for s in d["steps"])
    assert d["total"]["kg_co2e_per_kwh"] == sum(s["kg_co2e_per_kwh"] for s in d["steps"])
    assert sum(s["share"] for s in d["steps"]) == pytest.approx(1.0)
    for s in d["steps"]:
        assert sum(s["contributions"].values()) == pytest.approx(s["kg_co2e_per_cell"], rel=1e-12, abs=1e-15)
        assert s["data_source"] in ("primary", "default")
    assert d["total"]["kg_co2e"] == pytest.approx(d["total"]["kg_co2e_per_cell"] * 20_000)
    assert d["total"]["kg_co2e_per_kwh"] == pytest.approx(d["total"]["kg_co2e_per_cell"] / 0.018)
    assert {"id", "version", "sha256"} <= set(d["model"]) and len(d["model"]["sha256"]) == 64
    assert all("year" in s and s["source"] for s in d["sources"])
    # facility services are always part of the footprint
    assert [s["step"] for s in d["steps"]][-2:] == ["dry_room", "infrastructure"]


def test_unmetered_step_falls_back_to_reference_model_and_is_marked_default(bw_dir):
    inp = full_line()
    result = compute_footprint(inp, bw_dir=bw_dir)
    calendering = result.step("calendering")
    assert calendering.data_source == "default"
    kwh = 0.5446 * inp.cell_energy_kwh * inp.cells_produced  # Degen & Schuette 2022, kWh per kWh of cell
    grid = f32(342.06 / 1000)  # Ember 2024, Germany
    assert calendering.kg_co2e == pytest.approx(f32(kwh) * grid, rel=1e-9)
    assert calendering.primary_kg_co2e == 0.0
    # default steps do not count as primary data
    primary = sum(result.step(s).kg_co2e for s in inp.metered)
    assert result.primary_data_share == pytest.approx(primary / result.total_kg_co2e)
    assert 0 < result.primary_data_share < 1
    # a line that meters nothing is all default data
    nothing = compute_footprint(line(), bw_dir=bw_dir)
    assert nothing.primary_data_share == 0.0 and {s.data_source for s in nothing.steps} == {"default"}


def test_natural_gas_in_mj_or_kwh_gives_the_same_footprint(bw_dir):
    import pint

    ureg = pint.UnitRegistry()
    kwh = ureg.Quantity(32_400, "MJ").to("kWh").magnitude
    a = compute_footprint(
        line(
            coating_and_drying=MeteredStep("coating_and_drying", electricity_kwh=3000, natural_gas_kwh=9000.0)
        ),
        bw_dir=bw_dir,
    )
    b = compute_footprint(
        line(coating_and_drying=MeteredStep("coating_and_drying", electricity_kwh=3000, natural_gas_kwh=kwh)),
        bw_dir=bw_dir,
    )
    assert a.to_dict() == b.to_dict()


@pytest.mark.slow
def test_monte_carlo_is_reproducible_and_centred_for_symmetric_distributions(bw_dir):
    # fully metered steps only: meter accuracy (normal), grid (normal), gas CO2 (symmetric triangular)
    inp = FootprintInput(
        country="FRA",
        cells_produced=10_000,
        cell_energy_kwh=0.02,
        steps=("mixing", "formation"),
        metered={
            s: MeteredStep(
                s, electricity_kwh=e, natural_gas_kwh=g, accuracy={"electricity": 0.05, "heat": 0.05}
            )
            for s, e, g in (
                ("mixing", 500.0, 0.0),
                ("formation", 4000.0, 300.0),
                ("dry_room", 2500.0, 2000.0),
                ("infrastructure", 800.0, 0.0),
            )
        },
    )
    det = compute_footprint(inp, bw_dir=bw_dir)
    # 300 iterations are plenty for "same seed, same numbers" and a 3-standard-error centring check
    one = compute_footprint(inp, uncertainty=300, seed=7, bw_dir=bw_dir).uncertainty
    two = compute_footprint(inp, uncertainty=300, seed=7, bw_dir=bw_dir).uncertainty
    other = compute_footprint(inp, uncertainty=50, seed=8, bw_dir=bw_dir).uncertainty
    assert one == two
    assert one["total"]["mean"] != other["total"]["mean"]
    total = one["total"]
    se = total["sd"] / math.sqrt(one["iterations"])
    assert total["sd"] > 0
    assert abs(total["mean"] - det.total_per_cell) <= 3 * se
    assert total["p2_5"] < total["median"] < total["p97_5"]
    for row in one["steps"]:
        step = det.step(row["step"])
        assert (
            abs(row["mean"] - step.kg_co2e_per_cell) <= 3 * row["sd"] / math.sqrt(one["iterations"]) + 1e-15
        )


def test_default_data_uncertainty_uses_published_range(bw_dir):
    u = compute_footprint(line(), uncertainty=200, seed=1, bw_dir=bw_dir).uncertainty
    formation = next(r for r in u["steps"] if r["step"] == "formation")
    # Degen & Schuette: formation 8.13-10.48 kWh/kWh (electricity) -> spread must be visible
    assert formation["p97_5"] > formation["p2_5"] > 0


def test_scenarios_report_baseline_scenario_and_reduction(bw_dir):
    inp = full_line()
    r = compute_footprint(inp, scenario="renewable-electricity", bw_dir=bw_dir).scenario
    assert r["id"] == "renewable-electricity" and r["changes"][0]["source"]
    assert r["total"]["reduction_kg_co2e_per_cell"] > 0
    for row in r["steps"]:
        assert row["reduction_kg_co2e_per_cell"] == pytest.approx(
            row["baseline_kg_co2e_per_cell"] - row["scenario_kg_co2e_per_cell"]
        )
    hp = compute_footprint(inp, scenario="heat-pump-drying", bw_dir=bw_dir).scenario
    rows = {row["step"]: row for row in hp["steps"]}
    assert rows["coating_and_drying"]["reduction_kg_co2e_per_cell"] > 0
    assert rows["formation"]["reduction_kg_co2e_per_cell"] == 0
    dry = compute_footprint(inp, scenario="optimised-dry-room", bw_dir=bw_dir).scenario
    assert {row["step"] for row in dry["steps"] if row["reduction_kg_co2e_per_cell"]} == {"dry_room"}
    with pytest.raises(LCAError, match="unknown scenario"):
        compute_footprint(inp, scenario="no-such-scenario", bw_dir=bw_dir)


def test_unknown_country_is_an_error_unless_eu27_fallback_is_asked(bw_dir):
    inp = FootprintInput(country="XYZ", cells_produced=10, cell_energy_kwh=0.02, steps=("mixing",))
    with pytest.raises(LCAError, match="XYZ"):
        compute_footprint(inp, bw_dir=bw_dir)
    fallback = compute_footprint(
        FootprintInput(
            country="XYZ", cells_produced=10, cell_energy_kwh=0.02, steps=("mixing",), fallback_to_eu27=True
        ),
        bw_dir=bw_dir,
    )
    assert fallback.functional_unit["country"] == "EU27"


def test_input_errors_are_reported_with_location(bw_dir):
    assert {"nitrogen", "argon"} <= known_materials()
    bad = line(
        mixing=MeteredStep(
            "mixing", electricity_kwh=-1.0, materials_kg={"nmp": 2.0}, location="energy.csv rows 2-3"
        )
    )
    with pytest.raises(LCAError) as err:
        compute_footprint(bad, bw_dir=bw_dir)
    text = str(err.value)
    assert "energy.csv rows 2-3" in text and "nmp" in text and "non-negative" in text
    with pytest.raises(LCAError, match="unknown step"):
        compute_footprint(FootprintInput("DEU", 10, 0.02, ("painting",)), bw_dir=bw_dir)
    with pytest.raises(LCAError, match="cells_produced"):
        compute_footprint(FootprintInput("DEU", 0, 0.02, ("mixing",)), bw_dir=bw_dir)


def test_warm_footprint_and_package_import_do_not_import_brightway_or_pandas(bw_dir):
    code = (
        "import sys\n"
        "from liplanet_cert.lca import FootprintInput, MeteredStep, compute_footprint\n"
        "assert 'bw2data' not in sys.modules and 'pandas' not in sys.modules\n"
        f"r = compute_footprint(FootprintInput('DEU', 100, 0.02, ('mixing',), {{'mixing': MeteredStep('mixing', 5.0)}}), bw_dir={str(bw_dir)!r})\n"
        "assert r.total_kg_co2e > 0\n"
        "assert 'bw2data' not in sys.modules and 'bw2calc' not in sys.modules, 'Brightway imported on a warm cache'\n"
        "print('ok')\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "ok\n"


def test_model_files_are_versioned_and_grid_figures_match_the_reference_csv():
    import re

    model = load_model()
    for doc in [model.manifest, model.background, model.reference, model.classes, *model.scenarios.values()]:
        assert doc["id"] and re.fullmatch(r"\d+\.\d+\.\d+", str(doc["version"]))
    for country, row in model.background["electricity"]["countries"].items():
        assert row["year"] >= 2020 and row["g_co2e_per_kwh"] > 0, country
    for scen in model.scenarios.values():
        assert all(c.get("source") or c.get("cop", {}).get("source") for c in scen["changes"])
    ref = Path("/work/shared/reference/grid_intensity_ember.csv")
    if not ref.exists():
        pytest.skip("shared reference data not available")
    with ref.open(encoding="utf-8") as fh:
        rows = {r["iso3"]: r for r in csv.DictReader(fh)}
    assert set(rows) == set(model.background["electricity"]["countries"])
    for iso, r in rows.items():
        assert model.background["electricity"]["countries"][iso]["g_co2e_per_kwh"] == float(
            r["g_co2e_per_kwh"]
        )
        assert model.background["electricity"]["countries"][iso]["year"] == int(r["year"])


@pytest.mark.slow
def test_concurrent_uncertainty_runs_on_one_fresh_brightway_directory(tmp_path):
    """Two ``footprint --uncertainty`` runs started together on the same, empty Brightway directory
    (regression: "database is locked", a biosphere flow "not found", exit 3) both succeed, with the
    same numbers: the set-up and the foreground run under the directory's lock (lca/brightway.py, lca/bwdir.py)."""
    cmd = [
        sys.executable,
        "-m",
        "liplanet_cert",
        "footprint",
        "--example",
        "--uncertainty",
        "20",
        "--seed",
        "1",
        "--format",
        "json",
    ]
    for round_ in range(1):  # one round reproduced the crash every time before the lock
        env = dict(os.environ, LIPLANET_BW_DIR=str(tmp_path / f"bw{round_}"))
        procs = [
            subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO)
            for _ in range(2)
        ]
        outs = [p.communicate(timeout=170) for p in procs]
        for p, (_stdout, stderr) in zip(procs, outs):
            assert p.returncode == 0, stderr.decode(errors="replace")[-800:]
        assert outs[0][0] == outs[1][0]
        doc = json.loads(outs[0][0])
        assert doc["uncertainty"]["iterations"] == 20 and doc["uncertainty"]["seed"] == 1
        assert (tmp_path / f"bw{round_}" / ".liplanet.lock").is_file()
