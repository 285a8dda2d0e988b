"""Machine-wide CPU accounting from ``/proc/stat``: how busy the whole machine was, and the steal.

Used to see what else ran during a window (outside load = machine busy time minus the measured
tree's CPU time) and to share a counter's machine-wide energy among the processes that used it.
Resolution is one clock tick (10 ms) per CPU, so short windows can only be judged coarsely.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_TICK_S = 1.0 / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.01


@dataclass(frozen=True)
class CpuStat:
    """Cumulative machine CPU seconds since boot, by kind; all zero where /proc/stat is missing."""

    busy_s: float
    idle_s: float
    steal_s: float
    available: bool = True

    def __sub__(self, other: CpuStat) -> CpuStat:
        return CpuStat(
            self.busy_s - other.busy_s,
            self.idle_s - other.idle_s,
            self.steal_s - other.steal_s,
            self.available and other.available,
        )


def parse_cpu_line(line: str) -> CpuStat:
    """The aggregate ``cpu`` line: user nice system idle iowait irq softirq steal guest guest_nice.

    Guest time is already counted in user and nice, so it is not added again.
    """
    fields = [int(v) for v in line.split()[1:]]
    fields += [0] * (10 - len(fields))
    user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
    busy = user + nice + system + irq + softirq
    return CpuStat(busy * _TICK_S, (idle + iowait) * _TICK_S, steal * _TICK_S)


def read_cpu_stat(path: Path = Path("/proc/stat")) -> CpuStat:
    try:
        with path.open() as fh:
            for line in fh:
                if line.startswith("cpu "):
                    return parse_cpu_line(line)
    except OSError:
        pass
    return CpuStat(0.0, 0.0, 0.0, available=False)
