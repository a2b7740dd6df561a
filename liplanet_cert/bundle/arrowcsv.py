"""The columnar path of reading a CSV log: pyarrow's CSV reader (multi-threaded C++), for files
that are plainly well-formed — every cell is read as text, then checked by the same rules as the
line-by-line reader (:mod:`liplanet_cert.bundle.arrowtext`).

pyarrow is used only where it cannot change what a file means.  A file with anything the
line-by-line reader treats specially — quotes, a blank line or a line of empty cells, cells padded
with white space, non-ASCII text, a cell longer than ``MAX_CELL_CHARS``, unnamed columns at the end
of the header, a row with the wrong number of fields — is read by
:mod:`liplanet_cert.bundle.csvread` instead (:func:`read_columnar` returns None), so that every
strictness rule and every message is exactly that reader's.  Line numbers are exact: a plainly
well-formed file has one record per line.
"""

from __future__ import annotations

from typing import Any

from liplanet_cert.bundle.arrowtext import ArrowText
from liplanet_cert.bundle.csvcolumns import MAX_CELL_CHARS
from liplanet_cert.bundle.rowproblems import RowProblems

MIN_COLUMNAR_BYTES = 1 << 16  # smaller files: the line-by-line reader is as fast, without pyarrow
BLOCK_BYTES = 1 << 22  # pyarrow's unit of parallel parsing (a line is far shorter)


def plain(data: bytes, start: int, delim: str) -> bool:
    """Whether ``data[start:]`` may be plainly well-formed as far as single bytes tell (each test
    is one scan of the bytes in C): large enough to be worth it, ASCII, no quote, no form feed or
    vertical tab, no tab but as the delimiter.  The rest (blank lines, padded cells) is checked on
    the columns by :func:`read_columnar`."""
    if len(data) - start < MIN_COLUMNAR_BYTES or not data.isascii():
        return False
    banned = [b'"', b"\x0b", b"\x0c"] + ([b"\t"] if delim != "\t" else [])
    return not any(data.find(b, start) >= 0 for b in banned)


def read_columnar(
    rel: str, data: bytes, start: int, delim: str, columns: list[str], units: dict[str, str]
) -> ArrowText | None:
    """The log's records as an :class:`ArrowText` (header on line 1, records from line 2), or
    None when pyarrow finds the file not plainly well-formed (a ragged row, a line too long for
    its block, a line of empty cells, a cell too long): then the line-by-line reader reads it."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    try:
        table = pcsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)[start:] if start else pa.py_buffer(data)),
            read_options=pcsv.ReadOptions(column_names=columns, skip_rows=1, block_size=BLOCK_BYTES),
            parse_options=pcsv.ParseOptions(
                delimiter=delim,
                quote_char=False,
                double_quote=False,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=False,
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={c: pa.string() for c in columns},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    if not table.num_rows:
        return None
    empty: Any = None
    for name in columns:
        col = table.column(name)
        lengths = pc.binary_length(col)
        if (pc.max(lengths).as_py() or 0) > MAX_CELL_CHARS:
            return None
        is_empty = pc.equal(lengths, 0)
        empty = is_empty if empty is None else pc.and_(empty, is_empty)
    if pc.any(empty).as_py():  # a line of delimiters only: a blank line to the other reader
        return None
    body = data.find(b"\n", start) + 1
    if (
        body
        and data.find(b" ", body) >= 0
        and any(  # a cell padded with spaces: stripped by the other
            pc.any(pc.match_substring_regex(table.column(c), r"^ | $")).as_py() for c in columns
        )
    ):
        return None
    rows = np.arange(2, 2 + table.num_rows, dtype=np.int64)
    return ArrowText(rel, table, rows, units, RowProblems(rel), delim)
