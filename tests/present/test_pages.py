"""Pages from cards: numbers referenced to their sources, Markdown charts beside the file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from frugalbench.footprint.scenario import scenario
from frugalbench.present.pages import Tracer, task_points, write_report
from frugalbench.report.card import build_card, load_results
from frugalbench.units import format_quantity


@pytest.fixture
def cards(text_result_file: Path, audio_result_file: Path) -> list[dict[str, Any]]:
    return [
        build_card(w, r, scenario("FR"))
        for w, r in load_results([text_result_file, audio_result_file])
    ]


def test_html_references_every_number_and_lists_each_source(cards: list[dict[str, Any]]) -> None:
    html = write_report(cards, "html", None)
    refs = {int(n) for n in re.findall(r'href="#src(\d+)"', html)}
    sources = re.findall(r'<li id="src(\d+)">([^<]*)</li>', html)
    assert refs == {int(n) for n, _ in sources} and len(refs) > 40
    texts = [s for _, s in sources]
    assert any(s.startswith("result ") and "per_1000_inputs.energy_j" in s for s in texts)
    assert any("facilities.json v2026.1" in s for s in texts)
    assert any("grid_intensity.csv" in s and "FR" in s for s in texts)
    assert any("reference_ladders.json" in s for s in texts)
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html and "<script" not in html
    assert html.count("<svg") == 4  # phases + Pareto front, per card
    assert "Does the AI earn its cost?" in html and "Comparison" in html


def test_markdown_writes_its_charts_beside_it(cards: list[dict[str, Any]], tmp_path: Path) -> None:
    out = tmp_path / "card.md"
    text = write_report(cards, "md", out)
    assert out.read_text().startswith("# Frugality cards")
    for i in (1, 2):
        for kind in ("phases", "pareto"):
            chart = tmp_path / f"card-{i}-{kind}.svg"
            assert chart.read_text().startswith("<svg") and f"]({chart.name})" in text
    assert "| **SCI, consumer** |" in text
    assert re.search(r"^1\. result .*scores\.accuracy$", text, re.M)


def test_json_is_the_cards(cards: list[dict[str, Any]]) -> None:
    data = json.loads(write_report(cards, "json", None))
    assert data["report_version"] == 1 and len(data["cards"]) == 2
    assert data["cards"][1]["task"]["name"] == "chainsaw"
    assert data["cards"][1]["sci"]["unit"]["n_inputs"] == 1200  # one hour of 3-s clips


def test_pareto_points_include_the_reference_ladder_at_reference_speed(
    cards: list[dict[str, Any]],
) -> None:
    points = task_points(cards, "climate-disinfo")
    labels = [p.label for p in points]
    assert "ref: tfidf-linear" in labels and "tfidf-linear" in labels
    mine = next(p for p in points if p.label == "tfidf-linear")
    assert mine.highlight
    assert mine.energy_j == cards[0]["per_1000"]["energy_j_at_reference_speed"]["value"]


def test_formatting_and_tracing() -> None:
    assert format_quantity(0.00045, "J") == "450 µJ"
    assert format_quantity(7.2e6, "J") == "2 kWh"
    assert format_quantity(2.5e6, "g") == "2.5 t CO2e"
    assert format_quantity(0.005, "L") == "5 mL"
    assert format_quantity(0.0005, "L") == "500 µL"
    assert format_quantity(0.61234, "score") == "0.6123"
    t = Tracer(html=False)
    assert t({"value": 2.0, "unit": "J", "source": "a"}) == "2 J [1]"
    assert t({"value": 3.0, "unit": "J", "source": "b", "low": 1, "high": 4}) == (
        "3 J (95% CI 1 J - 4 J) [2]"
    )
    assert t({"value": 5.0, "unit": "J", "source": "a"}) == "5 J [1]"
    assert t(None) == "n/a" and t.sources == ["a", "b"]


def test_a_failed_result_renders_as_failed(text_result_file: Path) -> None:
    from frugalbench.results import Failure, RunResult

    failed = RunResult.load(text_result_file).model_copy(
        update={
            "status": "failed",
            "failure": Failure(phase="inference", reason="the model returned 3 predictions"),
            "per_1000_inputs": None,
            "scores": None,
        }
    )
    cards = [build_card("f.json", failed, scenario())]
    html = write_report(cards, "html", None)
    assert "This evaluation failed in phase inference: the model returned 3 predictions" in html
    assert "SCI per" not in html
    md = write_report(cards, "md", None)
    assert "**This evaluation failed** in phase inference" in md
