"""bench: one table, results JSON, a plot; a second run reuses the trained models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frugalbench.config import RunConfig
from frugalbench.harness.bench import bench, write_outputs
from frugalbench.present.plots import plot_front
from frugalbench.results.files import BenchFile, load_any
from frugalbench.tasks import get_task

TASK = get_task("climate-disinfo")
CONFIG = RunConfig(repeats=2, timeout_s=120, speed_index=False)


def test_bench_trains_once_then_reuses(tmp_path: Path, small_csv: Path) -> None:
    cache = tmp_path / "cache"
    names = ["majority", "tfidf-linear"]
    first = bench(TASK, names, str(small_csv), CONFIG, cache_dir=cache)
    assert [r.model for r in first] == names and not any(r.cached for r in first)
    assert all(r.result.status == "ok" for r in first)
    assert all(r.result.task.data.n_inputs == 8 for r in first)  # the held-out 20%
    assert any(r.pareto for r in first)
    second = bench(TASK, names, str(small_csv), CONFIG, cache_dir=cache)
    assert all(r.cached for r in second)
    assert "train" not in second[1].result.phases
    assert (second[1].result.model.training_energy_j or 0) > 0  # kept beside the weights
    results = write_outputs(second, tmp_path / "out")
    plot = tmp_path / "out" / "pareto.png"
    plot_front(second, plot)
    data = json.loads(results.read_text())
    assert [row["model"] for row in data["rows"]] == names
    loaded = load_any(tmp_path / "out")  # a bench folder reads as its results.json
    assert isinstance(loaded, BenchFile) and loaded.rows[1].result == second[1].result
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_failing_model_is_a_failed_row_not_a_crash(tmp_path: Path, small_csv: Path) -> None:
    pytest.importorskip("torch")
    rows = bench(
        TASK,
        ["majority", "minilm-finetuned"],
        str(small_csv),
        CONFIG.model_copy(update={"train_timeout_s": 2}),
        cache_dir=tmp_path / "c",
    )
    # loading PyTorch and MiniLM alone takes longer than 2 s: a timeout, recorded, not raised
    assert rows[0].result.status == "ok"
    assert rows[1].result.status == "failed" and not rows[1].pareto
    assert rows[1].result.failure is not None and "timeout" in rows[1].result.failure.reason
    cached = [p.name for p in (tmp_path / "c").iterdir() if not p.name.endswith(".partial")]
    assert not [name for name in cached if "minilm-finetuned" in name]  # a failure is not cached


def test_the_test_suite_never_writes_into_the_users_cache() -> None:
    """Bench models and idle baselines of a test run go to the run's own cache folder."""
    import os

    from frugalbench.harness.bench import default_model_cache
    from frugalbench.measure.idle import default_cache_path

    users = Path(os.path.expanduser("~/.cache"))
    ours = Path(os.environ["FRUGALBENCH_CACHE_DIR"])
    for path in (default_model_cache(), default_cache_path()):
        assert path.is_relative_to(ours) and not path.is_relative_to(users), path
