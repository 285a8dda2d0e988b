"""Projections: the yearly figures follow the documented formulas from a real result."""

from __future__ import annotations

from pathlib import Path

import pytest

from frugalbench.errors import UserError
from frugalbench.footprint.projection import DAYS_PER_YEAR, PerRequest, project
from frugalbench.footprint.scenario import scenario
from frugalbench.results import RunResult


@pytest.fixture(scope="module")
def per(text_result_file: Path) -> PerRequest:
    return PerRequest.of(RunResult.load(text_result_file), str(text_result_file))


def test_yearly_energy_carbon_and_water_follow_the_formulas(per: PerRequest) -> None:
    fr, pl = scenario("FR"), scenario("PL")
    p = project(per, [fr, pl], requests_per_day=1e6, years=3, growth=0.5)
    year3 = p.scenarios[0].years[2]
    requests = 1e6 * DAYS_PER_YEAR * 1.5**2
    assert year3.requests == pytest.approx(requests)
    it_kwh = requests * per.energy_j / 3.6e6
    assert year3.it_mwh == pytest.approx(it_kwh / 1000)
    assert year3.facility_mwh == pytest.approx(it_kwh * 1.56 / 1000)
    assert year3.operational_t == pytest.approx(it_kwh * 1.56 * 56.0 / 1e6)
    assert year3.water_onsite_m3 == pytest.approx(it_kwh * 1.8 / 1000)
    assert year3.water_offsite_m3 == pytest.approx(it_kwh * 1.56 * 15.3 / 1000)
    held_s = requests * per.duration_s
    assert year3.embodied_t == pytest.approx(2.5e6 * held_s / fr.hardware.lifetime_s / 1e6)
    assert year3.facility_mwh_low is not None and year3.facility_mwh_high is not None
    assert year3.facility_mwh_low <= year3.facility_mwh <= year3.facility_mwh_high
    # the same energy on a coal-heavy grid: operational CO2e scales with the grid, nothing else
    pl3 = p.scenarios[1].years[2]
    assert pl3.facility_mwh == year3.facility_mwh and pl3.embodied_t == year3.embodied_t
    assert pl3.operational_t / year3.operational_t == pytest.approx(661.9 / 56.0)


def test_context_lines_name_their_sources(per: PerRequest) -> None:
    p = project(per, [scenario("FR")], requests_per_day=1e6)
    lines = p.scenarios[0].context
    assert "Europe" in lines[0] and "IEA" in lines[0] and "68 TWh" in lines[0]
    assert "European Environment Agency" in lines[1]
    assert "Olympic" in lines[2]
    assert p.scenarios[0].training_mwh is not None and p.scenarios[0].training_t is not None


def test_bad_projection_parameters(per: PerRequest) -> None:
    for kwargs in ({"requests_per_day": 0}, {"requests_per_day": 10, "years": 0},
                   {"requests_per_day": 10, "growth": -1.0}):  # fmt: skip
        with pytest.raises(UserError):
            project(per, [scenario("FR")], **kwargs)


def test_the_power_model_band_is_carried_to_scale(per: PerRequest) -> None:
    assert per.band_low_j is not None and per.band_high_j is not None
    assert per.band_low_j < per.energy_j < per.band_high_j
    year = project(per, [scenario("FR")], requests_per_day=1e6).scenarios[0].years[0]
    ratio = (per.band_low_j / per.energy_j, per.band_high_j / per.energy_j)
    for value in (year.facility_mwh, year.operational_t, year.water_m3):
        band = year.band(value)
        assert band == pytest.approx((value * ratio[0], value * ratio[1]))
