"""`meters` on a machine with RAPL: the estimate beside the counters, on recorded-layout files
that a thread advances at a known machine power (no RAPL here)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from frugalbench.measure import rapl
from frugalbench.measure.crosscheck import side_by_side

MACHINE_W = 30.0


def test_estimate_and_counters_side_by_side(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    zone = tmp_path / "powercap" / "intel-rapl:0"
    zone.mkdir(parents=True)
    (zone / "name").write_text("package-0\n")
    (zone / "max_energy_range_uj").write_text("262143328850\n")
    (zone / "energy_uj").write_text("0\n")
    monkeypatch.setattr(rapl, "POWERCAP", tmp_path / "powercap")
    monkeypatch.setattr(rapl, "HWMON", tmp_path / "no-hwmon")
    monkeypatch.setenv("FRUGALBENCH_CACHE_DIR", str(tmp_path / "cache"))
    stop = threading.Event()

    def advance() -> None:
        start = time.perf_counter()
        while not stop.wait(0.02):
            uj = int((time.perf_counter() - start) * MACHINE_W * 1e6)
            tmp = zone / "energy_uj.tmp"
            tmp.write_text(f"{uj}\n")
            tmp.replace(zone / "energy_uj")

    thread = threading.Thread(target=advance, daemon=True)
    thread.start()
    try:
        estimate, counters = side_by_side(seconds=0.5, idle_s=0.5)
    finally:
        stop.set()
        thread.join()
    assert estimate.components["cpu"].method.kind == "estimated"
    assert estimate.observations["cpu_time_s"] >= 0.5 and estimate.total_j > 0
    cpu = counters.components["cpu"]
    assert cpu.method.kind == "measured" and cpu.method.backend == "rapl"
    assert cpu.machine_energy_j == pytest.approx(MACHINE_W * counters.duration_s, rel=0.2)
    # a flat 30 W is all idle: nothing active is left to attribute
    assert cpu.machine_energy_j is not None and cpu.energy_j < 0.2 * cpu.machine_energy_j
