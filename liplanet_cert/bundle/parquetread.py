"""Reading a log written as Apache Parquet (``files: {eol_tests: eol_tests.parquet}``): lines that
outgrow CSV export Parquet from their MES.

Same columns as the CSV log.  A quantity column carries its unit in its name
(``capacity [Ah]``, as in a CSV header) or in the field's metadata key ``unit``
(``pa.field("capacity", pa.float64(), metadata={"unit": "Ah"})``).  Numbers may be integer,
floating-point or decimal columns (or text, read as strictly as in a CSV file), dates ``date32``
columns (or ISO text), text columns strings.  Every value then passes the checks a CSV cell passes
(:mod:`liplanet_cert.bundle.arrowtext`); a problem is located by record number (``row 1`` is the
first record).  The file is untrusted: its footer is read first, and a file whose columns would
unpack to more than ``MAX_UNPACK_RATIO`` times its size (or ``MAX_UNPACKED_BYTES``) is refused
before any column is read; only the log's own columns are read.
"""

from __future__ import annotations

import re
from typing import Any

from liplanet_cert.bundle.arrowtext import ArrowText
from liplanet_cert.bundle.csvheader import read_header
from liplanet_cert.bundle.rowproblems import RowProblems
from liplanet_cert.errors import Problem, ProblemCollector

MAX_UNPACK_RATIO = 200  # as LIPLANET_MAX_COMPRESSION_RATIO's default for zip entries
MAX_UNPACKED_BYTES = 4 << 30
_PANDAS_INDEX = re.compile(r"__index_level_\d+__")  # pandas' index, written by DataFrame.to_parquet


def is_parquet(rel: str) -> bool:
    return rel.lower().endswith((".parquet", ".parq", ".pq"))


def read_parquet(
    rel: str,
    data: bytes,
    required: dict[str, str | None],
    optional: dict[str, str | None],
    problems: ProblemCollector,
) -> ArrowText | None:
    """The Parquet log ``rel`` (its bytes) as an :class:`ArrowText`, or None with its problems."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    opened = _open(rel, data, problems)
    if opened is None:
        return None
    pf, fields = opened
    if not _types_ok(rel, fields, problems):
        return None
    header = [_header_cell(f) for f in fields]
    scratch = ProblemCollector()
    columns, units, ok = read_header(rel, header, required, {**required, **optional}, scratch)
    for p in scratch.problems:  # located in the schema, not on a line 1
        where = p.location.replace("line 1, ", "").replace("line 1", "schema")
        problems.problems.append(Problem(p.file, where, p.message, p.expected, p.found))
    if not ok:
        return None
    texts = [f.name for f in fields if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    try:  # text as dictionaries: a value repeated a million times is one value until it is checked
        pf = pq.ParquetFile(pa.BufferReader(pa.py_buffer(data)), read_dictionary=texts)
        table = pf.read(columns=[f.name for f in fields], use_threads=True)
        table.validate(full=True)  # a damaged file can decode to indexes or offsets out of range
    except (pa.ArrowException, OSError, ValueError) as exc:
        problems.add(rel, "whole file", "cannot read the Parquet file", "an intact Parquet file", _clip(exc))
        return None
    if not _bounded(rel, table, len(data), problems):
        return None
    table = table.rename_columns(columns)
    if not table.num_rows:
        problems.add(rel, "row 1", "no data rows", expected="at least one row")
        return None
    rows = np.arange(1, 1 + table.num_rows, dtype=np.int64)
    return ArrowText(rel, table, rows, units, RowProblems(rel))


def _open(rel: str, data: bytes, problems: ProblemCollector) -> tuple[Any, list[Any]] | None:
    """(the file, the fields to read) after checking its footer: readable, not a bomb."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not data.startswith(b"PAR1") or not data.endswith(b"PAR1"):
        found = "CSV text" if data[:200].isascii() and b"," in data[:200] else "not Parquet data"
        problems.add(
            rel,
            "whole file",
            "not a Parquet file (it has no PAR1 magic bytes)",
            expected="an Apache Parquet file, or a CSV log named .csv",
            found=found,
        )
        return None
    try:
        pf = pq.ParquetFile(pa.BufferReader(pa.py_buffer(data)))
        meta = pf.metadata
        unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        fields = [f for f in pf.schema_arrow if not _PANDAS_INDEX.fullmatch(f.name)]
    except (pa.ArrowException, OSError, ValueError) as exc:
        problems.add(rel, "whole file", "cannot read the Parquet file", "an intact Parquet file", _clip(exc))
        return None
    # at least 8 bytes a value once read (run-length and dictionary encoding store far fewer)
    unpacked = max(unpacked, meta.num_rows * 8 * len(fields))
    if not _within(rel, unpacked, len(data), "before reading", problems):
        return None
    return pf, fields


def _within(rel: str, unpacked: int, size: int, when: str, problems: ProblemCollector) -> bool:
    """Whether ``unpacked`` bytes from a file of ``size`` bytes is within the bounds (else filed)."""
    most = min(MAX_UNPACKED_BYTES, MAX_UNPACK_RATIO * max(size, 1 << 18))
    if unpacked <= most:
        return True
    problems.add(
        rel,
        "whole file",
        f"Parquet columns would unpack to about {unpacked} bytes: refused {when} (a compression bomb?)",
        expected=f"at most {most} bytes unpacked ({MAX_UNPACK_RATIO}x the file, at most {MAX_UNPACKED_BYTES})",
        found=f"{size} bytes of Parquet",
    )
    return False


def _bounded(rel: str, table: Any, size: int, problems: ProblemCollector) -> bool:
    """Whether the text columns (read as dictionaries) stay within the bounds once expanded."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    total = 0
    for col in table.columns:
        for chunk in col.chunks:
            if pa.types.is_dictionary(chunk.type) and len(chunk):
                lengths = np.asarray(pc.binary_length(chunk.dictionary).fill_null(0), dtype=np.int64)
                codes = chunk.indices.fill_null(0).to_numpy(zero_copy_only=False)
                total += int(lengths[codes].sum()) if len(lengths) else 0
            else:
                total += chunk.nbytes
    return _within(rel, total, size, "after reading its dictionaries", problems)


def _readable(t: Any) -> bool:
    """Whether values of Arrow type ``t`` can be a log's values (text, a number, a date)."""
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        return _readable(t.value_type)
    kinds = (
        pa.types.is_string,
        pa.types.is_large_string,
        pa.types.is_integer,
        pa.types.is_floating,
        pa.types.is_decimal,
        pa.types.is_date,
        pa.types.is_timestamp,
        pa.types.is_null,
    )
    return any(kind(t) for kind in kinds)


def _types_ok(rel: str, fields: list[Any], problems: ProblemCollector) -> bool:
    """Whether every column has a type a log value can have (a list, struct, binary... cannot)."""
    ok = True
    for f in fields:
        if not _readable(f.type):
            problems.add(
                rel,
                f"column {f.name}",
                "a Parquet column type a log cannot hold",
                expected="text (string), a number (integer, floating point, decimal) or a date (date32)",
                found=str(f.type),
            )
            ok = False
    return ok


def _header_cell(field: Any) -> str:
    """The field as a CSV header cell: its name, with the unit of its metadata as ``[unit]``."""
    name = field.name
    meta = field.metadata or {}
    unit = meta.get(b"unit")
    if unit is not None and "[" not in name:
        return f"{name} [{unit.decode('utf-8', 'replace')}]"
    return name


def _clip(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 200 else text[:197] + "..."
