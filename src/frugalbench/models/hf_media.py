"""Hugging Face audio and image models by name (``--model hf:DIR`` on ``chainsaw``/``smoke``).

As for text (:mod:`frugalbench.models.hf_text`): "training" reads the model, maps its
``config.id2label`` onto the task's labels (by name, or ``--label-map``), and keeps the model's
files in the model directory. Inference runs on PyTorch (these exports are model-specific), and
everything a user's deployment would do happens inside the measured window: the task's 12 kHz
waveforms resampled to the model's rate, the frames decoded and prepared by the model's processor.

An object detector (``AutoModelForObjectDetection``: DETR, YOLOS, ...) answers a frame with the
task label of its best detection above ``threshold`` and that detection's box (scored as mean IoU);
a frame without one gets the task label that none of the detector's classes maps to.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

from frugalbench.errors import UserError
from frugalbench.models.base import Frame, Model, Waveform, X
from frugalbench.models.hf_text import label_key, load_pretrained, map_labels
from frugalbench.models.registry import models

FOLDER = "hf"


class _HFClassifier(Model[X]):
    """Shared: label mapping, the saved folder, batched PyTorch inference."""

    kind: ClassVar[str]
    pre: ClassVar[str]
    extra = "text"
    batch_size: ClassVar[int] = 16

    def __init__(self, source: str = "", label_map: dict[str, str] | None = None) -> None:
        self.source = source
        self.label_map = label_map

    def fit(self, inputs: Sequence[X], labels: Sequence[str]) -> Self:
        self.processor_, self.net_ = load_pretrained(self.source, self.kind, self.pre)
        id2label = self.net_.config.id2label
        self._map([str(id2label[i]) for i in range(len(id2label))], sorted(set(labels)))
        return self

    def _map(self, classes: list[str], task_labels: list[str]) -> None:
        """``labels_``: the task label of each model output, in output order."""
        self.labels_ = map_labels(classes, task_labels, self.label_map or {})

    def _batch(self, inputs: Sequence[X]) -> Any:
        raise NotImplementedError

    def _answers(self, outputs: Any) -> list[str]:
        """The labels of one batch's model outputs."""
        return [self.labels_[int(i)] for i in outputs.logits.argmax(-1)]

    def predict(self, inputs: Sequence[X]) -> list[str]:
        import torch

        self.net_.eval()
        out: list[str] = []
        with torch.inference_mode():
            for start in range(0, len(inputs), self.batch_size):
                chunk = list(inputs[start : start + self.batch_size])
                out += self._answers(self.net_(**self._batch(chunk)))
        return out

    def n_parameters(self) -> int:
        return int(sum(p.numel() for p in self.net_.parameters()))

    def _label_state(self) -> dict[str, Any]:
        """What ``labels.json`` keeps of the mapping."""
        return {"labels": self.labels_}

    def _restore_labels(self, state: dict[str, Any]) -> None:
        self.labels_ = [str(x) for x in state["labels"]]

    def save_state(self, directory: Path) -> list[str]:
        self.net_.save_pretrained(directory / FOLDER)
        self.processor_.save_pretrained(directory / FOLDER)
        (directory / "labels.json").write_text(json.dumps(self._label_state()) + "\n")
        return [FOLDER, "labels.json"]

    def load_state(self, directory: Path) -> None:
        if not (directory / FOLDER).is_dir() or not (directory / "labels.json").exists():
            raise UserError(f"{directory}: missing {FOLDER}/ or labels.json; train it again")
        self.processor_, self.net_ = load_pretrained(
            str(directory / FOLDER), self.kind, self.pre, local_only=True
        )
        self._restore_labels(json.loads((directory / "labels.json").read_text()))


