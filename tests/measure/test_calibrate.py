"""Calibration on a recorded counter trace: powercap files laid out as Linux lays them out (with a
wrap of the package counter), replayed window by window through the real reading code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frugalbench.errors import UserError
from frugalbench.measure.calibrate import PowerProfile, calibrate, run_workload, save
from frugalbench.measure.cpu_power import resolve_cpu_power

TRACE = Path(__file__).parent / "data" / "calibration_trace.json"
CPUINFO = Path(__file__).parent / "data" / "cpuinfo" / "intel-xeon-gold-6248-cascadelake.txt"
TRUE_W = (2.75 + 3.30 + 3.10) / 3  # package + DRAM W per busy thread the trace was written with


def replay(root: Path) -> tuple[Path, object]:
    trace = json.loads(TRACE.read_text())
    for zone, meta in trace["zones"].items():
        (root / zone).mkdir(parents=True)
        (root / zone / "name").write_text(meta["name"] + "\n")
        (root / zone / "max_energy_range_uj").write_text(f"{meta['max_energy_range_uj']}\n")
        (root / zone / "energy_uj").write_text(f"{trace['start'][zone]}\n")
    windows = iter(trace["windows"])

    def runner(workload: str, threads: int, seconds: float) -> tuple[float, float]:
        w = next(windows)
        assert (w["workload"], w["threads"]) == (workload, threads)
        for zone, value in w["end"].items():
            (root / zone / "energy_uj").write_text(f"{value}\n")
        return w["duration_s"], w["cpu_s"]

    return root, runner


def profile_from_trace(tmp_path: Path) -> PowerProfile:
    root, runner = replay(tmp_path / "powercap")
    return calibrate(root, threads=(1, 8), runner=runner, cpuinfo=CPUINFO.read_text())  # type: ignore[arg-type]


def test_calibration_recovers_the_known_power_within_5_percent(tmp_path: Path) -> None:
    profile = profile_from_trace(tmp_path)
    assert profile.w_per_thread == pytest.approx(TRUE_W, rel=0.05)
    assert profile.low_w < 2.9 and profile.high_w > 3.1  # the workloads differ: a band
    assert profile.fit_error < 0.05
    assert profile.idle_w == pytest.approx(42.0 + 5.5, rel=0.05)
    assert profile.includes_dram and "intel-rapl:0:1/dram" in profile.domains
    assert not any("core" in d for d in profile.domains)  # a part of the package, not added
    assert profile.family == "intel-cascadelake"
    assert profile.cpu_model == "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz"


def test_a_profile_applies_to_its_cpu_and_is_refused_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FRUGALBENCH_CPU_POWER_PER_CORE_W", raising=False)
    path = tmp_path / "profile.json"
    save(profile_from_trace(tmp_path), path)
    power = resolve_cpu_power(cpuinfo=CPUINFO.read_text(), profile=path)
    assert power.w_per_thread == pytest.approx(TRUE_W, rel=0.05)
    assert power.detected_by == "power profile" and "calibrated" in power.flags
    assert power.includes_dram and power.band_ratio is not None
    monkeypatch.setenv("FRUGALBENCH_POWER_PROFILE", str(path))
    assert resolve_cpu_power(cpuinfo=CPUINFO.read_text()).detected_by == "power profile"
    other = (CPUINFO.parent / "amd-epyc-7763-milan.txt").read_text()
    with pytest.raises(UserError, match=r"power profile is for .*Gold 6248.*this machine has"):
        resolve_cpu_power(cpuinfo=other)


def test_a_broken_profile_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"kind": "something else"}')
    with pytest.raises(UserError, match="not a frugalbench power profile"):
        PowerProfile.load(path)
    with pytest.raises(UserError, match="no such power profile"):
        PowerProfile.load(tmp_path / "missing.json")


def test_no_counters_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="calibrate needs readable energy counters"):
        calibrate(tmp_path / "empty")


def test_the_workloads_run_and_their_cpu_time_is_counted() -> None:
    for name in ("scalar", "blas", "memory"):
        duration, cpu = run_workload(name, 1, 0.2)
        assert cpu >= 0.2 and duration > 0
