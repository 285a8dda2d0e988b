"""Classification scores shared by every classification task."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def classification_scores(
    labels: Sequence[str], y_true: Sequence[str], y_pred: Sequence[str]
) -> dict[str, Any]:
    """Accuracy, macro-F1 over the task's labels, per-class recall and the confusion matrix.

    Recall and macro-F1 average over the labels present in ``y_true``: a class absent from the
    split has no recall to measure, and counting it as 0 would punish a model for the split.
    The confusion matrix always spans every label of the task, so matrices can be compared.
    """
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, recall_score

    label_list = list(labels)
    present = [lab for lab in label_list if lab in set(y_true)]
    recalls = recall_score(y_true, y_pred, labels=present, average=None, zero_division=0)
    matrix = confusion_matrix(y_true, y_pred, labels=label_list)
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(
            f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)
        ),
        "per_class_recall": {lab: float(r) for lab, r in zip(present, recalls, strict=True)},
        "confusion_matrix": {"labels": label_list, "matrix": matrix.tolist()},
        "n_inputs": len(y_true),
    }


def detection_scores(
    positive: str,
) -> Callable[[Sequence[str], Sequence[str], Sequence[str]], dict[str, Any]]:
    """A scorer for a detection task: the classification scores plus, for the ``positive`` class,
    recall (a missed chainsaw is a felled tree), the false-alarm rate (share of negatives
    flagged: what a ranger's night costs) and F1."""

    def score(
        labels: Sequence[str], y_true: Sequence[str], y_pred: Sequence[str]
    ) -> dict[str, Any]:
        out = classification_scores(labels, y_true, y_pred)
        hits = sum(t == positive and p == positive for t, p in zip(y_true, y_pred, strict=True))
        positives = sum(t == positive for t in y_true)
        flagged = sum(p == positive for p in y_pred)
        false_alarms = flagged - hits
        negatives = len(y_true) - positives
        recall = hits / positives if positives else None
        precision = hits / flagged if flagged else None
        f1 = (
            2 * precision * recall / (precision + recall)
            if precision is not None and recall is not None and precision + recall > 0
            else 0.0
        )
        out.update(
            {
                f"{positive}_recall": recall,
                f"{positive}_precision": precision,
                "false_alarm_rate": false_alarms / negatives if negatives else None,
                "f1": f1,
            }
        )
        return out

    return score
