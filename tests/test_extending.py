"""The README's "Extending frugalbench" recipes, followed step by step: a toy task, a toy model
and a report format, each registered as the recipe says and then used by frugalbench itself."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Self

import pytest

from frugalbench.config import RunConfig
from frugalbench.harness.crossval import cross_validate
from frugalbench.harness.runner import run
from frugalbench.models.base import Model
from frugalbench.models.registry import models
from frugalbench.present import pages
from frugalbench.tasks import get_task
from frugalbench.tasks.base import Dataset, Metric, Task
from frugalbench.tasks.metrics import classification_scores
from frugalbench.tasks.registry import tasks
from frugalbench.testing import check_model

WORDS = ["ash", "oak", "pine", "birch", "cedar", "maple", "willow", "juniper", "sequoia"]


def load_words(data: str | None) -> Dataset:
    """Recipe step 1: the bundled split when ``data`` is None; each word its own group."""
    inputs = tuple(f"{w}{i}" for i in range(6) for w in WORDS)
    labels = tuple("long" if len(w) > 5 else "short" for w in inputs)
    return Dataset(inputs, labels, "generated words", "words-v1", groups=inputs)


TOY_TASK = Task(
    name="toy-words",
    description="is a word longer than five letters",
    labels=("short", "long"),
    input_kind="text",
    metrics=(Metric("accuracy", True, "share of words given the right label"),),
    loader=load_words,
    scorer=classification_scores,
    input_unit="word",
    ladder=("majority", "toy-length"),
)


class LengthModel(Model[str]):
    """Recipe step 1 of "Adding a model": the constructor stores, fit learns, predict answers."""

    name = "toy-length"
    task = "toy-words"
    description = "a threshold on the word's length"

    def __init__(self, margin: int = 0) -> None:
        self.margin = margin

    def fit(self, inputs: Sequence[str], labels: Sequence[str]) -> Self:
        longs = [len(x) for x, y in zip(inputs, labels, strict=True) if y == "long"]
        self.threshold_ = (min(longs) if longs else 99) - self.margin
        return self

    def predict(self, inputs: Sequence[str]) -> list[str]:
        return ["long" if len(x) >= self.threshold_ else "short" for x in inputs]


@pytest.fixture
def registered() -> Iterator[None]:
    """Recipe step 2 of each: register (and, for the other tests, forget afterwards)."""
    tasks.names()  # the built-ins first, as a lookup would
    models.names()
    tasks.add(TOY_TASK)
    models.add(LengthModel)
    yield
    tasks._entries.pop("toy-words")
    models._entries.pop("toy-length")


def test_adding_a_task(registered: None) -> None:
    task = get_task("toy-words")
    assert task.ladder == ("majority", "toy-length")
    result = run(task, "majority", RunConfig(repeats=1, idle_s=0, speed_index=False))
    assert result.status == "ok", result.failure
    assert result.task.input_unit == "word" and result.scores is not None
    assert 0 < result.scores["accuracy"] < 1


def test_adding_a_model(registered: None, tmp_path: Path) -> None:
    data = load_words(None)
    predictions = check_model(LengthModel(), data.inputs, data.labels, tmp_path)
    assert predictions == list(data.labels)
    cv = cross_validate(
        get_task("toy-words"), data, ["majority", "toy-length"], 3, say=lambda line: None
    )
    assert cv["toy-length"]["summary"]["accuracy"]["mean"] == 1.0
    assert cv["majority"]["summary"]["accuracy"]["mean"] < 1.0


def test_adding_a_report_format(
    text_result_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frugalbench.footprint.scenario import scenario
    from frugalbench.report.card import build_card, load_results

    def tsv(cards: Sequence[dict[str, Any]], out: Path | None) -> str:
        return "\n".join(f"{c['title']}\t{c['per_1000']['energy_j']['value']}" for c in cards)

    monkeypatch.setattr(pages, "RENDERERS", dict(pages.RENDERERS))  # forgotten afterwards
    pages.report_format("tsv")(tsv)  # the recipe's decorator
    cards = [build_card(w, r, scenario()) for w, r in load_results([text_result_file])]
    out = tmp_path / "cards.tsv"
    text = pages.write_report(cards, "tsv", out)
    title, energy = text.split("\t")
    assert title == "climate-disinfo / tfidf-linear" and float(energy) > 0
    assert out.read_text() == text + "\n"
    per_1000 = json.loads(text_result_file.read_text())["per_1000_inputs"]["energy_j"]
    assert float(energy) == pytest.approx(per_1000["median"])
