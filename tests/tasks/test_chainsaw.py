"""The chainsaw task: bundled clips, folder layouts, grouped splits, bad files, hub, scores."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from frugalbench.errors import UserError
from frugalbench.tasks import get_task, grouped_fold_count, grouped_folds, stratified_split
from frugalbench.tasks.audio_folder import group_of
from frugalbench.tasks.chainsaw import bundled_path, hub_rows_to_dataset

TASK = get_task("chainsaw")


def noise(seconds: float, rate_hz: int = 16_000, seed: int = 0) -> np.ndarray:
    return (0.1 * np.random.default_rng(seed).normal(size=int(seconds * rate_hz))).astype(
        np.float32
    )


def write_labels(folder: Path, rows: list[dict[str, str]]) -> None:
    with (folder / "labels.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_bundled_clips_are_real_windows_with_groups_and_licences() -> None:
    data = TASK.load(None)
    assert set(data.labels) == {"chainsaw", "environment"}
    assert all(x.shape == (36_000,) and x.dtype == np.float32 for x in data.inputs)
    assert len(set(data.groups)) == 17 and not data.skipped  # one Song Meter: one group
    assert "recorder:S4A03895" in data.groups
    assert (bundled_path() / "LICENSE.md").exists()
    licences = {r["license"] for r in csv.DictReader((bundled_path() / "labels.csv").open())}
    assert all(any(k in lic for k in ("Apache", "MIT", "BSD")) for lic in licences)


def test_split_never_puts_one_recording_on_both_sides() -> None:
    data = TASK.load(None)
    train, test = stratified_split(data, 0.2, seed=42)
    assert not set(train.groups) & set(test.groups)
    assert len(train) + len(test) == len(data) and {"chainsaw", "environment"} <= set(train.labels)
    again = stratified_split(data, 0.2, seed=42)[1]
    assert again.ids == test.ids
    for tr, te in grouped_folds(data, 5, seed=1):
        assert not {data.groups[i] for i in tr} & {data.groups[i] for i in te}


def test_every_group_is_held_out_in_exactly_one_fold() -> None:
    data = TASK.load(None)
    n = grouped_fold_count(data)
    held_out = [set(stratified_split(data, 0.2, 42, fold)[1].groups) for fold in range(n)]
    assert sorted(g for fold in held_out for g in fold) == sorted(set(data.groups))
    with pytest.raises(ValueError, match="does not exist"):
        stratified_split(data, 0.2, 42, n)


def test_scores_by_group_are_each_groups_own() -> None:
    scores = TASK.score_by_group(
        ["chainsaw", "environment", "chainsaw", "chainsaw"],
        ["chainsaw", "chainsaw", "environment", "chainsaw"],
        ["a", "a", "b", "b"],
    )
    assert scores["a"]["n"] == 2 and scores["a"]["accuracy"] == 0.5
    assert scores["a"]["false_alarm_rate"] == 1.0 and scores["b"]["chainsaw_recall"] == 0.5
    assert scores["b"]["false_alarm_rate"] is None  # no environment window there
    assert "confusion_matrix" not in scores["a"]


def test_freesound_takes_are_grouped_by_id() -> None:
    assert group_of("222524_wood chipper.mp3", {}) == "freesound:222524"
    assert group_of("chainsaw1.wav", {"note": "3 s identical to Freesound 222524"}) == (
        "freesound:222524"
    )
    assert group_of("a.wav", {"group": "take-7"}) == "take-7"
    # one Song Meter's 24-hour series is one site: all its files on one side of a split
    assert group_of("S4A03895_20190522_003000.wav", {}) == "recorder:S4A03895"
    assert group_of("S4A03895_20190523_010000.wav", {}) == "recorder:S4A03895"
    assert group_of("forest1.wav", {}) == "forest1.wav"


def test_labels_csv_folder_skips_bad_files_and_says_why(tmp_path: Path) -> None:
    sf.write(tmp_path / "saw.flac", noise(7.0), 16_000)
    sf.write(tmp_path / "forest.ogg", noise(4.5, seed=1), 16_000)  # tail 1.5 s: kept
    (tmp_path / "broken.wav").write_bytes(b"RIFF....WAVEfmt garbage")
    (tmp_path / "empty.mp3").write_bytes(b"")
    write_labels(
        tmp_path,
        [
            {"file": "saw.flac", "label": "chainsaw", "site": "A"},
            {"file": "forest.ogg", "label": "environment", "site": "B"},
            {"file": "broken.wav", "label": "environment", "site": "B"},
            {"file": "empty.mp3", "label": "chainsaw", "site": "C"},
            {"file": "gone.wav", "label": "chainsaw", "site": "C"},
            {"file": "maybe.wav", "label": "unverified", "site": "C"},
        ],
    )
    data = TASK.load(str(tmp_path))
    assert data.labels == ("chainsaw", "chainsaw", "environment", "environment")
    assert data.ids[0] == "saw.flac@0s" and data.groups[0] == "saw.flac"
    skipped = data.describe()["skipped"]
    assert skipped["n_files"] == 4
    reasons = {f["file"]: f["reason"] for f in skipped["files"]}
    assert "not a readable audio file" in reasons["broken.wav"]
    assert "empty" in reasons["empty.mp3"]
    assert reasons["gone.wav"] == "not found"
    assert "excluded" in reasons["maybe.wav"]


def test_one_subfolder_per_label(tmp_path: Path) -> None:
    for label, seed in (("chainsaw", 0), ("environment", 1)):
        (tmp_path / label).mkdir()
        sf.write(tmp_path / label / "a.wav", noise(3.0, 48_000, seed), 48_000)
    data = TASK.load(str(tmp_path))
    assert sorted(data.labels) == ["chainsaw", "environment"]
    assert set(data.groups) == {"chainsaw/a.wav", "environment/a.wav"}


def test_a_collection_of_sources_is_read_as_one_dataset(tmp_path: Path) -> None:
    for source, label in (("site-a", "chainsaw"), ("site-b", "environment")):
        folder = tmp_path / source
        folder.mkdir()
        sf.write(folder / "x.wav", noise(3.0), 16_000)
        sf.write(folder / "222524_saw.wav", noise(3.0), 16_000)  # one Freesound take, twice
        write_labels(
            folder,
            [{"file": "x.wav", "label": label}, {"file": "222524_saw.wav", "label": "chainsaw"}],
        )
    data = TASK.load(str(tmp_path))
    groups = {i.split("@")[0]: g for i, g in zip(data.ids, data.groups, strict=True)}
    assert groups["site-a/x.wav"] == "site-a/x.wav" and groups["site-b/x.wav"] == "site-b/x.wav"
    # a Freesound id names the same sound in any source: one group across both
    assert groups["site-a/222524_saw.wav"] == groups["site-b/222524_saw.wav"] == "freesound:222524"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"file": "x.wav", "label": "saw"}], "line 2: unknown label 'saw'"),
        ([{"file": "../x.wav", "label": "chainsaw"}], "is not inside"),
        ([{"name": "x.wav", "label": "chainsaw"}], "missing column(s) 'file'"),
    ],
)
def test_labels_file_mistakes_are_one_line_errors(
    tmp_path: Path, rows: list[dict[str, str]], message: str
) -> None:
    write_labels(tmp_path, rows)
    with pytest.raises(UserError) as info:
        TASK.load(str(tmp_path))
    assert message in str(info.value) and "\n" not in str(info.value)


def test_folders_without_usable_audio_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such folder"):
        TASK.load(str(tmp_path / "nope"))
    with pytest.raises(UserError, match=r"no labels\.csv and no sub-folder"):
        TASK.load(str(tmp_path))
    (tmp_path / "bad.wav").write_bytes(b"nope")
    write_labels(tmp_path, [{"file": "bad.wav", "label": "chainsaw"}])
    with pytest.raises(UserError, match="no usable recordings"):
        TASK.load(str(tmp_path))


def test_hub_rows_are_decoded_by_frugalbench(tmp_path: Path) -> None:
    """What the hub delivers with decoding off: bytes and 0/1 labels (0 = chainsaw)."""
    paths = []
    for i, seed in enumerate((0, 1)):
        paths.append(tmp_path / f"{i}.wav")
        sf.write(paths[-1], noise(3.0, 12_000, seed), 12_000)
    rows = [
        {"audio": {"bytes": paths[0].read_bytes(), "path": "a.wav"}, "label": 0},
        {"audio": {"bytes": paths[1].read_bytes(), "path": "b.wav"}, "label": 1},
        {"audio": {"bytes": b"junk", "path": "c.wav"}, "label": 1},
    ]
    data = hub_rows_to_dataset(rows, "hub:test")
    assert data.labels == ("chainsaw", "environment")
    assert data.skipped[0][0] == "c.wav"
    np.testing.assert_allclose(data.inputs[0], sf.read(paths[0], dtype="float32")[0], atol=1e-4)


def test_hub_offline_fails_fast_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("datasets")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    # offline mode is read when huggingface_hub is imported; once another test has imported
    # it, the loader's deadline is what ends the wait: 3 s here, not the default 60
    monkeypatch.setenv("FRUGALBENCH_HUB_TIMEOUT_S", "3")
    started = time.monotonic()
    with pytest.raises(UserError, match="rfcx/frugalai"):
        TASK.load("hub:train")
    assert time.monotonic() - started < 30


def test_detection_scores_from_first_principles() -> None:
    y_true = ["chainsaw"] * 4 + ["environment"] * 6
    y_pred = (
        ["chainsaw", "chainsaw", "chainsaw", "environment"] + ["chainsaw"] + ["environment"] * 5
    )
    scores = TASK.score(y_true, y_pred)
    assert scores["accuracy"] == pytest.approx(0.8)
    assert scores["chainsaw_recall"] == pytest.approx(0.75)
    assert scores["false_alarm_rate"] == pytest.approx(1 / 6)
    assert scores["chainsaw_precision"] == pytest.approx(0.75)
    assert scores["f1"] == pytest.approx(0.75)
