"""The harness: measured phases, repeats, and failures recorded, never raised."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from frugalbench.config import RunConfig
from frugalbench.errors import UserError, WorkerFailed
from frugalbench.harness.runner import run, train
from frugalbench.results import RunResult
from frugalbench.tasks import get_task

TASK = get_task("climate-disinfo")
FAST = RunConfig(repeats=2, timeout_s=20, warmup_inputs=4)


def test_run_trains_measures_and_scores(small_csv: Path) -> None:
    result = run(TASK, "majority", FAST, data=str(small_csv))
    assert result.status == "ok" and result.failure is None
    assert list(result.phases) == ["train", "load", "warmup", "inference"]
    inference = result.phases["inference"]
    assert inference.energy_j.n == 2 and len(inference.repeats) == 2
    assert inference.n_inputs == 8  # the held-out 20% of 40 rows
    assert inference.methods["cpu"].kind == "estimated"
    per_1000 = result.per_1000_inputs
    assert per_1000 is not None
    assert per_1000.energy_j.median == pytest.approx(inference.energy_j.median * 1000 / 8)
    assert result.scores is not None and 0 <= result.scores["accuracy"] <= 1
    assert result.task.train_data is not None and result.task.train_data.n_inputs == 32
    assert result.emissions is not None
    assert result.emissions.per_1000_inputs_g == pytest.approx(
        result.emissions.factors.co2e_g(per_1000.energy_j.median)
    )
    assert result.environment.cpu_model and result.environment.packages["numpy"]


def test_train_writes_a_model_with_its_training_energy(tmp_path: Path, small_csv: Path) -> None:
    outcome = train(TASK, "tfidf-linear", tmp_path / "m", data=str(small_csv), config=FAST)
    training = outcome.manifest["training"]
    assert training["energy_j"] > 0 and training["data"]["n_inputs"] == 40
    result = run(TASK, str(tmp_path / "m"), FAST, data=str(small_csv))
    assert result.status == "ok" and "train" not in result.phases
    assert result.model.training_energy_j == training["energy_j"]
    assert any("not held-out" in note for note in result.notes)


def test_training_reports_its_epochs(tmp_path: Path) -> None:
    heard: list[tuple[str, int, int]] = []
    train(
        get_task("smoke"),
        "smoke-cnn",
        tmp_path / "m",
        params={"epochs": 2},
        progress=lambda phase, step, total: heard.append((phase, step, total)),
    )
    assert [h for h in heard if h[0] == "epoch"] == [("epoch", 1, 2), ("epoch", 2, 2)]
    assert heard[0] == ("train", 0, 1) and heard[-1] == ("train", 1, 1)


def test_progress_reports_are_checked_like_any_reply(
    tmp_path: Path, small_csv: Path, user_model_dir: Any
) -> None:
    """Only training may report, and only a report that makes sense."""
    directory = user_model_dir("Chatty")
    result = run(TASK, str(directory), FAST, data=str(small_csv))
    assert result.status == "failed" and result.failure is not None
    assert "wrong shape" in result.failure.reason
    source = f"{directory / 'user_models.py'}:Chatty"
    heard: list[tuple[str, int, int]] = []
    train(TASK, source, tmp_path / "ok", str(small_csv), FAST, progress=lambda *a: heard.append(a))
    assert ("epoch", 1, 2) in heard
    with pytest.raises(WorkerFailed, match="bad progress report"):
        train(TASK, source, tmp_path / "bad", str(small_csv), FAST, params={"where": "fit"})
    assert not (tmp_path / "bad").exists()


def test_model_never_sees_a_label(tmp_path: Path, small_csv: Path, user_model_dir) -> None:
    log = tmp_path / "seen.txt"
    directory = user_model_dir("Spy", {"log": str(log)})
    result = run(TASK, str(directory), FAST, data=str(small_csv))
    assert result.status == "ok"
    seen = log.read_text()
    assert "variant" in seen
    assert "not_happening" not in seen and "fossil_fuels" not in seen


@pytest.mark.parametrize(
    ("model", "params", "phase", "reason"),
    [
        ("Crash", {}, "warmup", "exited with code 3"),
        ("Crash", {"phase": "load"}, "load", "signal SIGKILL"),
        ("Raises", {}, "warmup", "RuntimeError: boom in predict"),
        ("WrongCount", {}, "inference", "returned 1 predictions for 40 inputs"),
    ],
)
def test_failing_models_are_recorded_as_failed(
    small_csv: Path, user_model_dir, model: str, params: dict[str, str], phase: str, reason: str
) -> None:
    result = run(TASK, str(user_model_dir(model, params)), FAST, data=str(small_csv))
    assert result.status == "failed" and result.scores is None
    assert result.failure is not None
    assert result.failure.phase == phase and reason in result.failure.reason
    assert "load" in result.phases or phase == "load"


def test_hanging_model_times_out(small_csv: Path, user_model_dir) -> None:
    config = RunConfig(repeats=1, timeout_s=3)
    result = run(TASK, str(user_model_dir("Hang")), config, data=str(small_csv))
    assert result.status == "failed" and result.failure is not None
    assert "no answer within 3 s" in result.failure.reason


def test_failed_result_round_trips(tmp_path: Path, small_csv: Path, user_model_dir) -> None:
    result = run(TASK, str(user_model_dir("Raises")), FAST, data=str(small_csv))
    result.save(tmp_path / "r.json")
    assert RunResult.load(tmp_path / "r.json") == result


def test_user_errors_before_any_model_runs(tmp_path: Path, small_csv: Path) -> None:
    with pytest.raises(UserError, match="neither a model name"):
        run(TASK, "tfidf-lin", FAST, data=str(small_csv))
    tiny = tmp_path / "tiny.csv"
    tiny.write_text("quote,label\na,0\nb,1\n")
    with pytest.raises(UserError, match="cannot make a stratified"):
        run(TASK, "majority", FAST, data=str(tiny))


def test_result_carries_intervals_provenance_and_speed_index(small_csv: Path) -> None:
    result = run(TASK, "majority", RunConfig(repeats=3, timeout_s=20), data=str(small_csv))
    inference = result.phases["inference"]
    assert inference.energy_j.n == 3
    assert inference.energy_j.ci95_low is not None and inference.energy_j.cv is not None
    assert inference.energy_j.interval_method == "95% Student t interval of the mean"
    cpu = inference.methods["cpu"]
    assert cpu.backend == "process" and cpu.source and "w_per_thread" in cpu.parameters
    assert "idle" in cpu.parameters  # what the model does with idle power is stated
    assert result.meter.per_component["cpu"].startswith("process")
    assert "rapl" in result.meter.unavailable or result.meter.backends != "process"
    assert result.speed_index is not None and result.speed_index["speed_index"] > 0
    assert result.per_1000_inputs is not None
    assert result.per_1000_inputs.energy_j_at_reference_speed is not None
    assert inference.repeats[0].observations["outside_load_cores"] >= 0


def test_disturbed_repeats_are_rerun_and_flagged(small_csv: Path, user_model_dir: Any) -> None:
    """A neighbour loads the machine during every pass: each is re-run, then kept, flagged."""
    import subprocess
    import sys

    neighbour = subprocess.Popen(
        [sys.executable, "-c", "import time\nt=time.time()\nwhile time.time()-t<30: pass"]
    )
    try:
        config = RunConfig(repeats=2, max_reruns=1, timeout_s=20, speed_index=False)
        result = run(
            TASK, str(user_model_dir("Busy", {"seconds": 0.3})), config, data=str(small_csv)
        )
    finally:
        neighbour.kill()
        neighbour.wait()
    inference = result.phases["inference"]
    assert len(inference.repeats) == 2 and len(inference.discarded) == 1
    assert "contaminated" in inference.flags
    assert any("disturbed" in note for note in result.notes)


def test_erratic_model_is_flagged_unstable(small_csv: Path, user_model_dir: Any) -> None:
    config = RunConfig(repeats=3, timeout_s=20, max_cv=0.2, speed_index=False)
    model = user_model_dir("Busy", {"seconds": 0.05, "erratic": True})
    result = run(TASK, str(model), config, data=str(small_csv))
    assert "unstable" in result.phases["inference"].flags
    assert any("unstable" in note for note in result.notes)


def test_codecarbon_side_by_side_in_one_result(small_csv: Path, user_model_dir: Any) -> None:
    pytest.importorskip("codecarbon")
    config = RunConfig(repeats=2, meter="codecarbon", timeout_s=30, speed_index=False)
    result = run(TASK, str(user_model_dir("Busy", {"seconds": 0.4})), config, data=str(small_csv))
    inference = result.phases["inference"]
    assert "codecarbon" in inference.comparison
    theirs = inference.comparison["codecarbon"]
    assert theirs.energy_j.n == 2 and theirs.energy_j.median > 0
    assert inference.energy_j.median > 0


def test_rows_copied_from_the_training_data_are_found_whatever_file_they_are_in(
    tmp_path: Path, small_rows: list[dict[str, object]]
) -> None:
    """Whole-file fingerprints cannot see rows pasted into another file: inputs are compared by
    content (the model directory keeps its training inputs' digests), and the share is said."""
    from tests.conftest import write_rows

    trained_on = write_rows(tmp_path / "train.csv", small_rows[:32])
    model = tmp_path / "model"
    train(TASK, "majority", model, str(trained_on), FAST, holdout=False)
    pasted = [{**r, "quote": "  " + str(r["quote"]).upper() + " "} for r in small_rows[:8]]
    fresh = [{**r, "quote": f"an unseen quote {i}"} for i, r in enumerate(small_rows[32:40])]
    mixed = write_rows(tmp_path / "mine.csv", [*small_rows[:8], *fresh])
    result = run(TASK, str(model), FAST, data=str(mixed))
    assert any(
        n.startswith("8 of 16 evaluation inputs (50.0%) are also in the model's training data")
        and n.endswith("scores are not held-out scores")
        for n in result.notes
    ), result.notes
    unseen = run(TASK, str(model), FAST, data=str(write_rows(tmp_path / "new.csv", fresh * 2)))
    assert not any("training data" in n for n in unseen.notes)
    # a name trained by the harness on a file whose rows repeat: copies on both sides of its split
    twice = write_rows(tmp_path / "twice.csv", small_rows + pasted + small_rows)
    named = run(TASK, "majority", FAST, data=str(twice))
    assert any("in the model's training data" in n for n in named.notes), named.notes


def test_load_costs_the_same_whether_the_harness_trained_the_model_or_not(
    tmp_path: Path, small_csv: Path
) -> None:
    """Both evaluate in a fresh worker, imports inside the load window (a model trained first
    used to load in the warm training worker: 0.6 J against 16-19 J from its directory)."""
    config = RunConfig(repeats=1, idle_s=0.0, speed_index=False)
    named = run(TASK, "tfidf-linear", config, data=str(small_csv))
    model = tmp_path / "tfidf"
    train(TASK, "tfidf-linear", model, str(small_csv), config)
    directory = run(TASK, str(model), config, data=str(small_csv))

    def load_cpu_s(result: RunResult) -> float:
        return float(result.phases["load"].repeats[0].observations["cpu_time_s"])

    ratio = load_cpu_s(named) / load_cpu_s(directory)
    assert 1 / 3 < ratio < 3, ratio
