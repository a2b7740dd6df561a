"""Terminal tables never cut an id, a version or a path: piped output and CI logs (80 columns)."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from liplanet_cert.cli.main import app
from liplanet_cert.reporters.safetable import SafeTable, id_col, text_col, words_col

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "bundles"
PIPED_80 = {"COLUMNS": "80", "NO_COLOR": "1"}

# criterion ids of the shipped packs, written out by hand
IDS_2026_2_1 = """ELIG-FORMAT ELIG-CELL-SIZE ELIG-COATING-BOTH-SIDES ELIG-ELECTRODE-OUTPUT ELIG-CELL-OUTPUT-SMALL ELIG-CELL-OUTPUT-LARGE
ELIG-AUTO-ELECTRODE ELIG-AUTO-CALENDERING ELIG-AUTO-CUTTING ELIG-AUTO-STACKING ELIG-AUTO-TAB-WELDING ELIG-AUTO-ELECTROLYTE
ELIG-AUTO-FORMATION ELIG-SCOPE KPI-SCRAP-OVERALL QUAL-SCRAP-MIXING QUAL-SCRAP-COATING QUAL-SCRAP-CALENDERING QUAL-SCRAP-CUTTING
QUAL-SCRAP-STACKING QUAL-SCRAP-TAB-WELDING QUAL-SCRAP-FILLING QUAL-SCRAP-ELECTROLYTE-PRODUCTION QUAL-SCRAP-SEALING
QUAL-SCRAP-FORMATION QUAL-SCRAP-AGING QUAL-SCRAP-QC QUAL-EOL-PASS-RATE QUAL-CAPACITY-SPREAD QUAL-CAPACITY-NOMINAL
CONS-EOL-PASS-RATE CONS-CAPACITY-MEAN SUST-FOOTPRINT-STEPS SUST-PRIMARY-DATA SUST-INTENSITY CONS-SCRAP-RATE
CONS-CELL-THROUGHPUT CONS-ELECTRODE-THROUGHPUT CONS-ELECTRODE-PER-BATCH""".split()
PACKS = ["liplanet-2023@1.0.0", "liplanet-2026@2.0.0", "liplanet-2026@2.1.0"]


def run80(*args: str):
    res = CliRunner().invoke(app, list(args), env=PIPED_80)
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    return res


def whole(token: str, text: str) -> bool:
    """``token`` appears in ``text`` as a whole word (not cut, not folded onto two lines)."""
    return re.search(r"(?<![\w.@/-])" + re.escape(token) + r"(?![\w@/-])", text) is not None


def test_criteria_list_piped_at_80_columns_shows_whole_pack_ids_and_the_pack_in_force():
    res = run80("criteria", "list", "--at", "2026-08-01")
    assert res.exit_code == 0
    for ref in PACKS:
        assert whole(ref, res.stdout), ref
    assert "…" not in res.stdout
    line = next(x for x in res.stdout.splitlines() if "liplanet-2026@2.1.0" in x)
    assert "in force" in line
    assert max(len(x) for x in res.stdout.splitlines()) <= 80


def test_criteria_show_piped_at_80_columns_shows_every_criterion_id_whole():
    res = run80("criteria", "show", "liplanet-2026@2.1.0")
    assert res.exit_code == 0
    assert whole("liplanet-2026@2.1.0", res.stdout)
    for cid in IDS_2026_2_1:
        assert whole(cid, res.stdout), cid
    assert "…" not in res.stdout
    assert len(IDS_2026_2_1) == 39
    assert whole(
        "footprint.primary_share_main_production", res.stdout
    )  # a metric id inside a threshold: not cut either


def test_criteria_diff_piped_at_80_columns_shows_every_id_whole():
    res = run80("criteria", "diff", "liplanet-2023@1.0.0", "liplanet-2026@2.1.0")
    assert res.exit_code == 0
    for cid in (
        "QUAL-SCRAP-ELECTROLYTE-PRODUCTION",
        "QUAL-SCRAP-TAB-WELDING",
        "SUST-FOOTPRINT-STEPS",
        "SUST-PRIMARY-DATA",
        "QUAL-CAPACITY-NOMINAL",
        "CONS-EOL-PASS-RATE",
    ):
        assert whole(cid, res.stdout), cid
    assert whole("step.electrolyte_production.scrap_rate", res.stdout)
    assert "…" not in res.stdout


def test_assess_table_piped_at_80_columns_shows_every_finding_id_whole():
    res = run80("assess", str(EXAMPLES / "not-approved"), "-c", "liplanet-2026@2.0.0", "--no-footprint")
    assert res.exit_code == 1
    for cid in (
        "KPI-SCRAP-OVERALL",
        "QUAL-SCRAP-FORMATION",
        "ELIG-AUTO-TAB-WELDING",
        "QUAL-SCRAP-ELECTROLYTE-PRODUCTION",
        "CONS-ELECTRODE-THROUGHPUT",
    ):
        assert whole(cid, res.stdout), cid
    assert "…" not in res.stdout and "NOT APPROVED" in res.stdout


@pytest.fixture(scope="module")
def deep_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A run under the 2023 pack and its re-run under 2026@2.0.0, with bundle paths longer than 80
    characters; line-00002 of the generator's seed 8 loses the seal on QUAL-SCRAP-CUTTING."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import make_bundles

    root = tmp_path_factory.mktemp("t") / (
        "submissions-of-the-liplanet-network-office-for-the-november-recertification" + "/2026-11"
    )
    make_bundles.main(["3", str(root), "--seed", "8"])
    old = root.parent / "old"
    res = CliRunner().invoke(
        app,
        [
            "batch",
            str(root),
            "-c",
            "liplanet-2023@1.0.0",
            "--at",
            "2026-11-01",
            "--out",
            str(old),
            "-j",
            "1",
            "-q",
        ],
    )
    assert res.exit_code in (0, 1), res.output
    return root, str(old)


def test_batch_lost_approval_piped_at_80_columns_shows_whole_bundle_paths_and_criteria(
    deep_runs: tuple[Path, str], tmp_path: Path
):
    root, old = deep_runs
    lost = str(root / "line-00002")
    assert len(lost) > 80
    res = run80(
        "batch",
        str(root),
        "-c",
        "liplanet-2026@2.0.0",
        "--at",
        "2026-11-01",
        "--out",
        str(tmp_path / "new"),
        "-j",
        "1",
        "--previous",
        old,
    )
    assert res.exit_code == 1, res.output
    assert "lost approval" in res.stdout
    assert any(whole(lost, line) for line in res.stdout.splitlines())
    assert whole("QUAL-SCRAP-CUTTING", res.stdout)
    assert whole("liplanet-2026@2.0.0", res.stdout)
    assert "…" not in res.stdout


def test_impact_piped_at_80_columns_shows_whole_bundle_paths(deep_runs: tuple[Path, str]):
    root, old = deep_runs
    res = run80("criteria", "impact", "liplanet-2026@2.0.0", "--against", old)
    assert res.exit_code == 1, res.output
    assert any(whole(str(root / "line-00002"), line) for line in res.stdout.splitlines())
    assert whole("QUAL-SCRAP-CUTTING", res.stdout) and "…" not in res.stdout


# -- the helper itself ---------------------------------------------------------------------
def render(table: SafeTable, width: int) -> str:
    buf = io.StringIO()
    table.print(Console(file=buf, width=width, color_system=None, highlight=False))
    return buf.getvalue()


def sample(path: str) -> SafeTable:
    t = SafeTable(
        id_col("id"), id_col("bundle"), words_col("criteria"), text_col("note", optional=True), title="sample"
    )
    t.add_row(
        "QUAL-SCRAP-ELECTROLYTE-PRODUCTION",
        path,
        "KPI-SCRAP-OVERALL, QUAL-SCRAP-FORMATION",
        "free text that may wrap anywhere it likes",
    )
    t.add_row("ELIG-FORMAT", "b", "", "[red]not markup[/red]")
    return t


@pytest.mark.parametrize("width", [40, 60, 80, 100, 140, 200])
def test_id_cells_are_whole_at_every_width(width: int):
    path = "/srv/liplanet/submissions/2026-11/" + "nordwerk-pouch-pilot-line-" * 3 + "bundle.zip"
    out = render(sample(path), width)
    for token in (
        "QUAL-SCRAP-ELECTROLYTE-PRODUCTION",
        path,
        "KPI-SCRAP-OVERALL",
        "QUAL-SCRAP-FORMATION",
        "ELIG-FORMAT",
    ):
        assert any(whole(token, line) for line in out.splitlines()), (width, token, out)
    assert "…" not in out


def test_cells_are_shown_literally_not_as_markup():
    assert "[red]not markup[/red]" in render(sample("p"), 200)


def test_table_when_it_fits_records_when_it_does_not():
    wide = render(sample("short/path"), 200)
    assert "┃ id" in wide and "note" in wide
    narrow = render(sample("short/path"), 40)
    assert (
        "┃" not in narrow
        and "\n  bundle: short/path\n" in narrow
        and narrow.startswith("sample\nQUAL-SCRAP-ELECTROLYTE-PRODUCTION\n")
    )


def test_optional_columns_go_before_records():
    t = SafeTable(id_col("id"), id_col("status"), text_col("title", optional=True))
    t.add_row("QUAL-SCRAP-ELECTROLYTE-PRODUCTION", "approved_with_observations", "x " * 40)
    out = render(t, 70)
    assert "┃ id" in out and "title" not in out and "approved_with_observations" in out


def test_no_module_builds_a_rich_table_outside_the_helper():
    """Every table goes through liplanet_cert/reporters/safetable.py, so the next one gets ids right by default."""
    offenders = []
    for f in sorted((REPO / "liplanet_cert").rglob("*.py")):
        if f.name == "safetable.py" and f.parent.name == "reporters":
            continue
        text = f.read_text(encoding="utf-8")
        if re.search(r"rich\.table|\bTable\.grid\(|\.add_column\(", text):
            offenders.append(str(f.relative_to(REPO)))
    assert offenders == []
