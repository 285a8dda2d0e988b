"""The frugality card: one model's result turned into what a person needs to judge it.

A card is plain data (JSON-ready dicts). Every number in it is a *figure*: value, unit, and
``source``, the path inside the result file or the factor table row it came from, so a reader can
trace each number of the HTML or Markdown page back to its origin. Rendering is separate
(``report.render``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from frugalbench.errors import UserError
from frugalbench.footprint.projection import PerRequest
from frugalbench.footprint.scenario import Scenario
from frugalbench.footprint.sci import SciInputs, functional_unit, sci
from frugalbench.results import Band, PerThousand, RunResult
from frugalbench.units import J_PER_KWH, format_points

CONSTANT_BASELINES = ("majority", "random")
Figure = dict[str, Any]


def fig(
    value: float | None,
    unit: str,
    source: str,
    low: float | None = None,
    high: float | None = None,
    interval: str = "95% CI",
) -> Figure:
    """A number with its unit and origin; ``interval`` names what low-high is."""
    out: Figure = {"value": value, "unit": unit, "source": source}
    if low is not None and high is not None:
        out |= {"low": low, "high": high, "interval": interval}
    return out


# -- inputs -----------------------------------------------------------------------------------


def load_results(paths: Sequence[Path]) -> list[tuple[str, RunResult]]:
    """Result files, or a ``bench`` folder's results.json (every row): (where, result)."""
    if not paths:
        raise UserError("give at least one RESULT.json (from `run --json` or `bench`)")
    from frugalbench.results.files import BenchFile, load_any

    out: list[tuple[str, RunResult]] = []
    for path in paths:
        loaded = load_any(path)
        where = str(path / "results.json" if path.is_dir() else path)
        if isinstance(loaded, BenchFile):
            out += [(f"{where}#rows[{i}]", row.result) for i, row in enumerate(loaded.rows)]
        elif isinstance(loaded, RunResult):
            out.append((where, loaded))
        else:
            raise UserError(
                f"{where}: a {type(loaded).__name__} file, not a run's result: give a result "
                "(`run --json`) or a bench folder"
            )
    return out


@lru_cache(maxsize=1)
def reference_ladders() -> dict[str, Any]:
    path = resources.files("frugalbench.report").joinpath("data/reference_ladders.json")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


# -- the card ---------------------------------------------------------------------------------


def _summary_fig(summary: Any, unit: str, source: str, scale: float = 1.0) -> Figure:
    # a t-interval of few noisy repeats can reach below zero; energy cannot
    low = max(summary.ci95_low, 0.0) * scale if summary.ci95_low is not None else None
    high = summary.ci95_high * scale if summary.ci95_high is not None else None
    return fig(summary.median * scale, unit, source, low, high)


def _banded(figure: Figure, band: Band | None, scale: float = 1.0) -> Figure:
    """The figure with the power model's band beside its repeat interval (kept apart)."""
    if band is None:
        return figure
    return figure | {"band_low": band.low * scale, "band_high": band.high * scale}


def _method_text(result: RunResult, phase: str) -> str:
    p = result.phases.get(phase)
    if not p:
        return ""
    return "; ".join(f"{c}: {m.describe()}" for c, m in p.methods.items())


def build_card(
    where: str,
    result: RunResult,
    scn: Scenario,
    unit_spec: str | None = None,
    baseline: tuple[str, RunResult] | None = None,
) -> dict[str, Any]:
    """The card of one result under a scenario: each figure with the source it came from."""
    src = f"result {where}"
    card = _identity_card(where, result)
    card["scores"] = {
        k: fig(float(v), "score", f"{src}: scores.{k}")
        for k, v in (result.scores or {}).items()
        if isinstance(v, int | float) and k != "n_inputs"
    }
    card["phases"] = [_phase_card(src, result, name) for name in result.phases]
    card["scenario"] = scenario_card(scn)
    w_per_thread = estimated_w_per_thread(result)
    card["reference_scale"] = reference_scale(result.task.name, w_per_thread)[0]
    per = result.per_1000_inputs
    if result.status != "ok" or per is None:
        card["impacts"] = card["sci"] = card["training"] = card["comparison"] = None
        return card
    card["per_1000"] = _per_1000_card(src, result, per)
    card["impacts"] = _impacts(src, per, scn)
    per_input = PerRequest.of(result, where)
    card["training"] = _training_card(src, per_input, per.energy_j.median, scn)
    card["sci"] = _sci_card(src, result, per_input, per, scn, unit_spec)
    card["comparison"] = compare(where, result, baseline)
    return card


