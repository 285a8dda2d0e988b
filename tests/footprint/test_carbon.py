from __future__ import annotations

import pytest

from frugalbench.errors import UnknownNameError, UserError
from frugalbench.footprint.carbon import emission_factors, grid_intensity, pue


def test_world_average_is_the_default_and_says_so() -> None:
    grid = grid_intensity(None)
    assert grid.is_default and grid.code == "WORLD"
    assert 400 < grid.intensity_g_per_kwh < 550


def test_alpha2_and_alpha3_codes_agree() -> None:
    fr2, fr3 = grid_intensity("fr"), grid_intensity("FRA")
    assert fr2 == fr3 and fr2.country == "France" and not fr2.is_default
    assert fr2.intensity_g_per_kwh < grid_intensity("PL").intensity_g_per_kwh


def test_unknown_country_suggests_close_codes() -> None:
    with pytest.raises(UnknownNameError, match="Did you mean"):
        grid_intensity("FRR")


def test_emissions_formula_from_first_principles() -> None:
    factors = emission_factors("FR", 1.5)
    grid = factors.grid.intensity_g_per_kwh
    # 3.6 MJ is one kWh: at PUE 1.5 it draws 1.5 kWh from the grid.
    assert factors.co2e_g(3.6e6) == pytest.approx(1.5 * grid)
    assert factors.co2e_g(0.0) == 0.0


def test_pue_default_has_a_source_and_bad_pue_is_refused() -> None:
    default = pue()
    assert default.value == pytest.approx(1.56) and "Uptime" in default.source
    with pytest.raises(UserError, match=r"below 1\.0"):
        pue(0.9)
