"""Small inline SVG charts (no JavaScript, no network): the accuracy-versus-energy plot with its
Pareto front, energy per phase as bars, and series over years as lines. Pure functions from
numbers to markup, shared by the leaderboard pages and the reports, so a page stands alone."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from frugalbench.units import format_energy

PALETTE = ("#4c8bf5", "#d9480f", "#1a7f37", "#9c36b5", "#e8590c", "#495057")


@dataclass(frozen=True)
class Point:
    label: str
    energy_j: float
    accuracy: float
    on_front: bool
    low_j: float | None = None
    high_j: float | None = None
    highlight: bool = False  # the model a report is about, among reference points


@dataclass(frozen=True)
class _Frame:
    """A chart's plotting area: log10 energy on x, accuracy on y, margins in pixels."""

    width: int
    height: int
    x_min: int
    x_max: int
    y_min: float
    y_max: float
    left: int = 64
    right: int = 20
    top: int = 20
    bottom: int = 48

    @classmethod
    def around(cls, usable: Sequence[Point], width: int, height: int) -> _Frame:
        # a t-interval's low end can fall below zero (few repeats, a noisy window): such a bar
        # runs to the axis's left edge, and the axis is scaled on the positive values only
        lo = min(p.low_j if p.low_j and p.low_j > 0 else p.energy_j for p in usable)
        hi = max(p.high_j if p.high_j and p.high_j > 0 else p.energy_j for p in usable)
        x_min, x_max = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
        accs = [p.accuracy for p in usable]
        y_min, y_max = max(0.0, min(accs) - 0.05), min(1.0, max(accs) + 0.05)
        if y_max - y_min < 0.1:
            y_min = max(0.0, y_max - 0.1)
        return cls(width, height, x_min, x_max + (x_max == x_min), y_min, y_max)

    def sx(self, e: float) -> float:
        span = self.width - self.left - self.right
        return self.left + (math.log10(e) - self.x_min) / (self.x_max - self.x_min) * span

    def sy(self, a: float) -> float:
        span = self.height - self.top - self.bottom
        return self.top + (self.y_max - a) / (self.y_max - self.y_min) * span


def pareto_svg(
    points: Sequence[Point],
    width: int = 640,
    height: int = 360,
    x_label: str = "inference energy per 1,000 inputs (log scale; bars: 95% interval)",
) -> str:
    """Accuracy against inference energy per 1,000 inputs (log axis), 95% bars, front as steps."""
    usable = [p for p in points if p.energy_j > 0]
    if not usable:
        return (
            f'<svg width="{width}" height="{height}" role="img">'
            '<text x="20" y="40">no results yet</text></svg>'
        )
    f = _Frame.around(usable, width, height)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="accuracy against energy">',
        "<style>text{font:11px sans-serif}.front{fill:#1a7f37}.other{fill:#888}</style>",
        *_axes(f, x_label),
        *_front_path(f, usable),
    ]
    for p in usable:
        parts += _point(f, p)
    labels, legend = place_labels(f, usable)
    parts += labels
    if legend:  # labels that found no free place: numbered on the chart, named below it
        extra = 14 * len(legend)
        parts[0] = (
            parts[0]
            .replace(f'height="{height}"', f'height="{height + extra}"')
            .replace(f"0 0 {width} {height}", f"0 0 {width} {height + extra}")
        )
        parts += [
            f'<text class="legend" x="{f.left}" y="{height + 10 + 14 * i}">{escape(line)}</text>'
            for i, line in enumerate(legend)
        ]
    parts.append("</svg>")
    return "".join(parts)


CHAR_W = {False: 6.2, True: 6.9}  # px per character of 11 px sans-serif (bold wider): generous
LABEL_H = 12.0


