"""An operating point for binary detectors: say "positive" above a chosen probability.

A forest guardian's detector is judged by its recall (a missed chainsaw is a felled tree) as much
as by its accuracy, so the probability above which it raises an alarm is a parameter, chosen by
cross-validation (``benchmarks/chainsaw.py`` prints the trade-off per threshold), not fixed at 0.5.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Any


class ThresholdedDetector:
    """For models with two classes that give class probabilities."""

    positive: str
    positive_threshold: float

    @abstractmethod
    def class_probabilities(self, inputs: Sequence[Any]) -> tuple[list[str], Any]:
        """The classes in column order, and an (n, n_classes) probability matrix."""

    def positive_probability(self, inputs: Sequence[Any]) -> Any:
        classes, proba = self.class_probabilities(inputs)
        if self.positive not in classes:
            return proba[:, 0] * 0.0
        return proba[:, classes.index(self.positive)]

    def predict_with_confidence(self, inputs: Sequence[Any]) -> tuple[list[str], Any]:
        import numpy as np

        classes, proba = self.class_probabilities(inputs)
        if self.positive not in classes or len(classes) != 2:
            return [classes[i] for i in proba.argmax(1)], proba.max(1)
        p = proba[:, classes.index(self.positive)]
        negative = next(c for c in classes if c != self.positive)
        hit = p >= self.positive_threshold
        return [self.positive if h else negative for h in hit], np.where(hit, p, 1.0 - p)

    def predict(self, inputs: Sequence[Any]) -> list[str]:
        return self.predict_with_confidence(inputs)[0]
