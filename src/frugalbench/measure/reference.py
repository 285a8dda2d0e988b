"""A fixed reference kernel, timed in the same session: a speed index stored with each result.

The same work ran over 30% slower within an hour on this kind of VM, and machines differ. A
result's energy (an estimate from CPU time, or a counter) grows when the machine is slow, so each
result keeps the index measured beside it: ``energy x speed_index`` re-expresses a figure at the
reference speed, and results from different days or machines can be compared.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

KERNEL = "frugalbench-ref-1: 1,000,000 iterations of integer and float arithmetic, one thread"
# CPU seconds of the kernel on the reference machine (2 vCPUs, Intel Xeon, Python 3.11, the
# machine this project's figures come from, measured 2026-11-29), so 1.0 = "as fast as there".
NOMINAL_CPU_S = 0.068


def _kernel() -> float:
    acc = 0
    x = 1.0
    for i in range(1_000_000):
        acc = (acc + i * i) % 1_000_003
        x = x * 1.000001 + 1e-9
    return acc + x


@dataclass(frozen=True)
class SpeedIndex:
    kernel: str
    cpu_time_s: float
    nominal_cpu_time_s: float
    speed_index: float
    measured_at: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def measure_speed_index(repeats: int = 5) -> SpeedIndex:
    """The fastest of ``repeats`` runs (the least disturbed) against the nominal time."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        _kernel()
        best = min(best, time.process_time() - start)
    return SpeedIndex(
        KERNEL, best, NOMINAL_CPU_S, NOMINAL_CPU_S / best, datetime.now(UTC).isoformat()
    )
