"""Was this window disturbed? Outside load, CPU steal, and spin-wait risk, from /proc/stat.

Seen on this kind of VM: a neighbour taking a vCPU inflated a multi-threaded BLAS kernel's CPU
time by 24-90% (its threads spin while they wait for each other), and hypervisor steal slows
everything. A window where that may have happened is flagged, and the harness measures it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from frugalbench.measure.procstat import CpuStat

CONTAMINATION_FLAGS = ("outside_load", "cpu_steal", "spin_wait_risk")


@dataclass(frozen=True)
class ContentionPolicy:
    """Thresholds; windows with less outside CPU time than ``min_outside_cpu_s`` are not judged,
    because /proc/stat counts in 10 ms ticks."""

    max_outside_load_cores: float = 0.25
    max_steal_share: float = 0.02
    spin_wait_outside_cores: float = 0.1
    min_outside_cpu_s: float = 0.05


def assess(
    duration_s: float,
    tree_cpu_s: float,
    machine: CpuStat,
    policy: ContentionPolicy = ContentionPolicy(),
) -> tuple[dict[str, float], tuple[str, ...]]:
    """Observations and flags for one window, given the machine's CPU accounting over it."""
    if not machine.available or duration_s <= 0:
        return {}, ()
    outside_s = max(machine.busy_s - tree_cpu_s, 0.0)
    total = machine.busy_s + machine.idle_s + machine.steal_s
    steal_share = machine.steal_s / total if total > 0 else 0.0
    outside_cores = outside_s / duration_s
    utilisation = tree_cpu_s / duration_s
    obs = {
        "machine_busy_cpu_s": machine.busy_s,
        "outside_cpu_s": outside_s,
        "outside_load_cores": outside_cores,
        "steal_share": steal_share,
    }
    flags: list[str] = []
    judged = outside_s >= policy.min_outside_cpu_s
    if judged and outside_cores > policy.max_outside_load_cores:
        flags.append("outside_load")
    if steal_share > policy.max_steal_share and machine.steal_s >= policy.min_outside_cpu_s:
        flags.append("cpu_steal")
    if judged and utilisation > 1.05 and outside_cores > policy.spin_wait_outside_cores:
        flags.append("spin_wait_risk")
    return obs, tuple(flags)
