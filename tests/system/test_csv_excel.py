"""CSV logs as a pilot line's spreadsheet writes them (issue "Files a pilot line actually has").

Every case copies the approved example into tmp_path, rewrites a log the way Excel would (BOM,
semicolons, decimal commas, DD.MM.YYYY dates, Windows-1252 bytes, a workbook instead of a CSV) and
checks the command line: a clean file gives the same verdict and KPIs as the original, a bad one
exit 2 with every problem located, grouped per file and column, no traceback and nothing written.

Counts in the expectations are the example's, counted by hand: production_log.csv has 242 data
rows (22 lots x 11 steps, file lines 2-243), 22 of them coating_and_drying rows with an electrode
length (lines 3, 14, 25, ...); eol_tests.csv has 981 cells (lines 2-982); energy.csv 24 rows
(lines 2-25), whose amounts are 82.9, 43.9, 0.21, 70, 24.4, 604, 0, then the dry room's per-week and
per-weekend readings (lines 9-25: 17 amounts with a decimal point, 7.2 ... 18.0); the unit is kWh on
lines 2, 3, 6, 8 and 9-25 (21 rows), kWh/cell on line 4, MJ on lines 5 and 7.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from helpers import EXAMPLES, PACK_2026, squash
from typer.testing import CliRunner

from liplanet_cert.bundle.load import load_bundle
from liplanet_cert.cli.main import app
from liplanet_cert.errors import BundleError

APPROVED = EXAMPLES / "approved"
LOGS = ("production_log.csv", "eol_tests.csv", "energy.csv")
BOM = b"\xef\xbb\xbf"


# -- helpers -----------------------------------------------------------------------------------
def cli(*args: object):
    r = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "240", "NO_COLOR": "1"})
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert "Traceback" not in r.output
    return r


def copy(tmp_path: Path, name: str = "bundle") -> Path:
    dest = tmp_path / name
    shutil.copytree(APPROVED, dest)
    return dest


def original(name: str) -> str:
    return (APPROVED / name).read_text(encoding="utf-8")


def write(
    bundle: Path, name: str, text: str, *, bom: bool = False, encoding: str = "utf-8", newline: str = "\n"
) -> None:
    data = text.replace("\n", newline).encode(encoding)
    (bundle / name).write_bytes((BOM if bom else b"") + data)


def european(text: str) -> str:
    """What Excel in a German locale writes: semicolons, decimal commas, DD.MM.YYYY dates."""
    out = []
    for line in text.splitlines():
        cells = [re.sub(r"^(\d{4})-(\d{2})-(\d{2})$", r"\3.\2.\1", c) for c in line.split(",")]
        cells = [c.replace(".", ",") if re.fullmatch(r"\d+\.\d+", c) else c for c in cells]
        out.append(";".join(cells))
    return "\n".join(out) + "\n"


def assess(bundle: Path, tmp_path: Path | None = None):
    """``assess`` as the issue runs it; with ``tmp_path``, also ``-o`` a file that must not appear on error."""
    extra = ["-o", f"json:{tmp_path / 'out' / 'result.json'}"] if tmp_path else ["-f", "json"]
    return cli("assess", bundle, "-c", PACK_2026, "--at", "2026-10-15", "--no-footprint", *extra)


def refused(bundle: Path, tmp_path: Path) -> str:
    """validate and assess both exit 2; nothing is written but the report asked for, which holds the
    refusal (CI needs it); returns validate's messages (squashed)."""
    v = cli("validate", bundle)
    assert v.exit_code == 2, v.output
    assert v.stdout == "" and "nothing was written" in v.stderr
    a = assess(bundle, tmp_path)
    assert a.exit_code == 2, a.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["result.json"]
    doc = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
    assert doc["verdict"] is None and doc["status"] == "invalid" and doc["problems"]
    return squash(v.stderr)


def bullets(stderr: str) -> list[str]:
    """The listed problems (the closing "nothing was written." line left out)."""
    return [b.strip() for b in squash(stderr.replace("nothing was written.", "")).split("•")[1:]]


def problems(bundle: Path) -> list[tuple[str, str, str]]:
    with pytest.raises(BundleError) as info:
        load_bundle(bundle)
    return [(p.file, p.location, p.message) for p in info.value.problems]


