"""Measurement: meters that return joules per component, each with the method behind it."""

from __future__ import annotations

from frugalbench.measure.base import Availability, ComponentEnergy, Measurement, Meter, Method

__all__ = ["Availability", "ComponentEnergy", "Measurement", "Meter", "Method", "get_meter_class"]


def get_meter_class(name: str) -> type[Meter]:
    """The meter backend registered under ``name`` (``process`` is always there)."""
    from frugalbench.measure.registry import meters

    return meters.get(name)
