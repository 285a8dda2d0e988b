"""Epoch reports from inside ``fit``: nobody listening costs nothing; the innermost one hears."""

from __future__ import annotations

from frugalbench.models.progress import listening, report


def test_reports_reach_the_innermost_listener_only() -> None:
    outer: list[tuple[int, int, str]] = []
    inner: list[tuple[int, int, str]] = []
    report(1, 2)  # nobody listens: nothing happens
    with listening(lambda *a: outer.append(a)):
        report(1, 3)
        with listening(lambda *a: inner.append(a)):
            report(2, 3, "batch")
        report(3, 3)
    report(9, 9)
    assert outer == [(1, 3, "epoch"), (3, 3, "epoch")]
    assert inner == [(2, 3, "batch")]
