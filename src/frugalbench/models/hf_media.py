"""Hugging Face audio and image classifiers by name (``--model hf:DIR`` on ``chainsaw``/``smoke``).

As for text (:mod:`frugalbench.models.hf_text`): "training" reads the model, maps its
``config.id2label`` onto the task's labels (by name, or ``--label-map``), and keeps the model's
files in the model directory. Inference runs on PyTorch (these exports are model-specific), and
everything a user's deployment would do happens inside the measured window: the task's 12 kHz
waveforms resampled to the model's rate, the frames decoded and prepared by the model's processor.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

from frugalbench.errors import UserError
from frugalbench.models.base import Model
from frugalbench.models.hf_text import load_pretrained, map_labels
from frugalbench.models.registry import models

FOLDER = "hf"


class _HFClassifier(Model):
    """Shared: label mapping, the saved folder, batched PyTorch inference."""

    kind: ClassVar[str]
    pre: ClassVar[str]
    extra = "text"
    batch_size: ClassVar[int] = 16

    def __init__(self, source: str = "", label_map: dict[str, str] | None = None) -> None:
        self.source = source
        self.label_map = label_map

    def fit(self, inputs: Sequence[Any], labels: Sequence[str]) -> Self:
        self.processor_, self.net_ = load_pretrained(self.source, self.kind, self.pre)
        id2label = self.net_.config.id2label
        self.labels_ = map_labels(
            [id2label[i] for i in range(len(id2label))], sorted(set(labels)), self.label_map or {}
        )
        return self

    def _batch(self, inputs: Sequence[Any]) -> Any:
        raise NotImplementedError

    def predict(self, inputs: Sequence[Any]) -> list[str]:
        import torch

        self.net_.eval()
        out: list[str] = []
        with torch.inference_mode():
            for start in range(0, len(inputs), self.batch_size):
                chunk = list(inputs[start : start + self.batch_size])
                logits = self.net_(**self._batch(chunk)).logits
                out += [self.labels_[int(i)] for i in logits.argmax(-1)]
        return out

    def n_parameters(self) -> int:
        return int(sum(p.numel() for p in self.net_.parameters()))

    def save_state(self, directory: Path) -> list[str]:
        self.net_.save_pretrained(directory / FOLDER)
        self.processor_.save_pretrained(directory / FOLDER)
        (directory / "labels.json").write_text(json.dumps({"labels": self.labels_}) + "\n")
        return [FOLDER, "labels.json"]

    def load_state(self, directory: Path) -> None:
        if not (directory / FOLDER).is_dir() or not (directory / "labels.json").exists():
            raise UserError(f"{directory}: missing {FOLDER}/ or labels.json; train it again")
        self.processor_, self.net_ = load_pretrained(
            str(directory / FOLDER), self.kind, self.pre, local_only=True
        )
        self.labels_ = [
            str(x) for x in json.loads((directory / "labels.json").read_text())["labels"]
        ]


@models.register("hf-audio-classifier")
class HFAudioClassifier(_HFClassifier):
    name = "hf-audio-classifier"
    task = "chainsaw"
    description = "a Hugging Face audio classifier by name (hf:ID or hf:/dir), PyTorch"
    kind = "AutoModelForAudioClassification"
    pre = "AutoFeatureExtractor"

    def _batch(self, inputs: Sequence[Any]) -> Any:
        from frugalbench.audio.decode import TARGET_RATE_HZ, resample

        rate = int(self.processor_.sampling_rate)
        waves = [resample(w, TARGET_RATE_HZ, rate) for w in inputs]
        return self.processor_(waves, sampling_rate=rate, return_tensors="pt", padding=True)


@models.register("hf-image-classifier")
class HFImageClassifier(_HFClassifier):
    name = "hf-image-classifier"
    task = "smoke"
    description = "a Hugging Face image classifier by name (hf:ID or hf:/dir), PyTorch"
    kind = "AutoModelForImageClassification"
    pre = "AutoImageProcessor"

    def _batch(self, inputs: Sequence[Any]) -> Any:
        import io

        from PIL import Image

        images = []
        for frame in inputs:
            with Image.open(io.BytesIO(frame.image)) as im:
                images.append(im.convert("RGB"))
        return self.processor_(images=images, return_tensors="pt")
