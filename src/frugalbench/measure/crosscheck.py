"""The process estimate and the counters side by side, on one short workload of our own.

Where RAPL is readable, ``frugalbench meters`` shows what the estimate would charge for a busy
thread next to what the counters saw (idle subtracted, attributed to that thread's process): the
quickest check of the power model on a given machine, and the reason to run ``calibrate``.
"""

from __future__ import annotations

import subprocess
import sys

from frugalbench.measure.base import Measurement

SPIN = "import time\nend = time.process_time() + {s}\nwhile time.process_time() < end: pass"


def side_by_side(seconds: float = 2.0, idle_s: float = 1.0) -> tuple[Measurement, Measurement]:
    """(process estimate, RAPL) for one process spinning ``seconds`` of CPU time."""
    from frugalbench.measure.backends import build_meter

    # the child waits to start, spins, says so, then waits to exit: the meters read its CPU
    # clock while it is still alive (a reaped process's time can no longer be read)
    code = "import sys\nsys.stdin.readline()\n" + SPIN.format(s=seconds)
    code += "\nprint('done', flush=True)\nsys.stdin.read()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        plans = [
            build_meter("process", pid=proc.pid, with_idle=False),
            build_meter("rapl", pid=proc.pid, idle_s=idle_s, idle_max_age_s=0.0),
        ]
        for plan in plans:
            plan.meter.begin_window("crosscheck")
        proc.stdin.write("go\n")
        proc.stdin.flush()
        proc.stdout.readline()
        estimate, counters = (plan.meter.end_window("crosscheck") for plan in plans)
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    return estimate, counters
