"""What the tool writes: file modes that follow the umask, report formats that are named or refused,
and machine-readable reports of an invalid bundle (CI gets the problems when it needs them)."""

from __future__ import annotations

import json
import os
import re
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import EXAMPLES, PACK_2026, REPO, squash
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from liplanet_cert.cli.main import app

runner = CliRunner()
AT = "2026-10-15"
SCHEMAS = REPO / "liplanet_cert" / "schemas"
RESULT_SCHEMA = json.loads((SCHEMAS / "result.schema.json").read_text(encoding="utf-8"))
SARIF_SCHEMA = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def cli(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def mode(p: Path) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


@pytest.fixture
def umask():
    """Set the process umask for one test, restore it afterwards."""
    old = os.umask(0o022)

    def set_(value: int) -> None:
        os.umask(value)

    yield set_
    os.umask(old)


# -- modes: what the umask gives, as for any file a program writes -----------------------------


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_every_written_file_gets_the_mode_the_umask_gives(
    tmp_path: Path, umask, mask: int, expected: int
) -> None:
    umask(mask)
    out = tmp_path / "out"
    r = cli("keygen", tmp_path / "keys" / "k")
    assert r.exit_code == 0, r.output
    r = cli(
        "assess",
        "--example",
        "-c",
        PACK_2026,
        "--at",
        AT,
        "--no-footprint",
        "-o",
        f"json:{out / 'r.json'}",
        "-o",
        f"sarif:{out / 'r.sarif'}",
        "--sign",
        tmp_path / "keys" / "k.key",
    )
    assert r.exit_code == 0, r.output
    r = cli("init", tmp_path / "scaffold")
    assert r.exit_code == 0, r.output
    r = cli(
        "batch",
        EXAMPLES / "approved",
        EXAMPLES / "not-approved",
        "-c",
        PACK_2026,
        "--at",
        AT,
        "--out",
        tmp_path / "run",
        "-j",
        "1",
        "-q",
    )
    assert r.exit_code == 1, r.output
    r = (
        cli("dossier", "--example", "-c", PACK_2026, "--at", AT, "-o", tmp_path / "dossier")
        if _dossier_takes_criteria()
        else cli("dossier", "--example", "-o", tmp_path / "dossier")
    )
    assert r.exit_code == 0, r.output

    files = [
        out / "r.json",
        out / "r.sarif",
        out / "r.json.sig",
        out / "r.sarif.sig",
        tmp_path / "keys" / "k.pub",
    ]
    files += [p for p in (tmp_path / "scaffold").iterdir() if p.is_file()]
    files += [p for p in (tmp_path / "run").rglob("*") if p.is_file()]
    files += [p for p in (tmp_path / "dossier").iterdir() if p.is_file()]
    assert len(files) > 12
    wrong = {str(p.relative_to(tmp_path)): oct(mode(p)) for p in files if mode(p) != expected}
    assert not wrong, f"expected {oct(expected)}: {wrong}"
    assert mode(tmp_path / "keys" / "k.key") == 0o600  # the private key alone stays the owner's


def _dossier_takes_criteria() -> bool:
    return "--criteria" in runner.invoke(app, ["dossier", "--help"], env={"COLUMNS": "200"}).output


def test_a_replaced_report_keeps_the_mode_its_owner_gave_it(tmp_path: Path, umask) -> None:
    umask(0o022)
    target = tmp_path / "r.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)
    r = cli("assess", "--example", "-c", PACK_2026, "--at", AT, "--no-footprint", "-o", f"json:{target}")
    assert r.exit_code == 0, r.output
    assert json.loads(target.read_text(encoding="utf-8"))["verdict"] == "approved"
    assert mode(target) == 0o600


# -- report formats: named or refused ------------------------------------------------------------


@pytest.mark.parametrize("spec", ["pdf:x.pdf", "html:report.html", "JSON:x.json", "a:b:c.json"])
def test_an_unknown_format_prefix_is_a_usage_error_listing_the_formats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str
) -> None:
    monkeypatch.chdir(tmp_path)
    r = cli("assess", "--example", "-c", PACK_2026, "--at", AT, "--no-footprint", "-o", spec)
    assert r.exit_code == 2, r.output
    text = squash(r.output)
    assert "unknown report format" in text
    for fmt in ("json", "sarif", "junit", "csv", "markdown", "jsonl", "table"):
        assert fmt in text
    assert list(tmp_path.iterdir()) == [], "something was written"


def test_a_path_with_a_colon_is_written_with_an_explicit_format(tmp_path: Path) -> None:
    target = tmp_path / "a:b.json"
    r = cli("assess", "--example", "-c", PACK_2026, "--at", AT, "--no-footprint", "-o", f"json:{target}")
    assert r.exit_code == 0, r.output
    assert json.loads(target.read_text(encoding="utf-8"))["verdict"] == "approved"