def _identity_card(where: str, result: RunResult) -> dict[str, Any]:
    """What was run, on what, and where the file is: the card's head."""
    src = f"result {where}"
    return {
        "title": f"{result.task.name} / {result.model.reference}",
        "result": {
            "path": where,
            "run_id": result.run_id,
            "created_at": result.created_at,
            "status": result.status,
            "failure": result.failure.model_dump() if result.failure else None,
            "schema_version": result.schema_version,
        },
        "task": {
            "name": result.task.name,
            "input_unit": result.task.input_unit,
            "data": result.task.data.model_dump(),
        },
        "model": {
            "name": result.model.reference,
            "size_bytes": fig(result.model.size_bytes, "B", f"{src}: model.size_bytes"),
            "n_parameters": fig(result.model.n_parameters, "", f"{src}: model.n_parameters"),
        },
        "environment": {
            k: getattr(result.environment, k)
            for k in ("cpu_model", "logical_cpus", "virtual_machine", "gpus", "os")
        },
        "notes": list(result.notes),
    }


def _phase_card(src: str, result: RunResult, name: str) -> dict[str, Any]:
    p = result.phases[name]
    return {
        "name": name,
        "n_inputs": p.n_inputs,
        "energy_j": _banded(
            _summary_fig(p.energy_j, "J", f"{src}: phases.{name}.energy_j"), p.energy_band_j
        ),
        "duration_s": fig(p.duration_s.median, "s", f"{src}: phases.{name}.duration_s.median"),
        "flags": list(p.flags),
        "method": _method_text(result, name),
    }


def _per_1000_card(src: str, result: RunResult, per: PerThousand) -> dict[str, Any]:
    return {
        "energy_j": _banded(
            _summary_fig(per.energy_j, "J", f"{src}: per_1000_inputs.energy_j"), per.energy_band_j
        ),
        "duration_s": fig(per.duration_s.median, "s", f"{src}: per_1000_inputs.duration_s.median"),
        "energy_j_at_reference_speed": fig(
            per.energy_j_at_reference_speed,
            "J",
            f"{src}: per_1000_inputs.energy_j_at_reference_speed",
        ),
        "method": _method_text(result, "inference"),
    }


def _impacts(src: str, per: PerThousand, scn: Scenario) -> dict[str, Any]:
    """Facility energy, CO2e and water per 1,000 inputs, each with the power model's band."""
    e_it_j = per.energy_j.median
    pue, g_per_j = scn.facility.pue, scn.factors.co2e_g_per_j
    onsite_l, offsite_l = scn.water_l(e_it_j / J_PER_KWH)
    how = "per_1000_inputs.energy_j x"
    band = per.energy_band_j
    per_j = 1 / e_it_j if e_it_j else 0.0  # water is linear in energy: scale the band by it
    return {
        "facility_energy_j": _banded(fig(e_it_j * pue, "J", f"{src}: {how} PUE"), band, pue),
        "co2e_g": _banded(
            _summary_fig(
                per.energy_j, "g", f"{src}: {how} PUE x grid intensity / 3.6e6", scale=g_per_j
            ),
            band,
            g_per_j,
        ),
        "water_l": _banded(
            fig(onsite_l + offsite_l, "L", f"{src}: {how} (WUE + PUE x grid water) / 3.6e6"),
            band,
            (onsite_l + offsite_l) * per_j,
        ),
        "water_onsite_l": _banded(
            fig(onsite_l, "L", f"{src}: {how} WUE / 3.6e6"), band, onsite_l * per_j
        ),
        "water_offsite_l": _banded(
            fig(offsite_l, "L", f"{src}: {how} PUE x grid water / 3.6e6"), band, offsite_l * per_j
        ),
    }


def _training_card(
    src: str, per_input: PerRequest, e_it_j: float, scn: Scenario
) -> dict[str, Any] | None:
    """Training energy and its share per 1,000 inputs over the model's serving life."""
    train_j, train_s = per_input.training_energy_j, per_input.training_duration_s
    if train_j is None:
        return None
    lifetime = scn.lifetime_inferences
    share_j = train_j * 1000 / lifetime
    return {
        "energy_j": fig(train_j, "J", f"{src}: model.training.energy_j"),
        "duration_s": fig(train_s, "s", f"{src}: model.training.duration_s"),
        "lifetime_inferences": fig(lifetime, "", scn.lifetime_inferences_source),
        "share_per_1000_j": fig(
            share_j, "J", f"{src}: model.training.energy_j x 1000 / lifetime inferences"
        ),
        "share_of_total": fig(
            share_j / (share_j + e_it_j), "", "training share / (training share + inference)"
        ),
    }


