"""Hostile input, bounded: every file the tool opens from user input is read as a regular file of
bounded size (a FIFO, a device or a directory is refused, never opened blocking), memory follows the
size of the input, no string reaches a parser (pint, a pattern, float()) unbounded, no error echoes
more than a prefix of a value, and every refusal is exit 2 naming the file and the place: never
exit 3, never a hang.  Expected values are worked out by hand.

A test that would hang fails after a while instead (``no_hang``: a guard, not a timing assertion);
sizes, not times, are what the tests bound.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import sys
import tempfile
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from helpers import EXAMPLES, PACK_2026, REPO, squash
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hostile import copy_bundle, edit, reject
from typer.testing import CliRunner

from liplanet_cert.bundle.load import load_bundle
from liplanet_cert.cli.main import app
from liplanet_cert.errors import FIELD_CHARS, BundleError, LiplanetError, Problem
from liplanet_cert.units import QuantityError, parse_quantity, to_unit

runner = CliRunner()
APPROVED = EXAMPLES / "approved"
AT = "2026-10-15"
PACK_FILE = REPO / "criteria" / "liplanet-2026-2.0.0.yaml"
EXAMPLES_PER_TEST = int(
    os.environ.get("LIPLANET_HYPOTHESIS_EXAMPLES", "40")
)  # raise it for a longer bug hunt (then random)
SETTINGS = settings(
    max_examples=EXAMPLES_PER_TEST,
    deadline=None,
    derandomize=EXAMPLES_PER_TEST <= 120,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


@pytest.fixture(autouse=True)
def no_hang():
    """A command that hangs (a FIFO opened blocking, pint on 100 KB) fails the test instead."""

    def _alarm(signum, frame):  # noqa: ARG001
        raise TimeoutError("hang: did not finish within 120 s")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(120)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def refused(args: list[str], *needles: str) -> str:
    """Run the CLI: exit 2, no traceback, no internal error, every needle in the output."""
    r = runner.invoke(app, args)
    text = squash(r.output)
    assert r.exit_code == 2, f"exit {r.exit_code}: {text}\n{r.exception!r}"
    assert "Traceback" not in r.output and "internal error" not in text
    for needle in needles:
        assert needle in text, f"{needle!r} not in: {text}"
    return text


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A result of the approved example, signed, with its key pair."""
    from liplanet_cert.integrity.signing import keygen

    root = tmp_path_factory.mktemp("signed")
    key, pub = keygen(root / "k")
    result = root / "result.json"
    r = runner.invoke(
        app,
        [
            "assess",
            str(APPROVED),
            "-c",
            PACK_2026,
            "--at",
            AT,
            "--no-footprint",
            "-o",
            f"json:{result}",
            "--sign",
            str(key),
        ],
    )
    assert r.exit_code == 0, r.output
    return {"result": result, "key": key, "pub": pub}


# -- 1. regular files only, of bounded size ------------------------------------------------------
def test_a_fifo_as_the_waiver_file_is_refused_not_waited_on(tmp_path: Path, fifo: Path) -> None:
    out = tmp_path / "out"
    refused(
        [
            "assess",
            str(APPROVED),
            "-c",
            PACK_2026,
            "--at",
            AT,
            "--no-footprint",
            "--waivers",
            str(fifo),
            "-o",
            f"json:{out}/r.json",
        ],
        str(fifo),
        "waiver file is not a regular file",
        "named pipe (FIFO)",
    )
    assert not out.exists()


def test_a_fifo_as_the_criteria_pack_is_refused(tmp_path: Path, fifo: Path) -> None:
    out = tmp_path / "out"
    refused(
        [
            "assess",
            str(APPROVED),
            "--criteria",
            str(fifo),
            "--at",
            AT,
            "--no-footprint",
            "-o",
            f"json:{out}/r.json",
        ],
        str(fifo),
        "criteria pack is not a regular file",
        "named pipe (FIFO)",
    )
    refused(["criteria", "check", str(fifo)], "criteria pack is not a regular file")
    assert not out.exists()


