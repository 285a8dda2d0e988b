"""EnergyMeter: named windows over a process tree, with one energy source per component.

The meter owns what every backend needs: window bookkeeping (several open at once), a sampling
thread (memory, the tree's pids for GPU attribution, counter polling so that wraps are caught),
the machine's CPU accounting for attribution and contention, and the resulting ``Measurement``.
Backends differ only in their sources (:mod:`frugalbench.measure.sources`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from typing import ClassVar

from frugalbench.errors import UserError
from frugalbench.measure.base import Availability, Measurement
from frugalbench.measure.contention import ContentionPolicy, assess
from frugalbench.measure.procstat import CpuStat, read_cpu_stat
from frugalbench.measure.proctree import GroupTree, ProcessTree, TreeSample
from frugalbench.measure.sources import Source, WindowContext


@dataclass
class _Window:
    started_at: str
    tree: TreeSample
    machine: CpuStat
    counters: dict[int, float | None]
    rss_samples: list[tuple[float, int]] = field(default_factory=list)
    peak_threads: int = 0
    pids: set[int] = field(default_factory=set)


class EnergyMeter:
    """A meter made of sources; ``name`` says which backends it combines."""

    name: ClassVar[str] = "energy"

    def __init__(
        self,
        sources: Sequence[Source],
        pid: int | None = None,
        include_root: bool = True,
        sample_interval_s: float = 0.1,
        contention: ContentionPolicy | None = None,
        tree: ProcessTree | GroupTree | None = None,
    ) -> None:
        self.sources = list(sources)
        self.pid = pid
        self.include_root = include_root
        self.sample_interval_s = sample_interval_s
        self.contention = contention
        # what is measured: the process tree at ``pid``, or a job's whole cgroup when given
        self._tree = tree or ProcessTree(pid, include_root)
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()
        self._sampler: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def backends(self) -> str:
        return "+".join(dict.fromkeys(s.backend for s in self.sources))

    @classmethod
    def is_available(cls) -> Availability:
        return Availability(True, "composite meter; see its sources")

    def begin_window(self, key: str) -> None:
        tree = self._tree.sample()
        machine = read_cpu_stat()
        counters = {i: s.read_j() for i, s in enumerate(self.sources)}
        with self._lock:
            if key in self._windows:
                raise UserError(f"measurement window {key!r} is already open; end it first")
            window = _Window(datetime.now(UTC).isoformat(), tree, machine, counters)
            window.rss_samples.append((tree.wall_s, tree.rss_bytes))
            window.peak_threads = tree.n_threads
            window.pids.update(tree.pids)
            self._windows[key] = window
            self._ensure_sampler()

    def end_window(self, key: str) -> Measurement:
        counters = {i: s.read_j() for i, s in enumerate(self.sources)}
        end = self._tree.sample()
        machine = read_cpu_stat()
        with self._lock:
            try:
                window = self._windows.pop(key)
            except KeyError:
                raise UserError(f"measurement window {key!r} was never opened") from None
            window.rss_samples.append((end.wall_s, end.rss_bytes))
            window.peak_threads = max(window.peak_threads, end.n_threads)
            window.pids.update(end.pids)
            if not self._windows:
                self._stop.set()
        return self._measurement(key, window, end, machine, counters)

    def _ensure_sampler(self) -> None:
        if self.sample_interval_s <= 0 or (self._sampler and self._sampler.is_alive()):
            return
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample_loop, args=(self._stop,), daemon=True)
        self._sampler.start()

    def _sample_loop(self, stop: threading.Event) -> None:
        while not stop.wait(self.sample_interval_s):
            sample = self._tree.sample()
            pids = frozenset(sample.pids)
            for source in self.sources:
                source.poll(pids)
            with self._lock:
                for window in self._windows.values():
                    window.rss_samples.append((sample.wall_s, sample.rss_bytes))
                    window.peak_threads = max(window.peak_threads, sample.n_threads)
                    window.pids.update(sample.pids)

    def _measurement(
        self,
        key: str,
        window: _Window,
        end: TreeSample,
        machine_end: CpuStat,
        counters: dict[int, float | None],
    ) -> Measurement:
        duration_s = max(end.wall_s - window.tree.wall_s, 0.0)
        tree_cpu_s = max(end.cpu_time_s - window.tree.cpu_time_s, 0.0)
        machine = machine_end - window.machine
        contention_obs, flags = assess(
            duration_s, tree_cpu_s, machine, self.contention or ContentionPolicy()
        )
        mean_rss = time_weighted_mean(window.rss_samples)
        components = {}
        for i, source in enumerate(self.sources):
            begin_j, end_j = window.counters.get(i), counters.get(i)
            delta = None if begin_j is None or end_j is None else max(end_j - begin_j, 0.0)
            ctx = WindowContext(
                duration_s=duration_s,
                tree_cpu_s=tree_cpu_s,
                machine_busy_s=machine.busy_s if machine.available else None,
                mean_rss_bytes=mean_rss,
                pids=frozenset(window.pids),
                counter_delta_j=delta,
            )
            components[source.component] = source.energy(ctx)
        return Measurement(
            key=key,
            started_at=window.started_at,
            duration_s=duration_s,
            components=components,
            observations={
                "cpu_time_s": tree_cpu_s,
                "cpu_utilisation_cores": tree_cpu_s / duration_s if duration_s > 0 else 0.0,
                "mean_rss_bytes": mean_rss,
                "peak_threads": float(window.peak_threads),
                "processes_at_end": float(end.n_processes),
                **contention_obs,
            },
            flags=flags,
        )


def time_weighted_mean(samples: list[tuple[float, int]]) -> float:
    """Trapezoidal mean of (time, value) samples; the single value when the window had one."""
    ordered = sorted(samples)
    if len(ordered) == 1 or ordered[-1][0] <= ordered[0][0]:
        return float(ordered[-1][1])
    area = 0.0
    for (t0, v0), (t1, v1) in pairwise(ordered):
        area += (t1 - t0) * (v0 + v1) / 2
    return area / (ordered[-1][0] - ordered[0][0])