def _sci_card(
    src: str,
    result: RunResult,
    per_input: PerRequest,
    per: PerThousand,
    scn: Scenario,
    unit_spec: str | None,
) -> dict[str, Any]:
    """The GSF's SCI per functional unit, its band and the source of each term."""
    unit = result.task.input_unit
    fu = functional_unit(unit_spec, unit)
    result_sci = sci(
        SciInputs(
            energy_j_per_input=per_input.energy_j,
            duration_s_per_input=per_input.duration_s,
            factors=scn.factors,
            hardware=scn.hardware,
            unit=fu,
            training_energy_j=per_input.training_energy_j,
            training_duration_s=per_input.training_duration_s,
            lifetime_inputs=scn.lifetime_inferences,
        )
    )
    out = result_sci.model_dump()
    out["band"] = _sci_band(result_sci, per.energy_band_j, per.energy_j.median)
    out["sources"] = {
        "E": f"{src}: per_1000_inputs.energy_j.median / 1000 x {fu.n_inputs:g} inputs x PUE",
        "I": f"{scn.grid.table}: {scn.grid.code}",
        "M": (
            f"{scn.device.table}: {scn.device.name} x ({src}: phases.inference.duration_s per "
            f"input x {fu.n_inputs:g}) / lifetime ({scn.lifetime_source}) x resource share "
            f"{scn.hardware.resource_share:g}"
        ),
        "R": f"{fu.name} = {fu.n_inputs:g} {unit}s",
    }
    return out


def _sci_band(result_sci: Any, band: Band | None, e_it_j: float) -> dict[str, list[float]] | None:
    """E, E x I and the consumer SCI at the power model's low and high energy (M does not move)."""
    if band is None or not e_it_j:
        return None
    ratios = (band.low / e_it_j, band.high / e_it_j)
    energy_j = result_sci.energy_kwh * J_PER_KWH
    op = result_sci.operational_g
    return {
        "energy_j": [energy_j * r for r in ratios],
        "operational_g": [op * r for r in ratios],
        "consumer_g": [op * r + result_sci.embodied_g for r in ratios],
    }


def scenario_card(scn: Scenario) -> dict[str, Any]:
    f, g, w, d = scn.facility, scn.grid, scn.water, scn.device
    return {
        "name": scn.name,
        "grid": {
            "where": "world average (no country given)"
            if g.is_default
            else f"{g.country} ({g.code})",
            "intensity_g_per_kwh": fig(
                g.intensity_g_per_kwh, "g/kWh", f"{g.table}: {g.code} ({g.year}); {g.source}"
            ),
        },
        "facility": {
            "name": f.name,
            "label": f.label,
            "pue": fig(f.pue, "", f"{f.table}: {f.pue_source}"),
            "wue_l_per_kwh": fig(f.wue_l_per_kwh, "L/kWh", f"{f.table}: {f.wue_source}"),
            "cue_kg_per_kwh": fig(
                scn.cue_kg_per_kwh, "kg/kWh", "PUE x grid intensity (location-based)"
            ),
            "renewable_energy_factor": f.renewable_energy_factor,
            "energy_reuse_factor": f.energy_reuse_factor,
        },
        "grid_water_l_per_kwh": fig(
            w.l_per_kwh,
            "L/kWh",
            f"{w.table}: {w.code}"
            + (" (no row for this country: world figure)" if w.fallback else "")
            + f"; {w.source}",
        ),
        "device": {
            "name": d.name,
            "label": d.label,
            "embodied_kg": fig(
                d.central_kg, "kg", f"{d.table}: {d.name}", d.low_kg, d.high_kg, "sources' range"
            ),
            "sources": d.sources,
            "lifetime": scn.lifetime_source,
            "resource_share": scn.hardware.resource_share,
        },
    }


# -- does the AI earn its cost? ---------------------------------------------------------------


def estimated_w_per_thread(result: RunResult) -> float | None:
    """The W per busy thread of the result's CPU estimate; None when counters measured it."""
    inference = result.phases.get("inference")
    cpu = inference.methods.get("cpu") if inference else None
    if cpu is None or cpu.kind != "estimated":
        return None
    value = cpu.parameters.get("w_per_thread", cpu.parameters.get("power_per_core_w"))
    return float(value) if value is not None else None


def reference_scale(task: str, w_per_thread: float | None) -> tuple[float, str]:
    """The factor that puts the shipped ladder on the compared result's power figure.

    Both are CPU-time estimates, so a ladder measured at another W per thread (the old flat 10 W)
    compares with a result only once both are charged the same power: their ratio is then a
    CPU-time ratio, as on one machine. Counters on either side: no rescaling, and it says so.
    """
    ladder = reference_ladders()["tasks"].get(task) or {}
    ladder_w = ladder.get("w_per_thread")
    if not ladder_w or not w_per_thread:
        return 1.0, "as shipped"
    return w_per_thread / ladder_w, (
        f"rescaled from {ladder_w:g} to this result's {w_per_thread:.3g} W per busy thread"
    )