def test_a_fifo_named_like_a_zip_bundle_is_refused(tmp_path: Path) -> None:
    pipe = tmp_path / "x.zip"
    os.mkfifo(pipe)
    for command in ("validate", "assess"):
        refused([command, str(pipe)], "x.zip", "not a bundle", "named pipe (FIFO)")


def test_a_fifo_inside_a_bundle_folder_is_not_read(tmp_path: Path) -> None:
    bundle = copy_bundle(tmp_path)
    (bundle / "eol_tests.csv").unlink()
    os.mkfifo(bundle / "eol_tests.csv")
    reject(tmp_path, bundle, "eol_tests.csv", "end-of-line test file not found in the bundle")


def test_fifos_given_to_verify_and_signing_are_refused(
    signed: dict[str, Path], fifo: Path, tmp_path: Path
) -> None:
    refused(["verify", str(fifo), str(APPROVED)], str(fifo), "result is not a regular file")
    refused(
        ["verify", str(signed["result"]), str(APPROVED), "--key", str(fifo)],
        "public key is not a regular file",
    )
    refused(
        [
            "verify",
            str(signed["result"]),
            str(APPROVED),
            "--key",
            str(signed["pub"]),
            "--signature",
            str(fifo),
        ],
        "signature is not a regular file",
    )
    out = tmp_path / "out"
    refused(
        [
            "assess",
            str(APPROVED),
            "-c",
            PACK_2026,
            "--at",
            AT,
            "--no-footprint",
            "-o",
            f"json:{out}/r.json",
            "--sign",
            str(fifo),
        ],
        "private key is not a regular file",
    )
    assert not out.exists()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_is_a_device_not_an_endless_file(signed: dict[str, Path]) -> None:
    refused(
        ["assess", str(APPROVED), "-c", PACK_2026, "--at", AT, "--no-footprint", "--waivers", "/dev/zero"],
        "/dev/zero",
        "a character device",
    )
    refused(
        ["assess", str(APPROVED), "--criteria", "/dev/zero", "--at", AT, "--no-footprint"],
        "a character device",
    )
    refused(["verify", "/dev/zero", str(APPROVED)], "result is not a regular file", "a character device")
    refused(["verify", str(signed["result"]), str(APPROVED), "--key", "/dev/zero"], "a character device")
    refused(["validate", "/dev/zero"], "not a bundle", "a character device")


def test_a_directory_where_a_file_is_expected(tmp_path: Path) -> None:
    refused(
        ["assess", str(APPROVED), "-c", PACK_2026, "--at", AT, "--waivers", str(tmp_path)],
        "waiver file is not a regular file",
        "a directory",
    )
    refused(["criteria", "check", str(tmp_path) + "/"], "criteria pack is not a regular file", "a directory")


def test_option_files_over_their_limit_are_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# padding\n" * (512 * 1024 // 10 + 1))  # 524,290 bytes: 2 over 512 KiB
    refused(
        ["assess", str(APPROVED), "-c", PACK_2026, "--at", AT, "--waivers", str(big)],
        "waiver file too large",
        "limit 524288 bytes",
        "524290 bytes",
    )
    refused(["criteria", "check", str(big)], "criteria pack too large", "limit 524288 bytes")


