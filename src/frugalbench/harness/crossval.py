"""Grouped cross-validation of model rungs, in process: the benchmarks' view of a ladder.

Every group (a recording, a camera sequence) stays in one fold. For detection tasks it also
sweeps the alarm threshold, since recall and false alarms trade against each other. Energy is not
measured here: ``bench`` does that in the harness's measured windows.
"""

from __future__ import annotations

import inspect
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from frugalbench.tasks.base import Dataset, Task

THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)


def cross_validate(
    task: Task,
    data: Dataset,
    names: Sequence[str],
    folds: int,
    seed: int = 42,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    from frugalbench.models.registry import models
    from frugalbench.tasks import grouped_folds

    positive = task.positive or task.labels[0]
    keys = ("accuracy", f"{positive}_recall", "false_alarm_rate")
    out: dict[str, Any] = {}
    splits = grouped_folds(data, folds, seed)
    for name in names:
        per_fold = []
        sweep: dict[float, list[dict[str, Any]]] = {}
        for k, (tr, te) in enumerate(splits):
            train, test = data.subset(tr, "cv-train"), data.subset(te, "cv-test")
            cls = models.get(name)
            extra = (
                {"annotations": list(train.annotations)}
                if train.annotations and "annotations" in inspect.signature(cls.fit).parameters
                else {}
            )
            started = time.perf_counter()
            model = cls().fit(train.inputs, train.labels, **extra)
            fit_s = time.perf_counter() - started
            predicted = model.predict(test.inputs)
            scores = task.score(test.labels, predicted, test.annotations, model.extra_outputs())
            if hasattr(model, "positive_probability"):
                p = model.positive_probability(test.inputs)
                negative = next(lab for lab in task.labels if lab != positive)
                for threshold in THRESHOLDS:
                    pred = [positive if x >= threshold else negative for x in p]
                    sweep.setdefault(threshold, []).append(task.score(test.labels, pred))
            fold: dict[str, Any] = {"fold": k, "n_test": len(test), "fit_s": fit_s}
            fold |= {key: scores.get(key) for key in (*keys, "mean_iou") if key in scores}
            per_fold.append(fold)
            shown = ", ".join(
                f"{key} {scores[key]:.3f}" for key in keys if scores.get(key) is not None
            )
            say(f"  {name} fold {k}: {shown} (fit {fit_s:.1f} s)")
        out[name] = {
            "folds": per_fold,
            "summary": {key: mean_sd(key, per_fold) for key in keys},
            "threshold_sweep": {
                str(t): {key: mean_sd(key, rows)["mean"] for key in keys}
                for t, rows in sweep.items()
            },
        }
    return out


def mean_sd(key: str, rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    values = [r[key] for r in rows if r.get(key) is not None]
    return {
        "mean": statistics.fmean(values) if values else float("nan"),
        "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
    }


def print_sweeps(cv: dict[str, Any], positive: str, over: str = "folds") -> None:
    """Each rung's mean scores by alarm threshold: the recall / false-alarm trade-off."""
    for name, res in cv.items():
        if res["threshold_sweep"]:
            print(f"\n{name}: mean over {over} by alarm threshold P({positive}) >= t")
            for t, m in res["threshold_sweep"].items():
                print(
                    f"  t={t}: accuracy {m['accuracy']:.3f}, recall {m[f'{positive}_recall']:.3f}, "
                    f"false alarms {m['false_alarm_rate']:.3f}"
                )
