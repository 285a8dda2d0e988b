"""Energy sources: one per component (``cpu``, ``dram``, ``gpu:N``), counter or estimate.

A meter opens windows and hands each source the same :class:`WindowContext` (duration, the
measured tree's CPU time, the machine's busy time, memory): a counter source turns its own reading
into machine energy and attributes a share; an estimate source computes from the context alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from frugalbench.measure.base import ComponentEnergy, Method


@dataclass(frozen=True)
class WindowContext:
    duration_s: float
    tree_cpu_s: float
    machine_busy_s: float | None
    mean_rss_bytes: float
    pids: frozenset[int]
    counter_delta_j: float | None = None
    counter_detail: str = ""

    @property
    def cpu_share(self) -> float:
        """The tree's share of the machine's busy CPU time (1 when the machine's is unknown)."""
        if not self.machine_busy_s or self.machine_busy_s <= 0:
            return 1.0
        return min(max(self.tree_cpu_s / self.machine_busy_s, 0.0), 1.0)


@runtime_checkable
class Source(Protocol):
    component: str
    backend: str
    idle_w: float | None
    idle_detail: str

    def read_j(self) -> float | None:
        """Cumulative joules of a counter (wrap-corrected), or None for an estimate."""
        ...

    def poll(self, pids: frozenset[int]) -> None:
        """Called every sampling interval while a window is open (catch wraps, integrate power)."""
        ...

    def energy(self, ctx: WindowContext) -> ComponentEnergy: ...


class EstimateSource:
    """Base of sources computed from the window alone: no counter to read, no idle term."""

    idle_w: float | None = None
    idle_detail = ""

    def read_j(self) -> float | None:
        return None

    def poll(self, pids: frozenset[int]) -> None:
        return None


def counter_energy(
    ctx: WindowContext, idle_w: float | None, idle_detail: str, share: float, method: Method
) -> ComponentEnergy:
    """A counter's window: machine energy, minus the idle baseline, times the tree's share.

    The method gets the idle figures added to its parameters and ``no_idle_baseline`` when there
    was none, so that what was subtracted is always stated.
    """
    machine = ctx.counter_delta_j or 0.0
    idle = (idle_w or 0.0) * ctx.duration_s
    method = method.model_copy(
        update={
            "parameters": {
                "idle_w": idle_w if idle_w is not None else "none",
                "idle_baseline": idle_detail,
                **method.parameters,
            },
            "flags": method.flags + (() if idle_w is not None else ("no_idle_baseline",)),
        }
    )
    return ComponentEnergy(
        energy_j=max(machine - idle, 0.0) * share,
        machine_energy_j=machine,
        idle_energy_j=idle,
        share=share,
        method=method,
    )
