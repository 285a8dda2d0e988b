"""Unit constants and the one way each quantity is written, for the terminal, cards and charts.

Every figure frugalbench prints goes through here, so a joule reads the same in a table, on a card
and on a chart axis, and a conversion constant cannot drift between two modules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

J_PER_KWH = 3.6e6
S_PER_HOUR = 3600.0
S_PER_YEAR = 365.25 * 24 * 3600

EnergyStyle = Literal["text", "axis"]

# "text": kWh above 1 kWh, which is how grids and bills count; "axis": SI prefixes, which keep a
# log axis's ticks evenly named
_ENERGY_SCALES: dict[EnergyStyle, tuple[tuple[float, str], ...]] = {
    "text": ((J_PER_KWH, "kWh"), (1e3, "kJ"), (1.0, "J"), (1e-3, "mJ"), (1e-6, "µJ")),
    "axis": ((1e6, "MJ"), (1e3, "kJ"), (1.0, "J"), (1e-3, "mJ"), (1e-6, "µJ")),
}
_MASS_SCALES = ((1e6, "t CO2e"), (1e3, "kg CO2e"), (1.0, "g CO2e"), (1e-3, "mg CO2e"))
_WATER_SCALES = ((1e3, "m³"), (1.0, "L"), (1e-3, "mL"))
_BYTE_SCALES = ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB"))


def _scaled(
    value: float, scales: tuple[tuple[float, str], ...], smallest: tuple[float, str], zero: str
) -> str:
    if value == 0:
        return zero
    for scale, name in scales:
        if abs(value) >= scale:
            return f"{value / scale:.3g} {name}"
    return f"{value / smallest[0]:.3g} {smallest[1]}"


def format_energy(value_j: float, style: EnergyStyle = "text") -> str:
    """``0.12 J``, ``4.5 kWh``; below a microjoule still in µJ (never a bare exponent)."""
    return _scaled(value_j, _ENERGY_SCALES[style], (1e-6, "µJ"), "0 J")


def format_mass(value_g: float) -> str:
    """CO2-equivalent mass, from tonnes down to micrograms."""
    return _scaled(value_g, _MASS_SCALES, (1e-6, "µg CO2e"), "0 g CO2e")


def format_water(value_l: float) -> str:
    return _scaled(value_l, _WATER_SCALES, (1e-6, "µL"), "0 L")


def format_bytes(value_b: float) -> str:
    for scale, name in _BYTE_SCALES:
        if value_b >= scale:
            return f"{value_b / scale:.3g} {name}"
    return f"{value_b:.0f} B"


class Column:
    """One unit for a whole table column, chosen by its largest value, so that ``0.000131 g``
    and ``8.21e-05 g`` read as ``131 µg`` and ``82.1 µg`` under one header."""

    def __init__(self, values: Sequence[float | None], quantity: Literal["J", "g"]) -> None:
        scales = {"J": _ENERGY_SCALES["axis"], "g": _MASS_SCALES}[quantity]
        smallest = {"J": (1e-6, "µJ"), "g": (1e-6, "µg CO2e")}[quantity]
        largest = max((abs(v) for v in values if v is not None), default=0.0)
        self.scale, self.unit = next(((f, n) for f, n in scales if largest >= f), smallest)

    def __call__(self, value: float | None) -> str:
        return "" if value is None else f"{value / self.scale:.3g}"


def format_points(value: float, digits: int = 2) -> str:
    """A signed difference; one that rounds to zero is ``0.00``, never ``-0.00`` or ``+0.00``."""
    if round(value, digits) == 0:
        return f"{0:.{digits}f}"
    return f"{value:+.{digits}f}"


def format_quantity(value: float | None, unit: str) -> str:
    """Any figure by its unit code: ``J``, ``g``, ``L``, ``B``, ``x``, ``score``, ``points``."""
    if value is None:
        return "n/a"
    formatters: dict[str, Callable[[float], str]] = {
        "J": format_energy,
        "g": format_mass,
        "L": format_water,
        "B": format_bytes,
    }
    if unit in formatters:
        return formatters[unit](value)
    if unit == "":
        return f"{value:,.0f}" if float(value).is_integer() and abs(value) >= 1 else f"{value:.4g}"
    if unit == "x":
        return f"{value:.3g}x"
    if unit == "score":
        return f"{value:.4f}"
    if unit == "points":
        return f"{format_points(value)} points"
    return f"{value:.4g} {unit}"
