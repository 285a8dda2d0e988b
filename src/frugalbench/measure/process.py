"""The process meter: energy estimated from the CPU time and memory of the measured process tree.

For machines without energy counters (most cloud VMs). Unlike a machine-wide share of TDP, the
estimate follows the work the measured tree does: an idle process costs (near) nothing, twice the
CPU work costs twice the energy, and a neighbour's load is not charged to us.

- ``cpu``: CPU-seconds of the tree x active power per core (:mod:`frugalbench.measure.cpu_power`).
- ``dram``: mean resident memory of the tree (GB) x 0.3725 W/GB x duration. The power per GB is
  Green Algorithms' figure (Lannelongue, Grealey & Inouye 2021, Advanced Science 8(12), 2100707);
  memory held is charged, memory traffic is not seen.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from typing import ClassVar

from frugalbench.errors import UserError
from frugalbench.measure.base import Availability, ComponentEnergy, Measurement, Method
from frugalbench.measure.cpu_power import CpuPower, resolve_cpu_power
from frugalbench.measure.proctree import ProcessTree, TreeSample

DRAM_W_PER_GB = 0.3725
DRAM_SOURCE = "Green Algorithms (Lannelongue et al. 2021, Adv. Sci. 8:2100707): 0.3725 W per GB"
_GB = 1e9


@dataclass
class _Window:
    started_at: str
    begin: TreeSample
    rss_samples: list[tuple[float, int]] = field(default_factory=list)
    peak_threads: int = 0


class ProcessMeter:
    """Estimates the energy of the process tree rooted at ``pid`` (default: this process)."""

    name: ClassVar[str] = "process"

    def __init__(
        self,
        pid: int | None = None,
        include_root: bool = True,
        cpu_power: CpuPower | None = None,
        dram_w_per_gb: float = DRAM_W_PER_GB,
        sample_interval_s: float = 0.1,
    ) -> None:
        self.pid = pid
        self.include_root = include_root
        self.cpu_power = cpu_power
        self.dram_w_per_gb = dram_w_per_gb
        self.sample_interval_s = sample_interval_s
        self._tree = ProcessTree(pid, include_root)
        self._power = cpu_power or resolve_cpu_power()
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()
        self._sampler: threading.Thread | None = None
        self._stop = threading.Event()

    @classmethod
    def is_available(cls) -> Availability:
        try:
            ProcessTree().sample()
        except Exception as exc:  # psutil unsupported platform
            return Availability(False, f"cannot read process CPU times here: {exc}")
        return Availability(True, "per-process CPU time is readable (psutil)")

    def begin_window(self, key: str) -> None:
        sample = self._tree.sample()
        with self._lock:
            if key in self._windows:
                raise UserError(f"measurement window {key!r} is already open; end it first")
            window = _Window(datetime.now(UTC).isoformat(), sample)
            window.rss_samples.append((sample.wall_s, sample.rss_bytes))
            window.peak_threads = sample.n_threads
            self._windows[key] = window
            self._ensure_sampler()

    def end_window(self, key: str) -> Measurement:
        end = self._tree.sample()
        with self._lock:
            try:
                window = self._windows.pop(key)
            except KeyError:
                raise UserError(f"measurement window {key!r} was never opened") from None
            window.rss_samples.append((end.wall_s, end.rss_bytes))
            window.peak_threads = max(window.peak_threads, end.n_threads)
            if not self._windows:
                self._stop.set()
        return self._measurement(key, window, end)

    def _ensure_sampler(self) -> None:
        if self.sample_interval_s <= 0 or (self._sampler and self._sampler.is_alive()):
            return
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample_loop, args=(self._stop,), daemon=True)
        self._sampler.start()

    def _sample_loop(self, stop: threading.Event) -> None:
        while not stop.wait(self.sample_interval_s):
            sample = self._tree.sample()
            with self._lock:
                for window in self._windows.values():
                    window.rss_samples.append((sample.wall_s, sample.rss_bytes))
                    window.peak_threads = max(window.peak_threads, sample.n_threads)

    def _measurement(self, key: str, window: _Window, end: TreeSample) -> Measurement:
        duration_s = max(end.wall_s - window.begin.wall_s, 0.0)
        cpu_time_s = max(end.cpu_time_s - window.begin.cpu_time_s, 0.0)
        mean_rss = _time_weighted_mean(window.rss_samples)
        power = self._power
        cpu = ComponentEnergy(
            energy_j=cpu_time_s * power.power_per_core_w,
            method=Method(
                kind="estimated",
                backend=self.name,
                model="CPU time of the process tree x active power per core",
                parameters=power.parameters(),
                source=power.source,
                flags=power.flags,
            ),
        )
        dram = ComponentEnergy(
            energy_j=mean_rss / _GB * self.dram_w_per_gb * duration_s,
            method=Method(
                kind="estimated",
                backend=self.name,
                model="mean resident memory of the process tree x power per GB x duration",
                parameters={
                    "w_per_gb": self.dram_w_per_gb,
                    "sample_interval_s": self.sample_interval_s,
                },
                source=DRAM_SOURCE,
            ),
        )
        return Measurement(
            key=key,
            started_at=window.started_at,
            duration_s=duration_s,
            components={"cpu": cpu, "dram": dram},
            observations={
                "cpu_time_s": cpu_time_s,
                "cpu_utilisation_cores": cpu_time_s / duration_s if duration_s > 0 else 0.0,
                "mean_rss_bytes": mean_rss,
                "peak_threads": float(window.peak_threads),
                "processes_at_end": float(end.n_processes),
            },
        )


def _time_weighted_mean(samples: list[tuple[float, int]]) -> float:
    """Trapezoidal mean of (time, value) samples; the single value when the window had one."""
    ordered = sorted(samples)
    if len(ordered) == 1 or ordered[-1][0] <= ordered[0][0]:
        return float(ordered[-1][1])
    area = 0.0
    for (t0, v0), (t1, v1) in pairwise(ordered):
        area += (t1 - t0) * (v0 + v1) / 2
    return area / (ordered[-1][0] - ordered[0][0])
