"""The user's own Brightway background (issue 17, item 1): ``--background PROJECT/DATABASE``.

A throw-away BRIGHTWAY2_DIR holds a project ``study`` with a minimal biosphere (the three flows
the method characterises, named as in ecoinvent's biosphere), the method written for them, and a
database shaped like ecoinvent (``ecoinvent-3.10-cutoff``: markets -> production mixes ->
emissions, name / reference product / location / unit / code, a few hundred exchanges).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from liplanet_cert.cli.main import app
from liplanet_cert.infra.resources import example_bundle

DB = "ecoinvent-3.10-cutoff"
BIO = "ecoinvent-3.10-biosphere"
CH4_GWP = 29.8  # the factors written below for the method (IPCC 2021 GWP100: CH4 fossil 29.8, N2O 273)
# Hand calculation of the unit impacts (kg CO2e per unit the foreground uses):
# electricity DE: market MV (kWh) takes 1.02 kWh of market HV (2 % losses); market HV = 0.6 kWh
#   lignite (1.1 kg CO2) + 0.4 kWh wind (0.01 kg CO2): HV = 0.66 + 0.004 = 0.664;
#   MV = 1.02 x 0.664 = 0.67728 kg CO2e per kWh.
ELEC_DE = 0.67728
# heat: furnace, 'Europe without Switzerland', per MJ: 0.056 kg CO2 + 0.0001 kg CH4 x 29.8 =
#   0.056 + 0.00298 = 0.05898 kg CO2e/MJ; per kWh of the need: x 3.6 MJ/kWh = 0.212328.
#   (the RoW furnace, 0.07 kg CO2/MJ, must not be used: the location list prefers Europe)
HEAT = 0.212328
# materials (kg): market for X (GLO) = 1.0 kg of 'X production' (GLO) + 0.1 tkm of lorry transport
#   (0.2 kg CO2 per tkm -> 0.02); production emits the CO2 below: market = CO2 + 0.02.
MATERIALS = {
    "lithium_hydroxide_spodumene": ("market for lithium hydroxide", "lithium hydroxide", 9.98),  # 10.0
    "nickel_sulfate": ("market for nickel sulfate", "nickel sulfate", 4.98),  # 5.0
    "cobalt_sulfate": ("market for cobalt sulfate", "cobalt sulfate", 7.98),  # 8.0
    "graphite_synthetic": ("market for graphite, battery grade", "graphite, battery grade", 11.98),  # 12.0
    "copper": ("market for copper, cathode", "copper, cathode", 3.98),  # 4.0
}
MAT_IMPACT = {k: v[2] + 0.02 for k, v in MATERIALS.items()}
COUNTRIES = (
    "DE FR PL AT BE NL IT ES SE CZ DK FI PT HU RO BG HR CY EE GR IE LV LT LU MT SK SI NO GB CH".split()
)


def _act(code: str, name: str, product: str, loc: str, unit: str, exc: list[tuple[Any, float, str]]) -> dict:
    rows = [{"input": (DB, code), "amount": 1.0, "type": "production"}]
    rows += [{"input": k, "amount": a, "type": t} for k, a, t in exc]
    return {"name": name, "reference product": product, "location": loc, "unit": unit, "exchanges": rows}


def _ecoinvent_like(co2: Any, ch4: Any, n2o: Any) -> dict:
    """~ 15 countries x 4 electricity activities + heat + materials: a few hundred exchanges."""
    data: dict = {}
    mv, hv = "electricity, medium voltage", "electricity, high voltage"
    for i, c in enumerate(COUNTRIES):
        lig, wind = 1.1 if c == "DE" else 0.9 - 0.02 * i, 0.01
        data[(DB, f"lig-{c}")] = _act(
            f"lig-{c}",
            "electricity production, lignite",
            hv,
            c,
            "kilowatt hour",
            [(co2, lig, "biosphere"), (ch4, 0.0, "biosphere"), (n2o, 0.0, "biosphere")],
        )
        data[(DB, f"wind-{c}")] = _act(
            f"wind-{c}",
            "electricity production, wind, 1-3MW turbine, onshore",
            hv,
            c,
            "kilowatt hour",
            [(co2, wind, "biosphere")],
        )
        data[(DB, f"hv-{c}")] = _act(
            f"hv-{c}",
            "market for electricity, high voltage",
            hv,
            c,
            "kilowatt hour",
            [((DB, f"lig-{c}"), 0.6, "technosphere"), ((DB, f"wind-{c}"), 0.4, "technosphere")],
        )
        data[(DB, f"mv-{c}")] = _act(
            f"mv-{c}",
            "market for electricity, medium voltage",
            mv,
            c,
            "kilowatt hour",
            [((DB, f"hv-{c}"), 1.02, "technosphere")],
        )
    furnace = "heat production, natural gas, at industrial furnace >100kW"
    heat = "heat, district or industrial, natural gas"
    data[(DB, "heat-eu")] = _act(
        "heat-eu",
        furnace,
        heat,
        "Europe without Switzerland",
        "megajoule",
        [(co2, 0.056, "biosphere"), (ch4, 0.0001, "biosphere")],
    )
    data[(DB, "heat-row")] = _act("heat-row", furnace, heat, "RoW", "megajoule", [(co2, 0.07, "biosphere")])
    data[(DB, "lorry")] = _act(
        "lorry",
        "market for transport, freight, lorry >32 metric ton, EURO6",
        "transport, freight, lorry >32 metric ton, EURO6",
        "RER",
        "ton kilometer",
        [(co2, 0.2, "biosphere")],
    )
    for k, (name, product, kg) in MATERIALS.items():
        data[(DB, f"prod-{k}")] = _act(
            f"prod-{k}", f"{product} production", product, "GLO", "kilogram", [(co2, kg, "biosphere")]
        )
        data[(DB, f"mkt-{k}")] = _act(
            f"mkt-{k}",
            name,
            product,
            "GLO",
            "kilogram",
            [((DB, f"prod-{k}"), 1.0, "technosphere"), ((DB, "lorry"), 0.1, "technosphere")],
        )
    return data


def _db_digest(bd: Any) -> tuple[int, int, str]:
    """(activities, exchanges, sha256 of every activity and exchange) of the user's database."""
    from bw2data.backends import ActivityDataset as AD
    from bw2data.backends import ExchangeDataset as ED

    acts = sorted(
        json.dumps([r.code, r.data], sort_keys=True, default=str)
        for r in AD.select().where(AD.database == DB)
    )
    exc = sorted(
        json.dumps([r.input_code, r.output_code, r.data], sort_keys=True, default=str)
        for r in ED.select().where(ED.output_database == DB)
    )
    return len(acts), len(exc), hashlib.sha256("\n".join(acts + exc).encode()).hexdigest()


