"""``--background`` on ``dossier`` and ``batch``, and its configuration file (issue 17, item 1).

The user's Brightway directory is the ecoinvent-shaped one of tests/userbg.py; the figures expected
are its hand-computed unit impacts times the approved example's amounts (:func:`userbg.expected`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner
from userbg import DB, build_user_dir, expected

from liplanet_cert.cli.main import app
from liplanet_cert.infra.resources import example_bundle

BG = f"study/{DB}"
# a user mapping whose heat need matches nothing: with allow_embedded_default it stays embedded
NO_HEAT = (
    "id: mine\nversion: 0.2.0\nneeds:\n"
    "  heat|natural_gas: {name: 'no such furnace', reference product: heat, location: [DE], unit: megajoule}\n"
)


@pytest.fixture(scope="module")
def user_dir(tmp_path_factory: pytest.TempPathFactory, brightway_dir: Path) -> Path:
    return build_user_dir(tmp_path_factory.mktemp("user-bw-cmds"), brightway_dir)


def _cli(user: Path, *args: str, **env: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"BRIGHTWAY2_DIR": str(user), "COLUMNS": "240", **env})


def _one(out: Path, suffix: str) -> str:
    """The dossier file of that format written into ``out``."""
    (path,) = out.glob(f"*.{suffix}")
    return path.read_text(encoding="utf-8")


def _footprint_json(user: Path, *args: str, **env: str) -> dict[str, Any]:
    r = _cli(user, "footprint", "--example", "--format", "json", *args, **env)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def _check_hand_figures(steps_per_cell: dict[str, float], materials_kg: float, cells: float) -> None:
    steps, mat = expected()  # per step: amounts x hand-computed unit impacts (tests/userbg.py)
    assert steps_per_cell == pytest.approx({s: v / cells for s, v in steps.items()}, rel=1e-6)
    assert materials_kg == pytest.approx(mat, rel=1e-6)


def test_dossier_says_which_background(user_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "dossier"
    r = _cli(user_dir, "dossier", "--example", "-o", str(out), "--background", BG)
    assert r.exit_code in (0, 1), r.output
    md = _one(out, "md")
    html = _one(out, "html")
    assert f"`{BG}` (version 3.10)" in md and "no embedded default" in md
    assert BG in html and "version 3.10" in html and "background_mapping.yaml 1.0.0" in html
    mine = tmp_path / "mine.yaml"
    mine.write_text(NO_HEAT, encoding="utf-8")
    out2 = tmp_path / "dossier2"
    r = _cli(
        user_dir,
        "dossier",
        "--example",
        "-o",
        str(out2),
        "--format",
        "md",
        "--background",
        BG,
        "--background-mapping",
        str(mine),
        "--allow-embedded-default",
    )
    assert r.exit_code in (0, 1), r.output
    md = _one(out2, "md")
    assert (
        "with mine.yaml 0.2.0" in md and "embedded default for heat\\|natural\\_gas" in md
    )  # Markdown-escaped


def test_dossier_without_background_has_no_background_line(tmp_path: Path, brightway_dir: Path) -> None:
    out = tmp_path / "d"
    r = _cli(tmp_path, "dossier", "--example", "-o", str(out), "--format", "md")
    assert r.exit_code in (0, 1), r.output
    assert "Brightway database" not in _one(out, "md")


def _batch(user: Path, bundles: Path, out: Path, *args: str) -> tuple[list[dict[str, Any]], int]:
    """(the results.jsonl lines, how many results were reused) of a batch run into ``out``."""
    r = _cli(user, "batch", str(bundles), "--out", str(out), "--footprint", "-q", "--jobs", "2", *args)
    assert r.exit_code in (0, 1), r.output
    lines = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return [json.loads(x) for x in lines], summary["reused"]


def test_batch_background_reaches_workers_and_previous_does_not_cross_backgrounds(
    user_dir: Path, tmp_path: Path
) -> None:
    bundles = tmp_path / "bundles"
    for name in ("a", "b"):  # two bundles, two worker processes
        shutil.copytree(example_bundle(), bundles / name)
    fp = _footprint_json(user_dir, "--background", BG)
    on_user, reused = _batch(user_dir, bundles, tmp_path / "run1", "--background", BG)
    assert len(on_user) == 2 and reused == 0
    for line in on_user:
        doc = json.loads((tmp_path / "run1" / line["result"]).read_text(encoding="utf-8"))["footprint"]
        assert doc["background"]["database"] == DB
        cells = doc["functional_unit"]["cells_produced"]
        mats = {s["name"]: s for s in doc["stages"]}["raw_material_acquisition"]["kg_co2e"]
        _check_hand_figures({s["step"]: s["kg_co2e_per_cell"] for s in doc["steps"]}, mats, cells)
        for key in ("kg_co2e", "kg_co2e_per_cell", "kg_co2e_per_kwh"):  # as footprint --background
            assert doc["total"][key] == pytest.approx(fp["total"][key], rel=1e-9)
    # the embedded background, with the user-background run as --previous: nothing reused
    embedded, reused = _batch(user_dir, bundles, tmp_path / "run2", "--previous", str(tmp_path / "run1"))
    assert reused == 0
    doc = json.loads((tmp_path / "run2" / embedded[0]["result"]).read_text(encoding="utf-8"))
    assert "background" not in doc["footprint"]
    # back on the user's background, with the embedded run as --previous: nothing reused either
    _, reused = _batch(
        user_dir, bundles, tmp_path / "run3", "--background", BG, "--previous", str(tmp_path / "run2")
    )
    assert reused == 0
    # the same background as --previous: reused
    _, reused = _batch(
        user_dir, bundles, tmp_path / "run4", "--background", BG, "--previous", str(tmp_path / "run3")
    )
    assert reused == 2
    # the same database with another mapping (heat left embedded): not reused
    mine = tmp_path / "mine.yaml"
    mine.write_text(NO_HEAT, encoding="utf-8")
    args = ("--background", BG, "--background-mapping", str(mine), "--allow-embedded-default")
    _, reused = _batch(user_dir, bundles, tmp_path / "run5", *args, "--previous", str(tmp_path / "run4"))
    assert reused == 0


def test_batch_missing_project_is_exit_2_before_assessing(user_dir: Path, tmp_path: Path) -> None:
    r = _cli(user_dir, "batch", str(example_bundle()), "--out", str(tmp_path / "o"), "--footprint", "-q",
             "--jobs", "1", "--background", f"nosuch/{DB}")  # fmt: skip
    assert r.exit_code == 2 and "nosuch" in r.output
    assert not (tmp_path / "o" / "results.jsonl").exists()


def test_config_file_is_picked_up_relative_mapping(user_dir: Path, tmp_path: Path, monkeypatch: Any) -> None:
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "mine.yaml").write_text(NO_HEAT, encoding="utf-8")
    (tmp_path / "liplanet-cert.toml").write_text(
        f'[background]\ndatabase = "{BG}"\nmapping = "maps/mine.yaml"\nallow_embedded_default = true\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)  # found in the current directory
    bg = _footprint_json(user_dir)["background"]
    assert bg["database"] == DB and bg["needs"]["heat|natural_gas"]["embedded"] is True
    assert bg["mapping"]["user"]["version"] == "0.2.0"
    # the option beats the file: 'embedded' keeps the embedded background
    assert "background" not in _footprint_json(user_dir, "--background", "embedded")
    # the environment variable beats the file too (and the file's mapping still applies)
    r = _cli(user_dir, "footprint", "--example", "--format", "json", LIPLANET_BACKGROUND=f"nosuch/{DB}")
    assert r.exit_code == 2 and "nosuch" in r.output


def test_config_file_from_env_and_option_beats_it(user_dir: Path, tmp_path: Path) -> None:
    conf = tmp_path / "elsewhere.toml"
    conf.write_text('[background]\ndatabase = "nosuch/db"\n', encoding="utf-8")
    r = _cli(user_dir, "footprint", "--example", "--format", "json", LIPLANET_CONFIG=str(conf))
    assert r.exit_code == 2 and "nosuch" in r.output  # the file is read
    fp = _footprint_json(user_dir, "--background", BG, LIPLANET_CONFIG=str(conf))
    assert fp["background"]["database"] == DB  # the option wins
    assert "embedded" not in fp["background"]["needs"]["heat|natural_gas"]


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ('[background]\ndatabse = "a/b"\n', "[background] databse", "unknown key"),
        ("[background]\ndatabase = 3\n", "[background] database", "wrong type"),
        (
            '[background]\ndatabase = "a/b"\nallow_embedded_default = "yes"\n',
            "allow_embedded_default",
            "wrong type",
        ),
        ('[backgrund]\ndatabase = "a/b"\n', "backgrund", "unknown setting"),
        ('[background]\nmapping = "m.yaml"\n', "[background]", "missing key database"),
        ("[background\n", "", "not valid TOML"),
    ],
)
def test_bad_config_is_exit_2_located(tmp_path: Path, text: str, where: str, what: str) -> None:
    conf = tmp_path / "liplanet-cert.toml"
    conf.write_text(text, encoding="utf-8")
    for cmd in (["footprint", "--example"], ["assess", "--example", "--no-footprint"]):
        r = _cli(tmp_path, *cmd, LIPLANET_CONFIG=str(conf))
        out = " ".join(r.output.split())
        assert r.exit_code == 2, r.output
        assert "liplanet-cert.toml" in out and where in out and what in out
        assert "Traceback" not in out


def test_missing_config_named_by_env_is_exit_2(tmp_path: Path) -> None:
    r = _cli(tmp_path, "footprint", "--example", LIPLANET_CONFIG=str(tmp_path / "nope.toml"))
    assert r.exit_code == 2 and "nope.toml" in r.output
