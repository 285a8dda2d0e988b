from __future__ import annotations

from pathlib import Path

import pytest

from frugalbench.errors import UserError
from frugalbench.measure.cpu_power import resolve_cpu_power
from frugalbench.measure.power_model import power_table

CPUINFO = Path(__file__).parent / "data" / "cpuinfo"


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "FRUGALBENCH_CPU_POWER_PER_CORE_W",
        "FRUGALBENCH_CPU_TDP_W",
        "FRUGALBENCH_CPU_CORES",
        "FRUGALBENCH_POWER_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)


def test_a_generic_epyc_vm_is_charged_its_family_with_the_band() -> None:
    power = resolve_cpu_power(cpuinfo=(CPUINFO / "amd-epyc-generic-turin-vm.txt").read_text())
    turin = power_table()["epyc-turin"]
    assert power.family == "epyc-turin" and power.detected_by == "CPUID"
    assert power.w_per_thread == turin.w_per_thread
    assert (power.low_w, power.high_w) == (turin.w_per_thread_p10, turin.w_per_thread_p90)
    assert power.low_w is not None and power.low_w <= power.w_per_thread <= (power.high_w or 0)
    assert power.includes_dram and "SPECpower" in power.basis
    params = power.parameters()
    assert params["family"] == "epyc-turin" and "w_per_thread_low" in params
    assert "epyc-turin" in power.source and not power.flags


def test_an_unknown_cpu_gets_its_vendors_spread_flagged() -> None:
    power = resolve_cpu_power(cpuinfo=(CPUINFO / "intel-core-ultra-unknown.txt").read_text())
    assert power.family == "intel-any" and "cpu_family_unknown" in power.flags
    ratio = power.band_ratio
    assert ratio is not None and ratio[1] / ratio[0] > 2  # honest: wide


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (CPUINFO / "amd-epyc-7763-milan.txt").read_text()
    monkeypatch.setenv("FRUGALBENCH_CPU_TDP_W", "120")
    monkeypatch.setenv("FRUGALBENCH_CPU_CORES", "16")
    power = resolve_cpu_power(cpuinfo=text)
    assert power.w_per_thread == pytest.approx(7.5)
    assert power.band_ratio is None and not power.includes_dram and "user" in power.flags
    monkeypatch.setenv("FRUGALBENCH_CPU_POWER_PER_CORE_W", "4")
    assert resolve_cpu_power(cpuinfo=text).w_per_thread == 4.0
    monkeypatch.setenv("FRUGALBENCH_CPU_POWER_PER_CORE_W", "four")
    with pytest.raises(UserError, match="not a number"):
        resolve_cpu_power(cpuinfo=text)
