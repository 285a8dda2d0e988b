"""``majority``: always the most frequent training label: what accuracy means for free."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, Self

from frugalbench.models.base import Model
from frugalbench.models.registry import models


@models.add
class MajorityModel(Model[Any]):
    name = "majority"
    task = ""
    description = "the most frequent training label, always"

    def fit(self, inputs: Sequence[str], labels: Sequence[str]) -> Self:
        counts = Counter(labels)
        self.label_ = min(counts, key=lambda lab: (-counts[lab], lab))
        return self

    def predict(self, inputs: Sequence[str]) -> list[str]:
        return [self.label_] * len(inputs)

    def n_parameters(self) -> int:
        return 1
