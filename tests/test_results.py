from __future__ import annotations

import json
from pathlib import Path

import pytest

from frugalbench.config import RunConfig
from frugalbench.errors import UserError
from frugalbench.harness.runner import run
from frugalbench.measure.carbon import emission_factors
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
