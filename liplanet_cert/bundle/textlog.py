"""What every log reader hands the checks of a log (:mod:`liplanet_cert.bundle.production`,
``eol``, ``energy``, ``quality``): :class:`TextLog`, the log's columns as text until they are
converted, with the line (or record) of each row, the unit of each quantity column and the file's
row problems.  Two kinds: :class:`~liplanet_cert.bundle.csvcolumns.CsvText` (read line by line)
and :class:`~liplanet_cert.bundle.arrowtext.ArrowText` (read by pyarrow: a large CSV, Parquet).
"""

from __future__ import annotations

from typing import Any

from liplanet_cert.bundle.model import LogTable
from liplanet_cert.bundle.rowproblems import RowProblems
from liplanet_cert.errors import ProblemCollector


class TextLog:
    """A log's columns ``names`` as text; ``rows``: the file line (CSV) or record number (Parquet)
    of each row, a numpy int array; ``units``: the header unit of each quantity column;
    ``row_problems``: the file's per-row problems, flushed by :meth:`table`."""

    def __init__(
        self,
        rel: str,
        names: list[str],
        rows: Any,
        units: dict[str, str],
        row_problems: RowProblems,
        delimiter: str,
    ) -> None:
        self.rel = rel
        self.names = names
        self.rows = rows
        self.units = units
        self.row_problems = row_problems
        self.delimiter = delimiter

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def _compact(self, name: str) -> Any:
        """Column ``name`` as a sequence without a Python string per cell, or None if it has none."""
        raise NotImplementedError

    def _objects(self, name: str) -> Any:
        """Column ``name`` as an object array of strings (one object per distinct value)."""
        raise NotImplementedError

    def release(self, name: str) -> None:
        """Forget column ``name`` (converted, or handed to the table)."""
        raise NotImplementedError

    def table(
        self, converted: dict[str, Any], problems: ProblemCollector, compact: tuple[str, ...] = ()
    ) -> LogTable:
        """The checked log as a :class:`LogTable`: the ``converted`` columns, the columns named in
        ``compact`` (read by nothing after the checks) kept compact, the rest as object arrays."""
        self.row_problems.flush(problems)
        data: dict[str, Any] = {}
        for name in self.names:
            if name in converted:
                data[name] = converted[name]
            else:
                kept = self._compact(name) if name in compact else None
                data[name] = kept if kept is not None else self._objects(name)
            self.release(name)
        data.update((k, v) for k, v in converted.items() if k not in data)
        data["_row"] = self.rows
        return LogTable(data)
