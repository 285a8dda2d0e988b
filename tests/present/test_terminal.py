"""Terminal tables at 80 and 100 columns: figures and model names never cut, units in headers."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from frugalbench.harness.bench import BenchRow
from frugalbench.present.terminal import print_bench, print_run
from frugalbench.results import RunResult

LONG = "colour-texture-linear"  # the longest name of the ladders


def rendered(width: int, draw: Callable[[Console], None]) -> list[str]:
    console = Console(width=width, record=True, color_system=None)
    draw(console)
    return console.export_text().splitlines()


@pytest.mark.parametrize("width", [80, 100, 120])
def test_the_phase_table_fits_and_cuts_nothing(text_result_file: Path, width: int) -> None:
    result = RunResult.load(text_result_file)
    lines = rendered(width, lambda c: print_run(c, result, "r.json"))
    assert all(len(line) <= width for line in lines)
    text = "\n".join(lines)
    assert "…" not in text
    table = text[text.index("energy per phase") :]
    for phase in ("train", "load", "warmup", "inference"):
        assert f"│ {phase} " in table  # a name on one line, never `infere…`
    assert "energy" in table and ("J " in table or "mJ " in table)  # the unit in the header
    assert ("95% CI" in table) == (width >= 100)  # the compact layout below 100 columns


@pytest.mark.parametrize("width", [80, 100])
def test_the_bench_table_never_cuts_a_model_name(text_result_file: Path, width: int) -> None:
    result = RunResult.load(text_result_file)
    rows = [
        BenchRow(LONG, (result,), True, False),
        BenchRow("tfidf-linear", (result,), False, True),
    ]
    lines = rendered(width, lambda c: print_bench(c, rows))
    text = "\n".join(lines)
    assert LONG in text and "…" not in text
    assert "1,000" in text and "quotes" in text  # the energy column: per what, in which unit
    assert all(len(line) <= width for line in lines)
    row = next(line for line in lines if LONG in line)
    assert re.search(r"\d-\d", row)  # the interval on the row's one line, not over 5 lines
