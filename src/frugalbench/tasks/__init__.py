"""Tasks, their data and their scores."""

from __future__ import annotations

from collections.abc import Sequence

from frugalbench.tasks.base import Dataset, Metric, Task

__all__ = ["Dataset", "Metric", "Task", "get_task", "stratified_split"]


def get_task(name: str) -> Task:
    from frugalbench.tasks.registry import tasks

    return tasks.get(name)


def stratified_split(
    dataset: Dataset, test_size: float = 0.2, seed: int = 42
) -> tuple[Dataset, Dataset]:
    """The fixed, seeded, stratified train/test split used when no separate test data is given."""
    from sklearn.model_selection import train_test_split

    indices: Sequence[int] = list(range(len(dataset)))
    train_idx, test_idx = train_test_split(
        indices, test_size=test_size, random_state=seed, stratify=list(dataset.labels)
    )
    tag = f"seed={seed},test_size={test_size}"
    return dataset.subset(sorted(train_idx), f"train[{tag}]"), dataset.subset(
        sorted(test_idx), f"test[{tag}]"
    )
