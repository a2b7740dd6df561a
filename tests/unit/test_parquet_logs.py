"""Logs written as Apache Parquet: the same columns as the CSV logs, units from the column name or
the field metadata, every value through the CSV checks, untrusted files bounded."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import EXAMPLES
from typer.testing import CliRunner

from liplanet_cert.bundle.load import load_bundle
from liplanet_cert.cli.main import app

runner = CliRunner()
INTS = {"units_in", "good_out", "scrap"}


def to_parquet(csv_path: Path, *, units_in_name: bool = False, edit=None, drop_unit: str = "") -> Path:
    """Write ``csv_path`` as ``<stem>.parquet`` with typed columns (dates date32, counts int64,
    quantities float64 with their unit in the field metadata, or in the name), remove the CSV."""
    with open(csv_path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    fields, arrays = [], []
    for j, cell in enumerate(header):
        name, unit = re.fullmatch(r"(\w+)(?: \[(.+)\])?", cell).groups()
        values = [r[j] for r in body]
        if name in ("date", "period_start", "period_end"):
            arr = pa.array(np.array(values, dtype="datetime64[D]"), pa.date32())
        elif name in INTS:
            arr = pa.array([int(v) for v in values], pa.int64())
        elif unit:
            arr = pa.array([float(v) if v else None for v in values], pa.float64())
        else:
            arr = pa.array(values, pa.string())
        meta = {"unit": unit} if unit and not units_in_name and name != drop_unit else None
        shown = cell if units_in_name and unit else name
        fields.append(pa.field(shown, arr.type, metadata=meta))
        arrays.append(arr)
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    if edit is not None:
        table = edit(table)
    out = csv_path.with_suffix(".parquet")
    pq.write_table(table, out)
    csv_path.unlink()
    decl = csv_path.parent / "declaration.yaml"
    decl.write_text(
        decl.read_text(encoding="utf-8").replace(f": {csv_path.name}", f": {out.name}"), encoding="utf-8"
    )
    return out


def validate(bundle: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["validate", str(bundle)])
    return result.exit_code, result.output


def test_parquet_logs_read_the_same_as_csv(make_bundle) -> None:
    b = make_bundle("approved")
    to_parquet(b.path / "production_log.csv")
    to_parquet(b.path / "eol_tests.csv", units_in_name=True)  # 'capacity [Ah]' as the column name
    got, want = load_bundle(b.path), load_bundle(EXAMPLES / "approved")
    for table, ref in ((got.production, want.production), (got.eol, want.eol)):
        assert set(table.columns) - {"_row"} == set(ref.columns) - {"_row"}
        for name in ref.columns:
            if name == "_row":
                continue
            x, y = np.asarray(table[name]), np.asarray(ref[name])
            assert x.dtype == y.dtype, name
            assert np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f" else (x == y).all(), name
    assert got.eol["_row"][0] == 1  # record numbers: row 1 is the first record
    assert any(i.path == "eol_tests.parquet" and len(i.sha256) == 64 for i in got.inputs)


def test_a_parquet_bundle_is_assessed_like_the_csv_one(make_bundle, brightway_dir) -> None:
    b = make_bundle("approved")
    to_parquet(b.path / "production_log.csv")
    to_parquet(b.path / "eol_tests.csv")
    to_parquet(b.path / "energy.csv")
    runs = [
        runner.invoke(app, ["assess", str(p), "--format", "json"]) for p in (b.path, EXAMPLES / "approved")
    ]
    assert [r.exit_code for r in runs] == [0, 0], runs[0].output[-2000:]
    found = [
        {f["id"]: (f["status"], f.get("measured")) for f in json.loads(r.output)["findings"]} for r in runs
    ]
    assert found[0] == found[1]


def test_a_unit_in_milliampere_hours_is_converted(make_bundle) -> None:
    def mah(table: pa.Table) -> pa.Table:
        j = table.schema.get_field_index("capacity")
        field = pa.field("capacity", pa.float64(), metadata={"unit": "mAh"})
        return table.set_column(j, field, pa.compute.multiply(table.column(j), 1000.0))

    b = make_bundle("approved")
    to_parquet(b.path / "eol_tests.csv", edit=mah)
    first = load_bundle(b.path).eol["capacity"][0]
    assert first == pytest.approx(5.0674)  # C00001: 5067.4 mAh = 5.0674 Ah (the CSV's value)


def test_a_quantity_column_without_a_unit_is_refused(make_bundle) -> None:
    b = make_bundle("approved")
    to_parquet(b.path / "eol_tests.csv", drop_unit="capacity")
    code, out = validate(b.path)
    assert code == 2
    assert "eol_tests.parquet column capacity: column unit missing" in out


def test_bad_values_are_located_by_record(make_bundle) -> None:
    def bad(table: pa.Table) -> pa.Table:
        j = table.schema.get_field_index("scrap")
        values = table.column(j).to_pylist()
        values[2] = -1  # the third record
        return table.set_column(j, table.schema.field(j), pa.array(values, pa.int64()))

    b = make_bundle("approved")
    to_parquet(b.path / "production_log.csv", edit=bad)
    code, out = validate(b.path)
    assert code == 2
    assert "production_log.parquet row 3, column scrap: negative value" in " ".join(out.split())


def test_text_numbers_are_read_as_strictly_as_in_csv(make_bundle) -> None:
    def comma(table: pa.Table) -> pa.Table:
        j = table.schema.get_field_index("capacity")
        texts = [f"{v}".replace(".", ",") for v in table.column(j).to_pylist()]
        return table.set_column(j, table.schema.field(j).with_type(pa.string()), pa.array(texts, pa.string()))

    b = make_bundle("approved")
    to_parquet(b.path / "eol_tests.csv", edit=comma)
    code, out = validate(b.path)
    assert code == 2
    assert "decimal comma" in out and "write 5.0674" in out


def test_unknown_column_is_named(make_bundle) -> None:
    b = make_bundle("approved")
    to_parquet(b.path / "eol_tests.csv", edit=lambda t: t.append_column("operator", pa.array(["x"] * len(t))))
    code, out = validate(b.path)
    assert code == 2
    assert "eol_tests.parquet column operator: unknown column" in out


def test_csv_text_named_parquet(make_bundle) -> None:
    b = make_bundle("approved")
    (b.path / "eol_tests.parquet").write_bytes((b.path / "eol_tests.csv").read_bytes())
    _declare(b.path)
    code, out = validate(b.path)
    assert code == 2
    assert "not a Parquet file" in out and "CSV text" in out


def _declare(path: Path) -> None:
    decl = path / "declaration.yaml"
    decl.write_text(
        decl.read_text(encoding="utf-8").replace(": eol_tests.csv", ": eol_tests.parquet"), encoding="utf-8"
    )


def test_a_truncated_parquet_file(make_bundle) -> None:
    b = make_bundle("approved")
    out_path = to_parquet(b.path / "eol_tests.csv")
    data = out_path.read_bytes()
    out_path.write_bytes(data[:8] + bytes(len(data) - 16) + data[-8:])  # magic kept, content zeroed
    code, out = validate(b.path)
    assert code == 2
    assert "eol_tests.parquet whole file: cannot read the Parquet file" in out


def test_a_parquet_bomb_is_refused_before_reading(make_bundle) -> None:
    b = make_bundle("approved")
    n = 20_000_000  # 20 million equal rows: a few kB of Parquet, 160 MB a column once read
    table = pa.table({"cell_id": pa.array(["C1"] * 10).take(pa.array(np.zeros(n, dtype=np.int32)))})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    assert len(buf.getvalue()) < 1_000_000
    (b.path / "eol_tests.parquet").write_bytes(buf.getvalue())
    (b.path / "eol_tests.csv").unlink()
    _declare(b.path)
    code, out = validate(b.path)
    assert code == 2
    assert "refused before reading (a compression bomb?)" in " ".join(out.split())


def test_a_nested_column_is_refused_by_its_type(make_bundle) -> None:
    def nested(table: pa.Table) -> pa.Table:
        j = table.schema.get_field_index("lot_id")
        lists = pa.array([[v] for v in table.column(j).to_pylist()])
        return table.set_column(j, pa.field("lot_id", lists.type), lists)

    b = make_bundle("approved")
    to_parquet(b.path / "eol_tests.csv", edit=nested)
    code, out = validate(b.path)
    assert code == 2
    assert "eol_tests.parquet column lot_id: a Parquet column type a log cannot hold" in " ".join(out.split())
    assert "found list<" in out


def test_batch_assesses_parquet_bundles(make_bundle, tmp_path: Path, brightway_dir) -> None:
    b = make_bundle("approved")
    to_parquet(b.path / "production_log.csv")
    to_parquet(b.path / "eol_tests.csv")
    out = tmp_path / "run"
    res = runner.invoke(app, ["batch", str(b.path), str(EXAMPLES / "approved"), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["status"] for r in rows] == ["approved", "approved"]
    summary = list(csv.DictReader(io.StringIO((out / "summary.csv").read_text(encoding="utf-8"))))
    a, c = summary  # the Parquet bundle and the example: the same figures
    assert a["footprint_kg_co2e_per_kwh"] == c["footprint_kg_co2e_per_kwh"] != ""


def test_damaged_parquet_files_are_refused_never_a_crash(make_bundle) -> None:
    """Bytes flipped at random (seeded) in a valid Parquet log: each damaged file is either still
    readable or refused with exit 2; none ends in an internal error.  (Seed 27 decodes, at its
    fourth file, to a dictionary index out of range: an IndexError until the table was validated.)"""
    import random

    b = make_bundle("approved")
    path = to_parquet(b.path / "eol_tests.csv")
    good = path.read_bytes()
    rng = random.Random(27)
    for i in range(20):
        data = bytearray(good)
        for _ in range(rng.choice([1, 5, 50])):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if i % 5 == 0:
            data = data[: rng.randrange(8, len(data))] + b"PAR1"
        path.write_bytes(bytes(data))
        code, out = validate(b.path)
        assert code in (0, 2) and "internal error" not in out, (i, out[-300:])