def _user_state(user: Path) -> tuple[int, int, str]:
    from liplanet_cert.lca import brightway as bw

    bd, _ = bw._bw(Path(__import__("os").environ["LIPLANET_BW_DIR"]))
    bd.projects.change_base_directories(user, project_name="study", update=False)
    bw._state["dir"] = user
    return _db_digest(bd)


@pytest.fixture(scope="module")
def user_dir(tmp_path_factory: pytest.TempPathFactory, brightway_dir: Path) -> Path:
    """BRIGHTWAY2_DIR with project 'study': biosphere, method, ecoinvent-shaped database."""
    from liplanet_cert.lca import brightway as bw
    from liplanet_cert.lca.model import load_model

    user = tmp_path_factory.mktemp("user-bw")
    bd, _ = bw._bw(brightway_dir)
    with bw.quiet():
        bd.projects.change_base_directories(user, project_name="study")
        bw._state["dir"] = user
        flows = {
            n: (BIO, c)
            for n, c in (
                ("Carbon dioxide, fossil", "co2"),
                ("Methane, fossil", "ch4"),
                ("Dinitrogen monoxide", "n2o"),
            )
        }
        bio = {
            key: {"name": n, "categories": ("air",), "unit": "kilogram", "type": "emission"}
            for n, key in flows.items()
        }
        bd.Database(BIO).write(bio)
        co2, ch4, n2o = flows.values()
        bd.Database(DB).write(_ecoinvent_like(co2, ch4, n2o))
        meta = bd.databases[DB]
        meta["version"] = "3.10"
        bd.databases.flush()
        method = bd.Method(load_model().method)
        method.register(unit="kg CO2-Eq")
        method.write([(co2, 1.0), (ch4, CH4_GWP), (n2o, 273.0)])
        assert 300 <= sum(len(a["exchanges"]) for a in _ecoinvent_like(co2, ch4, n2o).values())
    return user


