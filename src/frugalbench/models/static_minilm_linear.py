"""``static-minilm-linear``: static word-piece embeddings distilled here from MiniLM, and a head.

model2vec runs every token of MiniLM's vocabulary through the encoder once, keeps the output
vectors (PCA to ``pca_dims``, SIF-weighted) as a lookup table, and then embeds a sentence as the
mean of its tokens' vectors: no transformer at inference, so the cost is close to TF-IDF's while
the features carry MiniLM's semantics. Distillation happens at training time, on the CPU.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

from frugalbench.models.base import Model
from frugalbench.models.registry import models


@models.add
class StaticMiniLMLinearModel(Model[str]):
    name = "static-minilm-linear"
    extra = "text"
    task = "climate-disinfo"
    description = "model2vec static embeddings distilled from MiniLM + logistic regression"

    def __init__(self, pca_dims: int = 256, c: float = 1.0) -> None:
        self.pca_dims = pca_dims
        self.c = c

    def fit(self, inputs: Sequence[str], labels: Sequence[str]) -> Self:
        from model2vec.distill import distill_from_model
        from sklearn.linear_model import LogisticRegression

        from frugalbench.models.text.minilm import load_torch_minilm

        tokenizer, encoder = load_torch_minilm()
        self.static_ = distill_from_model(encoder, tokenizer, pca_dims=self.pca_dims, device="cpu")
        self.head_ = LogisticRegression(C=self.c, class_weight="balanced", max_iter=3000)
        self.head_.fit(self.static_.encode(list(inputs)), list(labels))
        return self

    def predict(self, inputs: Sequence[str]) -> list[str]:
        return [str(p) for p in self.head_.predict(self.static_.encode(list(inputs)))]

    def predict_with_confidence(self, inputs: Sequence[str]) -> tuple[list[str], Any]:
        proba = self.head_.predict_proba(self.static_.encode(list(inputs)))
        return [str(self.head_.classes_[i]) for i in proba.argmax(1)], proba.max(1)

    def n_parameters(self) -> int:
        table = self.static_.embedding
        return int(table.size + self.head_.coef_.size + self.head_.intercept_.size)

    def save_state(self, directory: Path) -> list[str]:
        import joblib

        self.static_.save_pretrained(directory / "static")
        joblib.dump(self.head_, directory / "head.joblib")
        return ["static/", "head.joblib"]

    def load_state(self, directory: Path) -> None:
        import joblib
        from model2vec import StaticModel

        self.static_ = StaticModel.from_pretrained(directory / "static")
        self.head_ = joblib.load(directory / "head.joblib")
