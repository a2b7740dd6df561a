"""Units: every declared quantity is parsed with pint and checked against the dimension its field needs."""

from __future__ import annotations

import pytest

from liplanet_cert.units import QuantityError, format_value, parse_quantity, to_unit


def test_cells_per_week_converts_to_exactly_20_cells_per_day():
    assert to_unit(parse_quantity("140 cell/week", "cells_per_time"), "cell/day") == 20.0


@pytest.mark.parametrize(
    ("text", "dimension", "unit", "expected"),
    [
        ("7.5 %", "dimensionless", "percent", 7.5),
        ("7.5%", "dimensionless", "percent", 7.5),
        ("0.075", "dimensionless", "percent", 7.5),
        (0.075, "dimensionless", "percent", 7.5),
        ("750 ppm", "dimensionless", "percent", 0.075),
        ("5 Ah", "charge", "Ah", 5.0),
        ("5000 mAh", "charge", "Ah", 5.0),
        ("18.25 Wh", "energy", "kWh", 0.01825),
        ("0.5 kWh", "energy", "Wh", 500.0),
        ("2.5 m/day", "length_per_time", "m/day", 2.5),
        ("70 m/week", "length_per_time", "m/day", 10.0),
        ("2 m/batch", "length_per_batch", "m/batch", 2.0),
        ("2 m/roll", "length_per_batch", "m/batch", 2.0),
        ("24 cells/day", "cells_per_time", "cell/day", 24.0),
        ("3.65 V", "voltage", "V", 3.65),
    ],
)
def test_quantities_of_cell_production_convert(text, dimension, unit, expected):
    assert to_unit(parse_quantity(text, dimension), unit) == pytest.approx(expected, rel=1e-12)


def test_electrode_throughput_in_kg_per_day_names_expected_and_given_dimension():
    with pytest.raises(QuantityError) as info:
        parse_quantity("2 kg/day", "length_per_time")
    err = info.value
    assert err.message == "wrong dimension"
    assert "length per time" in err.expected and "m/day" in err.expected
    assert "2 kg/day" in err.found and "[mass] / [time]" in err.found


@pytest.mark.parametrize(
    ("text", "dimension", "message"),
    [
        ("5", "charge", "a unit is required"),
        ("Ah", "charge", "a number is required"),  # "Ah" alone must not silently mean 1 Ah
        ("", "charge", "empty quantity"),
        ("nan Ah", "charge", "number"),
        ("inf cell/day", "cells_per_time", "number"),
        ("9e999 Ah", "charge", "finite"),
        ("10**400 Ah", "charge", "powers of numbers"),  # was an uncaught OverflowError (exit 3)
        ("5 blorbs", "charge", "cannot read quantity"),
        ("5 Ah + 3 V", "charge", "a number inside the unit"),
        ("3.65 Ah", "voltage", "wrong dimension"),
        ("20 cell/day", "length_per_time", "wrong dimension"),
        ("2 m/day", "length_per_batch", "wrong dimension"),
    ],
)
def test_bad_quantities_are_refused_with_a_reason(text, dimension, message):
    with pytest.raises(QuantityError) as info:
        parse_quantity(text, dimension)
    assert message in info.value.message
    assert info.value.expected  # always says what would have been right


@pytest.mark.parametrize("value", [None, True, 10**400])
def test_non_quantities_from_yaml_are_refused(value):
    with pytest.raises(QuantityError):
        parse_quantity(value, "dimensionless")


def test_format_value_is_compact_and_keeps_the_unit():
    assert format_value(7.6666, "%") == "7.67 %"
    assert format_value(44.318, "cell/day") == "44.32 cell/day"
    assert format_value(None, "Ah") == "n/a"


# A comma, a space or a fraction never changes a value silently (pint alone reads "17,3 Wh" as
# 173 Wh, "1 000 Ah" as 0 Ah, "3 1/2 Ah" as 1.5 Ah, "5 Ah/2" as 2.5 Ah).
@pytest.mark.parametrize(
    ("text", "dimension", "needle"),
    [
        ("17,3 Wh", "energy", "decimal comma: found '17,3 Wh'; write 17.3 Wh"),
        ("7,7 %", "dimensionless", "decimal comma: found '7,7 %'; write 7.7 %"),
        ("0,5 %", "dimensionless", "decimal comma"),
        ("2,5e3 Wh", "energy", "write 2.5e3 Wh"),
        ("1,082 m/day", "length_per_time", "ambiguous number '1,082'"),
        ("1 000 Ah", "charge", "more than one number"),
        ("3 1/2 Ah", "charge", "more than one number"),
        ("5 Ah/2", "charge", "a number inside the unit"),
    ],
)
def test_a_number_is_never_misread(text: str, dimension: str, needle: str) -> None:
    with pytest.raises(QuantityError) as err:
        parse_quantity(text, dimension)
    assert needle in str(err.value)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [("2 m^2", 2.0, "meter ** 2"), ("1e-3 kWh", 0.001, "kilowatt_hour"), ("5\u00a0Ah", 5.0, "Ah")],
)
def test_exponents_and_a_non_breaking_space_are_fine(text: str, value: float, unit: str) -> None:
    q = parse_quantity(text)
    assert q.magnitude == value and str(q.units) == unit


# Unit symbols are case-sensitive in pint ("5 ah" is five attohours): a unit that is a known
# spelling in the wrong case is refused with the right one; an unknown unit is told the closest.
@pytest.mark.parametrize(
    ("text", "dimension", "right"),
    [
        ("5 ah", "charge", "5 Ah"),
        ("5 AH", "charge", "5 Ah"),
        ("5000 mah", "charge", "5000 mAh"),
        ("18.5 wh", "energy", "18.5 Wh"),
        ("0.0185 KWH", "energy", "0.0185 kWh"),
        ("3.7 v", "voltage", "3.7 V"),
        ("120 KG", "mass", "120 kg"),
    ],
)
def test_a_unit_in_the_wrong_case_is_refused_with_the_right_spelling(text, dimension, right):
    with pytest.raises(QuantityError) as e:
        parse_quantity(text, dimension)
    assert "case-sensitive" in str(e.value) and e.value.expected == right


def test_an_unknown_unit_is_told_the_closest_spelling():
    with pytest.raises(QuantityError) as e:
        parse_quantity("5 Ahh", "charge")
    assert "did you mean Ah?" in str(e.value)