def _run(user: Path, *args: str) -> Any:
    return CliRunner().invoke(
        app,
        ["footprint", "--example", "--format", "json", *args],
        env={"BRIGHTWAY2_DIR": str(user), "COLUMNS": "240"},
    )


def _expected() -> tuple[dict[str, float], float]:
    """Per step (kg CO2e over the period): its amounts x the hand-computed unit impacts above;
    the materials stage: kg per cell x cells x the hand-computed material impacts."""
    from liplanet_cert.assessment.footprint import footprint_input
    from liplanet_cert.assessment.kpis import measure
    from liplanet_cert.bundle.load import load_bundle
    from liplanet_cert.lca.inventory import build_inventory
    from liplanet_cert.lca.materials import build_materials
    from liplanet_cert.lca.model import load_model

    b = load_bundle(example_bundle())
    inp = footprint_input(b, measure(b))
    _, inv = build_inventory(inp, load_model())
    unit = {"electricity|DEU": ELEC_DE, "heat|natural_gas": HEAT}
    steps = {i.step: sum(f.amount * unit[f.supplier] for f in i.flows) for i in inv}
    mats = build_materials(inp, load_model())
    mat = sum(f.kg_per_cell * inp.cells_produced * MAT_IMPACT[f.material] for f in mats.flows)
    return steps, mat


def test_linked_result_equals_hand_calculation_and_user_db_unchanged(user_dir: Path) -> None:
    before = _user_state(user_dir)
    r = _run(user_dir, "--background", f"study/{DB}")
    assert r.exit_code == 0, r.output
    fp = json.loads(r.stdout)
    steps, mat = _expected()
    cells = fp["functional_unit"]["cells_produced"]
    for row in fp["steps"]:
        assert row["kg_co2e_per_cell"] == pytest.approx(steps[row["step"]] / cells, rel=1e-6)
    stage = {s["name"]: s for s in fp["stages"]}["raw_material_acquisition"]
    assert stage["kg_co2e"] == pytest.approx(mat, rel=1e-6)
    assert fp["total"]["kg_co2e"] == pytest.approx(sum(steps.values()) + mat, rel=1e-6)
    bg = fp["background"]
    assert (bg["project"], bg["database"], bg["foreground_database"]) == ("study", DB, "liplanet-foreground")
    assert bg["database_metadata"]["version"] == "3.10"
    assert bg["database_metadata"]["number_of_activities"] == len(COUNTRIES) * 4 + 3 + 2 * len(MATERIALS)
    assert bg["mapping"]["version"] == "1.0.0" and len(bg["mapping"]["sha256"]) == 64
    heat = bg["needs"]["heat|natural_gas"]
    assert (heat["code"], heat["location"], heat["unit"]) == (
        "heat-eu",
        "Europe without Switzerland",
        "megajoule",
    )
    assert heat["conversion"] == "3.6 megajoule per kilowatt hour"
    assert bg["needs"]["electricity|DEU"]["code"] == "mv-DE"
    assert _user_state(user_dir) == before  # the user's database: same activities, exchanges, hash


def test_unmatched_needs_are_listed_exit_2(user_dir: Path, tmp_path: Path) -> None:
    own = tmp_path / "mine.yaml"
    own.write_text(
        "id: mine\nversion: 0.1.0\nneeds:\n"
        "  heat|natural_gas: {name: 'no such furnace', reference product: heat, location: [DE], unit: megajoule}\n"
        "  cell_material|copper: {name: 'market for copper, cathode', reference product: 'copper, cathode',"
        " location: [GLO], unit: ton}\n",
        encoding="utf-8",
    )
    r = _run(user_dir, "--background", f"study/{DB}", "--background-mapping", str(own))
    assert r.exit_code == 2, r.output
    out = " ".join(r.output.split())
    assert "heat|natural_gas" in out and "no such furnace" in out
    assert "cell_material|copper" in out  # unit 'ton' wanted, the activity is in kilogram


