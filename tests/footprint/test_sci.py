"""SCI from first principles: each term computed by hand from the definition, then compared."""

from __future__ import annotations

import pytest

from frugalbench.errors import UserError
from frugalbench.footprint.carbon import EmissionFactors, Pue, grid_intensity
from frugalbench.footprint.scenario import scenario
from frugalbench.footprint.sci import Hardware, SciInputs, functional_unit, sci


def hardware(embodied_g: float = 1e6, lifetime_s: float = 1e6, share: float = 0.25) -> Hardware:
    return Hardware(
        device="test",
        embodied_g=embodied_g,
        embodied_low_g=embodied_g / 2,
        embodied_high_g=embodied_g * 2,
        lifetime_s=lifetime_s,
        resource_share=share,
    )


def factors(pue: float, intensity_g_per_kwh: float) -> EmissionFactors:
    grid = grid_intensity("FR").model_copy(update={"intensity_g_per_kwh": intensity_g_per_kwh})
    return EmissionFactors(grid=grid, pue=Pue(value=pue, source="test"))


def inputs(pue: float = 1.5, intensity_g_per_kwh: float = 200.0, **changes: object) -> SciInputs:
    base: dict[str, object] = {
        "energy_j_per_input": 3.6,  # 1,000 inputs = 3,600 J = 1 Wh
        "duration_s_per_input": 0.5,
        "factors": factors(pue, intensity_g_per_kwh),
        "hardware": hardware(),
        "unit": functional_unit("1000 quotes", "quote"),
        "training_energy_j": 3.6e6,  # 1 kWh
        "training_duration_s": 1000.0,
        "lifetime_inputs": 1e5,
    }
    return SciInputs(**(base | changes))


def test_each_term_matches_the_definition() -> None:
    s = sci(inputs())
    # E: 1 Wh x PUE 1.5 = 0.0015 kWh; E x I = 0.0015 x 200 = 0.3 g
    assert s.energy_kwh == pytest.approx(0.0015)
    assert s.operational_g == pytest.approx(0.3)
    # M: 1e6 g x (1,000 x 0.5 s / 1e6 s) x 0.25 = 125 g
    assert s.embodied_g == pytest.approx(125.0)
    assert (s.embodied_low_g, s.embodied_high_g) == pytest.approx((62.5, 250.0))
    assert s.consumer_g == pytest.approx(125.3)
    # training: 1 kWh x 1.5 x 200 = 300 g, + 1e6 g x 1000/1e6 x 0.25 = 250 g; x 1,000 / 1e5
    assert s.training_g == pytest.approx(5.5)
    assert s.provider_g == pytest.approx(130.8)


def test_sci_is_per_unit_linear_and_location_based() -> None:
    one = sci(inputs())
    double = sci(inputs(unit=functional_unit("2000 quotes", "quote")))
    assert double.consumer_g == pytest.approx(2 * one.consumer_g)
    no_overhead = sci(inputs(pue=1.0, hardware=hardware(embodied_g=0.0)))
    assert no_overhead.consumer_g == pytest.approx(3.6 * 1000 / 3.6e6 * 200)
    cleaner = sci(inputs(intensity_g_per_kwh=20.0))
    assert cleaner.operational_g == pytest.approx(one.operational_g / 10)
    assert cleaner.embodied_g == one.embodied_g  # the grid does not change manufacturing


def test_no_training_figure_no_provider_view() -> None:
    s = sci(inputs(training_energy_j=None))
    assert s.training_g is None and s.provider_g is None and s.consumer_g > 0


@pytest.mark.parametrize(
    ("spec", "unit", "n"),
    [
        ("1000 quotes", "quote", 1000),
        ("1 inference", "quote", 1),
        ("5 requests", "clip", 5),
        ("1 hour of audio", "clip", 1200),
        ("2 hours of audio", "clip", 2400),
        ("1,000 images", "image", 1000),
        (None, "clip", 1200),
        (None, "quote", 1000),
    ],
)
def test_functional_units(spec: str | None, unit: str, n: float) -> None:
    assert functional_unit(spec, unit).n_inputs == n


@pytest.mark.parametrize(
    ("spec", "unit"),
    [("quotes", "quote"), ("0 quotes", "quote"), ("1 hour of audio", "quote"), ("3 cats", "clip")],
)
def test_bad_functional_units(spec: str, unit: str) -> None:
    with pytest.raises(UserError):
        functional_unit(spec, unit)


def test_scenario_gathers_its_factors_and_checks_declared_figures() -> None:
    s = scenario("PL", "hyperscale", resource_share=0.5)
    assert s.grid.code == "PL" and s.facility.pue == 1.10
    assert s.cue_kg_per_kwh == pytest.approx(1.10 * s.grid.intensity_g_per_kwh / 1000)
    onsite, offsite = s.water_l(10.0)
    assert onsite == pytest.approx(10 * 0.30)
    assert offsite == pytest.approx(10 * 1.10 * 15.3)
    assert s.hardware.resource_share == 0.5 and "assumption" in s.lifetime_source
    for bad in ({"resource_share": 0.0}, {"resource_share": 2.0}, {"lifetime_years": -1.0},
                {"lifetime_inferences": 0.0}):  # fmt: skip
        with pytest.raises(UserError):
            scenario("FR", **bad)  # type: ignore[arg-type]