def test_a_declaration_over_its_own_limit(tmp_path: Path) -> None:
    bundle = copy_bundle(tmp_path)
    with open(bundle / "declaration.yaml", "a", encoding="utf-8") as fh:
        fh.write("# padding\n" * (512 * 1024 // 10 + 1))
    reject(
        tmp_path,
        bundle,
        "declaration.yaml whole file",
        "file too large: limit 524288 bytes (for a declaration)",
    )


def _denied(monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    """Opening a path that ends with ``suffix`` fails as for a file this user may not read (the
    tests run as root, who may read anything)."""
    real = os.open

    def fake(path, *args, **kwargs):
        if str(path).endswith(suffix):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake)


def test_an_unreadable_bundle_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = copy_bundle(tmp_path)
    _denied(monkeypatch, "eol_tests.csv")
    reject(tmp_path, bundle, "eol_tests.csv", "cannot read file: permission denied")


def test_an_unreadable_bundle_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = copy_bundle(tmp_path)
    real = os.scandir

    def fake(path):
        if str(path).endswith("evidence"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", fake)
    reject(tmp_path, bundle, "evidence folder", "cannot read folder: Permission denied")


def test_unreadable_option_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signed: dict[str, Path]
) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers: []\n", encoding="utf-8")
    pack = tmp_path / "pack.yaml"
    shutil.copy(PACK_FILE, pack)
    _denied(monkeypatch, ".yaml")
    refused(
        ["assess", str(APPROVED), "-c", PACK_2026, "--at", AT, "--waivers", str(waivers)],
        str(waivers),
        "cannot read waiver file: permission denied",
    )
    refused(["criteria", "check", str(pack)], str(pack), "cannot read criteria pack: permission denied")
    monkeypatch.undo()
    _denied(monkeypatch, ".pub")
    refused(
        ["verify", str(signed["result"]), str(APPROVED), "--key", str(signed["pub"])],
        "cannot read public key: permission denied",
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_for_real(tmp_path: Path) -> None:
    bundle = copy_bundle(tmp_path)
    (bundle / "energy.csv").chmod(0)
    reject(tmp_path, bundle, "energy.csv", "permission denied")


# -- 2. memory follows the size of the logs ------------------------------------------------------
def _bench():
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import bench_memory
    finally:
        sys.path.pop(0)
    return bench_memory


def _traced_load(bundle: Path):
    """(bundle, bytes still allocated, peak bytes) of loading ``bundle`` under tracemalloc, after a
    first load that pays the imports and caches."""
    load_bundle(bundle)
    tracemalloc.start()
    try:
        kept = load_bundle(bundle)
        now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return kept, now, peak


@pytest.mark.slow
@pytest.mark.parametrize("log", ["production", "eol", "energy"])
def test_reading_a_log_takes_a_small_multiple_of_its_size(tmp_path: Path, log: str) -> None:
    """Python's allocations while a 2 MB log (8 reading pieces) is read and checked (tracemalloc, deterministic): at
    most 5x the file (before, 1.3 GB for 62 MB: the text, its lines, its rows and the columns at
    once); what the loaded bundle keeps, at most 2.5x."""
    bundle = tmp_path / "b"
    rows = _bench().make_bundle(bundle, 2, {log})
    size = sum((bundle / name).stat().st_size for name in rows)
    kept, now, peak = _traced_load(bundle)
    assert len(kept.production) > 0
    assert peak < 5 * size, f"peak {peak / size:.1f}x the log"
    assert now < 2.5 * size, f"kept {now / size:.1f}x the log"


@pytest.mark.slow
def test_unique_cell_ids_are_not_a_string_each(tmp_path: Path) -> None:
    """The worst case for text: 300,000 tiny unique cell ids (4 MB).  Kept as their text, not as
    300,000 Python strings (~60 bytes each, 4x the file on their own)."""
    bundle = copy_bundle(tmp_path)
    lines = ["cell_id,lot_id,capacity [Ah],result"] + [
        f"{k:x},L{1 + k % 22:02d},5,pass" for k in range(300_000)
    ]
    (bundle / "eol_tests.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    size = (bundle / "eol_tests.csv").stat().st_size
    kept, now, peak = _traced_load(bundle)
    assert len(kept.eol) == 300_000
    assert peak < 6 * size and now < 3 * size, (peak / size, now / size)


# -- 3. no error echoes more than a prefix of a value -----------------------------------------------
def test_problem_fields_are_bounded_where_problems_are_made() -> None:
    p = Problem(
        "f.csv",
        "row 2, column step",
        "unknown step",
        expected="one of ...",
        found="'" + "x" * 5_000_000 + "'",
    )
    assert len(p.found) <= FIELD_CHARS["found"] + 40 and "5000002 characters" in p.found
    assert len(str(p)) < 2000


def test_a_long_cell_is_quoted_by_a_prefix_with_its_length(tmp_path: Path) -> None:
    bundle = copy_bundle(tmp_path)
    edit(bundle / "production_log.csv", "2026-09-01,mixing,L01", "2026-09-01," + "m" * 900 + ",L01")
    text = reject(
        tmp_path,
        bundle,
        "production_log.csv row 2, column step",
        "unknown step",
        "'" + "m" * 60 + "'… (900 characters)",
    )
    assert "m" * 61 not in text


def test_a_cell_over_the_cell_limit_is_one_located_problem(tmp_path: Path) -> None:
    bundle = copy_bundle(tmp_path)
    edit(bundle / "eol_tests.csv", "C00001,L01", "C" + "1" * 1500 + ",L01")
    text = reject(
        tmp_path,
        bundle,
        "eol_tests.csv row 2, column cell_id",
        "value too long",
        "at most 1000 characters",
        "(1501 characters)",
    )
    assert "1" * 61 not in text


@pytest.mark.parametrize("size", [5_000_000, 50_000_000])
def test_a_huge_cell_is_refused_with_a_short_message(tmp_path: Path, size: int) -> None:
    """5 MB took 34 s to render and 50 MB 90 s and 850 MB to read; now one line-long problem."""
    bundle = copy_bundle(tmp_path)
    edit(bundle / "production_log.csv", "2026-09-01,mixing,L01", "2026-09-01,mixing," + "X" * size)
    r = runner.invoke(app, ["validate", str(bundle)])
    assert r.exit_code == 2 and "production_log.csv row 2: line too long" in squash(r.output)
    assert len(r.output) < 2000


def test_a_long_declaration_value_is_quoted_by_a_prefix(tmp_path: Path) -> None:
    bundle = copy_bundle(tmp_path)
    edit(bundle / "declaration.yaml", "site: Münster", "site: " + "S" * 100_000)
    text = reject(tmp_path, bundle, "declaration.yaml #/pilot_line/site")
    assert len(text) < 3000


# -- 4. every string is bounded before a parser sees it ----------------------------------------------
LONG_UNIT = "k" * 100_000


def test_a_100_kb_unit_in_a_declared_quantity(tmp_path: Path) -> None:
    bundle = copy_bundle(tmp_path)
    edit(bundle / "declaration.yaml", 'nominal_capacity: "5 Ah"', f'nominal_capacity: "5 {LONG_UNIT}"')
    reject(
        tmp_path,
        bundle,
        "declaration.yaml #/cell/nominal_capacity",
        "quantity too long",
        "at most 100 characters",
    )


def test_a_100_kb_unit_in_a_csv_header(tmp_path: Path) -> None:
    bundle = copy_bundle(tmp_path)
    edit(bundle / "eol_tests.csv", "capacity [Ah]", f"capacity [{LONG_UNIT}]")
    reject(tmp_path, bundle, "eol_tests.csv line 1", "header line too long")


def test_a_long_unit_or_column_name_in_a_csv_header(tmp_path: Path) -> None:
    bundle = copy_bundle(tmp_path)
    edit(bundle / "eol_tests.csv", "capacity [Ah]", "capacity [" + "k" * 150 + "]")
    edit(bundle / "production_log.csv", "units_in", "u" * 300)
    reject(
        tmp_path,
        bundle,
        "eol_tests.csv line 1, column capacity",
        "column unit: unit too long",
        "production_log.csv line 1, column 4",
        "column name too long",
    )


@pytest.mark.parametrize(
    "column,old,new,needle",
    [
        ("unit", ",kWh,1 %", f",{LONG_UNIT},1 %", "energy.csv row 2: line too long"),
        ("meter_accuracy", ",kWh,1 %", f",kWh,1 {LONG_UNIT}", "energy.csv row 2: line too long"),
        ("unit", ",kWh,1 %", ",kWh" + "h" * 800 + ",1 %", "energy.csv row 2, column unit: unit too long"),
        (
            "meter_accuracy",
            ",kWh,1 %",
            ",kWh,1 " + "%" * 800,
            "energy.csv row 2, column meter_accuracy: quantity too long",
        ),
    ],
)
def test_long_energy_units_and_accuracies(
    tmp_path: Path, column: str, old: str, new: str, needle: str
) -> None:
    bundle = copy_bundle(tmp_path)
    edit(bundle / "energy.csv", old, new)
    reject(tmp_path, bundle, needle)


def _pack_with_threshold(tmp_path: Path, value: str) -> Path:
    text = PACK_FILE.read_text(encoding="utf-8")
    assert 'value: "1 Ah"' in text
    path = tmp_path / "pack.yaml"
    path.write_text(text.replace('value: "1 Ah"', f'value: "{value}"', 1), encoding="utf-8")
    return path


def test_a_100_kb_unit_in_a_criteria_threshold(tmp_path: Path) -> None:
    refused(
        ["criteria", "check", str(_pack_with_threshold(tmp_path, "1 " + LONG_UNIT))],
        "pack.yaml #/criteria/1/check",
        "quantity too long",
    )


# -- 5. exit 2, never exit 3 --------------------------------------------------------------------
def test_a_bundle_nested_1500_folders_deep(tmp_path: Path) -> None:
    bundle = copy_bundle(tmp_path)
    here = bundle / "evidence"
    chain = []
    try:
        for _ in range(1500):  # (os.makedirs and shutil.rmtree recurse: built and removed by hand)
            here = here / "a"
            os.mkdir(here)
            chain.append(here)
        (here / "f.txt").write_text("x", encoding="utf-8")
        # (not reject(): its check that nothing was written walks the tree recursively)
        out = tmp_path / "out" / "r.json"
        text = refused(
            ["assess", str(bundle), "-c", PACK_2026, "--at", AT, "--no-footprint", "-o", f"json:{out}"],
            "folders nested too deep: limit 32 levels",
            "evidence/a/a/a",
        )
        assert " evidence/" + "a/" * 31 + "a folder" in text  # the 33rd level (evidence is the 1st) is named
        assert json.loads(out.read_text(encoding="utf-8"))["status"] == "invalid"
    finally:
        if chain:
            (chain[-1] / "f.txt").unlink(missing_ok=True)
        for folder in reversed(chain):
            os.rmdir(folder)


@pytest.mark.parametrize(
    "value",
    ["1e400 Ah", "1e-400 Ah", "1e308 kAh", "1 kAh^300/Ah^299", "1 mAh^300/Ah^299", "1e13 Ah", "1e-13 Ah"],
)
def test_declared_quantities_that_overflow_or_underflow(tmp_path: Path, value: str) -> None:
    bundle = copy_bundle(tmp_path)
    edit(bundle / "declaration.yaml", 'nominal_capacity: "5 Ah"', f'nominal_capacity: "{value}"')
    reject(tmp_path, bundle, "declaration.yaml #/cell/nominal_capacity")


@pytest.mark.parametrize(
    "unit,needle",
    [
        ("1e400 m", "a unit only, without a number"),
        ("1e-400 m", "a unit only, without a number"),
        ("km^300/m^299", "cannot be converted to m"),
        ("mm^300/m^299", "unit out of range"),
    ],
)
def test_csv_header_units_that_overflow_or_underflow(tmp_path: Path, unit: str, needle: str) -> None:
    bundle = copy_bundle(tmp_path)
    edit(bundle / "production_log.csv", "electrode_length [m]", f"electrode_length [{unit}]")
    reject(tmp_path, bundle, "production_log.csv line 1, column electrode_length", needle)


@pytest.mark.parametrize(
    "cell,needle",
    [
        ("1e-400", "number too small: it would be read as 0"),
        ("0.0e-400", None),
        ("1e400", "not a finite number"),
    ],
)
def test_csv_numbers_that_overflow_or_underflow(tmp_path: Path, cell: str, needle: str | None) -> None:
    bundle = copy_bundle(tmp_path)
    edit(
        bundle / "production_log.csv",
        "2026-09-01,mixing,L01,48,48,0,",
        f"2026-09-01,mixing,L01,48,48,{cell},",
    )
    if needle is None:  # a zero written with an exponent is 0
        assert runner.invoke(app, ["validate", str(bundle)]).exit_code == 0
    else:
        reject(tmp_path, bundle, "production_log.csv row 2, column scrap", needle)


@pytest.mark.parametrize("accuracy", ["1e400 %", "1e-400 %", "1 kpercent^300/percent^299", "1e13"])
def test_meter_accuracies_that_overflow_or_underflow(tmp_path: Path, accuracy: str) -> None:
    bundle = copy_bundle(tmp_path)
    edit(bundle / "energy.csv", ",kWh,1 %", f",kWh,{accuracy}")
    reject(tmp_path, bundle, "energy.csv row 2, column meter_accuracy")


@pytest.mark.parametrize("unit", ["1e300 kWh", "EWh^20/Wh^19", "mWh^300/Wh^299"])
def test_energy_units_that_overflow_or_underflow(tmp_path: Path, unit: str) -> None:
    bundle = copy_bundle(tmp_path)
    edit(bundle / "energy.csv", ",kWh,1 %", f",{unit},1 %")
    reject(tmp_path, bundle, "energy.csv row 2, column unit")


@pytest.mark.parametrize(
    "value,needle",
    [
        ("1e400 Ah", "finite"),
        ("1e-400 Ah", "read as 0"),
        ("1e300 kAh", "out of range"),
        ("1 kAh^300/Ah^299", "out of range"),
        ("1 mAh^300/Ah^299", "out of range"),
    ],
)  # overflow either way
def test_criteria_thresholds_that_overflow_or_underflow(tmp_path: Path, value: str, needle: str) -> None:
    pack = _pack_with_threshold(tmp_path, value)
    refused(["criteria", "check", str(pack)], "pack.yaml #/criteria/1/check", needle)
    refused(
        ["assess", str(APPROVED), "--criteria", str(pack), "--at", AT, "--no-footprint", "--format", "json"],
        "#/criteria/1/check",
    )


def test_a_value_that_would_overflow_in_the_json_output(tmp_path: Path) -> None:
    """1e308 kAh is finite as written and inf in Ah: JSON has no inf (it was exit 3)."""
    bundle = copy_bundle(tmp_path)
    edit(bundle / "declaration.yaml", 'nominal_capacity: "5 Ah"', 'nominal_capacity: "1e308 kAh"')
    out = tmp_path / "out" / "r.json"
    r = runner.invoke(
        app, ["assess", str(bundle), "--at", AT, "--no-footprint", "--format", "json", "-o", f"json:{out}"]
    )
    assert r.exit_code == 2, r.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["status"] == "invalid" and any(
        d["location"] == "#/cell/nominal_capacity" for d in doc["details"]
    )


def _json_bundle(tmp_path: Path, edit_text) -> Path:
    import yaml

    bundle = copy_bundle(tmp_path)
    doc = yaml.safe_load((bundle / "declaration.yaml").read_text(encoding="utf-8"))
    (bundle / "declaration.yaml").unlink()
    (bundle / "declaration.json").write_text(edit_text(json.dumps(doc)), encoding="utf-8")
    return bundle


@pytest.mark.parametrize("fmt", ["json", "jsonl", "sarif", "junit", "csv", "markdown"])
def test_a_lone_surrogate_in_a_json_declaration_is_refused_where_it_is_read(tmp_path: Path, fmt: str) -> None:
    bundle = _json_bundle(
        tmp_path, lambda t: t.replace('"Nordwerk Pouch Pilot Line"', '"Nordwerk \\ud800 Line"')
    )
    out = tmp_path / "out" / f"r.{fmt}"
    r = runner.invoke(
        app,
        [
            "assess",
            str(bundle),
            "-c",
            PACK_2026,
            "--at",
            AT,
            "--no-footprint",
            "--format",
            fmt if fmt != "markdown" else "json",
            "-o",
            f"{fmt}:{out}",
        ],
    )
    text = squash(r.output)
    assert r.exit_code == 2 and "internal error" not in text, text
    assert "declaration.json #/pilot_line/name" in text and "not valid Unicode text" in text
    written = out.read_bytes().decode("utf-8")  # every report is UTF-8 and names the place
    assert "not valid Unicode text" in written and "#/pilot" in written


def test_a_lone_surrogate_in_a_json_key(tmp_path: Path) -> None:
    bundle = _json_bundle(tmp_path, lambda t: t.replace('"operator"', '"oper\\udfffator"'))
    reject(tmp_path, bundle, "declaration.json #/pilot_line", "not valid Unicode text")


def test_lone_surrogates_in_json_packs_waivers_and_results(tmp_path: Path, signed: dict[str, Path]) -> None:
    import yaml

    pack = tmp_path / "pack.json"
    doc = yaml.safe_load(PACK_FILE.read_text(encoding="utf-8"))
    pack.write_text(json.dumps(doc).replace('"title": "', '"title": "\\ud800', 1), encoding="utf-8")
    refused(["criteria", "check", str(pack)], "pack.json #/", "not valid Unicode text")
    waivers = tmp_path / "w.json"
    waivers.write_text(
        '{"waivers": [{"criterion": "QUAL-SCRAP", "pilot_line": "\\ud800", "justification": "x", "approver": "y", '
        '"granted_on": "2026-01-01", "expires_on": "2026-12-31"}]}',
        encoding="utf-8",
    )
    refused(
        ["assess", str(APPROVED), "-c", PACK_2026, "--at", AT, "--waivers", str(waivers)],
        "w.json #/waivers/0/pilot_line",
        "not valid Unicode text",
    )
    result = tmp_path / "r.json"
    result.write_text(
        signed["result"].read_text(encoding="utf-8").replace('"Nordwerk Pouch Pilot Line"', '"\\ud800"'),
        encoding="utf-8",
    )
    refused(["verify", str(result), str(APPROVED)], "r.json #/pilot_line/name", "not valid Unicode text")


@pytest.mark.parametrize(
    "path,value",
    [
        (["tool"], "x"),
        (["bundle"], 3),
        (["findings"], "x"),
        (["findings", 0], 1),
        (["warnings"], 5),
        (["waivers"], "x"),
        (["inputs", 0, "size"], "x"),
        (["inputs", 0, "path"], 7),
        (["criteria", "id"], 1),
        (["assessed_on"], 20261015),
        (["kpis"], []),
        (["summary", "pass"], "x"),
        (["findings", 0, "status"], None),
        (["verdict"], None),
    ],
)
def test_verify_a_result_whose_fields_have_the_wrong_types(
    tmp_path: Path, signed: dict[str, Path], path: list, value
) -> None:
    doc = json.loads(signed["result"].read_text(encoding="utf-8"))
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    where = "#/" + "/".join(map(str, path if path != ["findings", 0] else path))
    refused(["verify", str(bad), str(APPROVED)], "bad.json", where)


def test_verify_a_result_with_an_open_section_of_another_shape(
    tmp_path: Path, signed: dict[str, Path]
) -> None:
    """The schema leaves the footprint open: a model that is not an object is a difference, not a crash."""
    doc = json.loads(signed["result"].read_text(encoding="utf-8"))
    doc["footprint"] = {"model": "x"}
    bad = tmp_path / "odd.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    r = runner.invoke(app, ["verify", str(bad), str(APPROVED)])
    assert r.exit_code == 1 and "internal error" not in r.output, r.output


def test_verify_a_result_of_empty_objects(tmp_path: Path) -> None:
    bad = tmp_path / "objects.json"
    bad.write_text("[" + ",".join(["{}"] * 250_000) + "]", encoding="utf-8")
    refused(
        ["verify", str(bad), str(APPROVED)],
        "objects.json whole file",
        "too many objects and arrays",
        "250001",
    )


# -- properties: any string anywhere ------------------------------------------------------------------
ANY_TEXT = st.text(
    alphabet=st.characters(codec=None, exclude_categories=[]), max_size=1500
)  # surrogates and controls too
UNIT_TEXT = st.text(alphabet="0123456789eE.+-*/^() kmMGTEuAhWVsgl%‰µ", max_size=140)


def _bounded(exc: LiplanetError) -> None:
    assert exc.problems and all(p.file for p in exc.problems)
    for p in exc.problems:
        for name, limit in FIELD_CHARS.items():
            assert len(getattr(p, name)) <= limit + 40, (name, len(getattr(p, name)))
        str(p).encode("utf-8")  # every problem can be written anywhere


def _string_fields(doc, pointer=""):
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _string_fields(v, f"{pointer}/{k}")
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _string_fields(v, f"{pointer}/{i}")
    elif isinstance(doc, str):
        yield pointer


def _declaration() -> dict:
    import yaml

    return yaml.safe_load((APPROVED / "declaration.yaml").read_text(encoding="utf-8"))


DECLARATION_FIELDS = list(_string_fields(_declaration()))


@SETTINGS
@given(field=st.sampled_from(DECLARATION_FIELDS), text=ANY_TEXT)
def test_any_string_in_any_declaration_field(field: str, text: str) -> None:
    doc = _declaration()
    node, keys = doc, field.strip("/").split("/")
    for k in keys[:-1]:
        node = node[int(k)] if isinstance(node, list) else node[k]
    node[int(keys[-1]) if isinstance(node, list) else keys[-1]] = text
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "b"
        shutil.copytree(APPROVED, bundle)
        (bundle / "declaration.yaml").unlink()
        (bundle / "declaration.json").write_text(
            json.dumps(doc), encoding="utf-8"
        )  # (ensure_ascii: surrogates as \\u escapes)
        try:
            load_bundle(bundle)
        except LiplanetError as exc:
            _bounded(exc)


PRODUCTION = (APPROVED / "production_log.csv").read_text(encoding="utf-8").splitlines()


@SETTINGS
@given(
    row=st.integers(min_value=0, max_value=5),
    column=st.integers(min_value=0, max_value=6),
    text=st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=1500),
)
def test_any_string_in_any_csv_cell(row: int, column: int, text: str) -> None:
    lines = list(PRODUCTION)
    cells = lines[row].split(",")
    cells[column] = text
    lines[row] = ",".join(cells)
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "b"
        shutil.copytree(APPROVED, bundle)
        (bundle / "production_log.csv").write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
        try:
            load_bundle(bundle)
        except LiplanetError as exc:
            _bounded(exc)


@SETTINGS
@given(
    text=st.one_of(UNIT_TEXT, ANY_TEXT),
    dimension=st.sampled_from(["charge", "energy", "dimensionless", "length_per_time"]),
)
def test_any_string_as_a_quantity(text: str, dimension: str) -> None:
    """A quantity is read or refused with QuantityError; what is read is finite and in range."""
    from liplanet_cert.units import DIMENSIONS, MAX_MAGNITUDE

    try:
        value = to_unit(parse_quantity(text, dimension), DIMENSIONS[dimension])
    except QuantityError as exc:
        assert len(exc.found) <= 200
        return
    assert abs(value) <= MAX_MAGNITUDE


def _many_entry_zip(path: Path, n: int) -> None:
    """A zip whose central directory lists ``n`` entries (names e{i}), all empty files."""
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(n):
            zf.writestr(f"e{i}", b"")


@pytest.mark.parametrize("n", [20_000])
def test_a_zip_announcing_too_many_entries_is_refused_before_its_directory_is_read(
    tmp_path: Path, n: int
) -> None:
    """zipfile builds an object per entry of the central directory (two million: 1 GB): the
    count in the end record is checked first, so memory stays small whatever the zip announces."""
    from liplanet_cert.bundle.limits import Limits
    from liplanet_cert.bundle.source import BundleSource

    z = tmp_path / "many.zip"
    _many_entry_zip(z, n)
    tracemalloc.start()
    try:
        with pytest.raises(BundleError) as err:
            BundleSource(z, Limits(max_entries=1000))
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert f"{n} announced" in str(err.value) and "LIPLANET_MAX_ENTRIES" in str(err.value)
    assert peak < 2 * 1024 * 1024, f"peak {peak} bytes"


def test_zip_directory_end_record_is_read_as_written(tmp_path: Path) -> None:
    from liplanet_cert.bundle.zipscan import _zip_directory

    z = tmp_path / "a.zip"
    _many_entry_zip(z, 3)
    with open(z, "rb") as fh:
        entries, cd_size = _zip_directory(fh)
    assert entries == 3 and cd_size == 3 * (46 + 2)  # 46-byte header + a 2-character name each
    (tmp_path / "not.zip").write_bytes(b"no end record here")
    with open(tmp_path / "not.zip", "rb") as fh:
        assert _zip_directory(fh) is None


def test_a_zip_bundle_within_the_limits_is_still_read(tmp_path: Path) -> None:
    z = tmp_path / "ok.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in sorted(APPROVED.rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(APPROVED).as_posix())
    r = runner.invoke(
        app, ["assess", str(z), "-c", PACK_2026, "--at", AT, "--no-footprint", "--format", "json"]
    )
    assert r.exit_code == 0, r.output
