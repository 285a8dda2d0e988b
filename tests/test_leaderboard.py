from __future__ import annotations

from frugalbench.leaderboard import pareto_front


def test_pareto_front_from_first_principles() -> None:
    points = [
        (1.0, 0.60),  # cheapest: on the front
        (2.0, 0.55),  # costs more, scores less than the first: dominated
        (5.0, 0.70),  # better score at more cost: on the front
        (5.0, 0.65),  # same cost as the third, lower score: dominated
        (50.0, 0.70),  # same score as the third at ten times the cost: dominated
        (100.0, 0.76),  # best score: on the front
    ]
    assert pareto_front(points) == [True, False, True, False, False, True]


def test_ties_stay_on_the_front() -> None:
    assert pareto_front([(1.0, 0.5), (1.0, 0.5)]) == [True, True]
    assert pareto_front([]) == []
