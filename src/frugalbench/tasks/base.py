"""Tasks: what a model is asked to do, on which data, and how its answers are scored.

A task is a frozen dataclass in Python rather than a configuration file: its loaders and metrics
are code, and a reader can follow them. The harness keeps a dataset's labels on its side; a model
only ever receives ``Dataset.inputs``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Dataset:
    """Inputs and labels of one split, with where they came from."""

    inputs: tuple[str, ...]
    labels: tuple[str, ...]
    source: str
    fingerprint: str
    split: str = "all"
    ids: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if len(self.inputs) != len(self.labels):
            raise ValueError("inputs and labels differ in length")

    def __len__(self) -> int:
        return len(self.inputs)

    def subset(self, indices: Sequence[int], split: str) -> Dataset:
        return Dataset(
            inputs=tuple(self.inputs[i] for i in indices),
            labels=tuple(self.labels[i] for i in indices),
            source=self.source,
            fingerprint=self.fingerprint,
            split=split,
            ids=tuple(self.ids[i] for i in indices) if self.ids else (),
        )

    def describe(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "split": self.split,
            "n_inputs": len(self),
            "fingerprint": self.fingerprint,
        }


@dataclass(frozen=True)
class Metric:
    name: str
    higher_is_better: bool
    description: str


@dataclass(frozen=True)
class Task:
    """A benchmark task; ``load(data)`` returns the dataset named by ``data`` (None: bundled)."""

    name: str
    description: str
    labels: tuple[str, ...]
    input_kind: str
    metrics: tuple[Metric, ...]
    loader: Callable[[str | None], Dataset]
    scorer: Callable[[Sequence[str], Sequence[str], Sequence[str]], dict[str, Any]]
    input_unit: str = "input"

    def load(self, data: str | None = None) -> Dataset:
        return self.loader(data)

    def score(self, y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
        return self.scorer(self.labels, y_true, y_pred)
