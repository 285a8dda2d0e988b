"""Models that are one scikit-learn pipeline ending in a linear classifier."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, Self

from frugalbench.models.base import Model


class LinearPipelineModel(Model):
    """Subclasses say how to build the pipeline; fitting, predicting and counting are shared."""

    @abstractmethod
    def _build(self) -> Any: ...

    def fit(self, inputs: Sequence[str], labels: Sequence[str]) -> Self:
        self.pipeline_ = self._build().fit(list(inputs), list(labels))
        return self

    def predict(self, inputs: Sequence[str]) -> list[str]:
        return [str(p) for p in self.pipeline_.predict(list(inputs))]

    def n_parameters(self) -> int:
        clf = self.pipeline_[-1]
        return int(clf.coef_.size + clf.intercept_.size)
