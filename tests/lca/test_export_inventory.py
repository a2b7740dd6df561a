"""``footprint --export-inventory``: the Brightway Excel inventory round-trips through bw2io's
ExcelImporter (every exchange back with the same input, amount and type; nothing unlinked), the
openLCA JSON-LD zip through olca-schema's ZipReader; both deterministic; bad targets exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from liplanet_cert.cli.main import app
from liplanet_cert.errors import OutputError, UsageError
from liplanet_cert.lca.export import export_inventory, inventory_nodes, parse_targets
from liplanet_cert.lca.types import FootprintInput, MaterialLine, MeteredStep

DB = "liplanet-export-test"


def _line() -> FootprintInput:
    """1000 cells; formation metered at 100 kWh; 20 g nickel sulfate per cell at the default factor
    and 15 g electrolyte per cell at the supplier's 12.5 kg CO2e/kg."""
    return FootprintInput(
        country="DEU",
        cells_produced=1000,
        cell_energy_kwh=0.01,
        steps=("formation",),
        metered={"formation": MeteredStep("formation", electricity_kwh=100.0)},
        chemistry="NMC811",
        bill_of_materials=(
            MaterialLine("nickel_sulfate", 0.020),
            MaterialLine("electrolyte", 0.015, 12.5, "supplier EPD 2025"),
        ),
    )


@pytest.fixture(scope="module")
def nodes(brightway_dir: Path) -> list[dict]:
    return inventory_nodes(_line(), brightway_dir)


def _by_code(nodes: list[dict]) -> dict[str, dict]:
    return {n["code"]: n for n in nodes}


def _exchange(node: dict, code: str) -> dict:
    return next(e for e in node["exchanges"] if e["input"]["code"] == code)


def test_foreground_as_brightway_holds_it(nodes: list[dict]) -> None:
    acts = _by_code(nodes)
    formation = acts["formation"]
    elec = _exchange(formation, "electricity|DEU")
    assert elec["amount"] == 100.0  # metered: 100 kWh over the period
    assert elec["type"] == "technosphere" and elec["comment"].startswith("electricity; primary;")
    mats = acts["stage|raw_material_acquisition"]
    assert _exchange(mats, "cell_material|nickel_sulfate")["amount"] == pytest.approx(20.0)  # 0.020 kg x 1000
    assert _exchange(mats, "declared_material|electrolyte")["amount"] == pytest.approx(
        15.0
    )  # 0.015 kg x 1000
    declared = acts["declared_material|electrolyte"]
    co2 = next(e for e in declared["exchanges"] if e["type"] == "biosphere")
    assert co2["amount"] == 12.5 and co2["input"]["name"] == "Carbon dioxide, fossil"
    assert co2["input"]["categories"] == ("air",)
    # the background is complete: every technosphere input is an exported activity
    codes = {n["code"] for n in nodes}
    assert all(e["input"]["code"] in codes for n in nodes for e in n["exchanges"] if e["type"] != "biosphere")


def test_excel_round_trip_through_bw2io(nodes: list[dict], brightway_dir: Path, tmp_path: Path) -> None:
    import bw2calc as bc
    import bw2io

    from liplanet_cert.lca.brightway import _bw, quiet
    from liplanet_cert.lca.model import load_model

    path = tmp_path / "line.xlsx"
    export_inventory(_line(), [("brightway-excel", path)], database=DB, bw_dir=brightway_dir)
    bd, _bc = _bw(brightway_dir)  # the throw-away project of the session (it has biosphere3)
    with quiet():
        from bw2io.migrations import migrations

        if "biosphere-2-3-categories" not in migrations:  # (bw2setup() installs them; older bw2io
            bw2io.create_core_migrations()  # does not with create_default_biosphere3)
        imp = bw2io.ExcelImporter(str(path))
        imp.apply_strategies()
        imp.match_database("biosphere3", fields=("name", "categories", "unit"))
        datasets, exchanges, unlinked, _multi = imp.statistics(print_stats=False)
    assert unlinked == 0
    assert datasets == len(nodes)
    assert exchanges == sum(len(n["exchanges"]) for n in nodes)
    acts = _by_code(nodes)
    for ds in imp.data:
        node = acts[ds["code"]]
        assert (ds["name"], ds["unit"], ds["location"]) == (node["name"], node["unit"], node["location"])
        got = sorted((e["input"], e["type"], e["amount"]) for e in ds["exchanges"])
        want = sorted(
            (
                e["input"]["database"] == "biosphere3"
                and ("biosphere3", e["input"]["code"])
                or (DB, e["input"]["code"]),
                e["type"],
                e["amount"],
            )
            for e in node["exchanges"]
        )
        assert [(i, t) for i, t, _a in got] == [(i, t) for i, t, _a in want]
        assert [a for _i, _t, a in got] == pytest.approx([a for _i, _t, a in want], rel=1e-15)
    try:
        with quiet():
            imp.write_database()
            act = bd.get_node(database=DB, code="declared_material|electrolyte")
            lca = bc.LCA({act.id: 15.0}, method=load_model().method)
            lca.lci()
            lca.lcia()
        assert lca.score == pytest.approx(187.5)  # 15 kg x 12.5 kg CO2/kg, CO2 with GWP 1
    finally:
        with quiet():
            if DB in bd.databases:
                del bd.databases[DB]


