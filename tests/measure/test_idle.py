"""The idle baseline: measured from counters, cached per machine with its age, renewed when old."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frugalbench.measure.base import ComponentEnergy
from frugalbench.measure.idle import idle_baseline, measure_idle
from frugalbench.measure.sources import WindowContext


class SteadyCounter:
    """A counter source that gains ``watts`` joules per second of the (patched) clock."""

    component = "cpu"
    backend = "fake"
    idle_w: float | None = None
    idle_detail = ""

    def __init__(self, watts: float, clock: list[float]) -> None:
        self.watts = watts
        self.clock = clock

    def read_j(self) -> float | None:
        return self.watts * self.clock[0]

    def poll(self, pids: frozenset[int]) -> None:
        return None

    def energy(self, ctx: WindowContext) -> ComponentEnergy:
        raise NotImplementedError


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    clock = [0.0]
    monkeypatch.setattr("frugalbench.measure.idle.time.perf_counter", lambda: clock[0])

    def sleep(s: float) -> None:
        clock[0] += s

    monkeypatch.setattr("frugalbench.measure.idle.time.sleep", sleep)
    return clock


def test_idle_power_is_energy_over_time(fake_time: list[float]) -> None:
    baseline = measure_idle([SteadyCounter(42.0, fake_time)], duration_s=2.0)
    assert baseline.power_w["cpu"] == pytest.approx(42.0)
    assert baseline.duration_s == pytest.approx(2.0)


def test_baseline_is_cached_then_remeasured_when_old(
    fake_time: list[float], tmp_path: Path
) -> None:
    cache = tmp_path / "idle.json"
    first = idle_baseline([SteadyCounter(30.0, fake_time)], 1.0, max_age_s=3600, cache_path=cache)
    assert not first.from_cache and cache.exists()
    second = idle_baseline([SteadyCounter(99.0, fake_time)], 1.0, max_age_s=3600, cache_path=cache)
    assert second.from_cache and second.power_w["cpu"] == pytest.approx(30.0)
    data = json.loads(cache.read_text())
    data["measured_at"] = "2000-01-01T00:00:00+00:00"
    cache.write_text(json.dumps(data))
    third = idle_baseline([SteadyCounter(99.0, fake_time)], 1.0, max_age_s=3600, cache_path=cache)
    assert not third.from_cache and third.power_w["cpu"] == pytest.approx(99.0)


def test_cache_of_another_machine_is_not_used(fake_time: list[float], tmp_path: Path) -> None:
    cache = tmp_path / "idle.json"
    idle_baseline([SteadyCounter(30.0, fake_time)], 1.0, cache_path=cache)
    data = json.loads(cache.read_text())
    data["machine_key"] = "someone-else"
    cache.write_text(json.dumps(data))
    again = idle_baseline([SteadyCounter(50.0, fake_time)], 1.0, cache_path=cache)
    assert not again.from_cache and again.power_w["cpu"] == pytest.approx(50.0)