def same_result(bundle: Path) -> None:
    """The assessment of ``bundle`` equals the approved example's, except for the input hashes."""
    ref, got = assess(APPROVED), assess(bundle)
    assert got.exit_code == ref.exit_code == 0, got.output
    a, b = json.loads(ref.stdout), json.loads(got.stdout)
    assert b["verdict"] == a["verdict"] == "approved"
    for key in ("kpis", "findings", "summary", "daily_output", "eol_capacity", "steps", "warnings"):
        assert b[key] == a[key], key


# -- 1. encoding ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", LOGS)
def test_a_bom_is_accepted_and_the_result_is_unchanged(tmp_path, name):
    bundle = copy(tmp_path)
    write(bundle, name, original(name), bom=True)
    same_result(bundle)


def test_bom_crlf_csv_utf8_from_excel_in_every_log(tmp_path):
    bundle = copy(tmp_path)
    for name in LOGS:
        write(bundle, name, original(name), bom=True, newline="\r\n")
    assert cli("validate", bundle).exit_code == 0
    same_result(bundle)


def test_windows_1252_export_is_one_located_problem(tmp_path):
    bundle = copy(tmp_path)
    # the header line is 73 bytes; "coating_and_drying,2026-09-01,2026-09-30,electricity,82.9,kWh,1 %," 66 more, then "Z"
    write(bundle, "energy.csv", original("energy.csv").replace("M-101", "Zähler-µ1"), encoding="cp1252")
    err = refused(bundle, tmp_path)
    assert bullets(cli("validate", bundle).stderr) == [
        "energy.csv line 2, byte 140: file is not valid UTF-8 (a Windows-1252/Latin-1 export?): save it as CSV UTF-8 "
        "(in Excel: Save As > 'CSV UTF-8 (Comma delimited) (*.csv)') (expected UTF-8 text; found byte 0xe4 ('ä' in Windows-1252); 2 such bytes in the file)"
    ]
    assert "invalid bundle" in err


def test_latin1_micro_sign_in_a_header(tmp_path):
    bundle = copy(tmp_path)
    write(
        bundle,
        "eol_tests.csv",
        original("eol_tests.csv").replace("ocv_drop [mV]", "ocv_drop [µV]"),
        encoding="latin-1",
    )
    err = refused(bundle, tmp_path)
    assert (
        "eol_tests.csv line 1, byte 71: file is not valid UTF-8" in err
    )  # 8+7+5+14+27 bytes of columns, then "ocv_drop [" (10)
    assert "found byte 0xb5 ('µ' in Windows-1252)" in err and "save it as CSV UTF-8" in err


def test_utf16_unicode_text_is_named(tmp_path):
    bundle = copy(tmp_path)
    (bundle / "energy.csv").write_bytes(
        original("energy.csv").replace(",", "\t").encode("utf-16")
    )  # with its FF FE mark
    err = refused(bundle, tmp_path)
    assert (
        "energy.csv byte 0: file is UTF-16 text (Excel's 'Unicode Text'), not UTF-8: save it as CSV UTF-8"
        in err
    )


def test_a_bom_does_not_hide_a_nul_byte_offset(tmp_path):
    bundle = copy(tmp_path)
    data = (APPROVED / "energy.csv").read_bytes()
    (bundle / "energy.csv").write_bytes(BOM + data[:50] + b"\0" + data[50:])
    assert "energy.csv byte 53: NUL byte in a text file" in refused(bundle, tmp_path)  # 3 BOM bytes + 50


