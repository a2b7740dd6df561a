"""Contribution analysis per stage (issue 17, item 3): processes and elementary flows from
Brightway's characterised inventory, hand-computed on a small line; the cutoff; the JSON shape;
the fast engine equals the brightway engine; the dossier's chart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liplanet_cert.errors import LCAError
from liplanet_cert.lca import FootprintInput, MeteredStep, compute_footprint
from liplanet_cert.lca.types import FootprintResult, MaterialLine

CO2, CH4, N2O = "Carbon dioxide, fossil (air)", "Methane, fossil (air)", "Dinitrogen monoxide (air)"


def _line(bom: tuple[MaterialLine, ...] | None = None) -> FootprintInput:
    """1000 cells; formation: 100 kWh of DEU grid electricity; coating: 200 kWh of natural gas."""
    return FootprintInput(
        country="DEU",
        cells_produced=1000,
        cell_energy_kwh=0.01,
        steps=("formation", "coating_and_drying"),
        metered={
            "formation": MeteredStep("formation", electricity_kwh=100.0, natural_gas_kwh=0.0),
            "coating_and_drying": MeteredStep(
                "coating_and_drying", electricity_kwh=0.0, natural_gas_kwh=200.0
            ),
            # the facility services are metered at zero, else the reference model adds their energy
            "dry_room": MeteredStep("dry_room", electricity_kwh=0.0, natural_gas_kwh=0.0),
            "infrastructure": MeteredStep("infrastructure", electricity_kwh=0.0, natural_gas_kwh=0.0),
        },
        bill_of_materials=bom,
    )


# By hand (lca_models/background.yaml; IPCC 2021 GWP100: CH4 fossil 29.8, N2O 273; 1 TJ = 277,777.78 kWh):
#   formation · electricity|DEU: 100 kWh x 0.34206 kg/kWh                          = 34.206 kg
#   coating · heat|natural_gas (combustion), 200 kWh:
#     CO2 56,100 kg/TJ: 200 x 56100 / 277777.78                                   = 40.392 kg
#     CH4 1 kg/TJ x 29.8: 200 x 1 / 277777.78 x 29.8                              =  0.021456 kg
#     N2O 0.1 kg/TJ x 273: 200 x 0.1 / 277777.78 x 273                            =  0.019656 kg
#     together                                                                    = 40.433112 kg
#   coating · supply|natural_gas_upstream: 200 kWh x 45.04 g/kWh                   =  9.008 kg
#   stage: 34.206 + 40.433112 + 9.008                                             = 83.647112 kg
#   shares: 40.433112 / 83.647112 = 0.483376; 34.206 / 83.647112 = 0.408932; 9.008 / 83.647112 = 0.107691
#   flows: CO2 34.206 + 40.392 + 9.008 = 83.606 (0.999509); CH4 0.021456; N2O 0.019656 (other: 0.041112)
STAGE = 83.647112


def test_processes_and_flows_by_hand(brightway_dir):
    fp = compute_footprint(_line(), bw_dir=brightway_dir)
    c = fp.stage("main_production").contributions
    assert c["cutoff"] == 0.01
    assert c["kg_co2e_per_cell"] == pytest.approx(STAGE / 1000, rel=1e-6)
    rows = [(r["foreground"], r["process"]) for r in c["processes"]]
    assert rows == [
        ("coating_and_drying", "heat|natural_gas"),
        ("formation", "electricity|DEU"),
        ("coating_and_drying", "supply|natural_gas_upstream"),
    ]
    want = (40.433112, 34.206, 9.008)
    for r, kg in zip(c["processes"], want):
        assert r["kg_co2e_per_cell"] == pytest.approx(kg / 1000, rel=1e-6)
        assert r["share"] == pytest.approx(kg / STAGE, rel=1e-6)
    comb = c["processes"][0]["flows"]
    assert comb[CO2] == pytest.approx(40.392 / 1000, rel=1e-6)
    assert comb[CH4] == pytest.approx(0.021456 / 1000, rel=1e-5)
    assert comb[N2O] == pytest.approx(0.019656 / 1000, rel=1e-5)
    assert c["processes_other"]["count"] == 0
    # flows at >= 1 %: CO2 only; CH4 and N2O (0.05 % together) are "other"
    assert [f["flow"] for f in c["flows"]] == [CO2]
    assert c["flows"][0]["share"] == pytest.approx(83.606 / STAGE, rel=1e-6)
    assert c["flows_other"]["count"] == 2
    assert c["flows_other"]["kg_co2e_per_cell"] == pytest.approx(0.041112 / 1000, rel=1e-5)
    # the rows and other add up to the stage, as the stage's own total
    total = sum(r["kg_co2e_per_cell"] for r in c["processes"]) + c["processes_other"]["kg_co2e_per_cell"]
    assert total == pytest.approx(fp.stage("main_production").kg_co2e_per_cell, rel=1e-12)


def test_cutoff_sums_the_rest_as_other(brightway_dir):
    fp = compute_footprint(_line(), bw_dir=brightway_dir, contribution_cutoff=0.2)
    c = fp.stage("main_production").contributions
    # 0.107691 < 0.2: the upstream row is other
    assert [r["process"] for r in c["processes"]] == ["heat|natural_gas", "electricity|DEU"]
    assert c["processes_other"]["count"] == 1
    assert c["processes_other"]["share"] == pytest.approx(9.008 / STAGE, rel=1e-6)
    everything = compute_footprint(_line(), bw_dir=brightway_dir, contribution_cutoff=0)
    flows = everything.stage("main_production").contributions["flows"]
    assert [f["flow"] for f in flows] == [CO2, CH4, N2O]  # 0.021456 > 0.019656


@pytest.mark.parametrize("bad", [-0.1, 1.0, 2, float("nan")])
def test_bad_cutoff_is_a_located_error(bad):
    with pytest.raises(LCAError, match="contribution cutoff"):
        compute_footprint(_line(), contribution_cutoff=bad)


BOM = (
    MaterialLine("nickel_sulfate", 0.020),  # default factor 5.47906485240924 kg CO2e/kg
    MaterialLine("electrolyte", 0.015, 12.5, "supplier EPD 2025"),  # the supplier's factor
)


def test_materials_stage_by_hand(brightway_dir):
    fp = compute_footprint(_line(BOM), bw_dir=brightway_dir)
    c = fp.stage("raw_material_acquisition").contributions
    # electrolyte 0.015 x 12.5 = 0.1875; nickel sulfate 0.020 x 5.47906485240924 = 0.10958129704818
    # stage 0.29708129704818: shares 0.631140 and 0.368860; one flow, CO2 (factors enter as CO2)
    assert [(r["foreground"], r["process"]) for r in c["processes"]] == [
        ("electrolyte", "declared_material|electrolyte"),
        ("nickel_sulfate", "cell_material|nickel_sulfate"),
    ]
    assert c["processes"][0]["kg_co2e_per_cell"] == pytest.approx(0.1875, rel=1e-6)
    assert c["processes"][0]["share"] == pytest.approx(0.631140, rel=1e-5)
    assert c["processes"][1]["kg_co2e_per_cell"] == pytest.approx(0.10958129704818, rel=1e-6)
    assert c["flows"] == [
        {"flow": CO2, "kg_co2e_per_cell": pytest.approx(0.29708129704818, rel=1e-6), "share": 1.0}
    ]


def test_fast_engine_equals_brightway_engine(brightway_dir):
    inp = _line(BOM)
    fast = compute_footprint(inp, bw_dir=brightway_dir, contribution_cutoff=0)
    full = compute_footprint(inp, bw_dir=brightway_dir, engine="brightway", contribution_cutoff=0)
    for a, b in zip(fast.stages, full.stages):
        ca, cb = a.contributions, b.contributions
        assert [(r["foreground"], r["process"], r["name"]) for r in ca["processes"]] == [
            (r["foreground"], r["process"], r["name"]) for r in cb["processes"]
        ]
        for ra, rb in zip(ca["processes"] + ca["flows"], cb["processes"] + cb["flows"]):
            assert ra["kg_co2e_per_cell"] == pytest.approx(rb["kg_co2e_per_cell"], rel=1e-9)
            for flow, v in ra.get("flows", {}).items():
                assert v == pytest.approx(rb["flows"][flow], rel=1e-9)


def test_json_shape_round_trip_and_schema(brightway_dir):
    import jsonschema

    fp = compute_footprint(_line(BOM), bw_dir=brightway_dir)
    d = json.loads(json.dumps(fp.to_dict()))
    for st in d["stages"]:
        c = st["contributions"]
        assert set(c) == {
            "cutoff",
            "kg_co2e_per_cell",
            "co2e_as_co2_share",
            "processes",
            "processes_other",
            "flows",
            "flows_other",
        }
        assert set(c["processes"][0]) == {
            "foreground",
            "process",
            "name",
            "kg_co2e_per_cell",
            "share",
            "flows",
        }
    assert FootprintResult.from_dict(d).to_dict() == d
    schema = json.loads((Path(__file__).parents[2] / "liplanet_cert/schemas/result.schema.json").read_text())
    stage_schema = schema["$defs"]["assessed"]["properties"]["footprint"]["properties"]["stages"]["items"]
    for st in d["stages"]:
        jsonschema.validate(st, stage_schema)


def test_cli_default_is_the_library_default():
    from typer.main import get_command

    import liplanet_cert.cli.footprint  # noqa: F401  (registers the command)
    from liplanet_cert.cli.app import app
    from liplanet_cert.lca.contribution import DEFAULT_CUTOFF

    cmd = get_command(app)
    cmd = cmd.commands["footprint"] if hasattr(cmd, "commands") else cmd
    opt = next(p for p in cmd.params if p.name == "contribution_cutoff")
    assert opt.default == DEFAULT_CUTOFF


def test_dossier_chart_and_flows(brightway_dir):
    from liplanet_cert.dossier.contribution_view import contribution_view

    fp = compute_footprint(_line(BOM), bw_dir=brightway_dir)
    v = contribution_view(fp, html=True)
    assert v["chart"].startswith('<svg class="chart contribution"')
    assert "formation · electricity|DEU" in v["chart"] and "48.3 %" in v["chart"]  # 0.483376
    assert "electrolyte" in v["chart"] and "63.1 %" in v["chart"]  # 0.631140
    assert [s["title"] for s in v["stages"]] == ["Raw materials", "Main production"]
    # a footprint stored before the analysis: no section
    old = fp.to_dict()
    for st in old["stages"]:
        st.pop("contributions")
    assert contribution_view(FootprintResult.from_dict(old), html=True) is None


def test_the_share_of_co2e_totals_carried_as_co2(brightway_dir):
    """Grid electricity and the gas supply chain are CO2e totals (carried as CO2); natural-gas
    combustion is split by gas.  Main production of the test line: (34.206 grid + 9.008 supply
    chain) / 83.647112 = 43.214 / 83.647112 = 0.516620 of the stage."""
    fp = compute_footprint(_line(BOM), bw_dir=brightway_dir)
    main = next(st for st in fp.stages if st.name == "main_production")
    assert main.contributions["co2e_as_co2_share"] == pytest.approx(43.214 / 83.647112, rel=1e-6)
