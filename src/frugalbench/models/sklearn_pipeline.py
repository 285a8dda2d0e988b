"""Models that are one scikit-learn pipeline ending in a linear classifier."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar, Self

from frugalbench.models.base import Model, X
from frugalbench.models.detection import ThresholdedDetector


class LinearPipelineModel(Model[X]):
    """Subclasses say how to build the pipeline; fitting, predicting and counting are shared."""

    @abstractmethod
    def _build(self) -> Any: ...

    def fit(self, inputs: Sequence[X], labels: Sequence[str]) -> Self:
        self.pipeline_ = self._build().fit(list(inputs), list(labels))
        return self

    def predict(self, inputs: Sequence[X]) -> list[str]:
        return [str(p) for p in self.pipeline_.predict(list(inputs))]

    def n_parameters(self) -> int:
        clf = self.pipeline_[-1]
        return int(clf.coef_.size + clf.intercept_.size)


class FeatureLinearDetector(ThresholdedDetector, LinearPipelineModel[X]):
    """A detector that is NumPy features (computed inside ``predict``, so inside the measured
    window), standardised, then a class-balanced logistic regression. Subclasses give
    ``features`` (a module-level function, so the fitted pipeline pickles) and the positive
    label."""

    default_positive: ClassVar[str] = ""
    default_c: ClassVar[float] = 0.1

    @staticmethod
    def features(inputs: Sequence[Any]) -> Any:
        raise NotImplementedError

    def __init__(
        self,
        c: float | None = None,
        class_weight: str | None = "balanced",
        positive: str | None = None,
        positive_threshold: float = 0.5,
    ) -> None:
        self.c = c if c is not None else self.default_c
        self.class_weight = class_weight
        self.positive = positive or self.default_positive
        self.positive_threshold = positive_threshold

    def _build(self) -> Any:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import FunctionTransformer, StandardScaler

        return make_pipeline(
            FunctionTransformer(type(self).features),
            StandardScaler(),
            LogisticRegression(C=self.c, class_weight=self.class_weight, max_iter=5000),
        )

    def class_probabilities(self, inputs: Sequence[Any]) -> tuple[list[str], Any]:
        return [str(c) for c in self.pipeline_.classes_], self.pipeline_.predict_proba(list(inputs))
