"""Network comparison (issue 14, item 3): ``network RUN_DIR`` over a batch run of
``benchmarks/make_bundles.py`` output, and ``dossier --network RUN_DIR``.  Quartiles and percentile
ranks are checked against the rule written out here, never against the tool's own numbers."""

from __future__ import annotations

import json
import math
import shutil
import sys
from pathlib import Path

import pytest
from helpers import REPO
from typer.testing import CliRunner

from liplanet_cert.batch.network import Distribution
from liplanet_cert.batch.store import read_lines
from liplanet_cert.cli.main import app

runner = CliRunner()
PACK, AT = "liplanet-2026@2.1.0", "2026-11-01"  # 2.1.0 has sustainability criteria: the runs carry footprints


def type7(sorted_values: list[float], p: float) -> float:
    """Hyndman & Fan type 7: h = (n - 1) p; Q = x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])."""
    h = (len(sorted_values) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def test_quartiles_and_ranks_of_small_samples_by_hand() -> None:
    d = Distribution("k", "t", "u", [1.0, 2.0, 3.0, 4.0, 10.0], 0)
    # n = 5: q1 h = 4 x 0.25 = 1 -> 2; median h = 2 -> 3; q3 h = 3 -> 4
    assert d.stats() == {"min": 1.0, "q1": 2.0, "median": 3.0, "q3": 4.0, "max": 10.0}
    assert d.rank(3.0) == 50.0  # 100 x (2 below + 0.5 x 1 equal) / 5
    assert d.rank(10.0) == 90.0  # 100 x (4 + 0.5) / 5
    d = Distribution("k", "t", "u", [1.0, 2.0, 3.0, 4.0], 0)
    # n = 4: q1 h = 0.75 -> 1 + 0.75 x 1 = 1.75; median h = 1.5 -> 2.5; q3 h = 2.25 -> 3.25
    assert d.stats() == {"min": 1.0, "q1": 1.75, "median": 2.5, "q3": 3.25, "max": 4.0}
    d = Distribution("k", "t", "u", [5.0, 5.0, 5.0], 0)
    assert d.rank(5.0) == 50.0  # 100 x (0 + 0.5 x 3) / 3
    assert Distribution("k", "t", "u", [], 2).stats()["median"] is None


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory, brightway_dir: Path) -> Path:
    sys.path.insert(0, str(REPO / "benchmarks"))
    import make_bundles

    base = tmp_path_factory.mktemp("network")
    make_bundles.main(["12", str(base / "gen"), "--seed", "8"])
    out = base / "run"
    r = runner.invoke(app, ["batch", str(base / "gen"), "-c", PACK, "--at", AT, "--out", str(out), "-j", "2"])
    assert r.exit_code in (1, 2), r.output  # seed 8 makes invalid bundles: exit 2
    return out


def stored(run: Path) -> tuple[list[dict], list[dict]]:
    """(assessed results as stored, results.jsonl lines of bundles not assessed)."""
    lines = list(read_lines(run / "results.jsonl"))
    docs = [json.loads((run / d["result"]).read_text(encoding="utf-8")) for d in lines if d.get("result")]
    return docs, [d for d in lines if not d.get("result")]


def network(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, ["network", *args])
    return r.exit_code, r.output


def test_network_json_figures_by_hand(run_dir: Path) -> None:
    docs, unassessed = stored(run_dir)
    assert len(docs) >= 8 and unassessed  # the seed gives both
    code, out = network(str(run_dir), "--format", "json")
    assert code == 0, out
    net = json.loads(out)
    assert net["lines"] == len(docs)
    assert net["unassessed"] == {"invalid": len(unassessed)}
    by = {f["figure"]: f for f in net["figures"]}
    scrap = sorted(d["kpis"]["scrap_rate"]["measured"] for d in docs)
    fig = by["kpi.scrap_rate"]
    assert fig["n"] == len(scrap) and fig["unit"] == "%"
    assert fig["min"] == scrap[0] and fig["max"] == scrap[-1]
    for key, p in (("q1", 0.25), ("median", 0.5), ("q3", 0.75)):
        assert fig[key] == pytest.approx(type7(scrap, p), rel=1e-12), key
    for row in fig["lines"]:  # PR = 100 (below + 0.5 equal) / n
        below = sum(v < row["value"] for v in scrap)
        equal = sum(v == row["value"] for v in scrap)
        assert row["percentile_rank"] == pytest.approx(100 * (below + 0.5 * equal) / len(scrap))
    main = sorted(d["footprint"]["stages"][1]["kg_co2e_per_kwh"] for d in docs)
    assert by["footprint.main_production"]["median"] == pytest.approx(type7(main, 0.5))
    # the cradle-to-gate total is compared only between lines whose every stage was computed
    complete = [d for d in docs if not any(s.get("not_computed") for s in d["footprint"]["stages"])]
    total = sorted(d["footprint"]["total"]["kg_co2e_per_kwh"] for d in complete)
    assert 0 < len(complete) < len(docs)  # the run has lines of a chemistry with no open bill
    assert by["footprint.total"]["n"] == len(total)
    assert by["footprint.total"]["q3"] == pytest.approx(type7(total, 0.75))


