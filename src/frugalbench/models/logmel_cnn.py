"""``logmel-cnn``: a small convolutional network on log-mel patches, trained here, run by ONNX.

Four 3x3 convolution blocks (16-64 channels, about 45k weights) over the 64-band log-mel image
of a clip, global average pooling, one linear layer. Trained with PyTorch on the CPU (seeded,
class-weighted loss, random time shifts and gain changes so that a distant saw and a near one
look alike); inference is NumPy log-mel plus ONNX Runtime, no torch. Int8 (static QDQ) is kept
only when it agrees with the fp32 network on the training clips (``int8="auto"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

from frugalbench.models.base import Model, Waveform
from frugalbench.models.detection import ThresholdedDetector
from frugalbench.models.progress import report
from frugalbench.models.registry import models

INT8_MIN_AGREEMENT = 0.995


def build_net(n_classes: int, width: int = 16) -> Any:
    import torch
    from torch import nn

    def block(c_in: int, c_out: int, pool: bool) -> list[Any]:
        layers: list[Any] = [
            nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(),
        ]
        return layers + ([nn.MaxPool2d(2)] if pool else [])

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = nn.Sequential(
                *block(1, width, True),
                *block(width, 2 * width, True),
                *block(2 * width, 3 * width, True),
                *block(3 * width, 4 * width, False),
            )
            self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(4 * width, n_classes))

        def forward(self, x: Any) -> Any:
            return self.head(torch.flatten(self.features(x).mean(dim=(2, 3)), 1))

    return Net()


@models.add
class LogMelCnnModel(ThresholdedDetector, Model[Waveform]):
    name = "logmel-cnn"
    extra = "audio"
    task = "chainsaw"
    description = "small CNN on 64-band log-mel patches (PyTorch-trained, ONNX Runtime inference)"

    def __init__(
        self,
        epochs: int = 25,
        batch_size: int = 32,
        lr: float = 3e-3,
        width: int = 16,
        int8: str = "auto",
        seed: int = 0,
        mix_background: float = 0.5,
        positive: str = "chainsaw",
        positive_threshold: float = 0.4,
    ) -> None:
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.width = width
        self.int8 = int8
        self.seed = seed
        self.mix_background = mix_background
        self.positive = positive
        self.positive_threshold = positive_threshold

    def _features(self, inputs: Sequence[Waveform]) -> Any:
        from frugalbench.audio.features import log_mel, stack_windows

        lm = log_mel(stack_windows(inputs))
        return ((lm - self.mean_) / self.std_)[:, None, :, :].astype("float32")

    def fit(self, inputs: Sequence[Waveform], labels: Sequence[str]) -> Self:
        import numpy as np
        import torch

        from frugalbench.audio.features import log_mel, stack_windows
        from frugalbench.models.onnx_export import export_onnx, onnx_session
        from frugalbench.models.torch_training import balanced_class_weights, one_cycle

        if self.int8 not in ("auto", "yes", "no"):
            raise ValueError(f"int8 must be auto, yes or no, not {self.int8!r}")
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        lm = log_mel(stack_windows(inputs))
        self.mean_, self.std_ = float(lm.mean()), float(lm.std() + 1e-6)
        x = ((lm - self.mean_) / self.std_)[:, None, :, :].astype(np.float32)
        self.classes_ = sorted(set(labels))
        y = np.array([self.classes_.index(lab) for lab in labels])
        backgrounds = lm[[lab != self.positive for lab in labels]]
        net = build_net(len(self.classes_), self.width)
        optimiser, schedule = one_cycle(net, self.lr, self.epochs, len(y), self.batch_size)
        loss_fn = torch.nn.CrossEntropyLoss(weight=balanced_class_weights(y, len(self.classes_)))
        net.train()
        for epoch in range(self.epochs):
            order = rng.permutation(len(y))
            for start in range(0, len(y), self.batch_size):
                idx = order[start : start + self.batch_size]
                batch = _augment(
                    lm[idx], rng, backgrounds, self.mix_background, self.mean_, self.std_
                )
                optimiser.zero_grad()
                loss = loss_fn(net(torch.from_numpy(batch)), torch.from_numpy(y[idx]))
                loss.backward()
                optimiser.step()
                schedule.step()
            report(epoch + 1, self.epochs)
        net.eval()
        with torch.no_grad():
            fp32_pred = net(torch.from_numpy(x)).argmax(1).numpy()
        example = (torch.from_numpy(x[:2]),)
        axes = {"logmel": {0: "batch"}}
        self.onnx_ = export_onnx(net, example, ["logmel"], axes)
        self.quantized_ = False
        self.int8_agreement_: float | None = None
        if self.int8 != "no":
            calibration = [x[i : i + 32] for i in range(0, min(len(x), 256), 32)]
            int8 = export_onnx(net, example, ["logmel"], axes, True, calibration)
            agreement = float((_run(onnx_session(int8), x).argmax(1) == fp32_pred).mean())
            self.int8_agreement_ = agreement
            if self.int8 == "yes" or agreement >= INT8_MIN_AGREEMENT:
                self.onnx_, self.quantized_ = int8, True
        self.n_weights_ = int(sum(p.numel() for p in net.parameters()))
        return self

    def _scores(self, inputs: Sequence[Waveform]) -> Any:
        import numpy as np

        if not len(inputs):
            return np.zeros((0, len(self.classes_)), dtype=np.float32)
        session = getattr(self, "_session", None)
        if session is None:
            from frugalbench.models.onnx_export import onnx_session

            session = self._session = onnx_session(self.onnx_)
        logits = _run(session, self._features(inputs))
        e = np.exp(logits - logits.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    def class_probabilities(self, inputs: Sequence[Waveform]) -> tuple[list[str], Any]:
        return list(self.classes_), self._scores(inputs)

    def n_parameters(self) -> int:
        return self.n_weights_


def _augment(
    log_power: Any, rng: Any, backgrounds: Any, mix: float, mean: float, std: float
) -> Any:
    """Training views of a batch of log-mel images: with probability ``mix`` a random forest
    clip is added underneath (in the power domain, -10 to +10 dB): a chainsaw behind rain or
    birds is still a chainsaw, and forest plus forest is forest; then a random circular shift in
    time and a random gain, and the training normalisation."""
    import numpy as np

    out = np.array(log_power, dtype=np.float32)
    if len(backgrounds) and mix > 0:
        for k in np.flatnonzero(rng.random(len(out)) < mix):
            under = backgrounds[rng.integers(len(backgrounds))]
            gain_db = rng.uniform(-10.0, 10.0)
            out[k] = np.logaddexp(out[k], under + gain_db * np.log(10) / 10)
    for i in range(len(out)):
        out[i] = np.roll(out[i], int(rng.integers(out.shape[-1])), axis=-1)
    gains = rng.uniform(-1.0, 1.0, size=(len(out), 1, 1)).astype(np.float32)
    return ((out + gains - mean) / std)[:, None, :, :].astype(np.float32)


def _run(session: Any, x: Any) -> Any:
    """Logits in batches of 256 clips: memory stays flat for an hour of audio."""
    import numpy as np

    return np.concatenate(
        [session.run(None, {"logmel": x[i : i + 256]})[0] for i in range(0, len(x), 256)]
    )