# -- 2. every file's problems in one run -------------------------------------------------------
def test_a_problem_in_each_log_and_the_declaration_are_all_reported(tmp_path):
    bundle = copy(tmp_path)
    (bundle / "declaration.yaml").write_text(
        original("declaration.yaml").replace('"60 m/batch"', '"60 kg"'), encoding="utf-8"
    )
    write(
        bundle,
        "production_log.csv",
        original("production_log.csv").replace("2026-09-01,mixing,L01", "2026-09-01,alchemy,L01"),
    )
    write(
        bundle,
        "eol_tests.csv",
        original("eol_tests.csv").replace(
            "C00001,L01,2026-09-01,5.0674,", "C00001,L01,2026-09-01,5.0674 Ah,"
        ),
    )
    write(bundle, "energy.csv", original("energy.csv").replace("M-101", "Zähler"), encoding="cp1252")
    err = refused(bundle, tmp_path)
    assert "(4 problems)" in err
    assert "declaration.yaml #/kpis/electrode_per_batch" in err
    assert "production_log.csv row 2, column step: unknown step" in err
    assert "eol_tests.csv row 2, column capacity: not a finite number" in err
    assert "energy.csv line 2, byte 140: file is not valid UTF-8" in err  # 73 header bytes + 66 + "Z"


def test_an_unreadable_declaration_does_not_hide_the_logs_problems(tmp_path):
    bundle = copy(tmp_path)
    (bundle / "declaration.yaml").write_text('format_version: ["1.0"\n', encoding="utf-8")
    write(bundle, "eol_tests.csv", original("eol_tests.csv").replace(",pass\n", ",ok\n", 1))
    write(bundle, "energy.csv", european(original("energy.csv")))
    files = [f for f, _, _ in problems(bundle)]
    assert files[0] == "declaration.yaml"
    assert {"eol_tests.csv", "energy.csv"} <= set(files)
    assert "production_log.csv" not in files  # a clean log stays silent


def test_unreadable_logs_do_not_stop_each_other(tmp_path):
    bundle = copy(tmp_path)
    (bundle / "production_log.csv").write_bytes(b"")
    write(bundle, "eol_tests.csv", original("eol_tests.csv"), encoding="utf-16")
    write(bundle, "energy.csv", original("energy.csv").replace(",", "|"))
    assert [(f, loc) for f, loc, _ in problems(bundle)] == [
        ("production_log.csv", "line 1"),
        ("eol_tests.csv", "byte 0"),
        ("energy.csv", "line 1"),
    ]


# -- 3. delimiters and decimal commas ------------------------------------------------------------
@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_or_tab_file_with_decimal_points_gives_the_same_result(tmp_path, delimiter):
    bundle = copy(tmp_path)
    for name in LOGS:
        write(bundle, name, original(name).replace(",", delimiter), bom=True, newline="\r\n")
    same_result(bundle)


def test_semicolon_file_with_quoted_fields_and_commas_in_text(tmp_path):
    bundle = copy(tmp_path)
    text = (
        original("energy.csv")
        .replace(",", ";")
        .replace("M-101", '"M-101; hall 2, north"')
        .replace("M-102", "M-102, hall 3")
    )
    write(bundle, "energy.csv", text)
    same_result(bundle)


def test_decimal_comma_is_never_guessed(tmp_path):
    bundle = copy(tmp_path)
    write(bundle, "energy.csv", original("energy.csv").replace(",", ";").replace("82.9", "82,9"))
    err = refused(bundle, tmp_path)
    assert bullets(cli("validate", bundle).stderr) == [
        "energy.csv row 2, column amount: decimal comma: found '82,9'; write 82.9 "
        "(expected a number with a decimal point and no thousands separators, like 1234.5; "
        "the file is semicolon-separated, which is read, but its numbers must use a decimal point; found '82,9')"
    ]
    assert "missing column" not in err


def test_decimal_comma_in_a_comma_file_quoted(tmp_path):
    bundle = copy(tmp_path)
    write(
        bundle,
        "eol_tests.csv",
        original("eol_tests.csv").replace("C00002,L01,2026-09-01,4.9787,", 'C00002,L01,2026-09-01,"4,9787",'),
    )
    err = refused(bundle, tmp_path)
    assert "eol_tests.csv row 3, column capacity: decimal comma: found '4,9787'; write 4.9787" in err
    assert "semicolon" not in err


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "1,082",
            "decimal comma or thousands separator: found '1,082'; write 1.082 or 1082",
        ),  # ambiguous: both named
        ("0,082", "decimal comma: found '0,082'; write 0.082"),  # a group never starts with 0
        ("1082,5", "decimal comma: found '1082,5'; write 1082.5"),  # groups are 3 digits
        ("1.082,9", "not a finite number (thousands separator or decimal comma?)"),
        ("1 082", "not a finite number (thousands separator or decimal comma?)"),
        ("#DIV/0!", "spreadsheet error value, not a number"),
    ],
)
def test_numbers_with_separators_are_located_errors(tmp_path, value, message):
    bundle = copy(tmp_path)
    write(bundle, "energy.csv", original("energy.csv").replace(",", ";").replace(";43.9;", f";{value};"))
    assert f"energy.csv row 3, column amount: {message}" in refused(bundle, tmp_path)


