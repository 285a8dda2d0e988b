"""Pure functions over results: the accuracy-versus-energy Pareto front and ranking rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


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


RANKINGS = ("pareto", "threshold", "bands", "stars")


@dataclass(frozen=True)
class Entry:
    """One evaluated submission, as far as ranking is concerned."""

    key: str
    accuracy: float
    energy_j: float  # inference energy per 1,000 inputs (median)


@dataclass(frozen=True)
class Ranked:
    key: str
    rank: int
    pareto_rank: int
    label: str  # what the rank means under the rule: "front 1", "4 stars", ...


def pareto_ranks(entries: Sequence[Entry]) -> list[int]:
    """Non-dominated sorting: 1 for the front, 2 for the front once the first is removed, ..."""
    ranks = [0] * len(entries)
    left = list(range(len(entries)))
    level = 0
    while left:
        level += 1
        front = pareto_front([(entries[i].energy_j, entries[i].accuracy) for i in left])
        for i, on in zip(left, front, strict=True):
            if on:
                ranks[i] = level
        left = [i for i, on in zip(left, front, strict=True) if not on]
    return ranks


def star_ratings(energies: Sequence[float]) -> list[int]:
    """1-5 stars by energy quintile within the task: the cheapest fifth gets 5."""
    if not energies:
        return []
    order = sorted(energies)
    n = len(order)
    stars = []
    for e in energies:
        below = sum(1 for x in order if x < e)  # entries strictly cheaper
        quintile = min(int(5 * below / n), 4)
        stars.append(5 - quintile)
    return stars


def rank(entries: Sequence[Entry], rule: str = "pareto", **params: float) -> list[Ranked]:
    """Order entries under a challenge's rule; best first.

    - ``pareto`` (default): by Pareto rank, then by accuracy within a front.
    - ``threshold`` (``min_accuracy``): entries reaching the accuracy threshold first, cheapest
      first; then the others by accuracy.
    - ``bands`` (``width``, default 0.02): accuracy bands from the top; within a band, cheapest
      first.
    - ``stars``: 1-5 stars by energy quintile within the task; then by accuracy.
    """
    if rule not in RANKINGS:
        raise ValueError(f"unknown ranking {rule!r}; use one of {', '.join(RANKINGS)}")
    p_ranks = pareto_ranks(entries)
    stars = star_ratings([e.energy_j for e in entries])
    keyed: list[tuple[tuple[float, ...], str, int]] = []
    for i, e in enumerate(entries):
        if rule == "pareto":
            sort_key: tuple[float, ...] = (p_ranks[i], -e.accuracy, e.energy_j)
        elif rule == "threshold":
            above = e.accuracy >= float(params.get("min_accuracy", 0.0))
            sort_key = (0, e.energy_j, -e.accuracy) if above else (1, -e.accuracy, e.energy_j)
        elif rule == "bands":
            sort_key = (_band(entries, e, params), e.energy_j, -e.accuracy)
        else:
            sort_key = (-stars[i], -e.accuracy, e.energy_j)
        keyed.append((sort_key, e.key, i))
    keyed.sort()
    return [
        Ranked(key, position + 1, p_ranks[i], _label(rule, entries, i, p_ranks, stars, params))
        for position, (_, key, i) in enumerate(keyed)
    ]


def _label(
    rule: str,
    entries: Sequence[Entry],
    i: int,
    p_ranks: list[int],
    stars: list[int],
    params: dict[str, float],
) -> str:
    e = entries[i]
    if rule == "pareto":
        return f"front {p_ranks[i]}"
    if rule == "threshold":
        t = float(params.get("min_accuracy", 0.0))
        return f"{'meets' if e.accuracy >= t else 'below'} accuracy {t:g}"
    if rule == "bands":
        width = float(params.get("width", 0.02))
        top = max(x.accuracy for x in entries)
        band = _band(entries, e, params)
        return f"band {band + 1} (accuracy {top - (band + 1) * width:.3f}-{top - band * width:.3f})"
    return f"{stars[i]} star{'s' if stars[i] != 1 else ''}"


def _band(entries: Sequence[Entry], e: Entry, params: dict[str, float]) -> int:
    """0 for the top accuracy band, 1 for the next, ... (bands of ``width`` from the best)."""
    width = float(params.get("width", 0.02))
    top = max(x.accuracy for x in entries)
    return int((top - e.accuracy) / width + 1e-9)
