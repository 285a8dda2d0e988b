"""The one way each quantity is written: a column's unit, signed differences."""

from __future__ import annotations

from frugalbench.units import Column, format_points


def test_a_column_has_one_unit_chosen_by_its_largest_value() -> None:
    grams = Column([0.000131, 8.21e-05, None], "g")
    assert grams.unit == "µg CO2e"
    assert [grams(v) for v in (0.000131, 8.21e-05, None)] == ["131", "82.1", ""]
    joules = Column([2.5, 0.0012], "J")
    assert joules.unit == "J" and joules(0.0012) == "0.0012"
    assert Column([], "J").unit == "µJ"


def test_a_difference_that_rounds_to_zero_has_no_sign() -> None:
    assert format_points(-0.001) == "0.00" and format_points(0.004, 2) == "0.00"
    assert format_points(-1.234, 1) == "-1.2" and format_points(2.0) == "+2.00"
