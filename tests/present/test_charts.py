"""The inline charts: a log axis that survives intervals reaching below zero, escaped labels."""

from __future__ import annotations

import html
import re

from frugalbench.present.charts import Box, Point, _Frame, bars_svg, pareto_svg, text_box


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


def test_an_interval_below_zero_ends_in_an_arrow_at_the_axis_edge() -> None:
    """A log axis has no zero: the clamped end is drawn as an arrow at the left edge, not as a
    bar that seems to end there."""
    svg = pareto_svg([Point("noisy", 0.08, 0.125, True, -0.15, 0.44), Point("x", 0.07, 0.1, True)])
    assert svg.count('class="clamped"') == 1
    arrow = re.search(r'class="clamped" d="M([\d.]+) ', svg)
    assert arrow and float(arrow.group(1)) == 64.0  # the plot's left edge
    assert "off the log axis" in svg


def label_boxes(svg: str) -> list[Box]:
    pattern = (
        r'<text class="label" x="([\d.]+)" y="([\d.]+)" text-anchor="(\w+)"'
        r'( style="font-weight:bold")?>([^<]*)</text>'
    )
    found = re.findall(pattern, svg)
    return [text_box(float(x), float(y), html.unescape(t), a, bool(b)) for x, y, a, b, t in found]


def test_labels_never_overlap_each_other_or_a_marker() -> None:
    """A report's chart: the reported model on top of its reference namesake, and reference
    models crowded at the top right (their labels used to overlap)."""
    points = [
        Point("random", 0.003, 0.128, False),
        Point("majority", 0.001, 0.269, True),
        Point("tfidf-linear", 0.45, 0.624, True),
        Point("tfidf-linear", 0.46, 0.626, True, 0.40, 0.50, highlight=True),
        Point("ngram-linear", 3.3, 0.629, True),
        Point("static-minilm-linear", 2.4, 0.600, False),
        Point("cascade", 12.0, 0.634, True),
        Point("minilm-tfidf-linear", 54.2, 0.646, False),
        Point("minilm-linear", 53.9, 0.654, True),
        Point("minilm-finetuned", 95.6, 0.649, False),
    ]
    svg = pareto_svg(points)
    boxes = label_boxes(svg)
    named = {t for t in re.findall(r'<text class="label"[^>]*>([^<]*)<', svg)}
    legend = re.findall(r'<text class="legend"[^>]*>([^<]*)<', svg)
    assert len(boxes) == len(points)  # every point labelled, by name or by a legend number
    assert {p.label for p in points} <= named | {line.split(": ", 1)[1] for line in legend}
    for i, a in enumerate(boxes):
        assert not any(a.overlaps(b) for b in boxes[i + 1 :]), a
    frame = _Frame.around(points, 640, 360)
    for p in points:
        marker = Box(frame.sx(p.energy_j) - 4, frame.sy(p.accuracy) - 4,
                     frame.sx(p.energy_j) + 4, frame.sy(p.accuracy) + 4)  # fmt: skip
        assert sum(b.overlaps(marker) for b in boxes) == 0


def test_labels_are_escaped_and_empty_plots_say_so() -> None:
    assert "&lt;script&gt;" in pareto_svg([Point("<script>", 1.0, 0.5, True)])
    assert "no results yet" in pareto_svg([])
    assert "1.5 J" in bars_svg([("load", 0.5), ("inference", 1.5)])
