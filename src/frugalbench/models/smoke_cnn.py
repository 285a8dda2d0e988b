"""``smoke-cnn``: a small CNN that says whether a frame shows smoke and, trained with boxes, where.

Four 3x3 convolution blocks over the frame decoded at 128 x 80 (about 25k weights), global
average pooling, and two heads: smoke logits, and a box (x_center, y_center, width, height,
relative, through a sigmoid). The box head learns only from frames that have true boxes (its
loss is masked elsewhere); a model trained without any box gives no boxes. Trained with PyTorch
on the CPU (seeded, class-weighted, horizontal flips that flip the box too); inference is ONNX
Runtime, no torch; decoding and resizing are inside ``predict``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

from frugalbench.models.base import Frame, Model
from frugalbench.models.detection import ThresholdedDetector
from frugalbench.models.progress import report
from frugalbench.models.registry import models


def build_net(n_classes: int, width: int = 12) -> Any:
    import torch
    from torch import nn

    def block(c_in: int, c_out: int) -> list[Any]:
        return [
            nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(),
            nn.MaxPool2d(2),
        ]

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = nn.Sequential(
                *block(3, width),
                *block(width, 2 * width),
                *block(2 * width, 3 * width),
                *block(3 * width, 4 * width),
            )
            self.classify = nn.Linear(4 * width, n_classes)
            self.box = nn.Linear(4 * width, 4)

        def forward(self, x: Any) -> Any:
            pooled = torch.flatten(self.features(x).mean(dim=(2, 3)), 1)
            return torch.cat([self.classify(pooled), torch.sigmoid(self.box(pooled))], dim=1)

    return Net()


@models.add
class SmokeCnnModel(ThresholdedDetector, Model[Frame]):
    name = "smoke-cnn"
    extra = "audio"
    task = "smoke"
    fit_takes_annotations = True  # the boxes of the training frames (for localisation)
    description = "small CNN on 128x80 frames with a box head (PyTorch-trained, ONNX inference)"

    def __init__(
        self,
        epochs: int = 30,
        batch_size: int = 16,
        lr: float = 3e-3,
        width: int = 12,
        seed: int = 0,
        positive: str = "smoke",
        positive_threshold: float = 0.5,
    ) -> None:
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.width = width
        self.seed = seed
        self.positive = positive
        self.positive_threshold = positive_threshold

    def _pixels(self, frames: Sequence[Frame]) -> Any:
        from frugalbench.image.decode import frames_to_arrays
        from frugalbench.image.features import SIZE

        x = frames_to_arrays(list(frames), SIZE)
        return ((x - self.mean_) / self.std_).transpose(0, 3, 1, 2).astype("float32")

    def fit(
        self,
        inputs: Sequence[Frame],
        labels: Sequence[str],
        annotations: Sequence[Sequence[Any]] | None = None,
    ) -> Self:
        import numpy as np
        import torch

        from frugalbench.image.decode import frames_to_arrays
        from frugalbench.image.features import SIZE
        from frugalbench.models.onnx_export import export_onnx
        from frugalbench.models.torch_training import balanced_class_weights, one_cycle

        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        raw = frames_to_arrays(list(inputs), SIZE)
        self.mean_ = raw.mean(axis=(0, 1, 2)).astype(np.float32)
        self.std_ = (raw.std(axis=(0, 1, 2)) + 1e-6).astype(np.float32)
        x = ((raw - self.mean_) / self.std_).transpose(0, 3, 1, 2).astype(np.float32)
        self.classes_ = sorted(set(labels))
        y = np.array([self.classes_.index(lab) for lab in labels])
        boxes = np.zeros((len(y), 4), dtype=np.float32)
        has_box = np.zeros(len(y), dtype=np.float32)
        for i, truth in enumerate(annotations or []):
            if truth:  # the largest true box: one box per frame is what the head predicts
                boxes[i] = max(truth, key=lambda b: b[2] * b[3])
                has_box[i] = 1.0
        self.has_boxes_ = bool(has_box.any())
        net = build_net(len(self.classes_), self.width)
        optimiser, schedule = one_cycle(net, self.lr, self.epochs, len(y), self.batch_size)
        class_loss = torch.nn.CrossEntropyLoss(weight=balanced_class_weights(y, len(self.classes_)))
        k = len(self.classes_)
        net.train()
        for epoch in range(self.epochs):
            order = rng.permutation(len(y))
            for start in range(0, len(y), self.batch_size):
                idx = order[start : start + self.batch_size]
                batch, target = x[idx].copy(), boxes[idx].copy()
                flip = rng.random(len(idx)) < 0.5
                batch[flip] = batch[flip][..., ::-1]
                target[flip, 0] = 1.0 - target[flip, 0]
                out = net(torch.from_numpy(np.ascontiguousarray(batch)))
                loss = class_loss(out[:, :k], torch.from_numpy(y[idx]))
                mask = torch.from_numpy(has_box[idx])
                if mask.sum() > 0:
                    err = torch.nn.functional.smooth_l1_loss(
                        out[:, k:], torch.from_numpy(target), reduction="none", beta=0.05
                    ).sum(1)
                    loss = loss + 5.0 * (err * mask).sum() / mask.sum()
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                schedule.step()
            report(epoch + 1, self.epochs)
        net.eval()
        self.onnx_ = export_onnx(
            net, (torch.from_numpy(x[:2]),), ["frame"], {"frame": {0: "batch"}}
        )
        self.n_weights_ = int(sum(p.numel() for p in net.parameters()))
        return self

    def _outputs(self, inputs: Sequence[Frame]) -> Any:
        import numpy as np

        session = getattr(self, "_session", None)
        if session is None:
            from frugalbench.models.onnx_export import onnx_session

            session = self._session = onnx_session(self.onnx_)
        x = self._pixels(inputs)
        return np.concatenate(
            [session.run(None, {"frame": x[i : i + 64]})[0] for i in range(0, len(x), 64)]
        )

    def class_probabilities(self, inputs: Sequence[Frame]) -> tuple[list[str], Any]:
        import numpy as np

        k = len(self.classes_)
        if not len(inputs):
            self.boxes_out: list[Any] = []
            return list(self.classes_), np.zeros((0, k), dtype=np.float32)
        out = self._outputs(inputs)
        logits = out[:, :k]
        e = np.exp(logits - logits.max(1, keepdims=True))
        self.boxes_out = [tuple(float(v) for v in b) for b in out[:, k:]] if self.has_boxes_ else []
        return list(self.classes_), e / e.sum(1, keepdims=True)

    def extra_outputs(self) -> dict[str, Any]:
        boxes = getattr(self, "boxes_out", [])
        return {"boxes": list(boxes)} if boxes else {}

    def n_parameters(self) -> int:
        return self.n_weights_
