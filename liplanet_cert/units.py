"""One pint registry for the quantities of cell production.

Adds counting dimensions for cells and batches (``cell``, ``lot``/``batch``/``roll``) so that
"140 cell/week" is a throughput of cells, "2 m/batch" a length per roll and "2 kg/day" is *not* an
electrode throughput.  Every quantity the program reads goes through :func:`parse_quantity` and
:func:`check_dimension`.

Bounded: a quantity or unit longer than :data:`MAX_QUANTITY_CHARS` is refused before pint sees it
(pint's parser takes minutes on 100 KB), a value converted to its canonical unit must be 0 or
between :data:`MIN_MAGNITUDE` and :data:`MAX_MAGNITUDE` (so no later sum, product or quotient
overflows to inf or NaN), and a unit whose size is absurd (``EAh^10/Ah^9``) is refused.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

import pint

from liplanet_cert.errors import quote
from liplanet_cert.infra.textsafe import did_you_mean

_EXTRA_DEFINITIONS = """
cell = [cell] = cells
batch = [batch] = batches = lot = lots = roll = rolls
Ah = ampere * hour
mAh = 1e-3 * Ah
N_per_15mm = newton / (15 * millimeter)
"""

# Dimensions the bundle format and criteria packs may require, by name, with the canonical unit
# the program computes in.
DIMENSIONS: dict[str, str] = {
    "dimensionless": "percent",
    "length_per_time": "m/day",
    "length_per_batch": "m/batch",
    "cells_per_time": "cell/day",
    "charge": "Ah",
    "voltage": "V",
    "energy": "kWh",
    "mass": "kg",
    "resistance": "mohm",
    "length": "m",
    "time": "day",
    **{"mass_per_area": "mg/cm^2", "density": "g/cm^3", "force": "N", "voltage_per_time": "mV/day"},
    **{"force_per_width": "N_per_15mm"},  # quality characteristics; N_per_15mm: N per 15 mm strip
}

# Human-readable examples shown in error messages.
DIMENSION_EXAMPLES: dict[str, str] = {
    "dimensionless": "a ratio such as '7.5 %' or '0.075'",
    "length_per_time": "a length per time such as '2.5 m/day'",
    "length_per_batch": "a length per batch such as '2 m/batch'",
    "cells_per_time": "cells per time such as '24 cell/day'",
    "charge": "a charge such as '5 Ah'",
    "voltage": "a voltage such as '3.7 V'",
    "energy": "an energy such as '18.5 Wh'",
    "mass": "a mass such as '0.12 kg'",
    "resistance": "a resistance such as '1.2 mohm'",
    "length": "a length such as '120 m'",
    "time": "a duration such as '10 year'",
}

# The unit spellings a line writes for each dimension, as pint reads them (symbols are
# case-sensitive: "ah" is attohours, "mwh" nothing).  A unit that matches one of them only when
# letter case is ignored is refused with the right spelling; a unit pint cannot read is told the
# closest of them ("did you mean Ah?").
UNIT_SPELLINGS: dict[str, tuple[str, ...]] = {
    "dimensionless": ("%", "ppm", "permille"),
    "length_per_time": ("m/day", "km/day", "m/week", "m/h", "m/month"),
    "length_per_batch": ("m/batch", "km/batch"),
    "cells_per_time": ("cell/day", "cells/day", "cell/week", "cells/week", "cell/h", "cells/h"),
    "charge": ("Ah", "mAh", "kAh", "C"),
    "voltage": ("V", "mV", "kV"),
    "energy": ("Wh", "kWh", "MWh", "GWh", "mWh", "J", "kJ", "MJ", "GJ"),
    "mass": ("kg", "g", "mg", "t"),
    "resistance": ("mohm", "ohm", "kohm"),
    "length": ("m", "mm", "cm", "km", "µm"),
    "time": ("day", "week", "month", "year", "h"),
}
_UNIT_TEXT = re.compile(r"^\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*(.*?)\s*$")


def _unit_written(text: str) -> str:
    """The unit part of a quantity as written (``"5 ah"`` -> ``"ah"``)."""
    m = _UNIT_TEXT.match(text)
    return m.group(1) if m else ""


def right_spelling(unit: str, dimension: str | None) -> str | None:
    """The dimension's spelling of ``unit`` when ``unit`` is it in the wrong letter case ("ah" for
    "Ah"), else None: pint would read it as another unit, or not at all."""
    spellings = UNIT_SPELLINGS.get(dimension or "", ())
    return next((u for u in spellings if u != unit and u.casefold() == unit.casefold()), None)


def closest_unit(unit: str, dimension: str | None) -> str:
    """`` (did you mean Ah?)`` for a ``unit`` close to one of the dimension's spellings."""
    return did_you_mean(unit, UNIT_SPELLINGS.get(dimension or "", ()), cutoff=0.6) if unit else ""


