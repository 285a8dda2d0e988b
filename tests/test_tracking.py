"""frugalbench.track on real code: it follows the work, not the clock, and writes the same record
as `frugalbench measure --json`."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import frugalbench
from frugalbench.tracking import Tracker


def spin(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


@pytest.fixture(scope="module")
def tracker() -> Tracker:
    return frugalbench.Tracker(meter="process")


def test_a_block_costs_its_work_not_its_time(tracker: Tracker) -> None:
    with frugalbench.track("one", tracker=tracker) as one:
        spin(1.0)
    with frugalbench.track("two", tracker=tracker) as two:
        spin(2.0)
    with frugalbench.track("sleep", tracker=tracker) as idle:
        time.sleep(2.0)
    assert one.measurement and two.measurement and idle.measurement
    assert two.measurement.total_j / one.measurement.total_j == pytest.approx(2.0, abs=0.2)
    assert idle.measurement.duration_s >= 2.0
    assert idle.measurement.total_j < 0.05 * two.measurement.total_j


def test_decorator_and_explicit_nested_windows(tracker: Tracker) -> None:
    @frugalbench.track(tracker=tracker)
    def step() -> int:
        spin(0.2)
        return 7

    assert step() == 7 and step() == 7
    assert len(step.measurements) == 2  # type: ignore[attr-defined]
    assert all(m.observations["cpu_time_s"] >= 0.2 for m in step.measurements)  # type: ignore[attr-defined]
    tracker.begin_window("outer")
    spin(0.2)
    tracker.begin_window("inner")
    spin(0.2)
    inner = tracker.end_window("inner")
    outer = tracker.end_window("outer")
    assert outer.observations["cpu_time_s"] > 1.6 * inner.observations["cpu_time_s"]


def test_children_and_threads_are_counted(tracker: Tracker) -> None:
    code = "import time\nend = time.process_time() + 0.5\nwhile time.process_time() < end: pass"
    with frugalbench.track("child", tracker=tracker) as block:
        subprocess.run([sys.executable, "-c", code], check=True)
        worker = threading.Thread(target=spin, args=(0.3,))
        worker.start()
        worker.join()
    assert block.measurement and block.measurement.observations["cpu_time_s"] >= 0.8


def test_json_record_and_summary_line(
    tracker: Tracker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "epoch.json"
    with frugalbench.track("epoch", json=out, summary=True, tracker=tracker):
        spin(0.3)
    record = json.loads(out.read_text())
    assert record["block"] == "epoch" and "every thread" in record["scope"]
    assert record["schema_version"] == 2 and record["energy_j"] > 0
    for key in ("components", "emissions", "environment", "meter", "measurement"):
        assert key in record
    if record["energy_band_j"] is not None:
        low, high = record["energy_band_j"]
        assert low <= record["energy_j"] <= high
    assert "frugalbench: epoch:" in capsys.readouterr().err
