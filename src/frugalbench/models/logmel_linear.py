"""``logmel-linear``: log-mel band statistics and a class-balanced logistic regression.

The frugal rung of the chainsaw task: 256 numbers per clip (mean, spread, peak and change of 64
mel bands) computed with NumPy inside the measured window, then one dot product. Class weights are
balanced because chainsaws are the minority and a missed one is the costly error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from frugalbench.models.detection import ThresholdedDetector
from frugalbench.models.registry import models
from frugalbench.models.sklearn_pipeline import LinearPipelineModel


@models.register("logmel-linear")
class LogMelLinearModel(ThresholdedDetector, LinearPipelineModel):
    name = "logmel-linear"
    task = "chainsaw"
    description = "log-mel band statistics (NumPy) + class-balanced logistic regression"

    def __init__(
        self,
        c: float = 0.1,
        class_weight: str | None = "balanced",
        positive: str = "chainsaw",
        positive_threshold: float = 0.5,
    ) -> None:
        self.c = c
        self.class_weight = class_weight
        self.positive = positive
        self.positive_threshold = positive_threshold

    def _build(self) -> Any:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import FunctionTransformer, StandardScaler

        from frugalbench.audio.features import log_mel_stats

        return make_pipeline(
            FunctionTransformer(log_mel_stats),
            StandardScaler(),
            LogisticRegression(C=self.c, class_weight=self.class_weight, max_iter=5000),
        )

    def class_probabilities(self, inputs: Sequence[Any]) -> tuple[list[str], Any]:
        return [str(c) for c in self.pipeline_.classes_], self.pipeline_.predict_proba(list(inputs))
