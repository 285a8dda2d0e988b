from __future__ import annotations

import pytest

from frugalbench.errors import UserError
from frugalbench.measure.cpu_power import (
    DEFAULT_POWER_PER_CORE_W,
    lookup_tdp,
    normalise_cpu_name,
    resolve_cpu_power,
)


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "FRUGALBENCH_CPU_POWER_PER_CORE_W",
        "FRUGALBENCH_CPU_TDP_W",
        "FRUGALBENCH_CPU_CORES",
    ):
        monkeypatch.delenv(name, raising=False)


def test_normalise_marketing_names() -> None:
    assert normalise_cpu_name("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz") == "intel xeon gold 6248"
    assert normalise_cpu_name("AMD EPYC 7763 64-Core Processor") == "amd epyc 7763"


def test_lookup_finds_table_entries() -> None:
    entry = lookup_tdp("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz")
    assert entry == ("Intel Xeon Gold 6248", 150.0)
    assert lookup_tdp("Intel(R) Xeon(R) Processor") is None
    assert lookup_tdp("Imaginary Chip 9000") is None


def test_known_cpu_on_bare_metal_uses_tdp_over_cores() -> None:
    power = resolve_cpu_power(cpu_model="Intel Xeon Gold 6248", cores=20, virtual_machine=False)
    assert power.power_per_core_w == pytest.approx(7.5)
    assert power.tdp_w == 150.0 and power.cores == 20
    assert not power.flags


def test_known_cpu_on_vm_without_core_count_is_flagged() -> None:
    power = resolve_cpu_power(cpu_model="Intel Xeon Gold 6248", virtual_machine=True)
    assert power.power_per_core_w == DEFAULT_POWER_PER_CORE_W
    assert "package_cores_unknown_on_vm" in power.flags
    assert power.tdp_w == 150.0


def test_unknown_cpu_gets_the_stated_default() -> None:
    power = resolve_cpu_power(cpu_model="Intel(R) Xeon(R) Processor", virtual_machine=True)
    assert power.power_per_core_w == DEFAULT_POWER_PER_CORE_W
    assert "default_cpu_power" in power.flags and "cpu_not_in_table" in power.flags
    assert "10 W per core" in power.source


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRUGALBENCH_CPU_TDP_W", "120")
    monkeypatch.setenv("FRUGALBENCH_CPU_CORES", "16")
    assert resolve_cpu_power(cpu_model="x").power_per_core_w == pytest.approx(7.5)
    monkeypatch.setenv("FRUGALBENCH_CPU_POWER_PER_CORE_W", "4")
    assert resolve_cpu_power(cpu_model="x").power_per_core_w == 4.0
    monkeypatch.setenv("FRUGALBENCH_CPU_POWER_PER_CORE_W", "four")
    with pytest.raises(UserError, match="not a number"):
        resolve_cpu_power(cpu_model="x")
