"""batch never loses a line silently: a folder holding bundle files without a declaration is an
invalid bundle in every report (exit 2); folders holding none are skipped, counted and listed."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liplanet_cert.batch.discover import discover_all
from liplanet_cert.batch.store import read_lines
from liplanet_cert.cli.main import app

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "bundles"
NEW, AT = "liplanet-2026@2.0.0", "2026-11-01"


def batch(*args: str, env: dict[str, str] | None = None):
    res = CliRunner().invoke(
        app,
        ["batch", *args, "-c", NEW, "--at", AT, "-j", "1"],
        env={"COLUMNS": "80", "NO_COLOR": "1", **(env or {})},
    )
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    return res


@pytest.fixture
def subs(tmp_path: Path) -> Path:
    """nordwerk (approved) · lost (its declaration deleted) · docs/ (a README and a picture folder)."""
    s = tmp_path / "subs"
    shutil.copytree(EXAMPLES / "approved", s / "nordwerk")
    shutil.copytree(EXAMPLES / "approved", s / "lost")
    (s / "lost" / "declaration.yaml").unlink()
    (s / "docs" / "img").mkdir(parents=True)
    (s / "docs" / "README.md").write_text("how to submit\n", encoding="utf-8")
    return s


def test_folder_without_declaration_is_invalid_in_every_report_and_exits_2(subs: Path, tmp_path: Path):
    outs = {f: tmp_path / f"r.{f}" for f in ("sarif", "junit", "csv", "jsonl")}
    res = batch(
        str(subs), "--out", str(tmp_path / "o"), *[a for f, p in outs.items() for a in ("-o", f"{f}:{p}")]
    )
    assert res.exit_code == 2, res.output
    lost = str(subs / "lost")

    by = {d["bundle"]: d for d in read_lines(tmp_path / "o" / "results.jsonl")}
    assert set(by) == {str(subs / "nordwerk"), lost}
    assert by[lost]["status"] == "invalid" and by[lost]["result"] is None
    assert "no declaration found" in by[lost]["message"] and "production_log.csv" in by[lost]["message"]

    rows = {
        r["bundle"]: r
        for r in csv.DictReader(io.StringIO((tmp_path / "o" / "summary.csv").read_text(encoding="utf-8")))
    }
    assert rows[lost]["status"] == "invalid"
    assert [
        r["status"]
        for r in csv.DictReader(io.StringIO(outs["csv"].read_text(encoding="utf-8")))
        if r["bundle"] == lost
    ] == ["invalid"]
    assert [
        json.loads(x)["status"]
        for x in outs["jsonl"].read_text(encoding="utf-8").splitlines()
        if '"lost"' in x
    ] == ["invalid"]

    errors = [
        c
        for c in ET.fromstring(outs["junit"].read_text(encoding="utf-8")).iter("testcase")
        if c.find("error") is not None
    ]
    assert len(errors) == 1 and "lost" in errors[0].get("file", "")
    sarif = json.loads(outs["sarif"].read_text(encoding="utf-8"))
    bad = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "bundle"]
    assert len(bad) == 1 and "lost" in bad[0]["message"]["text"]

    s = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert s["exit_code"] == 2 and s["counts"]["invalid"] == 1 and s["counts"]["approved"] == 1
    assert s["discovery"]["no_declaration"] == [lost]
    assert [x["path"] for x in s["discovery"]["skipped"]] == [str(subs / "docs")]
    assert (
        s["discovery"]["folders_searched"] >= 5
    )  # subs, nordwerk, lost, docs, docs/img (and the evidence folder below lost)


def test_summary_says_what_was_searched_and_lists_skipped_folders(subs: Path, tmp_path: Path):
    res = batch(str(subs), "--out", str(tmp_path / "o"))
    out = " ".join(res.stdout.split())
    assert (
        "searched 6 folders: 2 bundles · 1 of them without a declaration (invalid) · 1 folder skipped as not bundles"
        in out
    )
    assert (
        f"skipped: {subs / 'docs'} (not a bundle: none of declaration.yaml, production_log.csv, eol_tests.csv, energy.csv)"
        in out
    )
    assert str(subs / "lost") in out


def test_quiet_run_still_warns_about_skipped_folders_on_stderr(subs: Path, tmp_path: Path):
    res = batch(str(subs), "--out", str(tmp_path / "o"), "-q")
    assert res.exit_code == 2
    assert res.stdout == ""
    assert f"1 folder(s) skipped as not bundles (of 6 searched): {subs / 'docs'}" in res.stderr
    assert (
        f"1 folder(s) with bundle files but no declaration, reported invalid: {subs / 'lost'}" in res.stderr
    )


@pytest.mark.parametrize(
    "rename",
    [
        ("declaration.yaml", "Declaration.YAML"),
        ("declaration.yaml", "declaration.yaml.txt"),
        ("declaration.yaml", "declaration.toml"),
    ],
)
def test_a_misnamed_declaration_is_an_invalid_bundle(tmp_path: Path, rename: tuple[str, str]):
    b = tmp_path / "subs" / "line"
    shutil.copytree(EXAMPLES / "approved", b)
    for f in ("production_log.csv", "eol_tests.csv", "energy.csv"):
        (b / f).unlink()  # only the misnamed declaration is left
    (b / rename[0]).rename(b / rename[1])
    res = batch(str(tmp_path / "subs"), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2, res.output
    [line] = list(read_lines(tmp_path / "o" / "results.jsonl"))
    assert line["bundle"] == str(b) and line["status"] == "invalid" and rename[1] in line["message"]


@pytest.mark.parametrize("only", ["production_log.csv", "eol_tests.csv", "energy.csv"])
def test_any_single_log_without_declaration_makes_an_invalid_bundle(tmp_path: Path, only: str):
    b = tmp_path / "line"
    b.mkdir()
    shutil.copy(EXAMPLES / "approved" / only, b / only.upper())  # letter case does not hide it either
    found = discover_all([str(tmp_path)])
    assert found.bundles == [str(b)] and found.no_declaration == [str(b)] and found.skipped == []


def test_glob_over_folders_keeps_the_folder_without_declaration(subs: Path, tmp_path: Path):
    res = batch(str(subs / "*"), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2
    assert {d["bundle"]: d["status"] for d in read_lines(tmp_path / "o" / "results.jsonl")} == {
        str(subs / "lost"): "invalid",
        str(subs / "nordwerk"): "approved",
    }
    assert "1 folder skipped as not bundles" in " ".join(res.stdout.split())


def test_only_skipped_folders_is_a_usage_error_naming_them(tmp_path: Path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("x", encoding="utf-8")
    res = batch(str(tmp_path / "docs"), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2
    err = " ".join(res.stderr.split())
    assert "no bundles found" in err and "1 folder searched" in err and str(tmp_path / "docs") in err


def test_bundles_below_a_folder_without_declaration_are_still_found(tmp_path: Path):
    top = tmp_path / "region"
    top.mkdir()
    shutil.copy(EXAMPLES / "approved" / "energy.csv", top / "energy.csv")  # a stray log at the top
    shutil.copytree(EXAMPLES / "approved", top / "nordwerk")
    found = discover_all([str(top)])
    assert found.bundles == [str(top), str(top / "nordwerk")] and found.no_declaration == [str(top)]


def test_archives_other_than_zip_and_links_and_hidden_bundles_are_never_silent(tmp_path: Path):
    s = tmp_path / "subs"
    shutil.copytree(EXAMPLES / "approved", s / "nordwerk")
    with tarfile.open(s / "loire.tar.gz", "w:gz") as tf:
        tf.add(EXAMPLES / "approved", arcname=".")
    shutil.copytree(EXAMPLES / "approved", s / ".old-line")
    (s / ".git").mkdir()  # hidden, holds no bundle files: ignored
    os.symlink(s / "nordwerk", s / "linked")
    found = discover_all([str(s)])
    assert found.bundles == [str(s / "loire.tar.gz"), str(s / "nordwerk")]
    assert {x["path"]: x["reason"].split(" ")[0] for x in found.skipped} == {
        str(s / ".old-line"): "hidden",
        str(s / "linked"): "symbolic",
    }
    res = batch(str(s), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2  # the tar archive cannot be read: invalid, not dropped
    by = {d["bundle"]: d["status"] for d in read_lines(tmp_path / "o" / "results.jsonl")}
    assert by == {str(s / "loire.tar.gz"): "invalid", str(s / "nordwerk"): "approved"}
    out = " ".join(res.stdout.split())
    assert str(s / ".old-line") in out and str(s / "linked") in out


def test_a_clean_tree_reports_no_skipped_folder(tmp_path: Path):
    shutil.copytree(EXAMPLES / "approved", tmp_path / "subs" / "nordwerk")
    res = batch(str(tmp_path / "subs"), "--out", str(tmp_path / "o"))
    assert res.exit_code == 0, res.output
    assert "searched 2 folders: 1 bundle · 0 folders skipped as not bundles" in " ".join(res.stdout.split())
    assert res.stderr.count("warning") == 0


def test_a_folder_named_twice_is_searched_and_reported_once(subs: Path):
    found = discover_all([str(subs), str(subs / "lost"), str(subs / "*")])
    assert found.bundles == [str(subs / "lost"), str(subs / "nordwerk")]
    assert found.no_declaration == [str(subs / "lost")]
    assert [x["path"] for x in found.skipped] == [str(subs / "docs")]
    assert found.folders_searched == 6
