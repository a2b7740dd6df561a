"""Grouped per-row problems of a CSV log: the same problem in many rows of a column (242 dates
written DD.MM.YYYY) becomes one problem listing the first rows and the count, and memory does not
grow with the number of bad rows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from liplanet_cert.errors import Problem, ProblemCollector, clip


@dataclass
class _Group:
    column: str | None
    kind: str
    expected: str
    by_value: bool
    rows: list[int] = field(default_factory=list)  # the first KEPT_ROWS rows filed
    count: int = 0  # rows filed (a row filed twice in a row counts once)
    last: int = -1
    found: dict[str, None] = field(
        default_factory=dict
    )  # distinct values, in order of appearance (the first KEPT_VALUES)
    more_found: bool = False  # more distinct values than kept
    first_found: str = ""
    first_detail: str = ""


class RowProblems:
    """The per-row problems of one CSV file, grouped.

    ``add`` files a problem of ``kind`` (a message that is the same for every row it concerns) in
    ``row`` and ``column``; ``detail`` is the row's own text (what to write instead).  Problems with
    the same column, kind and expectation are one group; with ``by_value`` (values from a fixed
    list: steps, units, test results) the found value is part of the group too, so 'alchemy' and
    'mixxing' stay two problems.  ``flush`` turns each group into one :class:`Problem`: a group of
    one row exactly as it was found (``row 7, column date``), a larger one with its count and the
    first rows (``rows 2, 3, 4, 5, 6 and 237 more, column date: 242 rows: ...``).
    """

    SHOWN_ROWS = 5
    SHOWN_VALUES = 3
    MAX_VALUE_GROUPS = 10  # distinct values of one kind shown as their own problem; the rest together
    KEPT_ROWS = 1000  # per group (rows are filed in file order): memory does not grow with the bad rows
    KEPT_VALUES = 100
    FOUND_CHARS = (
        200  # a found value or detail is quoted by its callers (errors.quote); this bounds it anyway
    )

    def __init__(self, rel: str) -> None:
        self.rel = rel
        self._groups: dict[tuple[Any, ...], _Group] = {}
        self._value_groups: Counter[tuple[Any, ...]] = Counter()
        self._filed = 0

    def __len__(self) -> int:
        """How many row problems were filed (before grouping)."""
        return self._filed

    def add(
        self,
        row: int,
        column: str | None,
        kind: str,
        expected: str = "",
        found: str = "",
        *,
        detail: str = "",
        by_value: bool = False,
    ) -> None:
        row = int(row)
        found = clip(found, self.FOUND_CHARS)
        detail = clip(detail, self.FOUND_CHARS)
        base = (column, kind, expected)
        key = (*base, found if by_value else None)
        group = self._groups.get(key)
        if group is None:
            if by_value and self._value_groups[base] >= self.MAX_VALUE_GROUPS:
                key, by_value = (*base, None), False  # too many distinct values: the rest as one problem
                group = self._groups.get(key)
            if group is None:
                group = self._groups[key] = _Group(
                    column, kind, expected, by_value, first_found=found, first_detail=detail
                )
                if by_value:
                    self._value_groups[base] += 1
        if row != group.last:
            group.last = row
            group.count += 1
            if len(group.rows) < self.KEPT_ROWS:
                group.rows.append(row)
        self._filed += 1
        if found and found not in group.found:
            if len(group.found) < self.KEPT_VALUES:
                group.found[found] = None
            else:
                group.more_found = True

    def flush(self, problems: ProblemCollector) -> None:
        for g in self._groups.values():
            problems.problems.append(self._problem(g))
        self._groups.clear()
        self._value_groups.clear()
        self._filed = 0

    def _problem(self, g: _Group) -> Problem:
        rows = sorted(set(g.rows))
        count = g.count - (len(g.rows) - len(rows))  # (a row filed again later is one row)
        column = f", column {g.column}" if g.column else ""
        if count == 1:
            message = f"{g.kind}: {g.first_detail}" if g.first_detail else g.kind
            return Problem(self.rel, f"row {rows[0]}{column}", message, g.expected, g.first_found)
        message = f"{count} rows: {g.kind}"
        if g.first_detail:
            message += f"; e.g. row {rows[0]}: {g.first_detail}"
        values = list(g.found)
        found = ", ".join(values[: self.SHOWN_VALUES])
        if len(values) > self.SHOWN_VALUES or g.more_found:
            rest = len(values) - self.SHOWN_VALUES
            found += f" and {'more than ' if g.more_found else ''}{rest} other value{'s' if rest > 1 else ''}"
        return Problem(self.rel, rows_text(rows, self.SHOWN_ROWS, count) + column, message, g.expected, found)


def rows_text(rows: list[int], shown: int = 5, total: int | None = None) -> str:
    """``row 7``; ``rows 2 and 9``; ``rows 2, 3, 4, 5, 6 and 237 more`` (``rows``: the first rows,
    sorted; ``total``: how many there are in all, default ``len(rows)``)."""
    total = len(rows) if total is None else total
    if total == 1:
        return f"row {rows[0]}"
    if total <= shown and len(rows) == total:
        return "rows " + ", ".join(map(str, rows[:-1])) + f" and {rows[-1]}"
    return "rows " + ", ".join(map(str, rows[:shown])) + f" and {total - min(shown, len(rows))} more"
