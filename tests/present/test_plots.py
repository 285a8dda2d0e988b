"""The bench's PNG: model names placed where they overlap nothing, clamped intervals as arrows."""

from __future__ import annotations

from pathlib import Path

from frugalbench.harness.bench import BenchRow
from frugalbench.present.plots import plot_front
from frugalbench.results import RunResult
from frugalbench.stats import Summary

LADDER = (  # the climate ladder's figures (README): close points, long names
    ("random", 0.128, 0.003),
    ("majority", 0.269, 0.001),
    ("tfidf-linear", 0.624, 0.45),
    ("ngram-linear", 0.629, 3.3),
    ("static-minilm-linear", 0.600, 2.4),
    ("cascade", 0.634, 12.0),
    ("minilm-tfidf-linear", 0.646, 54.2),
    ("minilm-linear", 0.654, 53.9),
    ("minilm-finetuned", 0.649, 95.6),
)


def row(result: RunResult, name: str, accuracy: float, energy_j: float) -> BenchRow:
    per = result.per_1000_inputs
    assert per is not None and result.scores is not None
    noisy = Summary.of([energy_j * 0.01, energy_j, energy_j * 2.2])  # a t-interval below zero
    changed = result.model_copy(
        update={
            "scores": {**result.scores, "accuracy": accuracy},
            "per_1000_inputs": per.model_copy(update={"energy_j": noisy}),
        }
    )
    return BenchRow(name, (changed,), name in ("majority", "tfidf-linear", "minilm-linear"), False)


def test_model_names_never_overlap_on_the_bench_plot(
    text_result_file: Path, tmp_path: Path
) -> None:
    result = RunResult.load(text_result_file)
    rows = [row(result, *figures) for figures in LADDER]
    assert all((r.energy_interval_j or (1, 1))[0] < 0 for r in rows)  # every one clamped
    boxes = plot_front(rows, tmp_path / "pareto.png")
    assert len(boxes) == len(LADDER) and (tmp_path / "pareto.png").stat().st_size > 10_000
    for i, (ax0, ay0, ax1, ay1) in enumerate(boxes):
        for bx0, by0, bx1, by1 in boxes[i + 1 :]:
            assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0, (boxes[i], (bx0, by0))