def test_european_excel_export_lists_one_problem_per_file_and_column(tmp_path):
    bundle = copy(tmp_path)
    for name in LOGS:
        write(bundle, name, european(original(name)), bom=True, newline="\r\n")
    err = refused(bundle, tmp_path)
    assert "missing column" not in err and "the file is semicolon-separated, which is read" in err
    located = {(f, loc, msg.split(";")[0]) for f, loc, msg in problems(bundle)}
    assert located == {
        (
            "production_log.csv",
            "rows 2, 3, 4, 5, 6 and 237 more, column date",
            "242 rows: not a date: day.month.year (DD.MM.YYYY)",
        ),
        (
            "production_log.csv",
            "rows 3, 14, 25, 36, 47 and 17 more, column electrode_length",
            "22 rows: decimal comma",
        ),
        (
            "eol_tests.csv",
            "rows 2, 3, 4, 5, 6 and 976 more, column date",
            "981 rows: not a date: day.month.year (DD.MM.YYYY)",
        ),
        ("eol_tests.csv", "rows 2, 3, 4, 5, 6 and 976 more, column capacity", "981 rows: decimal comma"),
        # 1.953 mohm as "1,953" could be 1953: named as ambiguous, not guessed
        (
            "eol_tests.csv",
            "rows 2, 3, 4, 5, 6 and 976 more, column internal_resistance",
            "981 rows: decimal comma or thousands separator",
        ),
        ("eol_tests.csv", "rows 2, 3, 4, 5, 6 and 976 more, column ocv_drop", "981 rows: decimal comma"),
        (
            "energy.csv",
            "rows 2, 3, 4, 5, 6 and 19 more, column period_start",
            "24 rows: not a date: day.month.year (DD.MM.YYYY)",
        ),
        (
            "energy.csv",
            "rows 2, 3, 4, 5, 6 and 19 more, column period_end",
            "24 rows: not a date: day.month.year (DD.MM.YYYY)",
        ),
        (
            "energy.csv",
            "rows 2, 3, 4, 6, 9 and 16 more, column amount",
            "21 rows: decimal comma",
        ),  # 70, 604 and 0 (rows 5, 7, 8) are whole numbers: 4 + 17 rows (9-25)
    }
    assert "(9 problems)" in err
    assert "e.g. row 2: found '82,9'; write 82.9" in err


def test_unknown_delimiter_is_one_problem_naming_it(tmp_path):
    bundle = copy(tmp_path)
    write(bundle, "production_log.csv", original("production_log.csv").replace(",", "|"))
    assert problems(bundle) == [("production_log.csv", "line 1", "header is '|'-separated")]


def test_header_without_any_delimiter_is_one_problem(tmp_path):
    bundle = copy(tmp_path)
    write(bundle, "energy.csv", original("energy.csv").replace(",", " "))
    assert problems(bundle) == [
        ("energy.csv", "line 1", "header is not separated by commas, semicolons or tabs")
    ]


def test_ambiguous_header_is_one_problem(tmp_path):
    bundle = copy(tmp_path)
    write(bundle, "energy.csv", "step;period_start,period_end\n" + original("energy.csv").split("\n", 1)[1])
    assert problems(bundle) == [
        ("energy.csv", "line 1", "cannot tell the delimiter: the header line contains commas and semicolons")
    ]


def test_excel_sep_line_is_one_problem(tmp_path):
    bundle = copy(tmp_path)
    write(bundle, "energy.csv", "sep=;\n" + original("energy.csv").replace(",", ";"))
    assert problems(bundle) == [
        (
            "energy.csv",
            "line 1",
            "an Excel 'sep=' line before the header: remove it (the delimiter is read from the header)",
        )
    ]