def test_a_file_whose_suffix_names_no_format_is_refused(tmp_path: Path) -> None:
    r = cli(
        "assess", "--example", "-c", PACK_2026, "--at", AT, "--no-footprint", "-o", tmp_path / "report.pdf"
    )
    assert r.exit_code == 2
    assert "cannot tell the report format" in squash(r.output)
    assert not (tmp_path / "report.pdf").exists()


# -- an invalid bundle in every machine format ---------------------------------------------------

# The invalid example's seven problems, by construction (examples/make_examples.py, make_invalid):
# 4 edits of declaration.yaml (cell format 'coin', country XX, voltage given in Ah, electrode
# throughput in kg/day) and 3 of production_log.csv, at list indexes 3, 9 and 12 of its lines, i.e.
# file lines (CSV rows) 4, 10 and 13.
INVALID = EXAMPLES / "invalid"
CSV_ROWS = {4, 10, 13}


@pytest.mark.parametrize("command", ["assess", "validate"])
def test_an_invalid_bundle_is_reported_in_json_sarif_and_junit(tmp_path: Path, command: str) -> None:
    extra = ["-c", PACK_2026, "--at", AT, "--no-footprint"] if command == "assess" else []
    r = cli(
        command,
        INVALID,
        *extra,
        "--format",
        "json",
        "-o",
        f"sarif:{tmp_path / 'x.sarif'}",
        "-o",
        f"junit:{tmp_path / 'x.xml'}",
        "-o",
        f"csv:{tmp_path / 'x.csv'}",
        "-o",
        f"markdown:{tmp_path / 'x.md'}",
    )
    assert r.exit_code == 2
    doc = json.loads(r.stdout)
    Draft202012Validator(RESULT_SCHEMA).validate(doc)
    assert doc["status"] == "invalid" and doc["verdict"] is None
    assert len(doc["details"]) == 7
    assert sorted(d["file"] for d in doc["details"]) == ["declaration.yaml"] * 4 + ["production_log.csv"] * 3

    sarif = json.loads((tmp_path / "x.sarif").read_text(encoding="utf-8"))
    Draft202012Validator(SARIF_SCHEMA).validate(sarif)
    results = sarif["runs"][0]["results"]
    assert len(results) == 7 and {x["level"] for x in results} == {"error"}
    assert sarif["runs"][0]["invocations"][0]["exitCode"] == 2
    csv_lines = {
        x["locations"][0]["physicalLocation"]["region"]["startLine"]
        for x in results
        if x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
            "invalid/production_log.csv"
        )
    }
    assert csv_lines == CSV_ROWS
    assert len({x["partialFingerprints"]["liplanetFinding/v1"] for x in results}) == 7

    junit = ET.parse(tmp_path / "x.xml").getroot()
    assert junit.get("errors") == "7" and junit.get("failures") == "0"
    assert len(junit.findall(".//testcase/error")) == 7
    assert "could not be assessed" in (tmp_path / "x.csv").read_text(encoding="utf-8")
    assert "calandering" in (tmp_path / "x.md").read_text(encoding="utf-8")


