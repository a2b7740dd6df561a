"""Numbers and short texts as the dossier shows them: one formatter per meaning.

The view model (:mod:`.context` and the modules it draws on), the charts (:mod:`.charts`) and the
template filters (:mod:`.templating`) all format through these functions, so a number reads the
same wherever it stands.  A missing value is ``—``; thousands are grouped with a narrow no-break
space (U+202F).
"""

from __future__ import annotations

import math
import re
from typing import Any

MISSING = "—"
_NUMBER = re.compile(r"\s*([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)")


def number(x: Any) -> float | None:
    """A float from a number or a quantity string (``"5 Ah"`` → 5.0); None when there is none."""
    if x is None or isinstance(x, bool):
        return None
    if isinstance(x, (int, float)):
        return float(x) if math.isfinite(float(x)) else None
    m = _NUMBER.match(str(x))
    return float(m.group(1)) if m else None


def _grouped(text: str) -> str:
    """``1,234.5`` with its thousands separators as narrow no-break spaces."""
    return text.replace(",", "\u202f")


def fmt_value(x: float | None, digits: int | None = None) -> str:
    """Human number: precision by magnitude, trailing zeros stripped, ``—`` for missing."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return MISSING
    ax = abs(x)
    if digits is None:
        if ax >= 1000:
            digits = 0
        elif ax >= 100:
            digits = 1
        elif ax >= 1:
            digits = 2
        elif ax >= 0.01:
            digits = 3
        elif ax == 0:
            digits = 0
        else:
            digits = 5
    s = f"{x:,.{digits}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s in ("-0", ""):
        s = "0"
    return _grouped(s)


def fmt_significant(x: int | float) -> str:
    """A number as given, to six significant digits (an integer in full): a field of a record."""
    return _grouped(f"{x:,.6g}") if isinstance(x, float) else str(x)


def fmt_signed(x: float) -> str:
    """A difference with its sign: ``+1.5``, ``−0.25`` (a true minus sign), ``0``."""
    return ("+" if x > 0 else "−" if x < 0 else "") + fmt_value(abs(x))


def fmt_percent(fraction: Any, digits: int = 1) -> str:
    """A fraction (0.072) as a percentage (``7.2 %``); one too small to show is ``< 0.1 %``."""
    v = number(fraction)
    if v is None:
        return MISSING
    smallest = 10.0**-digits
    if 0 < abs(v * 100) < smallest / 2:
        return f"< {fmt_value(smallest, digits)} %"
    return f"{fmt_value(v * 100, digits)} %"


def fmt_size(n: int) -> str:
    """A file size in B, KiB or MiB."""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / 1024 / 1024:.1f} MiB"


def with_unit(text: str, unit: str) -> str:
    """A formatted value and its unit; a missing value (or no unit) stands alone."""
    if text in ("", MISSING) or not unit:
        return text
    return f"{text} {unit}"


def shorten(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters: a longer one ends in an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