@dataclass(frozen=True)
class Box:
    """A label's or marker's rectangle in pixels: what must not overlap."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        return not (
            self.x1 <= other.x0 or other.x1 <= self.x0 or self.y1 <= other.y0 or other.y1 <= self.y0
        )


def text_box(x: float, y: float, text: str, anchor: str = "start", bold: bool = False) -> Box:
    """The box an SVG ``<text>`` at (x, y, baseline) covers, by the width estimate above."""
    w = len(text) * CHAR_W[bold]
    x0 = {"start": x, "middle": x - w / 2, "end": x - w}[anchor]
    return Box(x0, y - LABEL_H + 2, x0 + w, y + 3)


def place_labels(f: _Frame, points: Sequence[Point]) -> tuple[list[str], list[str]]:
    """Each point's label where it overlaps no other label or marker and stays in the plot:
    the reported model first, then the front, then the others, each trying eight places around
    its marker. A label with no free place gets a number, and the legend names it."""
    markers = [
        Box(f.sx(p.energy_j) - 7, f.sy(p.accuracy) - 7, f.sx(p.energy_j) + 7, f.sy(p.accuracy) + 7)
        for p in points
    ]
    taken: list[Box] = []
    frame = Box(f.left, 0, f.width - 2, f.height - f.bottom)
    out: list[str] = []
    legend: list[str] = []
    order = sorted(
        range(len(points)), key=lambda i: (not points[i].highlight, not points[i].on_front)
    )
    for i in order:
        p = points[i]
        x, y = f.sx(p.energy_j), f.sy(p.accuracy)
        others = [m for j, m in enumerate(markers) if j != i]
        spot = _free_spot(x, y, p.label, p.highlight, taken + others, frame)
        text = p.label
        if spot is None:
            text = str(len(legend) + 1)
            legend.append(f"{text}: {p.label}")
            spot = _free_spot(x, y, text, p.highlight, taken + others, frame) or (
                x + 6,
                y - 6,
                "start",
            )
        tx, ty, anchor = spot
        taken.append(text_box(tx, ty, text, anchor, p.highlight))
        weight = ' style="font-weight:bold"' if p.highlight else ""
        out.append(
            f'<text class="label" x="{tx:.1f}" y="{ty:.1f}" text-anchor="{anchor}"{weight}>'
            f"{escape(text)}</text>"
        )
    return out, legend


def _free_spot(
    x: float, y: float, text: str, bold: bool, taken: Sequence[Box], frame: Box
) -> tuple[float, float, str] | None:
    candidates = (
        (x + 8, y - 6, "start"),
        (x + 8, y + 14, "start"),
        (x - 8, y - 6, "end"),
        (x - 8, y + 14, "end"),
        (x, y - 10, "middle"),
        (x, y + 20, "middle"),
        (x + 8, y + 4, "start"),
        (x - 8, y + 4, "end"),
    )
    for tx, ty, anchor in candidates:
        box = text_box(tx, ty, text, anchor, bold)
        inside = (
            frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
        )
        if inside and not any(box.overlaps(t) for t in taken):
            return tx, ty, anchor
    return None


def _axes(f: _Frame, x_label: str) -> list[str]:
    """Grid lines, decade ticks on x, five steps of accuracy on y, the axis titles."""
    parts = []
    for k in range(f.x_min, f.x_max + 1):
        x = f.sx(10.0**k)
        parts.append(
            f'<line x1="{x:.1f}" y1="{f.top}" x2="{x:.1f}" y2="{f.height - f.bottom}" '
            'stroke="#eee"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{f.height - f.bottom + 14}" text-anchor="middle">'
            f"{format_energy(10.0**k, 'axis')}</text>"
        )
    for i in range(6):
        a = f.y_min + i * (f.y_max - f.y_min) / 5
        y = f.sy(a)
        parts.append(
            f'<line x1="{f.left}" y1="{y:.1f}" x2="{f.width - f.right}" y2="{y:.1f}" '
            'stroke="#eee"/>'
        )
        parts.append(f'<text x="{f.left - 6}" y="{y + 4:.1f}" text-anchor="end">{a:.2f}</text>')
    parts.append(
        f'<text x="{(f.left + f.width - f.right) / 2}" y="{f.height - 10}" '
        f'text-anchor="middle">{escape(x_label)}</text>'
    )
    parts.append(
        f'<text transform="translate(14,{(f.top + f.height - f.bottom) / 2}) rotate(-90)" '
        'text-anchor="middle">accuracy</text>'
    )
    return parts


def _front_path(f: _Frame, usable: Sequence[Point]) -> list[str]:
    """The Pareto front as steps: cheaper first, each step up to a more accurate point."""
    front = sorted((p.energy_j, p.accuracy) for p in usable if p.on_front)
    if not front:
        return []
    (e0, a0), rest = front[0], front[1:]
    path = [f"M{f.sx(e0):.1f} {f.sy(a0):.1f}", *(f"H{f.sx(e):.1f} V{f.sy(a):.1f}" for e, a in rest)]
    return [f'<path d="{" ".join(path)}" fill="none" stroke="#1a7f37" stroke-opacity="0.6"/>']


def _point(f: _Frame, p: Point) -> list[str]:
    """A point with its energy interval, its tooltip and its label."""
    parts = []
    cls = "front" if p.on_front else "other"
    x, y = f.sx(p.energy_j), f.sy(p.accuracy)
    colour = "#1a7f37" if p.on_front else "#888"
    if p.low_j is not None and p.high_j:
        clamped = p.low_j <= 0  # no lower end on a log axis: an arrow says "further down"
        x_low = f.left + 6 if clamped else f.sx(p.low_j)
        parts.append(
            f'<line x1="{x_low:.1f}" y1="{y:.1f}" x2="{f.sx(p.high_j):.1f}" y2="{y:.1f}" '
            f'stroke="{colour}"/>'
        )
        if clamped:
            parts.append(
                f'<path class="clamped" d="M{f.left:.1f} {y:.1f} l7 -4 v8 z" fill="{colour}">'
                "<title>the 95% interval reaches zero: its low end is off the log axis</title>"
                "</path>"
            )
    ring = ' stroke="#4c8bf5" stroke-width="3"' if p.highlight else ""
    parts.append(
        f'<circle class="{cls}" cx="{x:.1f}" cy="{y:.1f}" r="{6 if p.highlight else 4}"{ring}>'
        f"<title>{escape(p.label)}: {p.accuracy:.3f}, "
        f"{format_energy(p.energy_j, 'axis')}</title></circle>"
    )
    return parts


def bars_svg(values: Sequence[tuple[str, float]], unit: str = "J", width: int = 480) -> str:
    """Horizontal bars, one per (label, value): energy per phase."""
    row = 22
    height = row * len(values) + 10
    top_value = max((v for _, v in values), default=0.0) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        'aria-label="energy per phase"><style>text{font:11px sans-serif}</style>'
    ]
    for i, (label, value) in enumerate(values):
        y = 5 + i * row
        w = max(1.0, (width - 200) * value / top_value)
        parts.append(f'<text x="0" y="{y + 14}">{escape(label)}</text>')
        parts.append(f'<rect x="90" y="{y + 3}" width="{w:.1f}" height="14" fill="#4c8bf5"/>')
        parts.append(
            f'<text x="{95 + w:.1f}" y="{y + 14}">'
            f"{format_energy(value, 'axis') if unit == 'J' else f'{value:g} {unit}'}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def lines_svg(
    series: Sequence[tuple[str, Sequence[float]]],
    x_values: Sequence[float],
    y_label: str,
    x_label: str = "year",
    width: int = 640,
    height: int = 320,
) -> str:
    """One line per (label, values) over shared x values, from zero up, with a legend."""
    left, right, top, bottom = 64, 150, 20, 44
    top_value = max((v for _, values in series for v in values), default=0.0) or 1.0
    x_lo, x_hi = min(x_values), max(x_values)
    span = (x_hi - x_lo) or 1.0

    def sx(x: float) -> float:
        return left + (x - x_lo) / span * (width - left - right)

    def sy(y: float) -> float:
        return top + (1 - y / top_value) * (height - top - bottom)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(y_label)}">',
        "<style>text{font:11px sans-serif}</style>",
    ]
    for i in range(5):
        y_value = top_value * i / 4
        y = sy(y_value)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#eee"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{y_value:.3g}</text>'
        )
    for x in x_values:
        parts.append(
            f'<text x="{sx(x):.1f}" y="{height - bottom + 14}" text-anchor="middle">{x:g}</text>'
        )
    parts.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 8}" text-anchor="middle">'
        f"{escape(x_label)}</text>"
        f'<text transform="translate(14,{(top + height - bottom) / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )
    for k, (label, values) in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{sx(x):.1f},{sy(v):.1f}" for x, v in zip(x_values, values, strict=True))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
        for x, v in zip(x_values, values, strict=True):
            parts.append(
                f'<circle cx="{sx(x):.1f}" cy="{sy(v):.1f}" r="3" fill="{colour}">'
                f"<title>{escape(label)}, {x:g}: {v:.4g}</title></circle>"
            )
        y = top + 14 + 18 * k
        parts.append(
            f'<rect x="{width - right + 10}" y="{y - 9}" width="10" height="10" '
            f'fill="{colour}"/><text x="{width - right + 24}" y="{y}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
