"""The smoke ladder on synthetic frames with known boxes (the real frames have none), on the
bundled real frames, and through the harness: boxes are predicted inside the measured window and
scored as mean IoU on the harness side."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from frugalbench.config import RunConfig
from frugalbench.harness.runner import run
from frugalbench.models.directory import save_model
from frugalbench.models.smoke_cnn import SmokeCnnModel
from frugalbench.models.smoke_linear import ColourTextureLinearModel, SmokeChangeLinearModel
from frugalbench.tasks import Dataset, get_task, stratified_split
from tests.conftest import NO_TORCH_PRELUDE

TASK = get_task("smoke")


def scene(rng: np.random.Generator, plume: tuple[float, float, float, float] | None) -> bytes:
    """A fixed-camera-like frame: sky gradient over darker textured ground; ``plume`` (YOLO box)
    draws a blurred grey-white smoke column there."""
    w, h = 256, 160
    sky = np.linspace(150, 220, h // 2)[:, None] * np.ones((1, w))
    ground = 70 + 25 * rng.random((h - h // 2, w))
    gray = np.vstack([sky, ground])
    rgb = np.stack([gray * 0.8, gray * 0.9, gray * 1.1], -1).clip(0, 255).astype(np.uint8)
    im = Image.fromarray(rgb)
    if plume is not None:
        xc, yc, bw, bh = plume
        layer = Image.new("L", (w, h), 0)
        ImageDraw.Draw(layer).ellipse(
            [(xc - bw / 2) * w, (yc - bh / 2) * h, (xc + bw / 2) * w, (yc + bh / 2) * h], fill=200
        )
        layer = layer.filter(ImageFilter.GaussianBlur(2))
        im = Image.composite(Image.new("RGB", (w, h), (215, 215, 215)), im, layer)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 camera sequences of 8 frames: smoke appears at frame 4 and grows; boxes are known."""
    rng = np.random.default_rng(0)
    root = tmp_path_factory.mktemp("synthetic")
    rows = ["file,smoke,sequence,unix_time,boxes"]
    for s in range(12):
        xc, yc = rng.uniform(0.25, 0.75), rng.uniform(0.45, 0.6)
        seed = int(rng.integers(1 << 30))
        for t in range(8):
            smoke = t >= 4
            box = (xc, yc, 0.12 + 0.04 * (t - 4), 0.2 + 0.05 * (t - 4)) if smoke else None
            name = f"s{s}/{t}.jpg"
            (root / f"s{s}").mkdir(exist_ok=True)
            # the same ground texture in every frame of a sequence: a fixed camera
            (root / name).write_bytes(scene(np.random.default_rng(seed), box))
            cell = " ".join(f"{v:.4f}" for v in box) if box else ""
            rows.append(f"{name},{int(smoke)},s{s},{t * 60},{'0 ' + cell if cell else ''}")
    (root / "labels.csv").write_text("\n".join(rows) + "\n")
    return root


@pytest.fixture(scope="module")
def split(synthetic: Path) -> tuple[Dataset, Dataset]:
    return stratified_split(TASK.load(str(synthetic)), 0.25, seed=0)


def test_cnn_learns_smoke_and_where_it_is(split: tuple[Dataset, Dataset]) -> None:
    train, test = split
    model = SmokeCnnModel(epochs=80, batch_size=8).fit(
        train.inputs, train.labels, annotations=train.annotations
    )
    predicted = model.predict(test.inputs)
    scores = TASK.score(test.labels, predicted, test.annotations, model.extra_outputs())
    assert scores["accuracy"] >= 0.85
    assert scores["n_boxed"] == sum(1 for b in test.annotations if b)
    assert scores["mean_iou"] is not None and scores["mean_iou"] >= 0.3
    no_boxes = SmokeCnnModel(epochs=2).fit(train.inputs, train.labels)
    no_boxes.predict(test.inputs)
    assert no_boxes.extra_outputs() == {}  # never trained on a box: it claims none


def test_change_model_boxes_the_new_smoke(split: tuple[Dataset, Dataset]) -> None:
    train, test = split
    model = SmokeChangeLinearModel().fit(train.inputs, train.labels)
    predicted = model.predict(test.inputs)
    scores = TASK.score(test.labels, predicted, test.annotations, model.extra_outputs())
    assert scores["accuracy"] >= 0.75
    assert scores["mean_iou"] is not None and scores["mean_iou"] >= 0.3


