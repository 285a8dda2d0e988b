"""Grouped cross-validation of model rungs, in process: the benchmarks' view of a ladder.

Every group (a recording, a camera) stays in one fold, and each group's own scores are kept: the
spread over groups is what a user meets on a source the model never saw. For detection tasks it
also sweeps the alarm threshold, since recall and false alarms trade against each other. Energy is
not measured here (``bench`` does that in the harness's measured windows); the CPU time of
``predict`` is, since under the process power model the rungs' energy ratios are its ratios.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from frugalbench.tasks.base import Dataset, Task

THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
ALARM_RULES = ((2, 2), (2, 3), (3, 4))  # k of n consecutive windows (``detect --alarm``)


def confirmed_by_recording(
    ids: Sequence[str], predicted: Sequence[str], positive: str, negative: str, k: int, n: int
) -> list[str]:
    """``detect``'s k-of-n alarm rule applied along each recording's windows (ids
    ``file@START``), in time order: what a guardian running ``detect --alarm k-of-n`` reports."""
    from frugalbench.harness.detect import confirmed

    by_file: dict[str, list[tuple[float, int]]] = {}
    for i, name in enumerate(ids):
        file, _, start = name.rpartition("@")
        by_file.setdefault(file or name, []).append((float(start.rstrip("s") or 0), i))
    out = list(predicted)
    for windows in by_file.values():
        order = [i for _, i in sorted(windows)]
        kept = confirmed([predicted[i] == positive for i in order], k, n)
        for i, hit in zip(order, kept, strict=True):
            out[i] = positive if hit else (negative if predicted[i] == positive else predicted[i])
    return out


def cross_validate(
    task: Task,
    data: Dataset,
    names: Sequence[str],
    folds: int,
    seed: int = 42,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    from frugalbench.models.base import fit_extras
    from frugalbench.models.registry import models
    from frugalbench.tasks import grouped_folds

    positive = task.positive or task.labels[0]
    # a detection task's trade-off, or a classification task's balance over classes
    keys = (
        ("accuracy", f"{positive}_recall", "false_alarm_rate")
        if task.positive
        else ("accuracy", "macro_f1")
    )
    out: dict[str, Any] = {}
    splits = grouped_folds(data, folds, seed)
    for name in names:
        per_fold = []
        sweep: dict[float, list[dict[str, Any]]] = {}
        rules: dict[str, list[dict[str, Any]]] = {}
        for k, (tr, te) in enumerate(splits):
            train, test = data.subset(tr, "cv-train"), data.subset(te, "cv-test")
            cls = models.get(name)
            extra = fit_extras(cls, train.annotations)
            started = time.perf_counter()
            model = cls().fit(train.inputs, train.labels, **extra)
            fit_s = time.perf_counter() - started
            cpu_started = time.process_time()
            predicted = model.predict(test.inputs)
            predict_cpu_s = time.process_time() - cpu_started
            outputs = model.extra_outputs()
            scores = task.score(test.labels, predicted, test.annotations, outputs)
            for rule, scored in _alarm_rule_scores(task, test, predicted).items():
                rules.setdefault(rule, []).append(scored)
            average_precision = None
            if hasattr(model, "positive_probability"):
                p = model.positive_probability(test.inputs)
                for threshold, row in threshold_rows(task, test.labels, p).items():
                    sweep.setdefault(threshold, []).append(row)
                average_precision = _average_precision(test.labels, p, positive)
            fold: dict[str, Any] = {
                "fold": k,
                "n_test": len(test),
                "fit_s": fit_s,
                "predict_cpu_s_per_1000": 1000 * predict_cpu_s / len(test),
                "average_precision": average_precision,
                "by_group": task.score_by_group(
                    test.labels, predicted, test.groups, test.annotations, outputs
                ),
            }
            fold |= {key: scores.get(key) for key in (*keys, "mean_iou") if key in scores}
            per_fold.append(fold)
            shown = ", ".join(
                f"{key} {scores[key]:.3f}" for key in keys if scores.get(key) is not None
            )
            say(f"  {name} fold {k}: {shown} (fit {fit_s:.1f} s)")
        out[name] = {
            "folds": per_fold,
            "summary": {
                key: mean_sd(key, per_fold)
                for key in (*keys, "predict_cpu_s_per_1000", "average_precision")
            },
            "by_group": {g: v for f in per_fold for g, v in f["by_group"].items()},
            "threshold_sweep": {
                str(t): {key: mean_sd(key, rows)["mean"] for key in (*keys, "precision")}
                for t, rows in sweep.items()
            },
            "alarm_rules": {
                rule: {key: mean_sd(key, rows)["mean"] for key in keys}
                for rule, rows in rules.items()
            },
        }
    return out


def _alarm_rule_scores(task: Task, test: Dataset, predicted: Sequence[str]) -> dict[str, Any]:
    """Scores under each k-of-n alarm rule, for windows cut from recordings (ids ``file@START``)."""
    if not (task.positive and test.ids and all("@" in i for i in test.ids)):
        return {}
    positive = task.positive
    negative = next(lab for lab in task.labels if lab != positive)
    out = {}
    for k_hits, n_windows in ALARM_RULES:
        smoothed = confirmed_by_recording(
            test.ids, predicted, positive, negative, k_hits, n_windows
        )
        out[f"{k_hits}-of-{n_windows}"] = task.score(test.labels, smoothed)
    return out


def threshold_rows(
    task: Task, labels: Sequence[str], p: Sequence[float]
) -> dict[float, dict[str, Any]]:
    """Scores at each alarm threshold, with the alarms' precision (the share a ranger finds
    real): with recall, the points of the precision-recall curve."""
    positive = task.positive or task.labels[0]
    negative = next(lab for lab in task.labels if lab != positive)
    rows = {}
    for threshold in THRESHOLDS:
        pred = [positive if x >= threshold else negative for x in p]
        alarms = [y for y, q in zip(labels, pred, strict=True) if q == positive]
        precision = sum(y == positive for y in alarms) / len(alarms) if alarms else None
        rows[threshold] = task.score(labels, pred) | {"precision": precision}
    return rows


def _average_precision(labels: Sequence[str], p: Sequence[float], positive: str) -> float | None:
    """The area under the precision-recall curve over every threshold (scikit-learn's step
    sum); None where the fold has no positive or no negative."""
    from sklearn.metrics import average_precision_score

    truth = [y == positive for y in labels]
    if all(truth) or not any(truth):
        return None
    return float(average_precision_score(truth, list(p)))


def mean_sd(key: str, rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    values = [r[key] for r in rows if r.get(key) is not None]
    return {
        "mean": statistics.fmean(values) if values else float("nan"),
        "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
    }
