"""``bench``: a task's model ladder through the harness, with the accuracy-versus-energy front.

Trained models are cached on disk, keyed by task, model, parameters, training data and split, so
a second run only evaluates. Every model trains on the same training split and is scored on the
same held-out split.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from frugalbench.config import RunConfig
from frugalbench.leaderboard import pareto_front
from frugalbench.results import RunResult
from frugalbench.tasks.base import Task

Progress = Callable[[str, str], None]


def default_model_cache() -> Path:
    base = os.environ.get("FRUGALBENCH_MODEL_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "frugalbench", "models"
    )
    return Path(base)


@dataclass(frozen=True)
class BenchRow:
    model: str
    result: RunResult
    pareto: bool
    cached: bool

    @property
    def accuracy(self) -> float | None:
        return self.result.scores["accuracy"] if self.result.scores else None

    @property
    def energy_per_1000_j(self) -> float | None:
        per = self.result.per_1000_inputs
        return per.energy_j.median if per else None


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
    from frugalbench.harness.runner import holdout_split, run
    from frugalbench.models.directory import MANIFEST
    from frugalbench.models.references import parse_reference
    from frugalbench.models.registry import models

    config = config or RunConfig()
    cache = cache_dir or default_model_cache()
    train_set, _ = holdout_split(task.load(data), config)
    say = progress or (lambda model, what: None)
    rows: list[tuple[str, RunResult, bool]] = []
    for name in model_names:
        # hf: and sklearn: references point at files that may change: never cached
        registered, ref_params = parse_reference(name, task.input_kind)
        params = models.get(registered)(**ref_params).get_params()
        key = cache_key(task.name, registered, params, train_set.fingerprint, train_set.split)
        model_dir = cache / f"{task.name}-{registered}-{key}"
        cached = name == registered and (model_dir / MANIFEST).exists()
        if cached:
            say(name, "evaluating (cached model)")
            result = run(task, str(model_dir), config, data, holdout=True)
        else:
            say(name, "training and evaluating")
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
        rows.append((name, result, cached))
    front = pareto_front(
        [
            (
                r.per_1000_inputs.energy_j.median if r.per_1000_inputs else float("inf"),
                r.scores["accuracy"] if r.scores else float("-inf"),
            )
            for _, r, _ in rows
        ]
    )
    return [
        BenchRow(n, r, p and r.status == "ok", c) for (n, r, c), p in zip(rows, front, strict=True)
    ]


def write_outputs(rows: Sequence[BenchRow], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    results = out_dir / "results.json"
    results.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "rows": [
                    {
                        "model": r.model,
                        "pareto": r.pareto,
                        "cached_model": r.cached,
                        "result": r.result.model_dump(mode="json"),
                    }
                    for r in rows
                ],
            },
            indent=2,
        )
        + "\n"
    )
    plot = out_dir / "pareto.png"
    plot_front(rows, plot)
    return results, plot


def plot_front(rows: Sequence[BenchRow], path: Path) -> None:
    """Accuracy against inference energy per 1,000 inputs (log scale), the front drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in rows if r.accuracy is not None and r.energy_per_1000_j]
    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    for i, r in enumerate(sorted(ok, key=lambda r: r.energy_per_1000_j or 0)):
        assert r.energy_per_1000_j is not None and r.accuracy is not None
        per = r.result.per_1000_inputs
        assert per is not None
        low = per.energy_j.ci95_low or per.energy_j.min
        high = per.energy_j.ci95_high or per.energy_j.max
        ax.errorbar(
            [r.energy_per_1000_j],
            [r.accuracy],
            xerr=[[max(r.energy_per_1000_j - low, 0)], [max(high - r.energy_per_1000_j, 0)]],
            fmt="o",
            color="tab:green" if r.pareto else "tab:gray",
            capsize=3,
        )
        ax.annotate(
            r.model,
            (r.energy_per_1000_j, r.accuracy),
            textcoords="offset points",
            xytext=(6, 5 if i % 2 == 0 else -12),  # alternate sides: close points stay legible
            fontsize=8,
        )
    front = sorted((r.energy_per_1000_j or 0, r.accuracy or 0) for r in ok if r.pareto)
    if front:
        xs, ys = zip(*front, strict=True)
        ax.step(xs, ys, where="post", color="tab:green", alpha=0.6, label="Pareto front")
        ax.legend(loc="best")
    ax.set_xscale("log")
    ax.set_xlabel("inference energy per 1,000 inputs (J, log scale; bars: 95% interval)")
    ax.set_ylabel("accuracy (held-out)")
    task = rows[0].result.task["name"] if rows else ""
    ax.set_title(f"{task}: accuracy against energy")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