def test_validate_reports_a_valid_bundle_in_machine_formats(tmp_path: Path) -> None:
    r = cli(
        "validate",
        EXAMPLES / "approved",
        "--format",
        "json",
        "-o",
        f"sarif:{tmp_path / 'v.sarif'}",
        "-o",
        f"junit:{tmp_path / 'v.xml'}",
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    Draft202012Validator(RESULT_SCHEMA).validate(doc)
    assert doc["status"] == "valid" and doc["problems"] == []
    sarif = json.loads((tmp_path / "v.sarif").read_text(encoding="utf-8"))
    Draft202012Validator(SARIF_SCHEMA).validate(sarif)
    assert sarif["runs"][0]["results"] == []
    junit = ET.parse(tmp_path / "v.xml").getroot()
    assert junit.get("tests") == "1" and junit.get("errors") == "0"


def test_problems_with_the_command_line_write_nothing(tmp_path: Path) -> None:
    r = cli("assess", INVALID, "-c", "no-such-pack", "--no-footprint", "-o", f"json:{tmp_path / 'x.json'}")
    assert r.exit_code == 2
    assert not (tmp_path / "x.json").exists()
    assert "nothing was written" in r.output


# -- the Brightway directory is the user's input -------------------------------------------------


@pytest.mark.parametrize("how", ["option", "environment"])
@pytest.mark.parametrize("where", ["a file", "inside a file"])
def test_an_unusable_brightway_directory_is_exit_2_naming_it(tmp_path: Path, how: str, where: str) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    bw = blocker if where == "a file" else blocker / "brightway"
    args = ["footprint", "--example"] + (["--bw-dir", str(bw)] if how == "option" else [])
    r = runner.invoke(app, args, env={"LIPLANET_BW_DIR": str(bw)} if how == "environment" else None)
    assert r.exit_code == 2, r.output
    text = squash(r.output)
    assert str(bw) in text and "Brightway directory" in text and "writable directory" in text
    assert "internal error" not in text


# -- where a report goes: files replaced, devices and pipes written into, links never followed ---

ASSESS = ["assess", "--example", "-c", PACK_2026, "--at", AT, "--no-footprint"]


def test_a_device_is_written_into_never_replaced() -> None:
    r = cli(*ASSESS, "-o", "json:/dev/null")
    assert r.exit_code == 0, r.output
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_dev_stdout_and_a_fifo_receive_the_report(tmp_path: Path) -> None:
    import subprocess
    import sys
    import threading

    proc = subprocess.run(
        [sys.executable, "-m", "liplanet_cert", *ASSESS, "-o", "json:/dev/stdout"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert (
        '"verdict": "approved"' in proc.stdout and "LiPLANET APPROVED" in proc.stdout
    )  # the report, then the table

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    r = cli(*ASSESS, "-o", f"json:{fifo}")
    reader.join(30)
    assert r.exit_code == 0, r.output
    assert json.loads(got[0])["verdict"] == "approved"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("target", ["file", "nothing"])
def test_a_symbolic_link_is_never_replaced_nor_followed(tmp_path: Path, target: str) -> None:
    real = tmp_path / "real.json"
    if target == "file":
        real.write_text("keep", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    r = cli(*ASSESS, "-o", f"json:{link}")
    assert r.exit_code == 2
    assert str(link) in squash(r.output) and "symbolic link" in r.output
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert (real.read_text(encoding="utf-8") == "keep") if target == "file" else not real.exists()


@pytest.mark.parametrize("bad", ["directory", "below a file"])
def test_every_target_is_checked_before_any_is_written(tmp_path: Path, bad: str) -> None:
    first = tmp_path / "first.json"
    if bad == "directory":
        (tmp_path / "d").mkdir()
        second = tmp_path / "d"
    else:
        (tmp_path / "f").write_text("x", encoding="utf-8")
        second = tmp_path / "f" / "second.sarif"
    r = cli(*ASSESS, "-o", f"json:{first}", "-o", f"sarif:{second}")
    assert r.exit_code == 2
    assert str(second) in squash(r.output)
    assert not first.exists(), "a report was written although another target is unusable"


def test_a_write_that_fails_midway_leaves_every_report_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Disk full while writing the second of three reports: none is replaced, no temporary file stays."""
    import errno

    from liplanet_cert.infra import atomic

    paths = [tmp_path / n for n in ("a.json", "b.sarif", "c.xml")]
    for p in paths:
        p.write_text("old", encoding="utf-8")
    calls = [0]
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        calls[0] += 1
        if calls[0] == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    r = cli(*ASSESS, "-o", f"json:{paths[0]}", "-o", f"sarif:{paths[1]}", "-o", f"junit:{paths[2]}")
    assert r.exit_code == 2, r.output
    assert "No space left" in r.output and str(paths[1]) in squash(r.output)
    assert [p.read_text(encoding="utf-8") for p in paths] == ["old"] * 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.sarif", "c.xml"]


def test_messages_never_cut_a_path_or_a_hash_at_80_columns(tmp_path: Path) -> None:
    """Message lines are left to the terminal to fold (rich's soft wrap): in a CI log of 80
    columns a long path and a sha256 stay whole, searchable and copyable."""
    deep = (
        tmp_path / ("a-folder-with-a-rather-long-name-" * 3) / "liplanet-2026-2.0.0-draft-for-the-board.yaml"
    )
    deep.parent.mkdir(parents=True)
    deep.write_text(
        (REPO / "criteria" / "liplanet-2026-2.0.0.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    r = runner.invoke(app, ["criteria", "check", str(deep)], env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.output
    assert str(deep) in r.output
    assert re.search(r"\b[0-9a-f]{64}\b", r.output), r.output


def test_two_reports_into_one_file_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = cli(*ASSESS, "-o", "json:same.out", "-o", f"sarif:{tmp_path / 'sub' / '..' / 'same.out'}")
    assert r.exit_code == 2
    assert "two reports would be written to one file" in squash(r.output)
    assert not (tmp_path / "same.out").exists()
