"""The inline charts: a log axis that survives intervals reaching below zero, escaped labels."""

from __future__ import annotations

import re

from frugalbench.present.charts import Point, bars_svg, pareto_svg


def test_pareto_plot_draws_every_point_and_the_front() -> None:
    svg = pareto_svg(
        [
            Point("cheap", 0.5, 0.62, True, 0.45, 0.55),
            Point("costly", 80.0, 0.65, True, 75.0, 85.0),
            Point("worse", 5.0, 0.60, False, 4.0, 6.0),
        ]
    )
    assert svg.count("<circle") == 3 and svg.count('class="front"') == 2
    assert "<path" in svg  # the front's steps
    assert ">100 mJ<" in svg and ">100 J<" in svg  # decades that span 0.45 J to 85 J


def test_an_interval_below_zero_runs_to_the_axis_edge() -> None:
    svg = pareto_svg([Point("noisy", 0.08, 0.125, True, -0.15, 0.44), Point("x", 0.07, 0.1, True)])
    lines = re.findall(r'<line x1="([\d.]+)" y1="[\d.]+" x2="([\d.]+)"', svg)
    assert any(float(x1) == 64.0 for x1, _ in lines)  # the left edge


def test_labels_are_escaped_and_empty_plots_say_so() -> None:
    assert "&lt;script&gt;" in pareto_svg([Point("<script>", 1.0, 0.5, True)])
    assert "no results yet" in pareto_svg([])
    assert "1.5 J" in bars_svg([("load", 0.5), ("inference", 1.5)])
