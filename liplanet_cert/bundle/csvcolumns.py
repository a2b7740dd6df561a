"""A CSV log as text columns, kept compact until they are converted.

Each column is kept as its pieces' cells joined by NUL (which a text file cannot hold) until it is
converted — numbers and dates straight into arrays (:mod:`liplanet_cert.bundle.csvcells`), text
into lists whose repeated values are one object — so a log costs a small multiple of its size
(``benchmarks/bench_memory.py``).  A cell longer than :data:`MAX_CELL_CHARS` is a located problem
before any parser or regular expression sees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import repeat
from typing import Any

from liplanet_cert.bundle.csvtext import DELIMITERS, MAX_LINE_CHARS
from liplanet_cert.bundle.rowproblems import RowProblems, rows_text
from liplanet_cert.bundle.textlog import TextLog
from liplanet_cert.errors import ProblemCollector, quote

MAX_CELL_CHARS = 1000  # a longer cell is a located problem; no parser or pattern ever sees it


class TextColumn(Sequence[str]):
    """A text column kept as its parts (cells joined by NUL): a column nothing reads per row after
    the checks (cell ids, meter ids) costs its text's size, not a Python string per cell."""

    def __init__(self, parts: list[str]) -> None:
        import numpy as np

        self._parts = parts
        self._ends = (
            np.cumsum([p.count("\0") + 1 for p in parts], dtype=np.int64)
            if parts
            else np.empty(0, dtype=np.int64)
        )

    def __len__(self) -> int:
        return int(self._ends[-1]) if len(self._ends) else 0

    def __getitem__(self, k: Any) -> Any:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        n = len(self)
        k = int(k) + (n if int(k) < 0 else 0)
        if not 0 <= k < n:
            raise IndexError(k)
        import bisect

        j = (
            bisect.bisect_right(self._ends.tolist(), k)
            if len(self._ends) < 64
            else int(self._ends.searchsorted(k, side="right"))
        )
        start = int(self._ends[j - 1]) if j else 0
        return self._parts[j].split("\0")[k - start]

    def __iter__(self) -> Iterator[str]:
        for part in self._parts:
            yield from part.split("\0")

    def tolist(self) -> list[str]:
        return list(self)

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        import numpy as np

        out = np.empty(len(self), dtype=object)
        out[:] = self.tolist()
        return out


class CsvText(TextLog):
    """A CSV file as text columns, kept compact until they are converted: each column is a list of
    parts, the cells of consecutive records joined by NUL (see :class:`TextLog` for the rest).

    :meth:`text` gives a column as a list of strings (repeated values are one object);
    :func:`numbers` and :func:`dates` convert a column part by part and release its text."""

    def __init__(
        self,
        rel: str,
        names: list[str],
        parts: list[list[str]],
        rows: Any,
        units: dict[str, str],
        row_problems: RowProblems,
        delimiter: str = ",",
    ) -> None:
        super().__init__(rel, names, rows, units, row_problems, delimiter)
        self._parts: dict[str, list[str] | None] = dict(zip(names, parts))
        self._texts: dict[str, list[str]] = {}

    def pieces(self, name: str) -> Iterator[tuple[int, list[str]]]:
        """(index of the first record, cells) of each part of column ``name``."""
        parts = self._parts[name]
        if parts is None:  # already materialised (or released)
            yield 0, self._texts.get(name, [])
            return
        k = 0
        for part in parts:
            cells = part.split("\0")
            yield k, cells
            k += len(cells)

    def text(self, name: str) -> list[str]:
        """Column ``name`` as a list of strings; equal values share one string object (a log
        repeats its steps, dates and lot ids), unless the column turns out to be mostly unique."""
        if name not in self._texts:
            out: list[str] = []
            seen: dict[str, str] | None = {}
            for _k, cells in self.pieces(name):
                if seen is None:
                    out.extend(cells)
                    continue
                out.extend(map(seen.setdefault, cells, cells))
                if len(seen) > 4096 and 2 * len(seen) > len(out):
                    seen = None  # mostly unique values (cell ids): sharing would save nothing
            self._texts[name] = out
            self._parts[name] = None
        return self._texts[name]

    def codes(self, name: str) -> tuple[list[str], Any]:
        """(distinct values of column ``name``, in order of appearance; the index of each row's
        value among them, an int64 array)."""
        import numpy as np

        values = self.text(name)
        distinct = list(dict.fromkeys(values))
        lookup = {v: i for i, v in enumerate(distinct)}
        return distinct, np.fromiter(map(lookup.__getitem__, values), dtype=np.int64, count=len(values))

    def repeats(self, name: str) -> list[int]:
        """Indexes of the records whose value in column ``name`` occurred in an earlier record,
        in order.  Found through 64-bit hashes, a part at a time: no set of every value."""
        import numpy as np

        hashes = [
            np.fromiter(map(hash, cells), dtype=np.int64, count=len(cells)) for _k, cells in self.pieces(name)
        ]
        h = np.concatenate(hashes) if hashes else np.empty(0, dtype=np.int64)
        order = np.argsort(h, kind="stable")
        same = h[order[1:]] == h[order[:-1]]
        if not same.any():
            return []
        candidates = np.unique(
            np.concatenate([order[1:][same], order[:-1][same]])
        ).tolist()  # equal hashes: compare the text
        column = self.column(name)
        seen: set[str] = set()
        out = []
        for k in candidates:
            value = column[k]
            if value in seen:
                out.append(k)
            seen.add(value)
        return out

    def column(self, name: str) -> Sequence[str]:
        """Column ``name`` as a sequence without a string per cell (a :class:`TextColumn`)."""
        parts = self._parts[name]
        return self._texts[name] if parts is None else TextColumn(parts)

    def release(self, name: str) -> None:
        """Forget the text of column ``name`` (converted: only its bad cells were needed)."""
        self._parts[name] = None
        self._texts.pop(name, None)

    def _compact(self, name: str) -> Any:
        parts = self._parts[name]
        return None if parts is None else TextColumn(parts)

    def _objects(self, name: str) -> Any:
        import numpy as np

        texts = self.text(name)
        column = np.empty(len(texts), dtype=object)
        column[:] = texts
        return column


