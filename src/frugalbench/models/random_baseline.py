"""``random``: a uniformly random label: the floor that any model must beat."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

from frugalbench.models.base import Model
from frugalbench.models.registry import models


@models.add
class RandomModel(Model[Any]):
    name = "random"
    task = ""
    description = "uniformly random label among those seen in training (seeded)"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def fit(self, inputs: Sequence[str], labels: Sequence[str]) -> Self:
        self.classes_ = sorted(set(labels))
        return self

    def predict(self, inputs: Sequence[str]) -> list[str]:
        import numpy as np

        rng = np.random.default_rng(self.seed)
        picks = rng.integers(0, len(self.classes_), size=len(inputs))
        return [self.classes_[i] for i in picks]
