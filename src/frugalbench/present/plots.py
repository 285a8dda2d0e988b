"""Charts drawn with matplotlib (PNG): the bench's accuracy-energy front."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from frugalbench.harness.bench import BenchRow


def plot_front(rows: Sequence[BenchRow], path: Path) -> list[tuple[float, float, float, float]]:
    """Accuracy against inference energy per 1,000 inputs (log scale), the front drawn; returns
    the boxes of the model names as drawn (pixels), which a test checks for overlaps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in rows if r.accuracy is not None and r.energy_per_1000_j]
    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    clamped = []
    for r in sorted(ok, key=lambda r: r.energy_per_1000_j or 0):
        assert r.energy_per_1000_j is not None and r.accuracy is not None
        low, high = r.energy_interval_j or (r.energy_per_1000_j, r.energy_per_1000_j)
        if low <= 0:  # no zero on a log axis: drawn as an arrow to the edge below
            clamped.append((r, "tab:green" if r.pareto else "tab:gray"))
        spread = r.score("accuracy")
        ax.errorbar(
            [r.energy_per_1000_j],
            [r.accuracy],
            xerr=[
                [0 if low <= 0 else r.energy_per_1000_j - low],
                [max(high - r.energy_per_1000_j, 0)],
            ],
            yerr=[spread[1] if spread else 0.0],
            fmt="o",
            color="tab:green" if r.pareto else "tab:gray",
            capsize=3,
        )
    front = sorted((r.energy_per_1000_j or 0, r.accuracy or 0) for r in ok if r.pareto)
    if front:
        xs, ys = zip(*front, strict=True)
        ax.step(xs, ys, where="post", color="tab:green", alpha=0.6, label="Pareto front")
        ax.legend(loc="best")
    ax.set_xscale("log")
    left = ax.get_xlim()[0]
    for r, colour in clamped:
        ax.annotate(
            "",
            xy=(left, r.accuracy),
            xytext=(r.energy_per_1000_j, r.accuracy),
            arrowprops={"arrowstyle": "->", "color": colour},
        )
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
    boxes = _place_labels(fig, ax, ok)
    fig.savefig(path)
    plt.close(fig)
    return boxes


# beside the marker first, then further out (with a leader line) until a free place is found
NEAR_PT = ((6, 5), (6, -12), (-6, 5), (-6, -12), (0, 9), (0, -16), (8, -3), (-8, -3))
FAR_PT = tuple(
    (dx, dy) for k in range(1, 6) for dy in (5 + 13 * k, -12 - 13 * k) for dx in (10, -10, 0)
)
OFFSETS_PT = (*NEAR_PT, *FAR_PT)


def _place_labels(
    fig: Any, ax: Any, rows: Sequence[BenchRow]
) -> list[tuple[float, float, float, float]]:
    """Each model's name where its drawn box overlaps no other name and no marker (measured by
    the renderer, not guessed); the front's models first. A name with no free place keeps the
    first place and is drawn faded, so it cannot hide another."""
    low, high = ax.get_ylim()
    ax.set_ylim(low, high + 0.12 * (high - low))  # headroom: names above the top row fit inside
    fig.tight_layout()
    renderer = fig.canvas.get_renderer()
    markers = [ax.transData.transform((r.energy_per_1000_j, r.accuracy)) for r in rows]
    placed: list[Any] = []
    for r in sorted(rows, key=lambda r: not r.pareto):
        for i, (dx, dy) in enumerate(OFFSETS_PT):
            far = abs(dy) > 16
            text = ax.annotate(
                r.model,
                (r.energy_per_1000_j, r.accuracy),
                textcoords="offset points",
                xytext=(dx, dy),
                ha="left" if dx > 0 else "right" if dx < 0 else "center",
                fontsize=8,
            )
            box = text.get_window_extent(renderer).expanded(1.05, 1.1)
            inside = ax.get_window_extent(renderer).contains(box.x0, box.y0) and (
                ax.get_window_extent(renderer).contains(box.x1, box.y1)
            )
            hits_marker = any(box.contains(x, y) for x, y in markers)
            if inside and not hits_marker and not any(box.overlaps(b) for b in placed):
                placed.append(box)
                if far:  # a leader line from the name back to its marker
                    ax.annotate(
                        "",
                        (r.energy_per_1000_j, r.accuracy),
                        textcoords="offset points",
                        xytext=(dx, dy),
                        arrowprops={"arrowstyle": "-", "color": "0.6", "lw": 0.6},
                    )
                break
            if i == len(OFFSETS_PT) - 1:
                text.set_position(OFFSETS_PT[0])
                text.set_alpha(0.5)
                placed.append(text.get_window_extent(renderer))
            else:
                text.remove()
    return [(b.x0, b.y0, b.x1, b.y1) for b in placed]