def _case_slip(text: str, dimension: str | None) -> None:
    """Refuse a quantity whose unit is one of the dimension's spellings in the wrong letter case."""
    unit = _unit_written(text)
    spelling = right_spelling(unit, dimension)
    if spelling is not None:
        number = text.strip()[: len(text.strip()) - len(unit)].strip()
        raise QuantityError(
            f"unit {unit!r} is not {spelling!r}: unit symbols are case-sensitive",
            expected=f"{number} {spelling}",
            found=quote(text.strip()),
        )


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=None)
    for line in _EXTRA_DEFINITIONS.strip().splitlines():
        try:
            ureg.define(line)
        except Exception:  # pragma: no cover - pint version already defines it
            pass
    return ureg


MAX_QUANTITY_CHARS = 100  # "2.5 m/day", "0.21 kWh/cell": a longer quantity or unit is not one
MAX_MAGNITUDE = 1e12  # in the canonical unit (as for CSV numbers: "absurdly large value")
MIN_MAGNITUDE = 1e-12  # a value closer to 0 (but not 0) would overflow what is divided by it
MAX_UNIT_FACTOR = 1e15  # a unit at most this many times larger (or smaller) than the canonical one


class QuantityError(ValueError):
    """A quantity string could not be parsed or has the wrong dimension."""

    def __init__(self, message: str, expected: str = "", found: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.found = found


_NUMBER_ONLY = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")
_LEADING_NUMBER = re.compile(r"^[-+]?(\d|\.\d)")  # "Ah" alone is not "1 Ah"
_WRITTEN_NUMBER = re.compile(r"\s*[-+]?(\d*(?:\.\d*)?)")  # the digits before any exponent
_NUMBER_POWER = re.compile(r"[\d.)]\s*(\*\*|\^)")  # "10**400", "9**9**9": unbounded work for pint


@lru_cache(maxsize=4096)
def _pint_parse(s: str) -> Any:
    """pint's string parsing is slow (~0.3 ms); bundles repeat the same strings. Callers never mutate."""
    return registry().Quantity(s)


@lru_cache(maxsize=1024)
def unit_quantity(unit: str) -> Any:
    """``1 <unit>`` as a pint quantity (cached: CSV headers and rows repeat a few units).  Raises
    :class:`QuantityError` for a unit longer than MAX_QUANTITY_CHARS (pint never sees it); pint's
    own errors for a unit it cannot read."""
    if len(unit) > MAX_QUANTITY_CHARS:
        raise QuantityError(
            "unit too long", expected=f"a unit of at most {MAX_QUANTITY_CHARS} characters", found=quote(unit)
        )
    return registry().Quantity(1, unit)


def unit_factor(unit: str, to: str) -> float:
    """How many ``to`` one ``unit`` is; :class:`QuantityError` if it is not finite or absurd
    (more than MAX_UNIT_FACTOR times larger or smaller)."""
    try:
        factor = float(unit_quantity(unit).to(to).magnitude)
    except QuantityError:
        raise
    except (ArithmeticError, ValueError) as exc:
        raise QuantityError(
            f"unit cannot be converted to {to}: {_short(exc)}",
            expected=f"a unit convertible to {to}",
            found=quote(unit),
        ) from None
    if not (math.isfinite(factor) and 1 / MAX_UNIT_FACTOR <= abs(factor) <= MAX_UNIT_FACTOR):
        raise QuantityError(
            "unit out of range",
            expected=f"a unit within {MAX_UNIT_FACTOR:g} times {to} either way",
            found=f"{quote(unit)} = {factor:g} {to}",
        )
    return factor


_NUMBER_TOKEN = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
_EXPONENT = re.compile(r"(\^|\*\*)\s*\(?\s*[-+]?\d+(\.\d+)?\s*\)?")


def _one_number(s: str, written: str, dimension: str | None) -> None:
    """The quantity starts with exactly one number in the program's notation (a point for the
    decimals, no thousands separator) and its unit holds no other number but exponents.  pint would
    read "17,3 Wh" as 173 Wh, "1 000 Ah" as 0 Ah and "3 1/2 Ah" as 1.5 Ah: never silently."""
    m = _NUMBER_TOKEN.match(s)
    if m is None:  # pragma: no cover - _LEADING_NUMBER matched
        return
    number, rest = m.group(), s[m.end() :]
    comma = re.match(r",(\d+)", rest)
    if comma:
        value = number + comma.group()
        fixed = written.replace(value, number + "." + comma.group(1), 1)
        if len(comma.group(1)) == 3 and "." not in number and "e" not in number.lower():
            raise QuantityError(
                f"ambiguous number {value!r}: a decimal comma or a thousands separator?",
                expected=f"a point as the decimal separator and no thousands separator: {fixed!r} or "
                f"{written.replace(value, number + comma.group(1), 1)!r}",
                found=_shown(written),
            )
        raise QuantityError(
            f"decimal comma: found {_shown(written)}; write {fixed}",
            expected=f"a point as the decimal separator ({fixed!r})",
            found=_shown(written),
        )
    if re.match(r"\s*[\d.,]", rest):
        raise QuantityError(
            "more than one number before the unit (a thousands separator or a fraction?)",
            expected=f"one number, then the unit, e.g. {_expect(dimension)}",
            found=_shown(written),
        )
    if re.search(r"\d", _EXPONENT.sub("", rest)):
        raise QuantityError(
            "a number inside the unit (only exponents such as m^2 are allowed)",
            expected=_expect(dimension),
            found=_shown(written),
        )


def parse_quantity(text: Any, dimension: str | None = None) -> pint.Quantity:
    """Parse ``"2.5 m/day"`` into a pint quantity, optionally checking its dimension.

    Plain numbers are accepted for dimensionless fields only.  Raises :class:`QuantityError`.
    """
    ureg = registry()
    if isinstance(text, bool) or text is None:
        raise QuantityError("not a quantity", expected=_expect(dimension), found=repr(text))
    if isinstance(text, (int, float)):
        try:
            q = ureg.Quantity(float(text), "dimensionless")
        except OverflowError:
            raise QuantityError(
                "quantity must be a finite number", expected=_expect(dimension), found=_shown(text)
            ) from None
    else:
        s = str(text).strip()
        if not s:
            raise QuantityError("empty quantity", expected=_expect(dimension), found="''")
        if len(s) > MAX_QUANTITY_CHARS:  # before any pattern or pint sees it
            raise QuantityError(
                "quantity too long",
                expected=f"{_expect(dimension)}, at most {MAX_QUANTITY_CHARS} characters",
                found=quote(s),
            )
        s = s.replace("%", " percent").replace("‰", " permille")
        if not _LEADING_NUMBER.match(s):
            raise QuantityError(
                "a number is required before the unit", expected=_expect(dimension), found=_shown(text)
            )
        _one_number(s, str(text).strip(), dimension)
        _case_slip(str(text), dimension)
        if _NUMBER_POWER.search(s):
            raise QuantityError(
                "powers of numbers are not supported (write 1e3, not 10**3)",
                expected=_expect(dimension),
                found=_shown(text),
            )
        try:
            q = _pint_parse(s)
        except Exception as exc:  # pint raises several types (UndefinedUnitError, DefinitionSyntaxError, ...)
            raise QuantityError(
                f"cannot read quantity {_shown(text)}: {_short(exc)}{closest_unit(_unit_written(str(text)), dimension)}",
                expected=_expect(dimension),
                found=_shown(text),
            ) from None
        if not isinstance(q, pint.Quantity):  # pragma: no cover - bare number string
            q = ureg.Quantity(float(q), "dimensionless")
        if _NUMBER_ONLY.match(s) and dimension not in (None, "dimensionless"):
            raise QuantityError("a unit is required", expected=_expect(dimension), found=_shown(text))
    mag = q.magnitude
    try:
        finite = isinstance(mag, (int, float)) and math.isfinite(float(mag))
    except OverflowError:
        finite = False
    if not finite:
        raise QuantityError(
            "quantity must be a finite number", expected=_expect(dimension), found=_shown(text)
        )
    if mag == 0 and _written_non_zero(text):  # 1e-400 underflows to 0: it is not 0
        raise QuantityError(
            "value out of range: too small, it would be read as 0",
            expected=f"0, or at least {MIN_MAGNITUDE:g} in absolute value",
            found=_shown(text),
        )
    if dimension is not None:
        check_dimension(q, dimension, original=text)
    return q


@lru_cache(maxsize=64)
def _dimensionality(dimension: str) -> Any:
    return registry().Quantity(1, DIMENSIONS[dimension]).dimensionality


def check_dimension(q: pint.Quantity, dimension: str, original: Any = None) -> None:
    if q.dimensionality != _dimensionality(dimension):
        shown = original if original is not None else f"{q:~}"
        raise QuantityError(
            "wrong dimension",
            expected=f"{dimension.replace('_', ' ')} ({_expect(dimension)})",
            found=f"{shown!s} with dimension {_dim_text(q)}",
        )


def to_unit(q: pint.Quantity, unit: str) -> float:
    """Magnitude of ``q`` (a quantity read from input) in ``unit``, its canonical unit, as a float
    (conversion factors cached per unit pair).  Raises :class:`QuantityError` when the value
    overflows or is outside the range a quantity of the program may have (see MAX_MAGNITUDE)."""
    try:
        factor = _factor(q.units, unit)
        if factor is None:  # an offset unit (degC...): let pint convert the value itself
            value = float(q.to(unit).magnitude)
        else:
            value = float(q.magnitude) * factor
    except OverflowError:  # (pint's exact arithmetic may overflow where float would: same refusal)
        raise QuantityError(
            "value out of range",
            expected=f"0 or between {MIN_MAGNITUDE:g} and {MAX_MAGNITUDE:g} {unit} in absolute value",
            found=f"{_shown(q)} = a value that overflows",
        ) from None
    except (ArithmeticError, ValueError) as exc:  # ZeroDivisionError, ...
        raise QuantityError(
            f"quantity cannot be converted to {unit}: {_short(exc)}",
            expected=f"a value in {unit}",
            found=_shown(q),
        ) from None
    underflow = value == 0 and float(q.magnitude) != 0
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE or 0 < abs(value) < MIN_MAGNITUDE or underflow:
        shown = f"{value:g} {unit}" if math.isfinite(value) else "a value that overflows"
        raise QuantityError(
            "value out of range",
            expected=f"0 or between {MIN_MAGNITUDE:g} and {MAX_MAGNITUDE:g} {unit} in absolute value",
            found=f"{_shown(q)} = {shown}",
        )
    return value


@lru_cache(maxsize=1024)
def _factor(units: Any, unit: str) -> float | None:
    """Multiplier from ``units`` (a pint Unit) to ``unit``; None for non-multiplicative units."""
    ureg = registry()
    one = float(ureg.Quantity(1.0, units).to(unit).magnitude)
    zero = float(ureg.Quantity(0.0, units).to(unit).magnitude)
    return one if zero == 0.0 else None  # an offset maps 0 elsewhere: not a plain factor


def format_value(value: float | None, unit: str, percent_digits: int = 2) -> str:
    """A value in its canonical unit as findings write it: ``7.67 %`` (``percent_digits``
    decimals), else four significant digits and the unit (``44.32 cell/day``); ``n/a`` for none."""
    if value is None:
        return "n/a"
    if unit in ("percent", "%"):
        return f"{value:.{percent_digits}f} %"
    return f"{value:.4g} {unit}"


def _expect(dimension: str | None) -> str:
    return "a quantity with a unit" if dimension is None else DIMENSION_EXAMPLES.get(dimension, dimension)


def _dim_text(q: pint.Quantity) -> str:
    dim = str(q.dimensionality)
    return "dimensionless" if dim in ("", "dimensionless") else dim


def _written_non_zero(text: Any) -> bool:
    """Whether the number written at the start of ``text`` has a non-zero digit (before its exponent)."""
    if isinstance(text, (int, float)):
        return False  # (YAML/JSON numbers: float() of them was checked already)
    m = _WRITTEN_NUMBER.match(str(text))
    return bool(m and any(ch in "123456789" for ch in m.group(1)))


def _shown(value: Any) -> str:
    """A value as quoted in a problem: ``repr`` of at most its first 60 characters."""
    if isinstance(value, str):
        return quote(value)
    try:
        text = f"{value:~}" if isinstance(value, pint.Quantity) else repr(value)
    except Exception:  # noqa: BLE001 - a value pint cannot format
        text = type(value).__name__
    return text if len(text) <= 80 else text[:60] + f"… ({len(text)} characters)"


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]
