from __future__ import annotations

from collections import Counter

import pytest

from frugalbench.errors import UnknownNameError
from frugalbench.tasks import get_task, stratified_split

TASK = get_task("climate-disinfo")


def test_bundled_training_split_is_the_hub_train_split() -> None:
    data = TASK.load(None)
    assert len(data) == 4872
    counts = Counter(data.labels)
    assert counts["0_not_relevant"] == 1311 and counts["7_fossil_fuels_needed"] == 222
    assert "CC BY-NC 4.0" in data.source


def test_default_split_is_fixed_seeded_and_stratified() -> None:
    data = TASK.load(None)
    train, test = stratified_split(data, 0.2, 42)
    _, again_test = stratified_split(data, 0.2, 42)
    assert test.inputs == again_test.inputs and len(test) == 975 and len(train) == 3897
    assert not set(train.ids) & set(test.ids)
    share = Counter(test.labels)["7_fossil_fuels_needed"] / len(test)
    assert share == pytest.approx(222 / 4872, abs=0.005)
    other = stratified_split(data, 0.2, 7)[1]
    assert other.inputs != test.inputs


def test_scores_from_first_principles() -> None:
    y_true = ["0_not_relevant", "0_not_relevant", "1_not_happening", "2_not_human"]
    y_pred = ["0_not_relevant", "1_not_happening", "1_not_happening", "0_not_relevant"]
    scores = TASK.score(y_true, y_pred)
    assert scores["accuracy"] == 0.5
    assert scores["per_class_recall"] == {
        "0_not_relevant": 0.5,
        "1_not_happening": 1.0,
        "2_not_human": 0.0,
    }
    # F1 per class: 0 -> P=1/2,R=1/2 -> 0.5; 1 -> P=1/2,R=1 -> 2/3; 2 -> 0.
    assert scores["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 0) / 3)
    matrix = scores["confusion_matrix"]
    assert len(matrix["labels"]) == 8 and matrix["matrix"][0][:2] == [1, 1]


def test_unknown_task_suggests_the_right_name() -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'climate-disinfo'"):
        get_task("climate-disinformation")
