"""The benchmarks stay runnable: each runs once, scaled down (the figures themselves are the
benchmark's to print, not the test's to judge)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from frugalbench.measure.power_model import power_table

ROOT = Path(__file__).resolve().parents[1]


def run_benchmark(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "targets met" in proc.stdout
    return proc


def test_meter_fidelity_runs(tmp_path: Path) -> None:
    out = tmp_path / "f.json"
    run_benchmark("meter_fidelity.py", "--scale", "0.04", "--no-codecarbon", "--json", str(out))
    data = json.loads(out.read_text())
    assert len(data["measurements"]) == 11
    assert data["ratios"]["busy 10 s / busy 5 s"]["ours"] > 1.5
    charged = data["busy_thread_charged_j"]
    if isinstance(charged["frugalbench"], dict):  # the estimate, with its band
        low, high = charged["frugalbench"]["band_j"]
        assert low <= charged["frugalbench"]["energy_j"] <= high
        # CCF publishes a coefficient per microarchitecture, not for a CPU no family matches
        family = power_table().get(charged["frugalbench"]["family"])
        assert ("ccf" in charged) == bool(family and family.ccf_max_w_per_vcpu)
        assert charged.get("ccf", 1.0) > 0


def test_chainsaw_benchmark_runs(tmp_path: Path) -> None:
    out = tmp_path / "c.json"
    proc = run_benchmark(
        "chainsaw.py",
        *("--data", "bundled", "--folds", "2", "--models", "majority", "logmel-linear"),
        *("--detect-model", "logmel-linear", "--hours", "0.02", "--json", str(out)),
    )
    data = json.loads(out.read_text())
    assert set(data["cv"]) == {"majority", "logmel-linear"}
    assert data["detect"]["audio_h"] > 0.019 and data["detect"]["energy_j"] > 0
    assert 0 < data["cv"]["logmel-linear"]["summary"]["average_precision"]["mean"] <= 1
    assert "average precision" in proc.stdout and "precision 0." in proc.stdout


def test_text_benchmark_cross_validates_the_ladder(tmp_path: Path) -> None:
    """On 800 of the bundled quotes (the whole split took 74 s of the suite; the figures are the
    benchmark's own, run at full size)."""
    import pyarrow.parquet as pq

    from tests.conftest import write_rows

    bundled = ROOT / "src" / "frugalbench" / "tasks" / "data" / "climate_disinfo_train.parquet"
    rows = pq.read_table(bundled, columns=["quote", "label", "source"]).to_pylist()[:800]
    data = write_rows(tmp_path / "quotes.csv", rows)
    out = tmp_path / "t.json"
    proc = run_benchmark(
        "text.py", "--data", str(data), "--folds", "2", "--models", "majority", "tfidf-linear",
        "--json", str(out),
    )  # fmt: skip
    data = json.loads(out.read_text())
    summary = data["cv"]["tfidf-linear"]["summary"]
    assert summary["accuracy"]["mean"] > data["cv"]["majority"]["summary"]["accuracy"]["mean"]
    assert 0 < summary["macro_f1"]["mean"] < 1
    assert len(data["cv"]["tfidf-linear"]["folds"]) == 2
    assert "x tfidf" in proc.stdout


def test_smoke_benchmark_holds_out_each_camera(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    bundled = ROOT / "src" / "frugalbench" / "tasks" / "data" / "smoke"
    proc = run_benchmark(
        "smoke.py", "--data", str(bundled), "--models", "majority", "smoke-change-linear",
        "--json", str(out),
    )  # fmt: skip
    data = json.loads(out.read_text())
    for name in ("majority", "smoke-change-linear"):
        assert set(data["cv"][name]["by_group"]) == {"rm-w", "syp-w"}  # each camera held out
        assert data["cv"][name]["summary"]["predict_cpu_s_per_1000"]["mean"] > 0
    assert "per held-out camera" in proc.stdout
    # the bundled sequences are no-smoke first, smoke after: time alone separates them
    assert data["placebo_accuracy"] > 0.9
    assert "placebo" in proc.stdout


def test_server_load_runs(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    run_benchmark(
        "server_load.py", "--seconds", "1", "--clients", "2", "--rows", "5", "--json", str(out)
    )
    data = json.loads(out.read_text())
    assert data["figures"]["leaderboard JSON"]["requests"] > 0
    assert data["figures"]["leaderboard page"]["errors"] == 0


def test_isolation_overhead_runs(tmp_path: Path) -> None:
    from frugalbench.harness.sandbox import isolation

    available, why = isolation()
    if not available:
        import pytest

        pytest.skip(f"no job box here: {why}")
    out = tmp_path / "i.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "isolation_overhead.py"),
         "--rounds", "1", "--repeats", "2", "--json", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert set(data["figures"]) == {"unconfined", "boxed", "boxed, strict"}
    assert data["figures"]["boxed"]["inference_j_per_1000"] > 0