def test_comma_header_over_semicolon_rows(tmp_path):
    bundle = copy(tmp_path)
    header, rest = original("energy.csv").split("\n", 1)
    write(bundle, "energy.csv", header + "\n" + rest.replace(",", ";"))
    assert problems(bundle) == [
        (
            "energy.csv",
            "rows 2, 3, 4, 5, 6 and 19 more",
            "24 rows: wrong number of fields; e.g. row 2: this row is semicolon-separated, the header comma-separated",
        )
    ]


# -- 4. grouping -----------------------------------------------------------------------------
def test_dd_mm_yyyy_dates_are_one_problem_not_242(tmp_path):
    bundle = copy(tmp_path)
    write(
        bundle,
        "production_log.csv",
        re.sub(r"(?m)^2026-09-(\d\d),", r"\1.09.2026,", original("production_log.csv")),
    )
    err = refused(bundle, tmp_path)
    assert bullets(cli("validate", bundle).stderr) == [
        "production_log.csv rows 2, 3, 4, 5, 6 and 237 more, column date: 242 rows: not a date: day.month.year (DD.MM.YYYY) "
        "(expected YYYY-MM-DD (ISO 8601); in Excel, format the column as yyyy-mm-dd before saving; "
        "found '01.09.2026', '02.09.2026', '03.09.2026' and 19 other values)"
    ]
    assert len(cli("validate", bundle).stderr.splitlines()) < 10  # was ~490 lines
    assert "error: invalid bundle" in err


def test_distinct_problems_in_one_column_stay_distinct_and_single_rows_exact(tmp_path):
    bundle = copy(tmp_path)
    text = original("production_log.csv")
    text = text.replace("2026-09-01,mixing,L01", "01.09.2026,mixing,L01").replace(
        "2026-09-01,coating_and_drying,L01", "2026-09-31,coating_and_drying,L01"
    )
    text = text.replace("2026-09-01,calendering,L01", "2026-09-01 08:00,calendering,L01").replace(
        "2026-09-01,cutting,L01", "46266,cutting,L01"
    )
    write(bundle, "production_log.csv", text)
    assert problems(bundle) == [
        ("production_log.csv", "row 2, column date", "not a date: day.month.year (DD.MM.YYYY)"),
        ("production_log.csv", "row 3, column date", "not a date: no such day"),
        ("production_log.csv", "row 4, column date", "not a date: a date with a time of day"),
        (
            "production_log.csv",
            "row 5, column date",
            "not a date: a spreadsheet serial day number (the date format was lost)",
        ),
    ]


def test_enum_values_are_grouped_by_value(tmp_path):
    bundle = copy(tmp_path)
    lines = original("eol_tests.csv").split("\n")
    for i in range(1, 11):  # file lines 2-11
        lines[i] = lines[i].replace(",pass", ",ok")
    lines[11] = lines[11].replace(",pass", ",PASSED")  # file line 12
    write(bundle, "eol_tests.csv", "\n".join(lines))
    found = problems(bundle)
    assert found == [
        ("eol_tests.csv", "rows 2, 3, 4, 5, 6 and 5 more, column result", "10 rows: unknown test result"),
        ("eol_tests.csv", "row 12, column result", "unknown test result"),
    ]
    err = squash(cli("validate", bundle).stderr)
    assert "10 rows: unknown test result (expected pass or fail; found 'ok')" in err
    assert "row 12, column result: unknown test result (expected pass or fail; found 'PASSED')" in err


def test_steps_units_and_counts_are_grouped(tmp_path):
    bundle = copy(tmp_path)
    write(
        bundle,
        "production_log.csv",
        original("production_log.csv")
        .replace(",mixing,", ",mixxing,")
        .replace("L01,47,45,2,", "L01,47,45,-2,", 1),
    )
    write(bundle, "energy.csv", original("energy.csv").replace(",kWh,", ",kWhh,"))
    assert problems(bundle) == [
        ("production_log.csv", "row 10, column scrap", "negative value"),
        ("production_log.csv", "rows 2, 13, 24, 35, 46 and 17 more, column step", "22 rows: unknown step"),
        # kWh on rows 2, 3, 6, 8 and 9-25: 4 + 17 = 21 rows
        (
            "energy.csv",
            "rows 2, 3, 6, 8, 9 and 16 more, column unit",
            "21 rows: unknown unit (did you mean kWh?)",
        ),
    ]


