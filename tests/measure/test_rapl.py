"""RAPL on counter files laid out as Linux powercap lays them out: wrap-around, permissions,
idle subtraction and attribution. (No RAPL hardware here: the files follow the sysfs format of an
Intel server, with its real max_energy_range_uj.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from frugalbench.errors import MeterUnavailable
from frugalbench.measure import rapl
from frugalbench.measure.counters import WrappingCounter
from frugalbench.measure.meter import EnergyMeter
from frugalbench.measure.rapl import RaplSource, discover_domains, rapl_availability
from frugalbench.measure.sources import WindowContext

MAX_RANGE = 262143328850  # intel-rapl package range on a Xeon (µJ)


def make_zone(root: Path, zone: str, name: str, energy_uj: int, max_range: int = MAX_RANGE) -> Path:
    path = root / zone
    path.mkdir(parents=True)
    (path / "name").write_text(name + "\n")
    (path / "energy_uj").write_text(f"{energy_uj}\n")
    (path / "max_energy_range_uj").write_text(f"{max_range}\n")
    return path


@pytest.fixture
def powercap(tmp_path: Path) -> Path:
    root = tmp_path / "powercap"
    make_zone(root, "intel-rapl:0", "package-0", 1_000_000)
    make_zone(root, "intel-rapl:0:0", "core", 500_000)
    make_zone(root, "intel-rapl:0:1", "dram", 2_000_000, 65712999613)
    make_zone(root, "intel-rapl:1", "package-1", 3_000_000)
    return root


def set_energy(root: Path, zone: str, value: int) -> None:
    (root / zone / "energy_uj").write_text(f"{value}\n")


def test_discovers_packages_and_dram_not_core(powercap: Path, tmp_path: Path) -> None:
    domains = discover_domains(powercap, tmp_path / "nohwmon")
    names = sorted(d.name for d in domains)
    assert names == ["intel-rapl:0/package-0", "intel-rapl:0:1/dram", "intel-rapl:1/package-1"]
    assert {d.component for d in domains} == {"cpu", "dram"}


def test_wrap_around() -> None:
    counter = WrappingCounter(max_range=1000)
    for raw in (900, 990, 20, 500):
        counter.update(raw)
    assert counter.total == (990 - 900) + (1000 - 990 + 20) + (500 - 20)
    assert counter.wraps == 1


def test_counter_without_range_going_backwards_is_a_reset_not_energy() -> None:
    counter = WrappingCounter(max_range=None)
    counter.update(100)
    counter.update(50)
    counter.update(80)
    assert counter.total == 30


def test_source_sums_packages_across_a_wrap(powercap: Path, tmp_path: Path) -> None:
    domains = discover_domains(powercap, tmp_path / "nohwmon")
    source = RaplSource("cpu", domains)
    start = source.read_j()
    set_energy(powercap, "intel-rapl:0", MAX_RANGE - 1_000_000)  # +MAX-2e6 µJ
    source.poll(frozenset())
    set_energy(powercap, "intel-rapl:0", 4_000_000)  # wrapped: +5e6 µJ
    set_energy(powercap, "intel-rapl:1", 13_000_000)  # +10e6 µJ
    end = source.read_j()
    assert start is not None and end is not None
    expected_uj = (MAX_RANGE - 2_000_000) + 5_000_000 + 10_000_000
    assert end - start == pytest.approx(expected_uj / 1e6)
    assert source.wraps == 1


def test_idle_subtraction_and_cpu_share_attribution(powercap: Path, tmp_path: Path) -> None:
    source = RaplSource("cpu", discover_domains(powercap, tmp_path / "x"), idle_w=10.0)
    ctx = WindowContext(
        duration_s=2.0,
        tree_cpu_s=1.0,
        machine_busy_s=4.0,
        mean_rss_bytes=0,
        pids=frozenset(),
        counter_delta_j=100.0,
    )
    energy = source.energy(ctx)
    assert energy.machine_energy_j == 100.0
    assert energy.idle_energy_j == 20.0
    assert energy.share == 0.25
    assert energy.energy_j == pytest.approx((100 - 20) * 0.25)
    assert energy.method.kind == "measured" and energy.method.parameters["idle_w"] == 10.0


def test_idle_above_machine_energy_never_goes_negative(powercap: Path, tmp_path: Path) -> None:
    source = RaplSource("cpu", discover_domains(powercap, tmp_path / "x"), idle_w=100.0)
    ctx = WindowContext(1.0, 0.5, 0.5, 0, frozenset(), counter_delta_j=40.0)
    assert source.energy(ctx).energy_j == 0.0


def test_missing_baseline_is_flagged(powercap: Path, tmp_path: Path) -> None:
    source = RaplSource("cpu", discover_domains(powercap, tmp_path / "x"))
    ctx = WindowContext(1.0, 0.5, 0.5, 0, frozenset(), counter_delta_j=40.0)
    assert "no_idle_baseline" in source.energy(ctx).method.flags


def test_no_powercap_is_unavailable_with_the_reason(tmp_path: Path) -> None:
    availability = rapl_availability(tmp_path / "none", tmp_path / "none")
    assert not availability and "no RAPL counters" in availability.reason


def test_permission_error_names_the_fix(
    powercap: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root can read any file, so the kernel's refusal is simulated at the read itself."""
    real = rapl._read_int

    def refuse(path: Path) -> int:
        if path.name == "energy_uj":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(rapl, "_read_int", refuse)
    with pytest.raises(MeterUnavailable, match=r"permission denied .*chmod a\+r"):
        discover_domains(powercap, tmp_path / "x")
    assert "CVE-2020-8694" in rapl_availability(powercap, tmp_path / "x").reason


def test_amd_energy_hwmon(tmp_path: Path) -> None:
    hwmon = tmp_path / "hwmon" / "hwmon3"
    hwmon.mkdir(parents=True)
    (hwmon / "name").write_text("amd_energy\n")
    (hwmon / "energy1_label").write_text("Ecore000\n")
    (hwmon / "energy1_input").write_text("100\n")
    (hwmon / "energy17_label").write_text("Esocket0\n")
    (hwmon / "energy17_input").write_text("123456789\n")
    domains = discover_domains(tmp_path / "nopowercap", tmp_path / "hwmon")
    assert [(d.name, d.component) for d in domains] == [("hwmon3/Esocket0", "cpu")]


def test_energy_meter_with_rapl_source_end_to_end(powercap: Path, tmp_path: Path) -> None:
    domains = discover_domains(powercap, tmp_path / "x")
    meter = EnergyMeter(
        [RaplSource("cpu", domains, idle_w=0.0), RaplSource("dram", domains, idle_w=0.0)],
        sample_interval_s=0,
    )
    meter.begin_window("w")
    set_energy(powercap, "intel-rapl:0", 6_000_000)  # +5 J
    set_energy(powercap, "intel-rapl:0:1", 4_000_000)  # +2 J
    m = meter.end_window("w")
    assert m.components["cpu"].machine_energy_j == pytest.approx(5.0)
    assert m.components["dram"].machine_energy_j == pytest.approx(2.0)
    assert 0.0 <= m.components["cpu"].energy_j <= 5.0