class Columns:
    """Collects a CSV file's good records into :class:`CsvText` parts, a batch at a time."""

    BATCH = 20_000  # records checked one by one are stored this many at a time

    def __init__(
        self, rel: str, columns: list[str], delim: str, quoted: bool, rp: RowProblems, tail: int = 0
    ) -> None:
        # ``tail``: columns with an empty name at the end of the header (read, then dropped by
        # :meth:`drop_tail` if all their cells are empty)
        columns = columns + [f"(unnamed column {len(columns) + k + 1})" for k in range(tail)]
        self.rel, self.columns, self.delim, self.quoted, self.rp, self.tail = (
            rel,
            columns,
            delim,
            quoted,
            rp,
            tail,
        )
        self.width = len(columns)
        self.parts: list[list[str]] = [[] for _ in columns]
        self.rows: list[Any] = []
        self.count = 0

    def _store(self, records: list[list[str]], lines: Any) -> None:
        import numpy as np

        for j, col in enumerate(zip(*records)):
            self.parts[j].append("\0".join(col))
        self.rows.append(np.asarray(lines, dtype=np.int64))
        self.count += len(records)

    def lines(self, first: int, lines: list[str | None]) -> None:
        """Lines of an unquoted file, starting at file line ``first``."""
        import numpy as np

        delim, width = self.delim, self.width
        if not lines:
            return
        if None not in lines and max(map(len, lines)) <= MAX_CELL_CHARS:  # type: ignore[arg-type]
            joined = "\n".join(lines)  # type: ignore[arg-type]
            padded = _padded(joined, delim)
            if (
                not padded
                and min(map(len, lines)) >= width  # type: ignore[arg-type]
                and list(map(str.count, lines, repeat(delim))).count(width - 1) == len(lines)
            ):  # type: ignore[arg-type]
                # the common case (no padding, no blank, ragged or long line): nothing to fix per
                # row, and the cells are cut out of the piece at once (a line of exactly width - 1
                # characters that holds width - 1 delimiters would be blank: none is that short)
                cells = joined.replace("\n", delim).split(delim)
                del joined
                for j in range(width):
                    self.parts[j].append("\0".join(cells[j::width]))
                self.rows.append(np.arange(first, first + len(lines), dtype=np.int64))
                self.count += len(lines)
                return
            del joined
            self.records(((first + k, t.split(delim)) for k, t in enumerate(lines)), padded)  # type: ignore[union-attr]
            return
        present = [t for t in lines if t is not None]
        self.records(
            ((first + k, None if t is None else t.split(delim)) for k, t in enumerate(lines)),
            _padded("\n".join(present), delim),
        )

    def records(self, records: Iterable[tuple[int, list[str] | None]], padded: bool) -> None:
        """Records checked one by one: (file line, cells, or None for a line too long)."""
        rp, width, columns, delim, quoted = self.rp, self.width, self.columns, self.delim, self.quoted
        good: list[list[str]] = []
        lines_of: list[int] = []
        for i, r in records:
            if r is None:
                rp.add(i, None, "line too long", expected=f"at most {MAX_LINE_CHARS} characters per line")
                continue
            if len(r) != width:
                if not any(cell.strip() for cell in r):
                    continue  # blank line
                other = next(
                    (d for d in DELIMITERS if d != delim and not quoted and len(r[0].split(d)) == width), None
                )
                rp.add(
                    i,
                    None,
                    "wrong number of fields",
                    expected=f"{width} fields",
                    found=f"{len(r)} field{'s' if len(r) != 1 else ''}",
                    by_value=True,
                    detail=f"this row is {DELIMITERS[other]}-separated, the header {DELIMITERS[delim]}-separated"
                    if other and len(r) == 1
                    else "",
                )
                continue
            if quoted:
                for j, cell in enumerate(r):
                    if "\n" in cell:
                        rp.add(i, columns[j], "line break inside a field", expected="one line per record")
            if padded:
                r = [c.strip() for c in r]
            if not any(r):
                continue  # blank line
            long = next((j for j, c in enumerate(r) if len(c) > MAX_CELL_CHARS), None)
            if long is not None:
                rp.add(
                    i,
                    columns[long],
                    "value too long",
                    expected=f"at most {MAX_CELL_CHARS} characters",
                    found=quote(r[long]),
                )
                continue
            good.append(r)
            lines_of.append(i)
            if len(good) >= self.BATCH:
                self._store(good, lines_of)
                good, lines_of = [], []
        if good:
            self._store(good, lines_of)

    def drop_tail(self, problems: ProblemCollector) -> bool:
        """Drop the unnamed columns at the end of the header.  Excel exports formatted but empty
        cells as empty columns (every line ends with ``;;``): when all their cells are empty they
        change nothing and are dropped; when one holds a value, ONE problem names the fix."""
        if not self.tail:
            return True
        named = self.width - self.tail
        full: list[int] = []
        count = 0
        for j in range(named, self.width):
            for part, lines in zip(self.parts[j], self.rows):
                if part.replace("\0", "").strip():
                    cells = part.split("\0")
                    hit = [int(lines[k]) for k, c in enumerate(cells) if c.strip()]
                    count += len(hit)
                    full.extend(hit)
        if full:
            rows = sorted(set(full))
            n = self.tail
            problems.add(
                self.rel,
                "line 1, columns " + (f"{named + 1}" if n == 1 else f"{named + 1}-{self.width}"),
                f"{n} column{'s' if n != 1 else ''} at the end of the header {'have' if n != 1 else 'has'} no name, but {rows_text(rows[:5], total=len(rows))} "
                f"{'holds a value' if len(rows) == 1 else 'hold values'} in {'them' if n != 1 else 'it'}: "
                "delete those columns, or name them if they belong in the log",
                expected="a name for every column that holds values",
            )
            return False
        del self.columns[named:], self.parts[named:]
        self.width = named
        return True

    def result(self, units: dict[str, str]) -> CsvText:
        import numpy as np

        rows = np.concatenate(self.rows) if self.rows else np.empty(0, dtype=np.int64)
        return CsvText(self.rel, self.columns, self.parts, rows, units, self.rp, self.delim)


@lru_cache(maxsize=8)
def _padding(delim: str) -> re.Pattern[str]:
    d, ws = re.escape(delim), (r"[^\S\n\t]" if delim == "\t" else r"[^\S\n]")
    return re.compile(rf"(?:^|{d}){ws}|{ws}(?:{d}|$)", re.MULTILINE)


def _padded(text: str, delim: str) -> bool:
    """Whether some cell may start or end with white space (then every cell is stripped)."""
    if text.isascii() and "\x0b" not in text and "\x0c" not in text and (delim == "\t" or "\t" not in text):
        return (
            f" {delim}" in text
            or f"{delim} " in text
            or " \n" in text
            or "\n " in text
            or text[:1] == " "
            or text[-1:] == " "
        )
    return _padding(delim).search(text) is not None  # rare: let the regex decide
