"""Measurement: meters that return joules per component, each with the method behind it."""

from __future__ import annotations

from frugalbench.measure.base import Availability, ComponentEnergy, Measurement, Meter, Method

__all__ = ["Availability", "ComponentEnergy", "Measurement", "Meter", "Method"]
