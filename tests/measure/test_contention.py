from __future__ import annotations

import subprocess
import sys

import pytest

from frugalbench.measure.contention import ContentionPolicy, assess
from frugalbench.measure.cpu_power import CpuPower
from frugalbench.measure.process import ProcessMeter
from frugalbench.measure.procstat import CpuStat, parse_cpu_line


def test_parse_proc_stat_line() -> None:
    stat = parse_cpu_line("cpu  100 20 30 1000 50 5 5 40 0 0")
    assert stat.busy_s == (100 + 20 + 30 + 5 + 5) / 100
    assert stat.idle_s == 10.5 and stat.steal_s == 0.4


def test_quiet_window_has_no_flags() -> None:
    obs, flags = assess(1.0, 0.98, CpuStat(busy_s=1.0, idle_s=1.0, steal_s=0.0))
    assert flags == () and obs["outside_load_cores"] < 0.05


def test_outside_load_and_spin_wait_risk() -> None:
    obs, flags = assess(1.0, 1.6, CpuStat(busy_s=2.0, idle_s=0.0, steal_s=0.0))
    assert obs["outside_load_cores"] == pytest.approx(0.4)
    assert "outside_load" in flags and "spin_wait_risk" in flags


def test_steal_is_flagged() -> None:
    _, flags = assess(1.0, 1.0, CpuStat(busy_s=1.0, idle_s=0.8, steal_s=0.2))
    assert flags == ("cpu_steal",)


def test_short_windows_are_not_judged_on_tick_noise() -> None:
    _, flags = assess(0.02, 0.0, CpuStat(busy_s=0.02, idle_s=0.0, steal_s=0.0), ContentionPolicy())
    assert flags == ()


def test_a_real_neighbour_is_seen() -> None:
    """A busy process outside the measured tree shows up as outside load, not as our energy."""
    neighbour = subprocess.Popen(
        [sys.executable, "-c", "import time\nt=time.time()\nwhile time.time()-t<3: pass"]
    )
    measured = subprocess.Popen(["sleep", "1.5"])  # a sibling: the neighbour is not its child
    try:
        meter = ProcessMeter(pid=measured.pid, cpu_power=CpuPower(10.0, "t", "t"))
        meter.begin_window("w")
        measured.wait()
        m = meter.end_window("w")
    finally:
        neighbour.kill()
        neighbour.wait()
    assert m.observations["outside_load_cores"] > 0.7
    assert "outside_load" in m.flags
    assert m.total_j < 0.5  # the neighbour's 10 J are not ours
    assert m.components["cpu"].machine_energy_j is not None
    assert m.components["cpu"].machine_energy_j > 7.0
