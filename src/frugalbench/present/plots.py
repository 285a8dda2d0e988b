"""Charts drawn with matplotlib (PNG): the bench's accuracy-energy front."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from frugalbench.harness.bench import BenchRow


def plot_front(rows: Sequence[BenchRow], path: Path) -> None:
    """Accuracy against inference energy per 1,000 inputs (log scale), the front drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in rows if r.accuracy is not None and r.energy_per_1000_j]
    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    for i, r in enumerate(sorted(ok, key=lambda r: r.energy_per_1000_j or 0)):
        assert r.energy_per_1000_j is not None and r.accuracy is not None
        low, high = r.energy_interval_j or (r.energy_per_1000_j, r.energy_per_1000_j)
        spread = r.score("accuracy")
        ax.errorbar(
            [r.energy_per_1000_j],
            [r.accuracy],
            xerr=[[max(r.energy_per_1000_j - low, 0)], [max(high - r.energy_per_1000_j, 0)]],
            yerr=[spread[1] if spread else 0.0],
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
    grouped = any(len(r.folds) > 1 for r in rows)
    ax.set_xlabel(
        "inference energy per 1,000 inputs (J, log scale; bars: "
        + ("range over folds)" if grouped else "95% interval)")
    )
    ax.set_ylabel(
        "accuracy (held-out groups: mean, bars 1 sd)" if grouped else "accuracy (held-out)"
    )
    task = rows[0].result.task.name if rows else ""
    ax.set_title(f"{task}: accuracy against energy")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