def test_pseudonyms_are_codes_deterministic_and_reveal_names(run_dir: Path) -> None:
    docs, _ = stored(run_dir)
    names = {d["pilot_line"]["name"] for d in docs}
    code, out = network(str(run_dir), "--format", "json")
    assert code == 0
    net = json.loads(out)
    codes = [p["line"] for p in net["participants"]]
    assert codes == [f"L{i:02d}" for i in range(1, len(docs) + 1)]
    assert not any(name in out for name in names)  # neither names nor bundle paths
    assert "gen/" not in out
    assert network(str(run_dir), "--format", "json")[1] == out  # deterministic
    _, shown = network(str(run_dir), "--format", "json", "--reveal")
    assert {p["name"] for p in json.loads(shown)["participants"]} == names
    code, table = network(str(run_dir))
    assert code == 0 and "L01" in table and "Distribution over the network" in table
    assert not any(name in table for name in names)


def test_unreadable_stored_results_are_counted_not_fatal(run_dir: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    docs, unassessed = stored(run)
    first = next(d for d in read_lines(run / "results.jsonl") if d.get("result"))
    (run / first["result"]).write_text("{not json", encoding="utf-8")
    code, out = network(str(run), "--format", "json", "-o", str(tmp_path / "n.json"))
    assert code == 0, out
    net = json.loads(out)
    assert net["lines"] == len(docs) - 1
    assert net["unassessed"] == {"error": 1, "invalid": len(unassessed)}
    assert json.loads((tmp_path / "n.json").read_text(encoding="utf-8")) == net


def test_not_a_run_is_exit_2(tmp_path: Path) -> None:
    code, out = network(str(tmp_path))
    assert code == 2 and "no results.jsonl" in out
    code, out = network(str(tmp_path / "missing"))
    assert code == 2 and "not a directory" in out
    (tmp_path / "results.jsonl").write_text("", encoding="utf-8")
    code, out = network(str(tmp_path))
    assert code == 2 and "no assessed bundle" in out
    code, out = network(str(tmp_path), "--format", "csv")
    assert code == 2


def test_dossier_network_names_the_line_and_codes_the_others(run_dir: Path, tmp_path: Path) -> None:
    docs, _ = stored(run_dir)
    mine = docs[0]
    others = {d["pilot_line"]["name"] for d in docs[1:]}
    r = runner.invoke(
        app,
        [
            "dossier",
            mine["bundle"]["path"],
            "-o",
            str(tmp_path),
            "-c",
            PACK,
            "--at",
            AT,
            "--network",
            str(run_dir),
        ],
    )
    assert r.exit_code in (0, 1), r.output
    _, net = network(str(run_dir), "--format", "json", "--reveal")
    (me,) = [p for p in json.loads(net)["participants"] if p["bundle"] == mine["bundle"]["path"]]
    (md,) = tmp_path.glob("*.md")
    (html,) = tmp_path.glob("*.html")
    for text in (md.read_text(encoding="utf-8"), html.read_text(encoding="utf-8")):
        section = text[text.index("Where this line stands", text.index("Executive summary")) :]
        assert mine["pilot_line"]["name"] in section and me["line"] in section
        assert not any(name in text for name in others)
    html_text = html.read_text(encoding="utf-8")
    assert '<section id="network"' in html_text and 'class="chart network"' in html_text
    scrap = mine["kpis"]["scrap_rate"]["measured"]
    values = sorted(d["kpis"]["scrap_rate"]["measured"] for d in docs)
    rank = 100 * (sum(v < scrap for v in values) + 0.5 * sum(v == scrap for v in values)) / len(values)
    assert f"| {rank:.0f} | {len(values)} |" in md.read_text(encoding="utf-8")


def test_network_needs_a_dossier_in_assess_and_a_run(tmp_path: Path) -> None:
    r = runner.invoke(app, ["assess", "--example", "--network", str(tmp_path)])
    assert r.exit_code == 2 and "--dossier" in r.output
    r = runner.invoke(app, ["dossier", "--example", "-o", str(tmp_path / "d"), "--network", str(tmp_path)])
    assert r.exit_code == 2 and not (tmp_path / "d").exists()
