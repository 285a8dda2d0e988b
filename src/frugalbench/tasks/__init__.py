"""Tasks, their data and their scores."""

from __future__ import annotations

from collections.abc import Sequence

from frugalbench.tasks.base import Dataset, Metric, Task

__all__ = ["Dataset", "Metric", "Task", "get_task", "stratified_split"]


def get_task(name: str) -> Task:
    from frugalbench.tasks.registry import tasks

    return tasks.get(name)


def stratified_split(
    dataset: Dataset, test_size: float = 0.2, seed: int = 42, fold: int = 0
) -> tuple[Dataset, Dataset]:
    """The fixed, seeded, stratified train/test split used when no separate test data is given.

    A dataset with ``groups`` is split by group (fold ``fold`` of a seeded
    ``StratifiedGroupKFold`` with ``grouped_fold_count`` folds): every window of a recording,
    every frame of a camera, stays on one side.
    """
    from sklearn.model_selection import train_test_split

    if dataset.groups:
        return grouped_split(dataset, test_size, seed, fold)
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


def grouped_fold_count(dataset: Dataset, test_size: float = 0.2) -> int:
    """``round(1 / test_size)`` folds; few groups (two cameras) make fewer, one group each."""
    return max(2, min(round(1 / test_size), len(set(dataset.groups))))


def grouped_split(
    dataset: Dataset, test_size: float, seed: int, fold: int = 0
) -> tuple[Dataset, Dataset]:
    n_splits = grouped_fold_count(dataset, test_size)
    if not 0 <= fold < n_splits:
        raise ValueError(f"fold {fold} of {n_splits} grouped folds does not exist")
    train_idx, test_idx = grouped_folds(dataset, n_splits, seed)[fold]
    tag = f"grouped,seed={seed},test_size={test_size}" + (
        f",fold={fold}/{n_splits}" if fold else ""
    )
    return dataset.subset(train_idx, f"train[{tag}]"), dataset.subset(test_idx, f"test[{tag}]")
