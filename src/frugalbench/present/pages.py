"""Cards to pages: stand-alone HTML (inline SVG, no network), Markdown, or JSON.

Every number printed goes through a ``Tracer``: it is shown with a reference ``[n]`` and the
page ends with the list of sources, so each figure can be followed to the result file path or
the factor table row it came from.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path
from typing import Any

from frugalbench import __version__
from frugalbench.errors import UserError
from frugalbench.leaderboard import pareto_front
from frugalbench.present.charts import Point, bars_svg, pareto_svg
from frugalbench.report.card import Figure, reference_ladders
from frugalbench.units import J_PER_KWH, format_quantity


class Tracer:
    """Numbers figures as they are printed; ``sources`` is the list to print at the end."""

    def __init__(self, html: bool) -> None:
        self.html = html
        self.sources: list[str] = []

    def __call__(self, figure: Figure | None) -> str:
        if not figure or figure.get("value") is None:
            return "n/a"
        unit = figure["unit"]
        text = format_quantity(figure["value"], unit)
        parts = []
        if "band_low" in figure:
            low, high = (
                format_quantity(figure["band_low"], unit),
                format_quantity(figure["band_high"], unit),
            )
            parts.append(f"power model band {low} - {high}")
        if "low" in figure:
            low, high = format_quantity(figure["low"], unit), format_quantity(figure["high"], unit)
            interval = figure.get("interval", "95% CI")
            parts.append(f"{'repeats ' if parts else ''}{interval} {low} - {high}")
        if parts:
            text += f" ({'; '.join(parts)})"
        if figure["source"] in self.sources:
            n = self.sources.index(figure["source"]) + 1
        else:
            self.sources.append(figure["source"])
            n = len(self.sources)
        if self.html:
            return (
                f'{escape(text)}<sup><a href="#src{n}" title="{escape(figure["source"])}">'
                f"[{n}]</a></sup>"
            )
        return f"{text} [{n}]"


def task_points(cards: Sequence[dict[str, Any]], task: str) -> list[Point]:
    """The task's reference ladder and the reported models, all at reference speed."""
    raw: list[tuple[str, float, float, float | None, float | None]] = []
    ladder = reference_ladders()["tasks"].get(task)
    # the ladder on the reported results' power figure (see card.reference_scale)
    scale = next((c.get("reference_scale", 1.0) for c in cards if c["task"]["name"] == task), 1.0)
    for row in ladder["rows"] if ladder else []:
        raw.append(
            (
                f"ref: {row['model']}",
                row["energy_j_per_1000_at_reference_speed"] * scale,
                row["accuracy"],
                None,
                None,
            )
        )
    for card in cards:
        per, acc = card.get("per_1000"), card["scores"].get("accuracy")
        if card["task"]["name"] != task or not per or not acc:
            continue
        energy = per["energy_j_at_reference_speed"]["value"]
        measured = per["energy_j"]
        if energy is None or not measured["value"]:
            continue
        scale = energy / measured["value"]
        low, high = measured.get("low"), measured.get("high")
        raw.append(
            (
                str(card["model"]["name"]),
                energy,
                acc["value"],
                low * scale if low is not None else None,
                high * scale if high is not None else None,
            )
        )
    front = pareto_front([(e, a) for _, e, a, _, _ in raw])
    return [
        Point(label, e, a, on, lo, hi, highlight=not label.startswith("ref: "))
        for (label, e, a, lo, hi), on in zip(raw, front, strict=True)
    ]


def charts(cards: Sequence[dict[str, Any]], card: dict[str, Any]) -> dict[str, str]:
    phases = [(p["name"], p["energy_j"]["value"] or 0.0) for p in card["phases"]]
    out = {"phases": bars_svg(phases)}
    points = task_points(cards, card["task"]["name"])
    if points:
        out["pareto"] = pareto_svg(
            points,
            x_label="inference energy per 1,000 inputs at reference speed (log; bars: 95% CI)",
        )
    return out


def banded(figure: Figure, bands: dict[str, list[float]] | None, key: str) -> Figure:
    """A template's figure with the power model's band for ``key`` (the card's ``sci.band``)."""
    if not bands or key not in bands:
        return figure
    low, high = bands[key]
    return figure | {"band_low": low, "band_high": high}


def render_json(cards: Sequence[dict[str, Any]]) -> str:
    return json.dumps(
        {"report_version": 1, "frugalbench": __version__, "cards": list(cards)}, indent=2
    )


def _env() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("frugalbench.present", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["J_PER_KWH"] = J_PER_KWH
    return env


def render_html(cards: Sequence[dict[str, Any]]) -> str:
    from markupsafe import Markup

    tracer = Tracer(html=True)

    def t(figure: Figure | None) -> Markup:
        return Markup(tracer(figure))

    pictures = [{k: Markup(v) for k, v in charts(cards, c).items()} for c in cards]
    return str(
        _env()
        .get_template("report.html")
        .render(cards=cards, pictures=pictures, t=t, b=banded, tracer=tracer, version=__version__)
    )


def render_markdown(cards: Sequence[dict[str, Any]], chart_files: Sequence[dict[str, str]]) -> str:
    tracer = Tracer(html=False)
    return str(
        _env()
        .get_template("report.md")
        .render(
            cards=cards, charts=chart_files, t=tracer, b=banded, tracer=tracer, version=__version__
        )
    )


Renderer = Callable[[Sequence[dict[str, Any]], Path | None], str]
# report formats by name: ``report --format NAME`` looks a renderer up here (see the README's
# "Adding a report format")
RENDERERS: dict[str, Renderer] = {}


def report_format(name: str) -> Callable[[Renderer], Renderer]:
    def add(renderer: Renderer) -> Renderer:
        RENDERERS[name] = renderer
        return renderer

    return add


@report_format("html")
def _html(cards: Sequence[dict[str, Any]], out: Path | None) -> str:
    return render_html(cards)


@report_format("md")
def _markdown(cards: Sequence[dict[str, Any]], out: Path | None) -> str:
    """Markdown with each card's charts as SVG files beside ``out`` (none when printed)."""
    chart_files: list[dict[str, str]] = []
    for i, card in enumerate(cards):
        names: dict[str, str] = {}
        if out is not None:
            for kind, svg in charts(cards, card).items():
                path = out.with_name(f"{out.stem}-{i + 1}-{kind}.svg")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(svg)
                names[kind] = path.name
        chart_files.append(names)
    return render_markdown(cards, chart_files)


@report_format("json")
def _json(cards: Sequence[dict[str, Any]], out: Path | None) -> str:
    return render_json(cards)


def write_report(cards: Sequence[dict[str, Any]], fmt: str, out: Path | None) -> str:
    """The report as text; with ``out``, also written there."""
    if fmt not in RENDERERS:
        raise UserError(f"--format {fmt!r}: choose {', '.join(RENDERERS)}")
    text = RENDERERS[fmt](cards, out)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text if text.endswith("\n") else text + "\n")
    return text
