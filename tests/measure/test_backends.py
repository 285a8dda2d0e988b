"""Per-component selection: counters where readable, estimates elsewhere, forced backends fail
with their reason."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from frugalbench.errors import UnknownNameError, UserError
from frugalbench.measure import backends, rapl
from frugalbench.measure.backends import backend_report, build_meter
from frugalbench.measure.codecarbon_meter import CodeCarbonMeter
from tests.measure.test_rapl import make_zone


def test_auto_on_a_machine_without_counters_uses_estimates() -> None:
    if rapl.rapl_availability():
        pytest.skip("this machine has readable RAPL counters")
    plan = build_meter("auto", with_idle=False)
    assert plan.meter.backends == "process"
    assert plan.choices["cpu"].startswith("process (estimated)")
    assert plan.idle is None


def test_auto_prefers_readable_counters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "powercap"
    make_zone(root, "intel-rapl:0", "package-0", 1000)
    monkeypatch.setattr(rapl, "POWERCAP", root)
    monkeypatch.setattr(rapl, "HWMON", tmp_path / "nohwmon")
    monkeypatch.setenv("FRUGALBENCH_CACHE_DIR", str(tmp_path / "cache"))
    plan = build_meter("auto", idle_s=0.2)
    assert plan.choices["cpu"] == "rapl (measured)"
    assert plan.choices["dram"].startswith("process")  # no DRAM domain in this package
    assert plan.idle is not None and "cpu" in plan.idle.power_w
    assert plan.describe()["idle_baseline"]["duration_s"] > 0


def test_forced_backend_that_cannot_run_is_a_user_error() -> None:
    if rapl.rapl_availability():
        pytest.skip("this machine has readable RAPL counters")
    with pytest.raises(UserError, match="meter 'rapl' cannot run: no RAPL counters"):
        build_meter("rapl")


def test_unknown_meter_name() -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'rapl'"):
        build_meter("rap")


def test_report_lists_every_backend_with_a_reason() -> None:
    report = backend_report()
    assert [b.name for b, _ in report] == ["rapl", "nvml", "process", "codecarbon"]
    assert all(a.reason for _, a in report)
    assert backends.choices() == ["auto", "rapl", "nvml", "process", "codecarbon"]


def test_codecarbon_comparison_measures_the_same_window() -> None:
    if not CodeCarbonMeter.is_available():
        pytest.skip("CodeCarbon is not installed")
    plan = build_meter("codecarbon", with_idle=False)
    assert isinstance(plan.comparison, CodeCarbonMeter)
    plan.comparison.begin_window("w")
    plan.meter.begin_window("w")
    end = time.perf_counter() + 0.5
    while time.perf_counter() < end:
        pass
    ours = plan.meter.end_window("w")
    theirs = plan.comparison.end_window("w")
    assert ours.total_j > 0 and theirs.total_j > 0
    assert "CodeCarbon" in theirs.components["cpu"].method.model
