"""The process meter on real child processes: it must follow the work, not the clock."""

from __future__ import annotations

import subprocess
import sys

import pytest

from frugalbench.errors import UserError
from frugalbench.measure import Meter
from frugalbench.measure.cpu_power import CpuPower
from frugalbench.measure.meter import time_weighted_mean as _time_weighted_mean
from frugalbench.measure.process import ProcessMeter
from frugalbench.testing import check_meter

POWER = CpuPower(w_per_thread=10.0, cpu_model="test", source="test")
# spins on its own CPU time, not the clock: on a loaded machine the work stays the same
BUSY = "import time\nt=time.process_time()\nwhile time.process_time()-t<{s}: pass"


def measure_child(meter: ProcessMeter, code: str) -> float:
    meter.begin_window("child")
    subprocess.run([sys.executable, "-c", code], check=True)
    return meter.end_window("child").components["cpu"].energy_j


def test_process_meter_conforms_to_protocol() -> None:
    meter = ProcessMeter(cpu_power=POWER)
    assert isinstance(meter, Meter)
    check_meter(meter)


def test_twice_the_work_costs_twice_the_energy() -> None:
    meter = ProcessMeter(include_root=False, cpu_power=POWER)
    short = measure_child(meter, BUSY.format(s=0.75))
    long = measure_child(meter, BUSY.format(s=1.5))
    # Python's start-up (~0.1 s CPU) is in both, so the ratio sits a little below 2.
    assert 1.7 < long / short < 2.1


def test_idle_child_costs_near_zero() -> None:
    meter = ProcessMeter(include_root=False, cpu_power=POWER)
    meter.begin_window("sleep")
    subprocess.run(["sleep", "1.5"], check=True)
    m = meter.end_window("sleep")
    assert m.duration_s > 1.4
    assert m.observations["cpu_time_s"] < 0.05
    assert m.total_j < 0.5  # a busy core for the same time would be 15 J


def test_cpu_energy_is_cpu_time_times_power_per_core() -> None:
    meter = ProcessMeter(include_root=False, cpu_power=POWER)
    meter.begin_window("w")
    subprocess.run([sys.executable, "-c", BUSY.format(s=0.5)], check=True)
    m = meter.end_window("w")
    assert m.components["cpu"].energy_j == pytest.approx(m.observations["cpu_time_s"] * 10.0)
    assert m.components["cpu"].method.kind == "estimated"
    assert m.components["cpu"].method.parameters["w_per_thread"] == 10.0
    assert m.components["dram"].energy_j > 0
    assert m.total_j == pytest.approx(sum(c.energy_j for c in m.components.values()))


def test_windows_nest_and_overlap() -> None:
    meter = ProcessMeter(include_root=False, cpu_power=POWER, sample_interval_s=0.05)
    meter.begin_window("outer")
    subprocess.run([sys.executable, "-c", BUSY.format(s=0.3)], check=True)
    meter.begin_window("inner")
    subprocess.run([sys.executable, "-c", BUSY.format(s=0.3)], check=True)
    inner = meter.end_window("inner")
    outer = meter.end_window("outer")
    assert outer.observations["cpu_time_s"] > inner.observations["cpu_time_s"] * 1.6
    assert outer.duration_s > inner.duration_s


def test_window_misuse_is_a_user_error() -> None:
    meter = ProcessMeter(cpu_power=POWER)
    with pytest.raises(UserError, match="never opened"):
        meter.end_window("nope")
    meter.begin_window("a")
    with pytest.raises(UserError, match="already open"):
        meter.begin_window("a")
    meter.end_window("a")


def test_measurement_json_round_trip() -> None:
    meter = ProcessMeter(cpu_power=POWER)
    meter.begin_window("a")
    m = meter.end_window("a")
    again = type(m).model_validate_json(m.model_dump_json())
    assert again == m


def test_time_weighted_mean() -> None:
    assert _time_weighted_mean([(0.0, 10)]) == 10.0
    assert _time_weighted_mean([(0.0, 0), (1.0, 10), (2.0, 10)]) == pytest.approx(7.5)


def test_the_power_model_band_rides_with_the_estimate_and_memory_is_not_counted_twice() -> None:
    family = CpuPower(
        w_per_thread=1.5,
        cpu_model="test",
        source="test",
        basis="whole server at the wall",
        low_w=1.2,
        high_w=2.1,
        includes_dram=True,
    )
    meter = ProcessMeter(include_root=False, cpu_power=family)
    meter.begin_window("w")
    subprocess.run([sys.executable, "-c", BUSY.format(s=0.3)], check=True)
    m = meter.end_window("w")
    cpu = m.components["cpu"]
    assert cpu.band_j == pytest.approx((cpu.energy_j * 0.8, cpu.energy_j * 1.4))
    assert m.components["dram"].energy_j == 0.0
    assert "included in the cpu figure" in m.components["dram"].method.model
    assert m.band_j == pytest.approx(cpu.band_j)
