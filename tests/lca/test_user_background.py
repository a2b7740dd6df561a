"""The user's own Brightway background (issue 17, item 1): ``--background PROJECT/DATABASE``.

A throw-away BRIGHTWAY2_DIR (tests/userbg.py) holds a project ``study`` with a minimal biosphere,
the method, and a database shaped like ecoinvent, whose unit impacts are computed by hand there.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner
from userbg import COUNTRIES, DB, MATERIALS, build_user_dir, expected

from liplanet_cert.cli.main import app
from liplanet_cert.infra.resources import example_bundle


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
    return build_user_dir(tmp_path_factory.mktemp("user-bw"), brightway_dir)


def _run(user: Path, *args: str) -> Any:
    return CliRunner().invoke(
        app,
        ["footprint", "--example", "--format", "json", *args],
        env={"BRIGHTWAY2_DIR": str(user), "COLUMNS": "240"},
    )


def test_linked_result_equals_hand_calculation_and_user_db_unchanged(user_dir: Path) -> None:
    before = _user_state(user_dir)
    r = _run(user_dir, "--background", f"study/{DB}")
    assert r.exit_code == 0, r.output
    fp = json.loads(r.stdout)
    steps, mat = expected()
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


def test_contributions_on_the_user_background(user_dir: Path) -> None:
    """(Before the test that edits the user's database.)  Each step is solved on its own, so each row keeps its step; a row is the user's emitting
    activity, named with its location.  Formation draws only DE medium-voltage electricity: its
    lignite row is 1.02 x 0.6 x 1.1 = 0.6732 of the 0.67728 kg CO2e per kWh, its wind row
    1.02 x 0.4 x 0.01 = 0.00408 of it (hand calculation in tests/userbg.py)."""
    r = _run(user_dir, "--background", f"study/{DB}", "--contribution-cutoff", "0.0001")
    assert r.exit_code == 0, r.output
    fp = json.loads(r.stdout)
    steps, _mat = expected()
    cells = fp["functional_unit"]["cells_produced"]
    stages = {s["name"]: s["contributions"] for s in fp["stages"]}
    rows = {(p["foreground"], p["process"]): p for p in stages["main_production"]["processes"]}
    formation = steps["formation"] / cells
    lignite = rows[("formation", "electricity production, lignite [DE]")]
    wind = rows[("formation", "electricity production, wind, 1-3MW turbine, onshore [DE]")]
    assert lignite["kg_co2e_per_cell"] == pytest.approx(formation * 0.6732 / 0.67728, rel=1e-6)
    assert wind["kg_co2e_per_cell"] == pytest.approx(formation * 0.00408 / 0.67728, rel=1e-6)
    materials = {p["foreground"] for p in stages["raw_material_acquisition"]["processes"]}
    assert materials <= set(MATERIALS) and "graphite_synthetic" in materials


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