def test_change_model_does_not_learn_that_stills_are_smoke(
    split: tuple[Dataset, Dataset],
) -> None:
    """In the collection the stills (no previous frame: no change to see) are all smoke, while
    every smoke-free frame follows another: "no change" must not be learnt as smoke."""
    from frugalbench.image.decode import Frame

    train, test = split
    frames = list(train.inputs)
    smoke = [f for f, y in zip(frames, train.labels, strict=True) if y == "smoke"]
    clear = [Frame(f.image, frames[(i + 7) % len(frames)].image) for i, f in enumerate(frames)]
    stills = [Frame(f.image, None) for f in smoke]
    model = SmokeChangeLinearModel().fit(
        [*clear, *stills, *smoke], ["no_smoke"] * len(clear) + ["smoke"] * 2 * len(smoke)
    )
    alone = [Frame(f.image, None) for f in test.inputs]
    assert set(model.predict(alone)) == {"no_smoke"}  # nothing to compare with: no alarm


def test_colour_texture_rung_on_real_frames() -> None:
    train, test = stratified_split(TASK.load(None))
    model = ColourTextureLinearModel().fit(train.inputs, train.labels)
    assert TASK.score(train.labels, model.predict(train.inputs))["accuracy"] >= 0.9
    labels, confidence = model.predict_with_confidence(test.inputs)
    assert len(labels) == len(test) and ((confidence >= 0.5) & (confidence <= 1)).all()
    assert model.extra_outputs() == {}


def test_boxes_travel_through_the_harness(synthetic: Path) -> None:
    result = run(TASK, "smoke-change-linear", RunConfig(repeats=2, idle_s=0.2), data=str(synthetic))
    assert result.status == "ok", result.failure
    assert result.scores is not None and result.scores["n_boxed"] > 0
    assert result.scores["mean_iou"] >= 0.3
    assert result.per_1000_inputs is not None and result.per_1000_inputs.energy_j.median > 0


def test_an_hf_object_detector_gives_labels_and_boxes(synthetic: Path, tmp_path: Path) -> None:
    """A detector's frames become smoke / no_smoke, and its boxes are scored as mean IoU."""
    from tests.conftest import tiny_object_detector

    folder = tiny_object_detector(tmp_path / "yolos", ["smoke"])
    result = run(TASK, f"hf:{folder}", RunConfig(repeats=1, idle_s=0.1), data=str(synthetic))
    assert result.status == "ok", result.failure
    assert result.model.model == "hf-object-detector"
    assert result.scores is not None and result.scores["n_boxed"] > 0
    assert result.scores["mean_iou"] > 0  # it drew boxes, and they were scored


def test_cnn_inference_runs_without_torch(tmp_path: Path) -> None:
    train, test = stratified_split(TASK.load(None))
    save_model(SmokeCnnModel(epochs=1).fit(train.inputs, train.labels), tmp_path)
    code = (
        NO_TORCH_PRELUDE + "from frugalbench.models.directory import load_model\n"
        "from frugalbench.tasks import get_task, stratified_split\n"
        "test = stratified_split(get_task('smoke').load(None))[1]\n"
        f"print(len(load_model(__import__('pathlib').Path({str(tmp_path)!r})).predict(test.inputs)))\n"
        "assert 'torch' not in sys.modules\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(len(test))


def test_a_missing_extra_is_named_in_the_failure(tmp_path: Path) -> None:
    code = (
        NO_TORCH_PRELUDE + "from frugalbench.harness.worker import _handle\n"
        "from frugalbench.tasks import get_task\n"
        "d = get_task('smoke').load(None)\n"
        "try:\n"
        "    _handle('train', {'model': 'smoke-cnn', 'params': {}, 'inputs': list(d.inputs),\n"
        f"             'labels': list(d.labels), 'out': {str(tmp_path)!r}}}, {{}}, 2)\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "smoke-cnn needs the 'audio' extra" in out.stdout
    assert "pip install 'frugalbench[audio]'" in out.stdout
