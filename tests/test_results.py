from __future__ import annotations

import json
from pathlib import Path

import pytest

from frugalbench.config import RunConfig
from frugalbench.errors import UserError
from frugalbench.footprint.carbon import emission_factors
from frugalbench.harness.runner import run
from frugalbench.results import SCHEMA_VERSION, RunResult
from frugalbench.stats import Summary
from frugalbench.tasks import get_task


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    from tests.conftest import QUOTES, write_rows

    rows = [{"quote": f"{q} {i}", "label": lab} for i in range(5) for q, lab in QUOTES]
    path = write_rows(tmp_path_factory.mktemp("d") / "d.csv", rows)
    return run(get_task("climate-disinfo"), "majority", RunConfig(repeats=2), data=str(path))


def test_result_is_immutable(result: RunResult) -> None:
    with pytest.raises(Exception, match="frozen"):
        result.status = "failed"  # type: ignore[misc]


def test_json_round_trip(result: RunResult, tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    result.save(path)
    data = json.loads(path.read_text())
    assert data["schema_version"] == SCHEMA_VERSION
    for key in ("scores", "phases", "per_1000_inputs", "emissions", "environment", "status"):
        assert key in data
    assert data["phases"]["inference"]["methods"]["cpu"]["source"]
    assert RunResult.load(path) == result


def test_emissions_are_recomputed_from_energy_with_other_factors(result: RunResult) -> None:
    france = result.with_factors(emission_factors("FR", 1.0))
    poland = result.with_factors(emission_factors("PL", 1.0))
    assert france.phases == poland.phases
    assert france.emissions and poland.emissions
    ratio = poland.emissions.total_g / france.emissions.total_g
    grids = (
        poland.emissions.factors.grid.intensity_g_per_kwh
        / france.emissions.factors.grid.intensity_g_per_kwh
    )
    assert ratio == pytest.approx(grids)


def test_newer_or_broken_files_are_refused(tmp_path: Path, result: RunResult) -> None:
    data = json.loads(result.to_json())
    data["schema_version"] = SCHEMA_VERSION + 1
    path = tmp_path / "new.json"
    path.write_text(json.dumps(data))
    with pytest.raises(UserError, match="upgrade frugalbench"):
        RunResult.load(path)
    data["schema_version"] = SCHEMA_VERSION
    del data["phases"]
    path.write_text(json.dumps(data))
    with pytest.raises(UserError, match="field 'phases'"):
        RunResult.load(path)


def test_summary() -> None:
    s = Summary.of([3.0, 1.0, 2.0])
    assert (s.median, s.min, s.max, s.n) == (2.0, 1.0, 3.0, 3)
    assert s.scaled(10).median == 20.0


def test_the_band_is_kept_apart_from_the_repeats_and_reaches_emissions(result: RunResult) -> None:
    per, emissions = result.per_1000_inputs, result.emissions
    assert per is not None and per.energy_band_j is not None and emissions is not None
    assert per.energy_band_j.low <= per.energy_j.median <= per.energy_band_j.high
    assert "cancels in their ratios" in per.energy_band_j.meaning
    band_g = emissions.per_1000_inputs_band_g
    assert band_g is not None
    assert band_g.low == pytest.approx(emissions.factors.co2e_g(per.energy_band_j.low))
    assert band_g.high == pytest.approx(emissions.factors.co2e_g(per.energy_band_j.high))


def _drop(node: object, keys: set[str]) -> object:
    if isinstance(node, dict):
        return {k: _drop(v, keys) for k, v in node.items() if k not in keys}
    if isinstance(node, list):
        return [_drop(v, keys) for v in node]
    return node


def test_a_schema_1_result_still_loads(result: RunResult, tmp_path: Path) -> None:
    """A file written before the power model: no bands, no power_profile, version 1."""
    data = _drop(
        json.loads(result.to_json()),
        {"energy_band_j", "band_j", "per_1000_inputs_band_g", "power_profile"},
    )
    assert isinstance(data, dict)
    data["schema_version"] = 1
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(data))
    old = RunResult.load(path)
    assert old.schema_version == 1 and old.per_1000_inputs is not None
    assert old.per_1000_inputs.energy_band_j is None
    assert old.per_1000_inputs.energy_j == result.per_1000_inputs.energy_j  # type: ignore[union-attr]
