"""NVIDIA GPU energy through NVML (``nvidia-ml-py``): the energy counter, or sampled power.

Volta and newer GPUs keep a total-energy counter (millijoules); older ones only report power, which
the meter's sampling thread integrates (trapezoid rule, at its sampling interval, stated in the
result). A GPU is attributed to the measured tree only when one of the tree's processes is seen
using it (exclusive use): a device the tree never touched is reported, but not charged.
"""

from __future__ import annotations

import threading
import time
from types import ModuleType
from typing import Any, cast

from frugalbench.errors import MeterUnavailable
from frugalbench.measure.backends import BackendSpec, BuildContext, register
from frugalbench.measure.base import Availability, ComponentEnergy, Method
from frugalbench.measure.sources import Source, WindowContext, counter_energy


def load_nvml() -> ModuleType:
    """The initialised ``pynvml`` module, or ``MeterUnavailable`` saying why not."""
    try:
        import pynvml
    except ImportError:
        raise MeterUnavailable(
            "NVML is not installed: pip install nvidia-ml-py (needs an NVIDIA driver)"
        ) from None
    try:
        pynvml.nvmlInit()
    except Exception as exc:  # pynvml.NVMLError and its many subclasses
        raise MeterUnavailable(f"no NVIDIA driver or GPU reachable (NVML: {exc})") from None
    return cast(ModuleType, pynvml)


def nvml_availability(nvml: Any = None) -> Availability:
    try:
        nvml = nvml or load_nvml()
        count = int(nvml.nvmlDeviceGetCount())
    except MeterUnavailable as exc:
        return Availability(False, str(exc))
    if count == 0:
        return Availability(False, "NVML found no GPU")
    return Availability(True, f"{count} NVIDIA GPU(s) through NVML")


def nvml_sources(nvml: Any, idle_w: dict[str, float] | None = None) -> list[NvmlSource]:
    return [
        NvmlSource(nvml, i, (idle_w or {}).get(f"gpu:{i}"))
        for i in range(int(nvml.nvmlDeviceGetCount()))
    ]


def gpu_inventory(nvml: Any) -> list[dict[str, str]]:
    out = []
    driver = _text(nvml.nvmlSystemGetDriverVersion())
    for i in range(int(nvml.nvmlDeviceGetCount())):
        handle = nvml.nvmlDeviceGetHandleByIndex(i)
        out.append(
            {"index": str(i), "name": _text(nvml.nvmlDeviceGetName(handle)), "driver": driver}
        )
    return out


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class NvmlSource:
    backend = "nvml"

    def __init__(
        self,
        nvml: Any,
        index: int,
        idle_w: float | None = None,
        idle_detail: str = "",
        sample_interval_s: float = 0.1,
    ) -> None:
        self.nvml = nvml
        self.index = index
        self.component = f"gpu:{index}"
        self.idle_w = idle_w
        self.idle_detail = idle_detail
        self.sample_interval_s = sample_interval_s
        self.handle = nvml.nvmlDeviceGetHandleByIndex(index)
        self.name = _text(nvml.nvmlDeviceGetName(self.handle))
        self._lock = threading.Lock()
        self._seen_pids: set[int] = set()
        self._integral_j = 0.0
        self._last: tuple[float, float] | None = None  # (time, watts)
        try:
            nvml.nvmlDeviceGetTotalEnergyConsumption(self.handle)
            self.has_counter = True
        except Exception:  # NVMLError_NotSupported on GPUs before Volta
            self.has_counter = False
        self.poll(frozenset())

    def read_j(self) -> float | None:
        self.poll(frozenset())
        if self.has_counter:
            return float(self.nvml.nvmlDeviceGetTotalEnergyConsumption(self.handle)) / 1000.0
        with self._lock:
            return self._integral_j

    def poll(self, pids: frozenset[int]) -> None:
        users = self._device_pids()
        with self._lock:
            self._seen_pids.update(users)
            if self.has_counter:
                return
            now = time.perf_counter()
            watts = float(self.nvml.nvmlDeviceGetPowerUsage(self.handle)) / 1000.0
            if self._last is not None:
                t0, w0 = self._last
                self._integral_j += (now - t0) * (w0 + watts) / 2
            self._last = (now, watts)

    def _device_pids(self) -> set[int]:
        pids: set[int] = set()
        for getter in (
            "nvmlDeviceGetComputeRunningProcesses",
            "nvmlDeviceGetGraphicsRunningProcesses",
        ):
            try:
                pids.update(int(p.pid) for p in getattr(self.nvml, getter)(self.handle))
            except Exception:  # not supported on this device or driver
                continue
        return pids

    def energy(self, ctx: WindowContext) -> ComponentEnergy:
        with self._lock:
            seen = set(self._seen_pids)
        used = bool(seen & ctx.pids)
        others = seen - ctx.pids
        flags: list[str] = []
        if used and others:
            flags.append("gpu_shared_with_other_processes")
        if not used:
            flags.append("device_not_used_by_tree")
        share = 1.0 if used else 0.0
        model = (
            "total-energy counter"
            if self.has_counter
            else f"sampled power integrated every {self.sample_interval_s} s"
        )
        return counter_energy(
            ctx,
            self.idle_w,
            self.idle_detail,
            share,
            Method(
                kind="measured",
                backend=self.backend,
                model=f"NVML {model} - idle baseline, exclusive use by the measured tree",
                parameters={
                    "device": f"{self.index}: {self.name}",
                    "sample_interval_s": self.sample_interval_s,
                },
                source="NVIDIA Management Library",
                flags=tuple(flags),
            ),
        )


def _sources(ctx: BuildContext) -> list[Source]:
    nvml = load_nvml()
    count = int(nvml.nvmlDeviceGetCount())
    if count == 0:
        raise MeterUnavailable("NVML found no GPU")
    ctx.gpus = gpu_inventory(nvml)
    return [NvmlSource(nvml, i, sample_interval_s=ctx.sample_interval_s) for i in range(count)]


register(
    BackendSpec(
        "nvml",
        "gpu:N",
        "NVIDIA GPU energy counter or sampled power (NVML)",
        lambda: nvml_availability(),
        _sources,
        priority=90,
        label="NVML",
    )
)
