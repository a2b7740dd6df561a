"""Reading a CSV log of a bundle: bytes -> checked text columns (:class:`CsvText`).

The steps: the bytes are checked as UTF-8 text (:mod:`liplanet_cert.bundle.csvtext`), the header
gives the delimiter, the columns and their units (:mod:`liplanet_cert.bundle.csvheader`), then the
records are collected into compact text columns (:mod:`liplanet_cert.bundle.csvcolumns`); a file
without quotes takes a fast path, one record per line, and a quoted one goes through :mod:`csv`.
Converting the columns to numbers and dates is :mod:`liplanet_cert.bundle.csvcells`.

Bounded work and memory: the file's bytes are decoded, split and stored a piece (about 1 MB) at a
time, never as one string, one list of lines and one list of rows at once.  A line longer than
``MAX_LINE_CHARS``, a cell longer than ``MAX_CELL_CHARS`` and a column name longer than
``MAX_HEADER_CELL_CHARS`` are located problems before any parser or regular expression sees them,
and every pattern applied to a cell runs in linear time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from liplanet_cert.bundle.arrowcsv import plain, read_columnar
from liplanet_cert.bundle.arrowtext import ArrowText
from liplanet_cert.bundle.csvcolumns import Columns, CsvText
from liplanet_cert.bundle.csvheader import blank_tail, read_header, sniff
from liplanet_cert.bundle.csvtext import DELIMITERS, MAX_LINE_CHARS, decode, text_pieces
from liplanet_cert.bundle.parquetread import is_parquet, read_parquet
from liplanet_cert.bundle.rowproblems import RowProblems
from liplanet_cert.errors import ProblemCollector


class _LineTooLong(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def read_csv(
    rel: str,
    source: bytes | Callable[[], bytes],
    required: dict[str, str | None],
    optional: dict[str, str | None],
    problems: ProblemCollector,
) -> CsvText | ArrowText | None:
    """Read a CSV log as text columns (a large, plainly well-formed file by pyarrow:
    :mod:`liplanet_cert.bundle.arrowcsv`; a ``.parquet`` log: :mod:`liplanet_cert.bundle.parquetread`).  ``source`` is the file's bytes, or a function that reads
    them (then they are dropped as soon as the columns are built, before anything is converted).
    ``required``/``optional`` map column -> dimension (None = no unit).  Problems go to
    ``problems``; None when the file cannot be read as a table at all."""
    data = source() if callable(source) else source
    if is_parquet(rel):
        return read_parquet(rel, data, required, optional, problems)
    checked = decode(rel, data, problems)
    if checked is None:
        return None
    start, ending = checked
    spec = {**required, **optional}
    pieces = text_pieces(data, start, ending)
    first, lines = next(pieces)
    if lines[0] is None:
        problems.add(
            rel,
            "line 1",
            "header line too long",
            expected=f"a header row: {','.join(required)} (at most {MAX_LINE_CHARS} characters)",
        )
        return None
    delim = sniff(rel, lines[0], required, spec, problems)
    if delim is None:
        return None
    if ending != b"\r" and plain(data, start, delim):
        columnar = _columnar(rel, data, start, delim, lines[0].split(delim), required, spec, problems)
        if columnar is not False:
            return columnar  # type: ignore[return-value]
    rp = RowProblems(rel)
    if data.find(b'"', start) < 0:  # fast path: no quoting, so one record per line
        started = _start(rel, lines[0].split(delim), delim, False, required, spec, rp, problems)
        if started is None:
            return None
        cols, units = started
        cols.lines(2, lines[1:])
        del lines
        for first, lines in pieces:
            cols.lines(first, lines)
    else:
        started = _read_quoted(rel, delim, (first, lines), pieces, required, spec, rp, problems)
        if started is None:
            return None
        cols, units = started
    return _finish(rel, cols, units, rp, problems)


def _columnar(
    rel: str,
    data: bytes,
    start: int,
    delim: str,
    header: list[str],
    required: dict[str, str | None],
    spec: dict[str, str | None],
    problems: ProblemCollector,
) -> ArrowText | None | bool:
    """The log read by pyarrow (:mod:`liplanet_cert.bundle.arrowcsv`); None when its header has
    problems (filed), False when the file is not plainly well-formed (then read line by line)."""
    if blank_tail(header):
        return False
    scratch = ProblemCollector()
    columns, units, ok = read_header(rel, header, required, spec, scratch)
    if not ok:
        return False  # (the line-by-line reader reports the header's problems, in its order)
    table = read_columnar(rel, data, start, delim, columns, units)
    return False if table is None else table


def _start(
    rel: str,
    header: list[str],
    delim: str,
    quoted: bool,
    required: dict[str, str | None],
    spec: dict[str, str | None],
    rp: RowProblems,
    problems: ProblemCollector,
) -> tuple[Columns, dict[str, str]] | None:
    """The empty columns of a file with this header line (split), and the units of its quantity
    columns; None when the header has problems."""
    tail = blank_tail(header)
    columns, units, ok = read_header(rel, header[: len(header) - tail], required, spec, problems)
    if not ok:
        return None
    return Columns(rel, columns, delim, quoted, rp, tail), units


def _read_quoted(
    rel: str,
    delim: str,
    first: tuple[int, list[str | None]],
    pieces: Iterator[tuple[int, list[str | None]]],
    required: dict[str, str | None],
    spec: dict[str, str | None],
    rp: RowProblems,
    problems: ProblemCollector,
) -> tuple[Columns, dict[str, str]] | None:
    """The columns of a file with quotes (records may span lines), read with :mod:`csv`."""
    import csv

    def all_lines() -> Iterator[str]:
        for at, part in _chain_first(first, pieces):
            for k, t in enumerate(part):
                if t is None:
                    raise _LineTooLong(at + k)
                yield t + "\n"

    reader = csv.reader(all_lines(), delimiter=delim, strict=True)
    try:
        header = next(reader, [])
        if not header:
            problems.add(rel, "line 1", "missing header", expected="a header row: " + ", ".join(required))
            return None
        started = _start(rel, header, delim, True, required, spec, rp, problems)
        if started is None:
            return None
        started[0].records(
            ((reader.line_num - sum(c.count("\n") for c in record), record) for record in reader), True
        )
        return started
    except csv.Error as exc:
        problems.add(
            rel,
            f"line {reader.line_num}",
            f"malformed CSV: {exc}",
            expected=f"RFC 4180 CSV ({DELIMITERS[delim]}-separated, fields with {DELIMITERS[delim]}s or quotes in double quotes)",
        )
        return None
    except _LineTooLong as exc:
        problems.add(
            rel,
            f"line {exc.line}",
            "line too long",
            expected=f"at most {MAX_LINE_CHARS} characters per line",
        )
        return None


def _finish(
    rel: str, cols: Columns, units: dict[str, str], rp: RowProblems, problems: ProblemCollector
) -> CsvText | None:
    """The file's text columns, or None (with its problems) when no good record is left."""
    if not cols.drop_tail(problems):
        rp.flush(problems)
        return None
    if not cols.count:
        if rp:  # every row is wrong: that is the problem, not "no data rows"
            rp.flush(problems)
            return None
        return _no_rows(rel, problems)
    return cols.result(units)


def _chain_first(
    first: tuple[int, list[str | None]], rest: Iterator[tuple[int, list[str | None]]]
) -> Iterator[tuple[int, list[str | None]]]:
    yield first
    yield from rest


def _no_rows(rel: str, problems: ProblemCollector) -> None:
    problems.add(rel, "row 2", "no data rows", expected="at least one row")
    return None
