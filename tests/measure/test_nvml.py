"""NVML with a mocked library (no GPU here): the energy counter, the sampled-power fallback for
GPUs without it, and attribution only to devices the measured tree uses."""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

import pytest

from frugalbench.measure.nvml import NvmlSource, gpu_inventory, nvml_availability
from frugalbench.measure.sources import WindowContext


class NVMLError(Exception):
    pass


class FakeNvml:
    """The slice of pynvml the meter calls, with settable readings."""

    def __init__(self, has_counter: bool = True, users: tuple[int, ...] = ()) -> None:
        self.has_counter = has_counter
        self.energy_mj = 1_000_000
        self.power_mw = 300_000
        self.users = list(users)

    def nvmlInit(self) -> None: ...
    def nvmlDeviceGetCount(self) -> int:
        return 1

    def nvmlDeviceGetHandleByIndex(self, index: int) -> str:
        return f"h{index}"

    def nvmlDeviceGetName(self, handle: Any) -> bytes:
        return b"NVIDIA H200"

    def nvmlSystemGetDriverVersion(self) -> str:
        return "570.1"

    def nvmlDeviceGetTotalEnergyConsumption(self, handle: Any) -> int:
        if not self.has_counter:
            raise NVMLError("Not Supported")
        return self.energy_mj

    def nvmlDeviceGetPowerUsage(self, handle: Any) -> int:
        return self.power_mw

    def nvmlDeviceGetComputeRunningProcesses(self, handle: Any) -> list[Any]:
        return [SimpleNamespace(pid=p) for p in self.users]

    def nvmlDeviceGetGraphicsRunningProcesses(self, handle: Any) -> list[Any]:
        raise NVMLError("Not Supported")


def ctx(
    delta: float | None, duration: float = 2.0, pids: frozenset[int] = frozenset()
) -> WindowContext:
    return WindowContext(duration, 1.0, 1.0, 0, pids, counter_delta_j=delta)


def test_counter_gives_machine_energy_and_exclusive_use_attribution() -> None:
    nvml = FakeNvml(users=(os.getpid(),))
    source = NvmlSource(nvml, 0, idle_w=50.0)
    start = source.read_j()
    nvml.energy_mj += 500_000  # +500 J
    end = source.read_j()
    assert start is not None and end is not None and end - start == pytest.approx(500.0)
    energy = source.energy(ctx(end - start, 2.0, frozenset({os.getpid()})))
    assert energy.machine_energy_j == 500.0 and energy.idle_energy_j == 100.0
    assert energy.energy_j == pytest.approx(400.0) and energy.share == 1.0
    assert "total-energy counter" in energy.method.model


def test_gpu_without_counter_integrates_sampled_power(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([0.0, 1.0, 2.0, 3.0, 4.0])
    monkeypatch.setattr("frugalbench.measure.nvml.time.perf_counter", lambda: next(clock))
    nvml = FakeNvml(has_counter=False, users=(42,))
    source = NvmlSource(nvml, 0, idle_w=0.0)  # first sample at t=0, 300 W
    assert not source.has_counter
    nvml.power_mw = 100_000
    source.poll(frozenset())  # t=1: trapezoid (300+100)/2 = 200 J
    total = source.read_j()  # t=2 at 100 W: +100 J
    assert total == pytest.approx(300.0)
    energy = source.energy(ctx(300.0, pids=frozenset({42})))
    assert "sampled power" in energy.method.model and energy.energy_j == pytest.approx(300.0)


def test_device_not_used_by_the_tree_is_reported_not_charged() -> None:
    source = NvmlSource(FakeNvml(users=(99999,)), 0, idle_w=10.0)
    energy = source.energy(ctx(200.0, 2.0, frozenset({1234})))
    assert energy.machine_energy_j == 200.0 and energy.energy_j == 0.0
    assert "device_not_used_by_tree" in energy.method.flags


def test_shared_device_is_flagged() -> None:
    source = NvmlSource(FakeNvml(users=(1234, 5678)), 0, idle_w=0.0)
    energy = source.energy(ctx(200.0, 2.0, frozenset({1234})))
    assert energy.energy_j == 200.0
    assert "gpu_shared_with_other_processes" in energy.method.flags


def test_inventory_and_availability() -> None:
    nvml = FakeNvml()
    assert gpu_inventory(nvml) == [{"index": "0", "name": "NVIDIA H200", "driver": "570.1"}]
    assert nvml_availability(nvml)


def test_real_nvml_absent_here_is_unavailable_with_a_reason() -> None:
    availability = nvml_availability()
    if availability:
        pytest.skip("a real NVIDIA driver is present")
    assert "NVML" in availability.reason or "nvidia-ml-py" in availability.reason