def test_allow_embedded_marks_needs(user_dir: Path, tmp_path: Path) -> None:
    own = tmp_path / "mine.yaml"
    own.write_text(
        "id: mine\nversion: 0.1.0\nneeds:\n"
        "  heat|natural_gas: {name: 'no such furnace', reference product: heat, location: [DE], unit: megajoule}\n",
        encoding="utf-8",
    )
    args = ["--background", f"study/{DB}", "--background-mapping", str(own), "--allow-embedded-default"]
    r = _run(user_dir, *args)
    assert r.exit_code == 0, r.output
    bg = json.loads(r.stdout)["background"]
    assert bg["needs"]["heat|natural_gas"]["embedded"] is True
    assert "embedded" not in bg["needs"]["electricity|DEU"]
    assert bg["mapping"]["user"]["version"] == "0.1.0"


def test_missing_project_is_exit_2_and_not_created(user_dir: Path, tmp_path: Path) -> None:
    r = _run(user_dir, "--background", f"nosuch/{DB}")
    assert r.exit_code == 2 and "nosuch" in r.output
    import sqlite3

    with sqlite3.connect(user_dir / "projects.db") as con:
        assert "nosuch" not in {n for (n,) in con.execute("SELECT name FROM projectdataset")}
    r = _run(user_dir, "--background", "study/nosuch-db")
    assert r.exit_code == 2 and "nosuch-db" in r.output
    empty = tmp_path / "empty"  # BRIGHTWAY2_DIR is honoured: another directory has no 'study'
    empty.mkdir()
    r = _run(empty, "--background", f"study/{DB}")
    assert r.exit_code == 2 and not (empty / "projects.db").exists()


def test_assess_records_background_and_verify_detects_a_change(user_dir: Path, tmp_path: Path) -> None:
    env = {"BRIGHTWAY2_DIR": str(user_dir), "COLUMNS": "240"}
    out = tmp_path / "result.json"
    args = ["assess", "--example", "--footprint", "--background", f"study/{DB}", "-o", f"json:{out}"]
    r = CliRunner().invoke(app, args, env=env)
    assert r.exit_code in (0, 1), r.output
    assert json.loads(out.read_text(encoding="utf-8"))["footprint"]["background"]["database"] == DB
    bundle = str(example_bundle())
    r = CliRunner().invoke(app, ["verify", str(out), bundle, "--format", "json"], env=env)
    assert r.exit_code == 0, r.output  # same background: reproduced
    # the user changes their database: DE lignite now emits 1.2 kg CO2 per kWh (was 1.1)
    from liplanet_cert.lca import brightway as bw

    _user_state(user_dir)
    import bw2data

    with bw.quiet():
        node = bw2data.get_node(database=DB, code="lig-DE")
        for exc in node.biosphere():
            if exc.input["name"] == "Carbon dioxide, fossil":
                exc["amount"] = 1.2
                exc.save()
        bw2data.Database(DB).process()
    r = CliRunner().invoke(app, ["verify", str(out), bundle, "--format", "json"], env=env)
    assert r.exit_code == 1, r.output
    kinds = {(d["kind"], d["what"].split(": ")[-1]) for d in json.loads(r.stdout)["differences"]}
    assert ("background", "database changed") in kinds
    empty = tmp_path / "elsewhere"  # the background is not there at all
    empty.mkdir()
    r = CliRunner().invoke(
        app, ["verify", str(out), bundle, "--format", "json"], env={"BRIGHTWAY2_DIR": str(empty)}
    )
    assert r.exit_code == 1, r.output
    diff = json.loads(r.stdout)["differences"]
    assert diff[0]["kind"] == "background" and diff[0]["recomputed"].startswith("not available")