def test_olca_zip_read_back(nodes: list[dict], brightway_dir: Path, tmp_path: Path) -> None:
    import olca_schema as o
    from olca_schema import zipio

    path = tmp_path / "line.zip"
    export_inventory(_line(), [("olca-jsonld", path)], database=DB, bw_dir=brightway_dir)
    with zipio.ZipReader(path) as reader:
        procs = {p.name: p for p in reader.read_each(o.Process)}
        flows = {f.id: f for f in reader.read_each(o.Flow)}
        groups = {g.name: g for g in reader.read_each(o.UnitGroup)}
        props = list(reader.read_each(o.FlowProperty))
        for entity in [*procs.values(), *flows.values(), *groups.values(), *props]:
            assert type(entity).from_dict(entity.to_dict()) == entity
    assert len(procs) == len(nodes)
    for p in procs.values():
        assert sum(bool(e.is_quantitative_reference) for e in p.exchanges) == 1
        for e in p.exchanges:
            assert e.flow.id in flows
            if e.default_provider is not None:
                assert e.default_provider.name in procs
    formation = procs["formation"]
    elec = next(e for e in formation.exchanges if e.is_input)
    assert elec.amount == 100.0 and elec.unit.name == "kWh"
    assert elec.unit.id == "86ad2244-1f0e-4912-af53-7865283103e4"  # openLCA's kWh
    assert elec.default_provider.name == "grid electricity DEU (CO2e as CO2)"
    assert elec.uncertainty.distribution_type == o.UncertaintyType.NORMAL_DISTRIBUTION
    declared = procs["electrolyte, supplier-specific (CO2e as CO2)"]
    co2 = next(e for e in declared.exchanges if not e.is_input and not e.is_quantitative_reference)
    assert co2.amount == 12.5 and co2.unit.name == "kg"
    assert flows[co2.flow.id].flow_type == o.FlowType.ELEMENTARY_FLOW
    energy = groups["Units of energy"]
    assert {u.name: u.conversion_factor for u in energy.units} == {"MJ": 1.0, "kWh": 3.6}  # 1 kWh = 3.6 MJ


def test_deterministic(brightway_dir: Path, tmp_path: Path) -> None:
    targets = [("brightway-excel", tmp_path / "a.xlsx"), ("olca-jsonld", tmp_path / "a.zip")]
    export_inventory(_line(), targets, database=DB, bw_dir=brightway_dir)
    first = [p.read_bytes() for _f, p in targets]
    export_inventory(_line(), targets, database=DB, bw_dir=brightway_dir)
    assert [p.read_bytes() for _f, p in targets] == first


def test_parse_targets(tmp_path: Path) -> None:
    assert parse_targets([str(tmp_path / "x.xlsx"), f"olca-jsonld:{tmp_path / 'y.data'}"]) == [
        ("brightway-excel", tmp_path / "x.xlsx"),
        ("olca-jsonld", tmp_path / "y.data"),
    ]
    assert parse_targets([str(tmp_path / "x.ZIP")]) == [("olca-jsonld", tmp_path / "x.ZIP")]
    with pytest.raises(UsageError, match="inventory format"):
        parse_targets(["ecospold:" + str(tmp_path / "x.xml")])
    with pytest.raises(UsageError, match="inventory format"):
        parse_targets([str(tmp_path / "x.csv")])
    with pytest.raises(UsageError, match="two inventories"):
        parse_targets([str(tmp_path / "x.xlsx"), f"brightway-excel:{tmp_path / 'x.xlsx'}"])
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError):
        parse_targets([str(tmp_path / "file" / "x.xlsx")])


def _cli(*args: str):
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "240", "NO_COLOR": "1"})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def test_cli(brightway_dir: Path, tmp_path: Path) -> None:
    r = _cli(
        "footprint", "--example", "--export-inventory", tmp_path / "line.xlsx", "--bw-dir", brightway_dir
    )
    assert r.exit_code == 0, r.output
    assert (tmp_path / "line.xlsx").stat().st_size > 0
    bad = _cli("footprint", "--example", "--export-inventory", f"ecospold:{tmp_path / 'x.xml'}")
    assert bad.exit_code == 2 and "--export-inventory" in bad.output
    (tmp_path / "file").write_text("")
    blocked = _cli("footprint", "--example", "--export-inventory", tmp_path / "file" / "x.zip")
    assert blocked.exit_code == 2
    assert not (tmp_path / "x.xml").exists()
