"""The header line of a CSV log: its delimiter (comma, semicolon or tab, detected from the
header: Excel writes ``;`` in most European locales), then its column names and the unit each
quantity column declares (``capacity [Ah]``), checked against what the log may hold.  A header
that is none of these is one problem naming what was found, not one "missing column" per column.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from liplanet_cert.bundle.csvtext import DELIMITERS
from liplanet_cert.errors import ProblemCollector, quote
from liplanet_cert.units import QuantityError, unit_quantity

MAX_HEADER_CELL_CHARS = 200  # a column name with its unit ('capacity [Ah]')
_HEADER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[\s*([^\]]+?)\s*\])?\s*$")


def _known(fields: list[str], spec: dict[str, Any]) -> int:
    lower = {k.lower() for k in spec}  # a header in another case is still this file's header
    return sum(
        1
        for h in fields
        if len(h) <= MAX_HEADER_CELL_CHARS
        and (m := _HEADER.match(h.strip().strip('"')))
        and m.group(1).lower() in lower
    )


def sniff(
    rel: str, header: str, required: dict[str, Any], spec: dict[str, Any], problems: ProblemCollector
) -> str | None:
    """The delimiter of a CSV file, from its header line: the one of comma, semicolon and tab that
    occurs there (or, if several do, the only one that splits it into known column names).  None,
    with ONE problem, when the header is not delimited by any of them or is ambiguous."""
    example = ",".join(required)
    if not header.strip():
        problems.add(rel, "line 1", "missing header: line 1 is blank", expected=f"a header row: {example}")
        return None
    if re.match(r"\s*sep\s*=", header, re.IGNORECASE):
        problems.add(
            rel,
            "line 1",
            "an Excel 'sep=' line before the header: remove it (the delimiter is read from the header)",
            expected=f"the header on line 1: {example}",
            found=repr(header[:120]),
        )
        return None
    present = [d for d in DELIMITERS if d in header]
    if len(present) == 1:
        return present[0]
    if present:
        score = {d: _known(header.split(d), spec) for d in present}
        best = max(score.values())
        winners = [d for d in present if score[d] == best]
        if best and len(winners) == 1:
            return winners[0]
        names = " and ".join(DELIMITERS[d] + "s" for d in present)
        problems.add(
            rel,
            "line 1",
            f"cannot tell the delimiter: the header line contains {names}",
            expected=f"one delimiter, e.g. a comma-separated header: {example}",
            found=repr(header[:120]),
        )
        return None
    if len(required) <= 1 or _known([header], spec) == len(required):
        return ","  # a one-column file
    others = Counter(ch for ch in header if not (ch.isalnum() or ch.isspace() or ch in "_[]/*^.-%()'\""))
    guess = next((ch for ch, _n in others.most_common(3) if _known(header.split(ch), spec) >= 2), None)
    what = f"{guess!r}-separated" if guess else "not separated by commas, semicolons or tabs"
    problems.add(
        rel,
        "line 1",
        f"header is {what}",
        expected=f"a comma-, semicolon- or tab-separated header: {example}",
        found=repr(header[:120]),
    )
    return None


def blank_tail(header: list[str]) -> int:
    """How many cells at the end of the header are empty (only white space), when some name
    comes before them; a header of empty names is left to :func:`read_header` to report."""
    n = len(header)
    while n and not header[n - 1].strip():
        n -= 1
    return len(header) - n if n else 0


def read_header(
    rel: str,
    header: list[str],
    required: dict[str, str | None],
    spec: dict[str, str | None],
    problems: ProblemCollector,
) -> tuple[list[str], dict[str, str], bool]:
    """(column names, unit of each quantity column, whether the header is sound) of the header
    cells ``header``; ``spec`` maps every column the log may hold to its dimension (None: no unit)."""
    columns: list[str] = []
    units: dict[str, str] = {}
    matches = [(_HEADER.match(h) if len(h) <= MAX_HEADER_CELL_CHARS else None) for h in header]
    rename = _cased(rel, matches, spec, problems)
    ok = not rename
    for j, (h, m) in enumerate(zip(header, matches)):
        if not m:
            _unreadable(rel, j, h, problems)
            ok = False
            columns.append(f"_bad{j}")
            continue
        name, unit = rename.get(m.group(1), m.group(1)), m.group(2)
        if name in columns:
            problems.add(
                rel, f"line 1, column {name}", "duplicated column", expected="each column once", found=name
            )
            ok = False
        columns.append(name)
        if name not in spec:
            problems.add(
                rel,
                f"line 1, column {name}",
                "unknown column",
                expected="one of " + ", ".join(spec),
                found=name,
            )
            ok = False
            continue
        if not _unit_ok(rel, name, unit, spec[name], problems):
            ok = False
        elif unit and spec[name] is not None:
            units[name] = unit
    for name in required:
        if name not in columns:
            problems.add(rel, "line 1", f"missing column {name}", expected="columns " + ", ".join(required))
            ok = False
    return columns, units, ok


def _cased(
    rel: str, matches: list[re.Match[str] | None], spec: dict[str, str | None], problems: ProblemCollector
) -> dict[str, str]:
    """Names that differ from the expected ones only in case ("Date", "Lot_ID") are ONE problem for
    the file, never guessed to mean the column; they are read as the name they match (the mapping
    returned) so that no "unknown column"/"missing column" is added on top and their units are
    still checked."""
    lower = {k.lower(): k for k in spec}
    cased = [
        (m.group(1), lower[m.group(1).lower()])
        for m in matches
        if m and m.group(1) not in spec and m.group(1).lower() in lower
    ]
    if cased:
        problems.add(
            rel,
            "line 1",
            "column names must be written in lower case: found "
            + ", ".join(f for f, _ in cased)
            + "; write "
            + ", ".join(w for _, w in cased),
        )
    return dict(cased)


def _unreadable(rel: str, j: int, h: str, problems: ProblemCollector) -> None:
    too_long = len(h) > MAX_HEADER_CELL_CHARS
    problems.add(
        rel,
        f"line 1, column {j + 1}",
        "column name too long" if too_long else "unreadable column name",
        expected="name or 'name [unit]'"
        + (f", at most {MAX_HEADER_CELL_CHARS} characters" if too_long else ""),
        found=quote(h),
    )


def _unit_ok(rel: str, name: str, unit: str | None, dim: str | None, problems: ProblemCollector) -> bool:
    """Whether column ``name``'s header unit fits its dimension ``dim`` (None: the column takes no
    unit); files the problem if not."""
    if dim is None:
        if unit:
            problems.add(rel, f"line 1, column {name}", "this column takes no unit", found=f"[{unit}]")
            return False
        return True
    if not unit:
        problems.add(
            rel,
            f"line 1, column {name}",
            "column unit missing",
            expected=f"'{name} [unit]' with a unit of {dim.replace('_', ' ')}",
            found=name,
        )
        return False
    from liplanet_cert.units import DIMENSIONS, check_dimension, closest_unit, right_spelling, unit_factor

    spelling = right_spelling(unit, dim)
    if spelling is not None:
        problems.add(
            rel,
            f"line 1, column {name}",
            f"column unit: {unit!r} is not {spelling!r}: unit symbols are case-sensitive",
            expected=f"[{spelling}]",
            found=f"[{unit}]",
        )
        return False
    try:
        check_dimension(unit_quantity(unit), dim, original=unit)
        unit_factor(unit, DIMENSIONS[dim])  # finite, not absurd: values convert without overflow
        return True
    except QuantityError as exc:
        problems.add(rel, f"line 1, column {name}", f"column unit: {exc.message}", exc.expected, exc.found)
    except Exception:  # pint's errors: an unknown unit, a scaling factor ('[1e400 m]'), ...
        scaled = bool(re.match(r"[\d.+-]", unit))
        problems.add(
            rel,
            f"line 1, column {name}",
            "column unit: a unit only, without a number"
            if scaled
            else "unknown unit" + closest_unit(unit, dim),
            expected=f"a unit of {dim.replace('_', ' ')}",
            found=f"[{unit}]",
        )
    return False
