"""``bench``: a task's model ladder through the harness, with the accuracy-versus-energy front.

Trained models are cached on disk, keyed by task, model, parameters, training data and split, so
a second run only evaluates. Every model trains on the same training splits and is scored on the
same held-out splits: one stratified split for data without groups (text), and for data with
groups (recordings, cameras) every fold of a grouped k-fold, so each group is held out once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from frugalbench.config import RunConfig
from frugalbench.leaderboard import pareto_front
from frugalbench.results import RunResult
from frugalbench.tasks.base import Dataset, Task

Progress = Callable[[str, str], None]


def default_model_cache() -> Path:
    from frugalbench.outputs import cache_dir

    return Path(os.environ.get("FRUGALBENCH_MODEL_CACHE") or cache_dir() / "models")


@dataclass(frozen=True)
class BenchRow:
    """One model of the ladder: its result on each held-out fold (one fold for data without
    groups), summarised as a mean score and a median energy."""

    model: str
    folds: tuple[RunResult, ...]
    pareto: bool
    cached: bool

    @property
    def result(self) -> RunResult:
        """The first fold's result: the model's size, its method, its flags."""
        return self.folds[0]

    @property
    def ok(self) -> list[RunResult]:
        return [r for r in self.folds if r.status == "ok"]

    def score(self, key: str) -> tuple[float, float] | None:
        """Mean and standard deviation of a score over the folds that ran (sd 0 for one)."""
        values = [
            float(r.scores[key]) for r in self.ok if r.scores and r.scores.get(key) is not None
        ]
        if not values or len(self.ok) < len(self.folds):
            return None
        return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0

    @property
    def accuracy(self) -> float | None:
        found = self.score("accuracy")
        return found[0] if found else None

    @property
    def fold_medians_j(self) -> list[float]:
        """Each fold's median inference energy per 1,000 inputs, for the folds that ran."""
        return [r.per_1000_inputs.energy_j.median for r in self.ok if r.per_1000_inputs]

    @property
    def energy_per_1000_j(self) -> float | None:
        medians = self.fold_medians_j
        return statistics.median(medians) if medians and len(self.ok) == len(self.folds) else None

    @property
    def energy_interval_j(self) -> tuple[float, float] | None:
        """One fold: the repeats' 95% interval; several: the range of the folds' medians."""
        if len(self.folds) == 1:
            per = self.result.per_1000_inputs
            if per is None:
                return None
            e = per.energy_j
            return (e.ci95_low or e.min, e.ci95_high or e.max)
        medians = self.fold_medians_j
        return (min(medians), max(medians)) if medians else None

    def by_group(self) -> dict[str, dict[str, Any]]:
        """Each held-out group's scores (every group is held out in exactly one fold)."""
        out: dict[str, dict[str, Any]] = {}
        for r in self.ok:
            out.update((r.scores or {}).get("by_group") or {})
        return dict(sorted(out.items()))


def cache_key(
    task: str, model: str, params: dict[str, object], train_fingerprint: str, split: str
) -> str:
    from frugalbench import __version__

    raw = json.dumps(
        [task, model, params, train_fingerprint, split, __version__], sort_keys=True, default=str
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


def bench(
    task: Task,
    model_names: Sequence[str],
    data: str | None = None,
    config: RunConfig | None = None,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> list[BenchRow]:
    """Every model on every held-out fold: data with groups (recorders, cameras) is scored by
    grouped k-fold, each group held out once, as a user meets a source the model never saw."""
    from frugalbench.tasks import grouped_fold_count

    config = config or RunConfig()
    cache = cache_dir or default_model_cache()
    dataset = task.load(data)
    n_folds = grouped_fold_count(dataset, config.test_size) if dataset.groups else 1
    say = progress or (lambda model, what: None)
    rows: list[tuple[str, tuple[RunResult, ...], bool]] = []
    for name in model_names:
        results, cached = [], False
        for fold in range(n_folds):
            fold_config = config.model_copy(update={"fold": fold})
            where = f" (fold {fold + 1}/{n_folds})" if n_folds > 1 else ""
            result, was_cached = _bench_model(
                task, name, data, dataset, fold_config, cache, say, where
            )
            results.append(result)
            cached = cached or was_cached
        rows.append((name, tuple(results), cached))
    summaries = [BenchRow(n, r, False, c) for n, r, c in rows]
    front = pareto_front(
        [
            (
                s.energy_per_1000_j if s.energy_per_1000_j is not None else float("inf"),
                s.accuracy if s.accuracy is not None else float("-inf"),
            )
            for s in summaries
        ]
    )
    return [
        dataclasses.replace(s, pareto=p and s.accuracy is not None)
        for s, p in zip(summaries, front, strict=True)
    ]


def _bench_model(
    task: Task,
    name: str,
    data: str | None,
    dataset: Dataset,
    config: RunConfig,
    cache: Path,
    say: Progress,
    where: str,
) -> tuple[RunResult, bool]:
    """One model on one fold: trained (or taken from the cache) and evaluated in the harness."""
    from frugalbench.harness.runner import holdout_split, run
    from frugalbench.models.directory import MANIFEST
    from frugalbench.models.references import parse_reference
    from frugalbench.models.registry import models

    train_set, _ = holdout_split(dataset, config)
    # hf: and sklearn: references point at files that may change: never cached
    registered, ref_params = parse_reference(name, task.input_kind)
    params = models.get(registered)(**ref_params).get_params()
    key = cache_key(task.name, registered, params, train_set.fingerprint, train_set.split)
    model_dir = cache / f"{task.name}-{registered}-{key}"
    if name == registered and (model_dir / MANIFEST).exists():
        say(name, "evaluating (cached model)" + where)
        return run(task, str(model_dir), config, data, holdout=True), True
    say(name, "training and evaluating" + where)
    partial = model_dir.with_name(model_dir.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    result = run(task, name, config, data, holdout=True, keep_model_dir=partial)
    if result.status == "ok" and name == registered:
        if model_dir.exists():
            shutil.rmtree(model_dir)
        partial.rename(model_dir)
    else:
        shutil.rmtree(partial, ignore_errors=True)
    return result, False


def write_outputs(rows: Sequence[BenchRow], out_dir: Path) -> Path:
    from frugalbench.results.files import BenchFile
    from frugalbench.results.files import BenchRow as FileRow

    out_dir.mkdir(parents=True, exist_ok=True)
    results = out_dir / "results.json"
    bench_file = BenchFile(
        rows=[
            FileRow(
                model=r.model,
                pareto=r.pareto,
                cached_model=r.cached,
                accuracy=r.score("accuracy"),
                energy_per_1000_j=r.energy_per_1000_j,
                by_group=r.by_group(),
                result=r.result,
                folds=list(r.folds[1:]),
            )
            for r in rows
        ]
    )
    results.write_text(bench_file.model_dump_json(indent=2) + "\n")
    return results
