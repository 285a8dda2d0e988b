"""Pure functions over results: the accuracy-versus-energy Pareto front."""

from __future__ import annotations

from collections.abc import Sequence


def pareto_front(points: Sequence[tuple[float, float]]) -> list[bool]:
    """For (cost, score) points, which are Pareto-optimal: no other point costs no more and scores
    at least as well, strictly better in one. Ties (same cost and score) are all on the front."""
    flags = []
    for i, (cost, score) in enumerate(points):
        dominated = any(
            c <= cost and s >= score and (c < cost or s > score)
            for j, (c, s) in enumerate(points)
            if j != i
        )
        flags.append(not dominated)
    return flags
