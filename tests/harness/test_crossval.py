"""Cross-validation helpers of the benchmarks: the points of the precision-recall curve."""

from __future__ import annotations

import pytest

from frugalbench.harness.crossval import _average_precision, threshold_rows
from frugalbench.tasks import get_task


def test_threshold_rows_give_the_alarms_precision() -> None:
    task = get_task("chainsaw")
    positive = task.positive
    assert positive is not None
    negative = next(lab for lab in task.labels if lab != positive)
    labels = [positive, positive, negative, negative, negative]
    p = [0.9, 0.35, 0.45, 0.05, 0.15]
    rows = threshold_rows(task, labels, p)
    assert rows[0.5]["precision"] == 1.0  # one alarm, a real one
    assert rows[0.4]["precision"] == 0.5  # a second alarm, on a quiet clip
    assert rows[0.3]["precision"] == pytest.approx(2 / 3)
    assert rows[0.1]["precision"] == pytest.approx(2 / 4)
    assert rows[0.5][f"{positive}_recall"] == 0.5


def test_average_precision_ranks_and_needs_both_classes() -> None:
    assert _average_precision(["a", "b", "b"], [0.9, 0.1, 0.2], "a") == 1.0
    assert _average_precision(["a", "b", "b"], [0.1, 0.9, 0.2], "a") == pytest.approx(1 / 3)
    assert _average_precision(["a", "a"], [0.1, 0.9], "a") is None
