"""Frugality cards: figures traced to the result and the factor tables; the cost verdict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from frugalbench.errors import UserError
from frugalbench.footprint.carbon import grid_intensity
from frugalbench.footprint.factors import facility
from frugalbench.footprint.scenario import scenario
from frugalbench.report.card import (
    build_card,
    compare,
    load_results,
    reference_baseline,
    reference_ladders,
)
from frugalbench.results import RunResult
from frugalbench.stats import Summary
from frugalbench.units import format_points, format_quantity


def figures(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        if {"value", "unit", "source"} <= node.keys():
            return [node]
        return [f for v in node.values() for f in figures(v)]
    if isinstance(node, list):
        return [f for v in node for f in figures(v)]
    return []


def test_every_figure_of_a_card_has_a_source(text_result_file: Path) -> None:
    (where, result), = load_results([text_result_file])  # fmt: skip
    card = build_card(where, result, scenario("FR"))
    found = figures(card)
    assert len(found) > 25
    for f in found:
        assert f["source"], f


def test_card_numbers_are_recomputable_from_the_result_and_the_factor_files(
    text_result_file: Path,
) -> None:
    raw = json.loads(text_result_file.read_text())
    (where, result), = load_results([text_result_file])  # fmt: skip
    card = build_card(where, result, scenario("FR", "hyperscale"))
    energy = raw["per_1000_inputs"]["energy_j"]["median"]
    pue, intensity = facility("hyperscale").pue, grid_intensity("FR").intensity_g_per_kwh
    assert card["per_1000"]["energy_j"]["value"] == energy
    assert card["impacts"]["co2e_g"]["value"] == pytest.approx(energy * pue * intensity / 3.6e6)
    assert card["impacts"]["water_l"]["value"] == pytest.approx(
        energy / 3.6e6 * (0.30 + pue * 15.3)
    )
    assert card["scores"]["accuracy"]["value"] == raw["scores"]["accuracy"]
    train = raw["model"]["training"]["energy_j"]
    assert card["training"]["share_per_1000_j"]["value"] == pytest.approx(train * 1000 / 1e6)
    assert card["sci"]["unit"]["n_inputs"] == 1000
    assert card["sci"]["operational_g"] == pytest.approx(energy * pue * intensity / 3.6e6)
    assert "facilities.json v" in card["scenario"]["facility"]["pue"]["source"]


def test_the_cheapest_reference_models_are_not_constant_predictors() -> None:
    text = reference_baseline("climate-disinfo")
    audio = reference_baseline("chainsaw")
    assert text is not None and audio is not None
    assert text["model"] == "tfidf-linear" and audio["model"] == "logmel-linear"
    assert text["no_skill_accuracy"] < text["accuracy"]
    assert reference_baseline("no-such-task") is None


def with_figures(
    result: RunResult, accuracy: float, energy_j: float, name: str = "candidate"
) -> RunResult:
    per = result.per_1000_inputs
    assert per is not None and result.scores is not None
    return result.model_copy(
        update={
            "scores": {**result.scores, "accuracy": accuracy},
            "per_1000_inputs": per.model_copy(update={"energy_j": Summary.of([energy_j] * 3)}),
            "model": result.model.model_copy(update={"reference": name}),
        }
    )


def test_does_the_ai_earn_its_cost(text_result_file: Path) -> None:
    result = RunResult.load(text_result_file)
    base = ("base.json", with_figures(result, 0.60, 1.0, "light"))
    worse = compare("w", with_figures(result, 0.55, 10.0), base)
    assert worse and worse["verdict"] == (
        "no: light is as accurate or more (-5.0 points here) for 10x less energy"
    )
    better_cheaper = compare("b", with_figures(result, 0.70, 0.5), base)
    assert better_cheaper and better_cheaper["verdict"].startswith("yes:")
    costly = compare("c", with_figures(result, 0.70, 21.0), base)
    assert costly and costly["verdict"].startswith("it depends")
    # 20 J more per 1,000 inputs for 0.10 more accuracy = 100 more correct: 0.2 J each
    assert costly["j_per_extra_correct"]["value"] == pytest.approx(0.2)
    assert costly["energy_ratio"]["value"] == pytest.approx(21.0)
    assert costly["accuracy_gain_points"]["value"] == pytest.approx(10.0)


def test_a_failed_result_gets_a_card_without_impacts(text_result_file: Path) -> None:
    result = RunResult.load(text_result_file).model_copy(
        update={"status": "failed", "per_1000_inputs": None, "scores": None}
    )
    card = build_card("f.json", result, scenario())
    assert card["impacts"] is None and card["sci"] is None and card["comparison"] is None


def test_bench_results_and_bad_files(tmp_path: Path, text_result_file: Path) -> None:
    bench = tmp_path / "bench"
    bench.mkdir()
    row = {"model": "x", "result": json.loads(text_result_file.read_text())}
    (bench / "results.json").write_text(json.dumps({"schema_version": 1, "rows": [row, row]}))
    assert [w for w, _ in load_results([bench])] == [
        f"{bench}/results.json#rows[0]",
        f"{bench}/results.json#rows[1]",
    ]
    (tmp_path / "bad.json").write_text("{")
    (tmp_path / "list.json").write_text("[1]")
    for path, message in (("bad.json", "not a JSON"), ("list.json", "frugalbench writes"),
                          ("none.json", "no such")):  # fmt: skip
        with pytest.raises(UserError, match=message):
            load_results([tmp_path / path])


def test_energy_intervals_never_go_below_zero(text_result_file: Path) -> None:
    result = RunResult.load(text_result_file)
    per = result.per_1000_inputs
    assert per is not None
    noisy = Summary.of([0.01, 1.0, 0.01])
    assert noisy.ci95_low is not None and noisy.ci95_low < 0
    result = result.model_copy(
        update={"per_1000_inputs": per.model_copy(update={"energy_j": noisy})}
    )
    card = build_card("n.json", result, scenario())
    assert card["per_1000"]["energy_j"]["low"] == 0.0
    assert card["impacts"]["co2e_g"]["low"] == 0.0


def test_the_power_model_band_reaches_energy_carbon_and_water(text_result_file: Path) -> None:
    raw = json.loads(text_result_file.read_text())
    band = raw["per_1000_inputs"]["energy_band_j"]
    (where, result), = load_results([text_result_file])  # fmt: skip
    card = build_card(where, result, scenario("FR", "hyperscale"))
    energy = card["per_1000"]["energy_j"]
    assert (energy["band_low"], energy["band_high"]) == (band["low"], band["high"])
    assert energy["band_low"] < energy["value"] < energy["band_high"]
    for key in ("facility_energy_j", "co2e_g", "water_l", "water_onsite_l", "water_offsite_l"):
        fig = card["impacts"][key]
        # linear in energy: the same ratios as the energy's band
        assert fig["band_low"] / fig["value"] == pytest.approx(band["low"] / energy["value"])
        assert fig["band_high"] / fig["value"] == pytest.approx(band["high"] / energy["value"])
    sci = card["sci"]
    low, high = sci["band"]["consumer_g"]
    assert low < sci["consumer_g"] < high
    assert sci["band"]["operational_g"][1] / sci["operational_g"] == pytest.approx(
        band["high"] / energy["value"]
    )
    from frugalbench.present.pages import render_html, render_markdown

    text = render_markdown([card], [{}])
    assert "power model band" in text and "repeats 95% CI" in text
    assert text.count("power model band") >= 6  # energy, CO2e, water, E, E x I, SCI
    assert "power model band" in render_html([card])


def test_the_shipped_ladder_is_put_on_the_results_power_figure(text_result_file: Path) -> None:
    """The ladder was measured at the old flat 10 W; a result at 1.5 W compares on CPU time."""
    result = RunResult.load(text_result_file)
    shipped = reference_baseline("climate-disinfo")
    at_same = reference_baseline("climate-disinfo", 10.0)
    at_family = reference_baseline("climate-disinfo", 1.5)
    assert shipped and at_same and at_family
    assert at_same["energy_j_per_1000_at_reference_speed"] == pytest.approx(
        shipped["energy_j_per_1000_at_reference_speed"]
    )
    assert at_family["energy_j_per_1000_at_reference_speed"] == pytest.approx(
        shipped["energy_j_per_1000_at_reference_speed"] * 0.15
    )
    assert "rescaled from 10 to this result's 1.5 W per busy thread" in at_family["measured"]
    card = build_card("r.json", result, scenario())
    w = result.phases["inference"].methods["cpu"].parameters["w_per_thread"]
    assert card["reference_scale"] == pytest.approx(w / 10.0)
    assert "rescaled" in card["comparison"]["baseline_energy_j_per_1000"]["source"]


def test_no_skill_is_what_always_answering_the_majority_class_scores() -> None:
    """Not the first constant row of the ladder: `random` (0.128) scores below `majority`."""
    ladder = reference_ladders()["tasks"]["climate-disinfo"]["rows"]
    accuracy = {r["model"]: r["accuracy"] for r in ladder}
    text = reference_baseline("climate-disinfo")
    assert text is not None
    assert text["no_skill_accuracy"] == accuracy["majority"] > accuracy["random"]


def test_a_constant_model_never_earns_a_yes(text_result_file: Path) -> None:
    result = RunResult.load(text_result_file)
    below_chance = ("base.json", with_figures(result, 0.20, 1.0, "light"))
    majority = compare("m", with_figures(result, 0.27, 0.001, "majority"), below_chance)
    assert majority and majority["verdict"].startswith("no skill: majority gives every input")


def test_a_gain_that_rounds_to_zero_has_no_sign(text_result_file: Path) -> None:
    result = RunResult.load(text_result_file)
    base = ("base.json", with_figures(result, 0.600001, 1.0, "light"))
    level = compare("l", with_figures(result, 0.6, 10.0), base)
    assert level and "(0.0 points here)" in level["verdict"]
    assert format_quantity(level["accuracy_gain_points"]["value"], "points") == "0.00 points"
    assert format_points(-0.004) == "0.00" and format_points(0.5) == "+0.50"
