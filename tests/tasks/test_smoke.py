"""The smoke task: bundled frames, folders, the hub's row shape, sequence splits, bad files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from frugalbench.errors import UserError
from frugalbench.tasks import get_task, stratified_split
from frugalbench.tasks.smoke import box_scores, hub_rows_to_dataset


def jpeg(colour: tuple[int, int, int] = (90, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 40), colour).save(out, "JPEG")
    return out.getvalue()


def test_bundled_frames_load_with_sequences_and_previous_frames() -> None:
    data = get_task("smoke").load(None)
    assert len(data) == 28 and set(data.labels) == {"smoke", "no_smoke"}
    assert len(set(data.groups)) == 2 and not data.skipped
    firsts = [i for i, f in enumerate(data.inputs) if f.previous is None]
    assert len(firsts) == 2  # one per sequence
    for i, frame in enumerate(data.inputs):
        if frame.previous is not None:
            assert data.groups[i - 1] == data.groups[i]
            assert frame.previous == data.inputs[i - 1].image
    train, test = stratified_split(data)
    assert set(train.groups).isdisjoint(test.groups) and len(set(test.groups)) == 1


def write_folder(root: Path, rows: list[str], files: dict[str, bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    (root / "labels.csv").write_text("\n".join(rows) + "\n")
    return root


def test_a_collection_of_sources_is_grouped_by_camera(tmp_path: Path) -> None:
    """Sub-folders that each hold a labels.csv load together; splits keep a camera whole, across
    sources and years; stills (a time column left empty) get no previous frame."""
    frame = jpeg()
    write_folder(
        tmp_path / "figlib",
        ["file,smoke,sequence,unix_time",
         "s/1.jpg,0,20180728_FIRE_rm-w-mobo-c,100", "s/2.jpg,1,20180728_FIRE_rm-w-mobo-c,160",
         "t/1.jpg,0,20160604_FIRE_rm-n-mobo-c,100", "t/2.jpg,1,20160604_FIRE_rm-n-mobo-c,160"],
        {"s/1.jpg": frame, "s/2.jpg": frame, "t/1.jpg": frame, "t/2.jpg": frame},
    )  # fmt: skip
    write_folder(
        tmp_path / "afm_seq",
        ["file,smoke,sequence,unix_time,est_order",
         "u/1.jpg,0,afm_20190810_rm-w,,0", "u/2.jpg,1,afm_20190810_rm-w,,1"],
        {"u/1.jpg": frame, "u/2.jpg": frame},
    )  # fmt: skip
    write_folder(
        tmp_path / "stills",
        ["file,smoke,sequence,unix_time,camera",
         "v/1.jpg,1,afm_20190715_mlo-s,,", "v/2.jpg,1,mixed,,lp-n"],
        {"v/1.jpg": frame, "v/2.jpg": frame},
    )  # fmt: skip
    data = get_task("smoke").load(str(tmp_path))
    assert len(data) == 8 and "afm_seq/u/2.jpg" in data.ids
    camera = dict(zip(data.ids, data.groups, strict=True))
    assert camera["figlib/s/1.jpg"] == camera["afm_seq/u/1.jpg"] == "rm-w"  # two years, one camera
    assert camera["figlib/t/2.jpg"] == "rm-n" and camera["stills/v/2.jpg"] == "lp-n"
    previous = {i: f.previous for i, f in zip(data.ids, data.inputs, strict=True)}
    assert previous["afm_seq/u/2.jpg"] is not None  # ordered by its estimated order
    assert previous["stills/v/1.jpg"] is None and previous["stills/v/2.jpg"] is None
    scores = get_task("smoke").score(["no_smoke", "no_smoke"], ["smoke", "no_smoke"])
    assert scores["false_alarms_per_camera_hour"] == pytest.approx(30.0)  # half of 60 frames


def test_folder_with_boxes_and_bad_files(tmp_path: Path) -> None:
    good = jpeg()
    root = write_folder(
        tmp_path / "frames",
        [
            "file,smoke,sequence,unix_time,boxes",
            "a/1.jpg,0,a,100,",
            'a/2.jpg,1,a,160,"0 0.5 0.5 0.2 0.2"',
            "a/3.jpg,1,a,220,",
            "b/1.jpg,yes,b,100,",
            "b/2.jpg,no,b,160,",
            "b/3.jpg,1,b,220,",
            "b/4.jpg,0,b,280,",
            "c/1.jpg,1,c,100,",
        ],
        {
            "a/1.jpg": good,
            "a/2.jpg": good,
            "a/3.jpg": good[:100],
            "b/1.jpg": good,
            "b/2.jpg": b"",
            "b/3.jpg": b"<html>",
            "b/4.jpg": good,
            "c/1.jpg": good,
        },
    )
    (root / "a" / "3.txt").write_text("0 0.2 0.2 0.1 0.1\n")  # YOLO side file
    data = get_task("smoke").load(str(root))
    reasons = dict(data.skipped)
    assert reasons["a/3.jpg"].startswith("truncated") and reasons["b/2.jpg"] == "empty file"
    assert reasons["b/3.jpg"] == "not an image Pillow can read"
    assert len(data) == 5 and data.annotations
    boxes = dict(zip(data.ids, data.annotations, strict=True))
    assert boxes["a/2.jpg"] == [(0.5, 0.5, 0.2, 0.2)] and boxes["a/1.jpg"] == []
    # b/4's previous usable frame is b/1 (b/2 and b/3 were skipped)
    b4 = data.ids.index("b/4.jpg")
    assert data.inputs[b4].previous == data.inputs[data.ids.index("b/1.jpg")].image


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["file,label", "x.jpg,1"], "smoke"),
        (["file,smoke", "x.jpg,maybe"], "not 1/0"),
        (["file,smoke", "../x.jpg,1"], "not inside"),
        (["file,smoke,boxes", 'x.jpg,1,"0 2 2 2 2"'], "outside"),
    ],
)
def test_bad_labels_files_are_one_line(tmp_path: Path, rows: list[str], message: str) -> None:
    root = write_folder(tmp_path / "f", rows, {"x.jpg": jpeg()})
    with pytest.raises(UserError, match=message) as caught:
        get_task("smoke").load(str(root))
    assert "\n" not in str(caught.value)


def test_label_folders_and_missing_folders(tmp_path: Path) -> None:
    root = tmp_path / "by_label"
    for label in ("smoke", "no_smoke"):
        (root / label).mkdir(parents=True)
        (root / label / "1.jpg").write_bytes(jpeg())
    data = get_task("smoke").load(str(root))
    assert sorted(data.labels) == ["no_smoke", "smoke"]
    with pytest.raises(UserError, match="no such folder"):
        get_task("smoke").load(str(tmp_path / "nowhere"))
    with pytest.raises(UserError, match=r"no labels\.csv"):
        get_task("smoke").load(str(tmp_path))


def test_hub_rows_become_frames_with_boxes() -> None:
    rows = [
        {"image": {"bytes": jpeg(), "path": "a.jpg"}, "annotations": "0 0.5 0.5 0.2 0.3\n",
         "image_name": "a.jpg", "camera": "cam1", "date": "2024-06-01T10-00-00"},
        {"image": {"bytes": jpeg(), "path": "b.jpg"}, "annotations": "",
         "image_name": "b.jpg", "camera": "cam1", "date": "2024-06-01T10-01-00"},
        {"image": {"bytes": b"", "path": "c.jpg"}, "annotations": "",
         "image_name": "c.jpg", "camera": "cam2", "date": "2024-06-02T10-00-00"},
    ]  # fmt: skip
    data = hub_rows_to_dataset(rows, "hub:test")
    assert data.labels == ("smoke", "no_smoke") and data.groups == ("cam1",) * 2  # the camera
    assert data.annotations[0] == [(0.5, 0.5, 0.2, 0.3)]
    assert data.inputs[1].previous == data.inputs[0].image
    assert dict(data.skipped) == {"c.jpg": "empty file"}


def test_hub_unreachable_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("datasets")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    # offline mode is read when huggingface_hub is imported; once another test has imported
    # it, the loader's deadline is what ends the wait: 3 s here, not the default 60
    monkeypatch.setenv("FRUGALBENCH_HUB_TIMEOUT_S", "3")
    with pytest.raises(UserError, match="pyronear/pyro-sdis"):
        get_task("smoke").load("hub")


def test_box_scores_need_a_smoke_prediction() -> None:
    truth = [[(0.5, 0.5, 0.2, 0.2)], []]
    out = box_scores(truth, ["smoke", "no_smoke"], {"boxes": [(0.5, 0.5, 0.2, 0.2), None]})
    assert out == {"mean_iou": pytest.approx(1.0), "n_boxed": 1}
    missed = box_scores(truth, ["no_smoke", "no_smoke"], {"boxes": [(0.5, 0.5, 0.2, 0.2), None]})
    assert missed["mean_iou"] == 0.0
    assert box_scores(truth, ["smoke", "smoke"], {})["mean_iou"] == 0.0