def test_rows_that_do_not_add_up_are_one_problem(tmp_path):
    bundle = copy(tmp_path)
    lines = original("production_log.csv").split("\n")
    lines[1] = lines[1].replace("L01,48,48,0,", "L01,48,47,0,")  # mixing, L01
    lines[2] = lines[2].replace("L01,48,48,0,", "L01,48,46,0,")  # coating_and_drying, L01
    write(bundle, "production_log.csv", "\n".join(lines))
    assert problems(bundle) == [("production_log.csv", "rows 2 and 3", "2 rows: units do not add up")]
    err = squash(cli("validate", bundle).stderr)
    assert (
        "(expected units_in = good_out + scrap; found units_in = 48, good_out + scrap = 47 + 0, units_in = 48, good_out + scrap = 46 + 0)"
        in err
    )


def test_lots_missing_from_the_production_log_are_one_problem(tmp_path):
    bundle = copy(tmp_path)
    write(
        bundle, "eol_tests.csv", original("eol_tests.csv").replace(",L01,", ",L1,")
    )  # cells C00001-C00045, lines 2-46
    err = squash(cli("validate", bundle).stderr)
    assert problems(bundle) == [
        (
            "eol_tests.csv",
            "rows 2, 3, 4, 5, 6 and 40 more, column lot_id",
            "45 rows: lot not in the production log",
        )
    ]
    assert "found L1)" in err


# -- 5. a spreadsheet instead of a CSV -------------------------------------------------------------
@pytest.mark.parametrize("name", LOGS)
@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods"])
def test_a_workbook_in_place_of_a_log_says_how_to_export_it(tmp_path, name, suffix):
    bundle = copy(tmp_path)
    stem = name[: -len(".csv")]
    (bundle / name).rename(bundle / f"{stem}{suffix}")
    err = refused(bundle, tmp_path)
    assert f"{name}: " in err and "not found in the bundle" in err
    assert f"found {stem}{suffix}; export it as CSV UTF-8 (comma-separated) named {name}" in err
    assert len(bullets(cli("validate", bundle).stderr)) == 1


def test_a_log_with_another_case_or_extension_is_named(tmp_path):
    bundle = copy(tmp_path)
    (bundle / "energy.csv").rename(bundle / "Energy.CSV")
    assert (
        "energy.csv: energy metering file not found in the bundle: found Energy.CSV; rename it to energy.csv"
        in refused(bundle, tmp_path)
    )


def test_a_workbook_saved_under_the_csv_name(tmp_path):
    bundle = copy(tmp_path)
    with zipfile.ZipFile(bundle / "eol_tests.csv", "w") as zf:  # an .xlsx is a zip
        zf.writestr("[Content_Types].xml", "<Types/>")
    err = refused(bundle, tmp_path)
    assert (
        "eol_tests.csv whole file: a spreadsheet workbook, not a CSV file: export it as CSV UTF-8 (comma-separated) named eol_tests.csv"
        in err
    )


def test_a_declared_workbook(tmp_path):
    bundle = copy(tmp_path)
    (bundle / "production_log.csv").rename(bundle / "production.xlsx")
    decl = bundle / "declaration.yaml"
    decl.write_text(
        decl.read_text(encoding="utf-8").replace(
            "production_log: production_log.csv", "production_log: production.xlsx"
        ),
        encoding="utf-8",
    )
    err = refused(bundle, tmp_path)
    assert (
        "production.xlsx whole file: a spreadsheet workbook, not a CSV file: export it as CSV UTF-8 (comma-separated) named production.csv"
        in err
    )


def test_blank_first_line_is_a_missing_header(tmp_path):
    bundle = copy(tmp_path)
    write(bundle, "energy.csv", "\n" + original("energy.csv"))
    assert problems(bundle) == [("energy.csv", "line 1", "missing header: line 1 is blank")]


