from __future__ import annotations

import pytest

from frugalbench.measure.base import ComponentEnergy, Measurement, Method
from frugalbench.results import PhaseResult
from frugalbench.stats import Summary


def test_t_interval_from_first_principles() -> None:
    s = Summary.of([9.0, 10.0, 11.0])
    # mean 10, sd 1, n 3: half-width = t(0.975, 2) * 1 / sqrt(3) = 4.3027 / 1.7321 = 2.4841
    assert s.median == 10.0 and s.mean == 10.0
    assert s.ci95_low == pytest.approx(10 - 2.4841, abs=1e-3)
    assert s.ci95_high == pytest.approx(10 + 2.4841, abs=1e-3)
    assert s.cv == pytest.approx(0.1)


def test_single_value_has_no_interval() -> None:
    s = Summary.of([5.0])
    assert s.ci95_low is None and s.cv is None and s.median == 5.0


def test_scaling_keeps_the_interval_in_proportion() -> None:
    s = Summary.of([1.0, 2.0, 3.0]).scaled(10)
    assert s.median == 20.0 and s.ci95_low is not None and s.ci95_low < 20 < (s.ci95_high or 0)
    assert s.cv == Summary.of([1.0, 2.0, 3.0]).cv


def _m(joules: float, flags: tuple[str, ...] = ()) -> Measurement:
    method = Method(kind="estimated", backend="t", model="t")
    return Measurement(
        key="k",
        started_at="t",
        duration_s=1.0,
        components={"cpu": ComponentEnergy(energy_j=joules, method=method)},
        flags=flags,
    )


def test_wide_spread_is_flagged_unstable() -> None:
    assert "unstable" in PhaseResult.from_measurements("p", [_m(1), _m(2), _m(3)]).flags
    assert PhaseResult.from_measurements("p", [_m(1), _m(1.01), _m(0.99)]).flags == ()
    loose = PhaseResult.from_measurements("p", [_m(1), _m(2), _m(3)], max_cv=1.0)
    assert "unstable" not in loose.flags


def test_contaminated_repeats_are_flagged() -> None:
    phase = PhaseResult.from_measurements("p", [_m(1), _m(1, ("outside_load",))])
    assert "contaminated" in phase.flags
