"""The meter backends by name. Counter backends (RAPL, NVML) register here as they arrive."""

from __future__ import annotations

from frugalbench.measure.base import Meter
from frugalbench.registry import Registry

meters: Registry[type[Meter]] = Registry("meter", ())


def _register_builtins() -> None:
    from frugalbench.measure.process import ProcessMeter

    meters.register(ProcessMeter.name)(ProcessMeter)


_register_builtins()