def test_a_decimal_comma_in_a_declared_quantity_or_a_meter_accuracy_is_refused_not_misread(
    tmp_path: Path,
) -> None:
    """'17,3 Wh' was read as 173 Wh and '1,5 %' as 15 %: the value must never change silently."""
    bundle = tmp_path / "b"
    shutil.copytree(EXAMPLES / "approved", bundle)
    decl = (bundle / "declaration.yaml").read_text(encoding="utf-8")
    assert 'usable_energy: "17.3 Wh"' in decl
    (bundle / "declaration.yaml").write_text(
        decl.replace('usable_energy: "17.3 Wh"', 'usable_energy: "17,3 Wh"'), encoding="utf-8"
    )
    energy = (bundle / "energy.csv").read_text(encoding="utf-8").splitlines()
    head = energy[0].split(",")
    col = head.index("meter_accuracy")
    row = energy[1].split(",")
    row[col] = '"1,5 %"'
    energy[1] = ",".join(row)
    (bundle / "energy.csv").write_text("\n".join(energy) + "\n", encoding="utf-8")
    r = cli("validate", bundle)
    assert r.exit_code == 2, r.output
    text = squash(r.stderr)
    assert "declaration.yaml #/passport/usable_energy" in text and "write 17.3 Wh" in text
    assert "energy.csv row 2, column meter_accuracy" in text and "write 1.5 %" in text


# -- 6. headers as a spreadsheet writes them ---------------------------------------------------
PRODUCTION_HEADER = "date,step,lot_id,units_in,good_out,scrap,electrode_length [m]"


@pytest.mark.parametrize(
    "header",
    [
        "Date,Step,Lot_ID,Units_In,Good_Out,Scrap,Electrode_Length [m]",
        " Date , Step ,Lot_ID,Units_In,Good_Out,Scrap, Electrode_Length [m] ",
    ],
)
def test_a_header_in_another_case_is_one_problem_naming_the_fix(tmp_path, header):
    bundle = copy(tmp_path)
    write(bundle, "production_log.csv", original("production_log.csv").replace(PRODUCTION_HEADER, header, 1))
    assert problems(bundle) == [
        (
            "production_log.csv",
            "line 1",
            "column names must be written in lower case: found Date, Step, Lot_ID, Units_In, Good_Out, Scrap, Electrode_Length; "
            "write date, step, lot_id, units_in, good_out, scrap, electrode_length",
        )
    ]
    err = refused(bundle, tmp_path)
    assert (
        "problems)" not in err.split("•")[0] and "unknown column" not in err and "missing column" not in err
    )


def test_a_header_partly_in_another_case_names_only_those_columns(tmp_path):
    bundle = copy(tmp_path)
    write(bundle, "production_log.csv", original("production_log.csv").replace("date,step,", "DATE,step,", 1))
    assert problems(bundle) == [
        ("production_log.csv", "line 1", "column names must be written in lower case: found DATE; write date")
    ]


@pytest.mark.parametrize("delimiter,quoted", [(",", False), (";", False), (";", True)])
def test_empty_trailing_columns_from_excel_are_tolerated(tmp_path, delimiter, quoted):
    bundle = copy(tmp_path)
    for name in LOGS:
        lines = original(name).splitlines()
        if quoted:
            lines = [lines[0]] + ['"' + line.replace(",", '","') + '"' for line in lines[1:]]
        write(
            bundle,
            name,
            "".join(
                line.replace('","', '";"').replace(",", delimiter) + delimiter * 2 + "\n" for line in lines
            ),
            bom=True,
            newline="\r\n",
        )
    same_result(bundle)


def test_empty_trailing_columns_with_values_are_one_problem_naming_the_fix(tmp_path):
    bundle = copy(tmp_path)
    lines = original("production_log.csv").splitlines()
    # file lines 5 and 12 hold a value in the 2nd and 1st unnamed column
    text = "".join(line + {4: ",,x", 11: ",note,"}.get(i, ",,") + "\n" for i, line in enumerate(lines))
    write(bundle, "production_log.csv", text)
    assert problems(bundle) == [
        (
            "production_log.csv",
            "line 1, columns 8-9",
            "2 columns at the end of the header have no name, but rows 5 and 12 hold values in them: "
            "delete those columns, or name them if they belong in the log",
        )
    ]
