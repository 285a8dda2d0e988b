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
    """The fixed, seeded, stratified train/test split used when no separate test data is given.

    A dataset with ``groups`` is split by group (one fold of a seeded ``StratifiedGroupKFold``
    with ``round(1 / test_size)`` folds): every window of a recording stays on one side.
    """
    from sklearn.model_selection import train_test_split

    if dataset.groups:
        return grouped_split(dataset, test_size, seed)
    indices: Sequence[int] = list(range(len(dataset)))
    train_idx, test_idx = train_test_split(
        indices, test_size=test_size, random_state=seed, stratify=list(dataset.labels)
    )
    tag = f"seed={seed},test_size={test_size}"
    return dataset.subset(sorted(train_idx), f"train[{tag}]"), dataset.subset(
        sorted(test_idx), f"test[{tag}]"
    )


def grouped_folds(
    dataset: Dataset, n_splits: int, seed: int = 42
) -> list[tuple[list[int], list[int]]]:
    """Seeded stratified folds that keep each group whole (``ValueError`` if too few groups)."""
    from sklearn.model_selection import StratifiedGroupKFold

    n_groups = len(set(dataset.groups))
    if n_groups < n_splits:
        raise ValueError(f"{n_groups} recording group(s) cannot make {n_splits} folds")
    folds = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    out: list[tuple[list[int], list[int]]] = []
    for train_idx, test_idx in folds.split(
        list(range(len(dataset))), list(dataset.labels), list(dataset.groups)
    ):
        out.append((sorted(int(i) for i in train_idx), sorted(int(i) for i in test_idx)))
    return out


def grouped_split(dataset: Dataset, test_size: float, seed: int) -> tuple[Dataset, Dataset]:
    # few groups (two camera sequences) make fewer folds: one group is then held out whole
    n_splits = max(2, min(round(1 / test_size), len(set(dataset.groups))))
    train_idx, test_idx = grouped_folds(dataset, n_splits, seed)[0]
    tag = f"grouped,seed={seed},test_size={test_size}"
    return dataset.subset(train_idx, f"train[{tag}]"), dataset.subset(test_idx, f"test[{tag}]")