def reference_baseline(task: str, w_per_thread: float | None = None) -> dict[str, Any] | None:
    """The task's cheapest reference model that is not a constant predictor (shipped figures)."""
    ladder = reference_ladders()["tasks"].get(task)
    if not ladder:
        return None
    rows = [r for r in ladder["rows"] if r["model"] not in CONSTANT_BASELINES]
    if not rows:
        return None
    scale, how = reference_scale(task, w_per_thread)
    cheapest = min(rows, key=lambda r: r["energy_j_per_1000_at_reference_speed"])
    constant = [r for r in ladder["rows"] if r["model"] in CONSTANT_BASELINES]
    out: dict[str, Any] = cheapest | {
        "energy_j_per_1000_at_reference_speed": cheapest["energy_j_per_1000_at_reference_speed"]
        * scale,
        "measured": f"{ladder['measured']}; energy {how}",
        "table": f"reference_ladders.json v{reference_ladders()['version']}",
        "no_skill_accuracy": no_skill_accuracy(constant),
    }
    return out


def no_skill_accuracy(constant_rows: Sequence[dict[str, Any]]) -> float | None:
    """What always answering the most frequent class scores: the majority row's accuracy (not the
    first constant row's: ``random`` scores below it), the best constant when none is named so."""
    if not constant_rows:
        return None
    majority = [r["accuracy"] for r in constant_rows if r["model"] == "majority"]
    return float(majority[0] if majority else max(r["accuracy"] for r in constant_rows))


def compare(
    where: str, result: RunResult, baseline: tuple[str, RunResult] | None
) -> dict[str, Any] | None:
    """Accuracy gained against energy spent, next to the cheapest reference model.

    A baseline measured in the same session (``--baseline``, or another result of the report)
    is compared on measured energy; the shipped reference figures, measured elsewhere, on
    energy at reference speed, so both sides are scaled to the same reference machine.
    """
    acc = (result.scores or {}).get("accuracy")
    per = result.per_1000_inputs
    if acc is None or per is None:
        return None
    if baseline is not None:
        b_where, b = baseline
        if b.per_1000_inputs is None or not b.scores:
            return None
        b_acc, b_energy = b.scores["accuracy"], b.per_1000_inputs.energy_j.median
        energy = per.energy_j.median
        basis = "measured energy per 1,000 inputs, both results"
        b_source = f"result {b_where}"
        b_name, no_skill = b.model.reference, None
    else:
        ref = reference_baseline(result.task.name, estimated_w_per_thread(result))
        if ref is None or per.energy_j_at_reference_speed is None:
            return None
        b_acc, b_energy = ref["accuracy"], ref["energy_j_per_1000_at_reference_speed"]
        energy = per.energy_j_at_reference_speed
        basis = "energy per 1,000 inputs at reference speed (shipped figures measured elsewhere)"
        b_source = f"{ref['table']}: {result.task.name} / {ref['model']} ({ref['measured']})"
        b_name, no_skill = ref["model"], ref["no_skill_accuracy"]
    gain = acc - b_acc
    extra_j = energy - b_energy
    ratio = energy / b_energy if b_energy > 0 else None
    same = b_name == result.model.reference
    points = format_points(gain * 100, 1)
    if same:
        verdict = "this is the task's cheapest reference model: the lighter solution itself"
    elif result.model.reference in CONSTANT_BASELINES:
        verdict = (
            f"no skill: {result.model.reference} gives every input the same answer, whatever "
            f"it scores against {b_name}; it is the bar any model must clear, not a solution"
        )
    elif gain <= 0:
        verdict = (
            f"no: {b_name} is as accurate or more ({format_points(gain * 100, 1)} points here)"
            + (f" for {ratio:.3g}x less energy" if ratio and ratio > 1 else "")
        )
    elif extra_j <= 0:
        verdict = f"yes: more accurate ({points} points) and no more energy than {b_name}"
    else:
        verdict = (
            f"it depends: {points} accuracy points for {ratio:.3g}x the energy of "
            f"{b_name}, {extra_j / (gain * 1000):.3g} J per extra correct answer"
        )
    if no_skill is not None and b_acc < no_skill and not same:
        verdict += f"; note: {b_name} ({b_acc:.3f}) scores below no skill ({no_skill:.3f})"
    return {
        "baseline_model": b_name,
        "basis": basis,
        "baseline_accuracy": fig(b_acc, "score", f"{b_source}: accuracy"),
        "baseline_energy_j_per_1000": fig(b_energy, "J", f"{b_source}: energy"),
        "energy_j_per_1000": fig(energy, "J", f"result {where}: {basis}"),
        "accuracy_gain_points": fig(gain * 100, "points", "accuracy - baseline accuracy"),
        "energy_ratio": fig(ratio, "x", "energy / baseline energy"),
        "j_per_extra_correct": fig(
            extra_j / (gain * 1000) if gain > 0 and extra_j > 0 else None,
            "J",
            "(energy - baseline energy) / (accuracy gain x 1,000)",
        ),
        "no_skill_accuracy": no_skill,
        "verdict": verdict,
    }
