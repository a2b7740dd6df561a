"""A log read by a columnar engine (pyarrow): :class:`ArrowText`, the same interface as
:class:`~liplanet_cert.bundle.csvcolumns.CsvText`, so that every log reader (production, end-of-line,
energy, quality) checks a CSV file read by pyarrow, or a Parquet file, with the same rules and the
same messages.

The columns stay Arrow arrays until they are converted: numbers and dates are checked and
converted in C++ (pyarrow.compute, RE2 patterns: linear time), text columns become Python strings
only for their distinct values (``text``: one object per distinct value, shared by every row), and
a column nothing reads per row (cell ids) stays Arrow.  Only the bad cells cost Python work: each
is filed through the same functions as the CSV reader's (:func:`number_problem`,
:func:`date_problem`), so a problem reads the same whichever engine found it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from liplanet_cert.bundle.rowproblems import RowProblems
from liplanet_cert.bundle.textlog import TextLog

# the same language as csvcells._NUMBER (ASCII digits, a decimal point, an exponent), for RE2
NUMBER_RE = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_NONZERO_MANTISSA = r"^[^eE]*[1-9]"  # "1e-400" is parsed as 0 but is not 0
_ISO_DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


class ArrowColumn(Sequence[str]):
    """A text column kept as an Arrow array (cell ids: read by nothing per row after the checks)."""

    def __init__(self, array: Any) -> None:
        self._array = array

    def __len__(self) -> int:
        return len(self._array)

    def __getitem__(self, k: Any) -> Any:
        if isinstance(k, slice):
            return self._array[k].to_pylist()
        return self._array[int(k)].as_py()

    def __iter__(self) -> Iterator[str]:
        for chunk in getattr(self._array, "chunks", [self._array]):
            yield from chunk.to_pylist()

    def tolist(self) -> list[str]:
        return self._array.to_pylist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        import numpy as np

        out = np.empty(len(self), dtype=object)
        out[:] = self.tolist()
        return out


class ArrowText(TextLog):
    """A log as Arrow columns (``table``: a ``pyarrow.Table`` whose columns are named as the log's
    columns; see :class:`TextLog` for the rest)."""

    def __init__(
        self,
        rel: str,
        table: Any,
        rows: Any,
        units: dict[str, str],
        row_problems: RowProblems,
        delimiter: str = ",",
    ) -> None:
        super().__init__(rel, list(table.column_names), rows, units, row_problems, delimiter)
        self._columns: dict[str, Any] = {n: table.column(n) for n in self.names}
        self._texts: dict[str, list[Any]] = {}
        self._coded: dict[str, tuple[list[Any], Any]] = {}

    # -- text --------------------------------------------------------------------------------
    def _codes(self, name: str) -> tuple[list[Any], Any]:
        """(distinct values, as Python objects; the index of each row's value among them),
        computed once per column."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if name not in self._coded:
            col = self._string(name)
            distinct = pc.unique(col)
            codes = pc.index_in(col, value_set=distinct)
            codes = codes.combine_chunks() if isinstance(codes, pa.ChunkedArray) else codes
            self._coded[name] = (distinct.to_pylist(), codes.to_numpy(zero_copy_only=False))
        return self._coded[name]

    def _string(self, name: str) -> Any:
        import pyarrow as pa
        import pyarrow.compute as pc

        col = self._columns[name]
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            col = pc.cast(col, pa.string())
        return col

    def text(self, name: str) -> list[Any]:
        """Column ``name`` as a list of strings; equal values are one string object."""
        if name not in self._texts:
            self._texts[name] = self._objects(name).tolist()
        return self._texts[name]

    def _objects(self, name: str) -> Any:
        """Column ``name`` as an object array of strings, one object per distinct value."""
        import numpy as np

        distinct, codes = self._codes(name)
        values = np.empty(len(distinct), dtype=object)
        values[:] = ["" if v is None else v for v in distinct]
        return values[codes]

    def pieces(self, name: str) -> Iterator[tuple[int, list[str]]]:
        """(index of the first record, cells as strings) of each chunk of column ``name``."""
        k = 0
        for chunk in self._string(name).chunks:
            cells = ["" if v is None else v for v in chunk.to_pylist()]
            yield k, cells
            k += len(cells)

    def repeats(self, name: str) -> list[int]:
        """Indexes of the records whose value in column ``name`` occurred in an earlier record,
        in order (equal values found by a stable sort: no hash table of every value)."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        col = self._string(name)
        col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        order = pc.sort_indices(col)
        ranked = col.take(order)
        same = np.asarray(pc.equal(ranked[1:], ranked[:-1]), dtype=bool) if len(col) > 1 else []
        if not np.any(same):
            return []
        order = order.to_numpy()
        return np.sort(order[1:][same]).tolist()

    def codes(self, name: str) -> tuple[list[str], Any]:
        """(distinct values of column ``name``, the index of each row's value among them)."""
        distinct, codes = self._codes(name)
        return ["" if v is None else v for v in distinct], codes

    def column(self, name: str) -> Sequence[str]:
        return ArrowColumn(self._string(name))

    def release(self, name: str) -> None:
        self._texts.pop(name, None)
        self._coded.pop(name, None)
        self._columns.pop(name, None)

    def _compact(self, name: str) -> Any:
        return ArrowColumn(self._string(name))

    # -- numbers and dates -------------------------------------------------------------------
    def numbers(self, col: str, to: str | None, integer: bool, allow_blank: bool) -> Any:
        """Column ``col`` as floats in unit ``to``, each bad cell filed (see csvcells.numbers)."""
        import numpy as np
        import pyarrow as pa

        arr = self._columns[col]
        out = []
        k0 = 0
        for chunk in arr.chunks:
            if pa.types.is_integer(chunk.type) or pa.types.is_floating(chunk.type):
                v, blank, texts = _typed_numbers(chunk)
            else:
                v, blank, texts = _text_numbers(self._string_chunk(chunk))
            self._file_numbers(col, k0, v, blank, texts, integer, allow_blank)
            out.append(v)
            k0 += len(chunk)
        v = np.concatenate(out) if out else np.empty(0, dtype=np.float64)
        unit = self.units.get(col)
        if unit and to and unit != to:
            from liplanet_cert.bundle.csvcells import unit_factor_of

            v = v * unit_factor_of(unit, to)
        return v

    @staticmethod
    def _string_chunk(chunk: Any) -> Any:
        import pyarrow as pa
        import pyarrow.compute as pc

        if pa.types.is_dictionary(chunk.type):
            chunk = chunk.cast(chunk.type.value_type)
        return chunk if pa.types.is_string(chunk.type) else pc.cast(chunk, pa.string())

    def _file_numbers(
        self, col: str, k0: int, v: Any, blank: Any, texts: Any, integer: bool, allow_blank: bool
    ) -> None:
        """File the bad cells of one chunk (``texts``: the chunk's cells as text, an Arrow array)."""
        import numpy as np
        import pyarrow.compute as pc

        from liplanet_cert.bundle.csvcells import bad_numbers, number_problem, too_small

        bad = bad_numbers(v, blank, integer=integer, allow_blank=allow_blank)
        for k in np.flatnonzero(bad).tolist():
            cell = texts[k].as_py()
            text = "" if cell is None else str(cell)
            number_problem(
                self.row_problems,
                int(self.rows[k0 + k]),
                col,
                text,
                float(v[k]),
                integer=integer,
                delimiter=self.delimiter,
            )
        zeros = v == 0
        if zeros.any() and _is_text(texts):
            tiny = np.asarray(
                pc.fill_null(pc.match_substring_regex(texts, _NONZERO_MANTISSA), False), dtype=bool
            )
            for k in np.flatnonzero(zeros & tiny).tolist():
                too_small(self.row_problems, int(self.rows[k0 + k]), col, texts[k].as_py())
                v[k] = np.nan

    def dates(self, col: str, start: date | None, end: date | None) -> Any:
        """Column ``col`` as ``datetime64[ns]`` (NaT where unreadable), each bad cell filed; a
        text column is parsed once per distinct value (a log repeats its days)."""
        import numpy as np
        import pyarrow as pa

        from liplanet_cert.bundle.csvcells import date_problem, iso_day

        arr = self._columns[col]
        if pa.types.is_date(arr.type):
            parsed = arr.cast(pa.date32()).to_numpy(zero_copy_only=False).astype("datetime64[D]")
            texts = None
        else:
            distinct, codes = self._codes(col)
            days = np.array([iso_day(t or "") for t in distinct], dtype="datetime64[D]")
            parsed = days[codes]
            texts = distinct
        missing = np.isnat(parsed)
        outside = np.zeros(len(parsed), dtype=bool)
        if start and end:
            lo, hi = np.datetime64(start, "D"), np.datetime64(end, "D")
            outside = ~missing & ((parsed < lo) | (parsed > hi))
        for k in np.flatnonzero(missing | outside).tolist():
            text = "" if texts is None else (texts[codes[k]] or "")
            if missing[k]:
                date_problem(self.row_problems, int(self.rows[k]), col, text)
            else:
                self.row_problems.add(
                    int(self.rows[k]),
                    col,
                    "date outside the reporting period",
                    expected=f"{start} .. {end}",
                    found=text or str(parsed[k]),
                )
        return parsed.astype("datetime64[ns]")


def _is_text(arr: Any) -> bool:
    import pyarrow as pa

    return pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)


def _text_numbers(chunk: Any) -> tuple[Any, Any, Any]:
    """(floats, NaN where not a strict number; blank cells; the cells) of a text chunk.  pyarrow's
    cast takes exactly the strict numbers and nan/inf (which are filed as not finite); a chunk
    it refuses is matched against the strict pattern cell by cell (in C++)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    chunk = pc.fill_null(chunk, "")
    blank = np.asarray(pc.equal(pc.binary_length(chunk), 0), dtype=bool)
    null = pa.scalar(None, pa.string())
    cells = pc.if_else(pa.array(blank), null, chunk) if blank.any() else chunk
    try:
        v = pc.cast(cells, pa.float64())
    except pa.ArrowInvalid:
        v = pc.cast(pc.if_else(pc.match_substring_regex(cells, NUMBER_RE), cells, null), pa.float64())
    values = v.to_numpy(zero_copy_only=False).astype(np.float64, copy=True)
    return values, blank, chunk


def _typed_numbers(chunk: Any) -> tuple[Any, Any, Any]:
    """(floats, NaN where null; null cells; the chunk) of a numeric (Parquet) chunk."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pc.cast(chunk, pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64, copy=True)
    blank = np.asarray(pc.is_null(chunk), dtype=bool)
    return values, blank, chunk
