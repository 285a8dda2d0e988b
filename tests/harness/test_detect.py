"""``detect``: segments from first principles, streaming that cuts the same windows as reading
whole, a real recording end to end, bad recordings reported, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import resample_poly

from frugalbench.config import RunConfig
from frugalbench.harness.detect import detect, merge_segments
from frugalbench.harness.runner import train
from frugalbench.results.files import DetectFile, load_any
from frugalbench.tasks import get_task
from frugalbench.tasks.chainsaw import bundled_path
from tests.conftest import cli

TASK = get_task("chainsaw")
CONFIG = RunConfig(idle_s=0.5)


def test_merge_segments_joins_consecutive_and_overlapping_hits() -> None:
    starts = [0.0, 3.0, 6.0, 9.0, 12.0, 15.0]
    hits = [False, True, True, False, True, False]
    conf = [0.9, 0.6, 0.8, 0.7, 0.99, 0.5]
    segments = merge_segments(starts, hits, conf)
    assert [(s.start_s, s.end_s) for s in segments] == [(3.0, 9.0), (12.0, 15.0)]
    assert segments[0].mean_confidence == pytest.approx(0.7)
    assert segments[0].max_confidence == pytest.approx(0.8)
    overlapping = merge_segments([0.0, 1.5, 3.0], [True, True, True], [1, 1, 1])
    assert [(s.start_s, s.end_s) for s in overlapping] == [(0.0, 6.0)]
    assert merge_segments([], [], []) == []


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """45 s of real audio, forest / chainsaw / forest, as 48 kHz stereo (resampled on read)."""
    parts = [
        sf.read(bundled_path() / "alexsanch-infineon" / name, dtype="float32")[0]
        for name in ("forest1.flac", "chainsaw12.flac", "forest2.flac")
    ]
    at_48k = resample_poly(np.concatenate(parts), 4, 1).astype(np.float32)
    path = tmp_path_factory.mktemp("rec") / "guardian.wav"
    sf.write(path, np.stack([at_48k, at_48k], axis=1), 48_000)
    return path


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model") / "logmel-linear"
    return train(TASK, "logmel-linear", out, None, CONFIG, holdout=False).directory


def test_detect_finds_the_chainsaw_in_a_real_recording(recording: Path, model_dir: Path) -> None:
    report = detect(model_dir, [recording], "chainsaw", CONFIG, block_s=10.0)
    rec = report.recordings[0]
    assert rec.problem is None and rec.duration_s == pytest.approx(45.0, abs=0.01)
    assert rec.n_windows == 15  # 10-s blocks carry their tails: the same windows as whole
    hit = [s for s in rec.segments if s.start_s < 30 and s.end_s > 15]
    assert hit and sum(s.end_s - s.start_s for s in rec.segments) <= 24
    assert report.energy_j > 0 and report.energy_j_per_audio_hour == pytest.approx(
        report.energy_j * 80
    )
    overlapping = detect(model_dir, [recording], "chainsaw", CONFIG, hop_s=1.5, block_s=7.0)
    assert overlapping.recordings[0].n_windows == 29


def test_a_bad_recording_is_reported_and_the_others_still_run(
    recording: Path, model_dir: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.flac"
    broken.write_bytes(b"fLaC" + b"\x00" * 64)
    report = detect(model_dir, [broken, recording], "chainsaw", CONFIG)
    assert report.recordings[0].problem and "not a readable audio file" in (
        report.recordings[0].problem
    )
    assert report.recordings[1].n_windows == 15
    from rich.console import Console

    from frugalbench.present.terminal import print_detect

    console = Console(width=120, record=True, color_system=None)
    print_detect(console, report)
    text = console.export_text()
    header, broken_row = (
        next(line for line in text.splitlines() if key in line) for key in ("note", "skipped:")
    )
    # the reason sits under "note", not under a figure's column; the path is never cut
    assert "…" not in text
    assert broken_row.index("skipped:") >= header.index("note") - 1


def test_cli_detect_prints_segments_and_energy_per_hour(
    recording: Path, model_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "detect.json"
    proc = cli("detect", "chainsaw", str(recording), "--model", str(model_dir), "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "per hour of audio" in proc.stdout and "chainsaw segments" in proc.stdout
    assert '"energy_j_per_audio_hour"' in out.read_text()
    loaded = load_any(out)
    assert isinstance(loaded, DetectFile) and loaded.recordings[0]["path"] == str(recording)
    strict = tmp_path / "strict.json"
    proc = cli("detect", "chainsaw", str(recording), "--model", str(model_dir), "--alarm",
               "3-of-3", "--json", str(strict))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    every = json.loads(out.read_text())["recordings"][0]["segments"]
    assert json.loads(strict.read_text())["alarm"] == "3-of-3"
    confirmed = json.loads(strict.read_text())["recordings"][0]["segments"]
    assert sum(s["end_s"] - s["start_s"] for s in confirmed) <= sum(
        s["end_s"] - s["start_s"] for s in every
    )


def test_cli_detect_trains_a_named_model_first(recording: Path) -> None:
    proc = cli("detect", "chainsaw", str(recording), "--model", "logmel-linear", "--idle-s", "0.5")
    assert proc.returncode == 0, proc.stderr
    assert "training logmel-linear on the bundled clips first" in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["detect", "climate-disinfo", "x.wav"], "detect runs on audio detection tasks"),
        (["detect", "chainsaw", "missing.wav"], "no such recording: missing.wav"),
        (["detect", "chainsaw", __file__, "--model", "nope"], "no readable recording"),
        (["detect", "chainsaw", "x.wav", "--alarm", "3-of-2"], "give K-of-N with 1 <= K <= N"),
    ],
)
def test_cli_detect_mistakes_exit_2(args: list[str], message: str) -> None:
    proc = cli(*args)
    assert proc.returncode == 2 and message in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_cli_detect_exits_2_when_no_recording_can_be_read(model_dir: Path, tmp_path: Path) -> None:
    """Said for each file before anything is trained (it used to train for 7 s, then print the
    reasons under the table's "max conf." column, with no error line)."""
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF")
    for model in (str(model_dir), "logmel-linear"):
        proc = cli("detect", "chainsaw", str(bad), "--model", model)
        assert proc.returncode == 2 and proc.stdout == "", proc.stdout
        assert proc.stderr.startswith(f"error: no readable recording: {bad}: ")
        assert "training" not in proc.stderr


def test_cli_detect_checks_the_model_before_it_runs(
    recording: Path, tmp_path: Path, user_model_dir
) -> None:
    """A model of another task is named as such (it failed inside the model: 'numpy.ndarray'
    object has no attribute 'lower'); an unknown name gets the task's own models."""
    text_model = user_model_dir("Keyword")
    wrong = cli("detect", "chainsaw", str(recording), "--model", str(text_model))
    assert wrong.returncode == 2
    assert "the model is for task 'climate-disinfo', not 'chainsaw'" in wrong.stderr
    unknown = cli("detect", "chainsaw", str(recording), "--model", "logmel-liner")
    assert unknown.returncode == 2 and "did you mean 'logmel-linear'" in unknown.stderr
    assert "Models for chainsaw:" in unknown.stderr and "tfidf-linear" not in unknown.stderr


def test_an_alarm_needs_k_of_n_consecutive_windows() -> None:
    """Isolated hits (a bird, a branch) are dropped; a saw that runs for several windows stays."""
    from frugalbench.harness.detect import confirmed

    hits = [True, False, False, True, True, False, True, False, False, False]
    assert confirmed(hits) == hits  # 1 of 1: every hit
    assert confirmed(hits, 2, 2) == [False, False, False, True, True] + [False] * 5
    assert confirmed(hits, 2, 3) == [False, False, False, True, True, False, True] + [False] * 3
    assert confirmed([True], 2, 3) == [False]  # a recording of one window cannot confirm


def test_alarm_rules_follow_each_recording_in_time_order() -> None:
    from frugalbench.harness.crossval import confirmed_by_recording

    ids = ["a.wav@3s", "b.wav@0s", "a.wav@0s", "a.wav@6s", "b.wav@3s"]
    predicted = ["saw", "saw", "saw", "quiet", "quiet"]
    out = confirmed_by_recording(ids, predicted, "saw", "quiet", 2, 2)
    assert out == ["saw", "quiet", "saw", "quiet", "quiet"]  # a@0 and a@3 confirm each other