@models.add
class HFAudioClassifier(_HFClassifier[Waveform]):
    name = "hf-audio-classifier"
    task = "chainsaw"
    description = "a Hugging Face audio classifier by name (hf:ID or hf:/dir), PyTorch"
    kind = "AutoModelForAudioClassification"
    pre = "AutoFeatureExtractor"

    def _batch(self, inputs: Sequence[Waveform]) -> Any:
        from frugalbench.audio.decode import TARGET_RATE_HZ, resample

        rate = int(self.processor_.sampling_rate)
        waves = [resample(w, TARGET_RATE_HZ, rate) for w in inputs]
        return self.processor_(waves, sampling_rate=rate, return_tensors="pt", padding=True)


@models.add
class HFImageClassifier(_HFClassifier[Frame]):
    name = "hf-image-classifier"
    task = "smoke"
    description = "a Hugging Face image classifier by name (hf:ID or hf:/dir), PyTorch"
    kind = "AutoModelForImageClassification"
    pre = "AutoImageProcessor"

    def _batch(self, inputs: Sequence[Frame]) -> Any:
        return _images(self.processor_, inputs)


def _images(processor: Any, inputs: Sequence[Frame]) -> Any:
    """Decode the frames' JPEG bytes and prepare them as the model's processor does."""
    import io

    from PIL import Image

    images = []
    for frame in inputs:
        with Image.open(io.BytesIO(frame.image)) as im:
            images.append(im.convert("RGB"))
    return processor(images=images, return_tensors="pt")


@models.add
class HFObjectDetector(HFImageClassifier):
    name = "hf-object-detector"
    task = "smoke"
    description = "a Hugging Face object detector by name (hf:ID or hf:/dir): label and box"
    kind = "AutoModelForObjectDetection"
    batch_size = 8

    def __init__(
        self, source: str = "", label_map: dict[str, str] | None = None, threshold: float = 0.5
    ) -> None:
        super().__init__(source, label_map)
        self.threshold = threshold

    def _map(self, classes: list[str], task_labels: list[str]) -> None:
        """Classes that name a task label (or are mapped) raise it; the others are ignored."""
        by_key = {label_key(t) for t in task_labels}
        known = [c for c in classes if c in (self.label_map or {}) or label_key(c) in by_key]
        mapped = map_labels(known, task_labels, self.label_map or {}) if known else []
        self.labels_ = [mapped[known.index(c)] if c in known else "" for c in classes]
        left = [t for t in task_labels if t not in self.labels_]
        if len(left) != 1:
            raise UserError(
                f"the detector's classes {classes} must name every task label {task_labels} but "
                "one (the frames without a detection): pass --label-map FILE (JSON, class -> label)"
            )
        self.empty_label_ = left[0]

    def predict(self, inputs: Sequence[Frame]) -> list[str]:
        self.boxes_out: list[list[float] | None] = []
        return super().predict(inputs)

    def _answers(self, outputs: Any) -> list[str]:
        """Each frame's best detection; its box is kept for ``extra_outputs``."""
        found = self.processor_.post_process_object_detection(
            outputs, threshold=self.threshold
        )  # no target sizes: corners relative to the image
        labels = []
        for frame in found:
            label, box = self._best(frame)
            labels.append(label)
            self.boxes_out.append(box)
        return labels

    def _best(self, frame: dict[str, Any]) -> tuple[str, list[float] | None]:
        """The highest-scoring detection of a mapped class, as (label, YOLO box)."""
        best = None
        for score, cls, corners in zip(
            frame["scores"], frame["labels"], frame["boxes"], strict=True
        ):
            if self.labels_[int(cls)] and (best is None or float(score) > best[0]):
                best = (float(score), self.labels_[int(cls)], [float(v) for v in corners])
        if best is None:
            return self.empty_label_, None
        x0, y0, x1, y1 = (min(max(v, 0.0), 1.0) for v in best[2])
        if x1 <= x0 or y1 <= y0:
            return best[1], None
        return best[1], [(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0]

    def extra_outputs(self) -> dict[str, Any]:
        return {"boxes": list(getattr(self, "boxes_out", []))}

    def _label_state(self) -> dict[str, Any]:
        return {"labels": self.labels_, "empty": self.empty_label_}

    def _restore_labels(self, state: dict[str, Any]) -> None:
        super()._restore_labels(state)
        self.empty_label_ = str(state["empty"])
