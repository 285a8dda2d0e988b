"""``minilm-linear``: MiniLM sentence embeddings (ONNX Runtime, int8) and a logistic regression.

The encoder is the bundled all-MiniLM-L6-v2 (22M parameters), exported to ONNX at training time
and quantised to int8 weights when ``quantize`` (the default: on this task it costs no accuracy,
see the README); the head is scikit-learn's. Inference needs ONNX Runtime, tokenizers and NumPy,
not PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

from frugalbench.models.base import Model
from frugalbench.models.registry import models
from frugalbench.models.text.minilm import OnnxNetMixin


@models.register("minilm-linear")
class MiniLMLinearModel(OnnxNetMixin, Model):
    name = "minilm-linear"
    task = "climate-disinfo"
    description = "MiniLM-L6 embeddings (ONNX Runtime, int8) + class-balanced logistic regression"

    def __init__(self, c: float = 1.0, quantize: bool = True, max_length: int = 128) -> None:
        self.c = c
        self.quantize = quantize
        self.max_length = max_length

    def fit(self, inputs: Sequence[str], labels: Sequence[str]) -> Self:
        from sklearn.linear_model import LogisticRegression

        from frugalbench.models.text.minilm import (
            export_onnx,
            load_torch_minilm,
            pooled_module,
            tokenizer_json,
        )

        _, encoder = load_torch_minilm()
        self.onnx_ = export_onnx(pooled_module(encoder), self.quantize)
        self.tokenizer_ = tokenizer_json()
        embeddings = self._net()(list(inputs))
        self.head_ = LogisticRegression(C=self.c, class_weight="balanced", max_iter=3000)
        self.head_.fit(embeddings, list(labels))
        return self

    def predict(self, inputs: Sequence[str]) -> list[str]:
        return [str(p) for p in self.head_.predict(self._net()(list(inputs)))]

    def predict_with_confidence(self, inputs: Sequence[str]) -> tuple[list[str], Any]:
        proba = self.head_.predict_proba(self._net()(list(inputs)))
        return [str(self.head_.classes_[i]) for i in proba.argmax(1)], proba.max(1)

    def n_parameters(self) -> int:
        return 22_713_216 + int(self.head_.coef_.size + self.head_.intercept_.size)

    def save_state(self, directory: Path) -> list[str]:
        import joblib

        (directory / "encoder.onnx").write_bytes(self.onnx_)
        (directory / "tokenizer.json").write_text(self.tokenizer_)
        joblib.dump(self.head_, directory / "head.joblib")
        return ["encoder.onnx", "tokenizer.json", "head.joblib"]

    def load_state(self, directory: Path) -> None:
        import joblib

        self.onnx_ = (directory / "encoder.onnx").read_bytes()
        self.tokenizer_ = (directory / "tokenizer.json").read_text()
        self.head_ = joblib.load(directory / "head.joblib")
