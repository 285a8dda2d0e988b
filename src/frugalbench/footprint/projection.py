"""Deployment-scale projection: a measured energy per request, served N times a day for Y years.

Per scenario and year ``y`` (1-based), with ``e`` the measured IT energy per request (J):

- requests: ``N x 365 x (1 + G)^(y-1)``;
- IT energy: ``requests x e``; facility energy: IT energy x PUE (reported in MWh);
- operational CO2e: facility energy x location-based grid intensity;
- embodied CO2e: device embodied x (device-seconds the requests hold / lifetime) x share;
- water: IT energy x WUE (on site) + IT energy x PUE x grid water per kWh (off site).

Energy carries the measured 95% interval through, scaled, and beside it the power model's band
(p10-p90 of the CPU family's servers when the energy is an estimate): energy, operational CO2e
and water are linear in the energy per request, so each carries the band as the same ratio.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from frugalbench.errors import UserError
from frugalbench.footprint.carbon import EmissionFactors
from frugalbench.footprint.factors import datacentre_region, equivalent
from frugalbench.footprint.scenario import Scenario
from frugalbench.footprint.sci import embodied_share_g
from frugalbench.results import RunResult
from frugalbench.units import J_PER_KWH

DAYS_PER_YEAR = 365


class PerRequest(BaseModel):
    """What the projection scales, read from the result."""

    model_config = ConfigDict(frozen=True)

    energy_j: float
    energy_low_j: float | None
    energy_high_j: float | None
    band_low_j: float | None = None
    band_high_j: float | None = None
    duration_s: float
    training_energy_j: float | None
    training_duration_s: float | None
    source: str

    @property
    def band_ratio(self) -> tuple[float, float] | None:
        if self.band_low_j is None or self.band_high_j is None or not self.energy_j:
            return None
        return self.band_low_j / self.energy_j, self.band_high_j / self.energy_j

    @classmethod
    def of(cls, result: RunResult, where: str) -> PerRequest:
        per = result.per_1000_inputs
        if result.status != "ok" or per is None:
            raise UserError(f"{where}: a failed evaluation has no energy per request to project")
        inference = result.phases["inference"]
        n = inference.n_inputs or result.task.data.n_inputs
        training = result.model.training or {}
        low, high = per.energy_j.ci95_low, per.energy_j.ci95_high
        band = per.energy_band_j
        return cls(
            band_low_j=band.low / 1000 if band else None,
            band_high_j=band.high / 1000 if band else None,
            energy_j=per.energy_j.median / 1000,
            energy_low_j=max(low, 0.0) / 1000 if low is not None else None,
            energy_high_j=high / 1000 if high is not None else None,
            duration_s=inference.duration_s.median / max(n, 1),
            training_energy_j=training.get("energy_j"),
            training_duration_s=training.get("duration_s"),
            source=f"result {where}: per_1000_inputs.energy_j / 1000",
        )


class YearRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: int
    requests: float
    it_mwh: float
    facility_mwh: float
    facility_mwh_low: float | None
    facility_mwh_high: float | None
    band_ratio: tuple[float, float] | None = None
    operational_t: float
    embodied_t: float
    water_onsite_m3: float
    water_offsite_m3: float

    @property
    def co2e_t(self) -> float:
        return self.operational_t + self.embodied_t

    @property
    def water_m3(self) -> float:
        return self.water_onsite_m3 + self.water_offsite_m3

    def band(self, value: float) -> tuple[float, float] | None:
        """A figure linear in the energy (facility MWh, operational t, water) under the band."""
        return (
            None
            if self.band_ratio is None
            else (value * self.band_ratio[0], value * self.band_ratio[1])
        )


class ScenarioProjection(BaseModel):
    model_config = ConfigDict(frozen=True)

    scenario: Scenario
    years: list[YearRow]
    training_mwh: float | None
    training_t: float | None
    context: list[str]

    def total(self, field: str) -> float:
        return float(sum(getattr(y, field) for y in self.years))


class Projection(BaseModel):
    model_config = ConfigDict(frozen=True)

    requests_per_day: float
    growth: float
    per_request: PerRequest
    scenarios: list[ScenarioProjection]
    formulas: list[str] = [
        "requests = N x 365 x (1 + G)^(year - 1)",
        "facility energy = requests x measured IT energy per request x PUE",
        "power model band: the same, at the low and high energy per request of the power model",
        "operational CO2e = facility energy x grid intensity (location-based)",
        "embodied CO2e = device embodied x requests x time per request / device lifetime x share",
        "water = IT energy x WUE (on site) + IT energy x PUE x grid water per kWh (off site)",
    ]


def project(
    per: PerRequest,
    scenarios: Sequence[Scenario],
    requests_per_day: float,
    years: int = 1,
    growth: float = 0.0,
) -> Projection:
    if requests_per_day <= 0:
        raise UserError(f"--requests-per-day {requests_per_day}: pass a positive number")
    if years < 1:
        raise UserError(f"--years {years}: pass 1 or more")
    if growth <= -1:
        raise UserError(f"--growth {growth}: a yearly growth of -100% or less empties the service")
    out = []
    for scn in scenarios:
        factors = scn.factors
        rows = []
        for y in range(1, years + 1):
            requests = requests_per_day * DAYS_PER_YEAR * (1 + growth) ** (y - 1)
            it_kwh = requests * per.energy_j / J_PER_KWH
            onsite_l, offsite_l = scn.water_l(it_kwh)
            low, high = per.energy_low_j, per.energy_high_j
            rows.append(
                YearRow(
                    year=y,
                    requests=requests,
                    it_mwh=it_kwh / 1000,
                    facility_mwh=_mwh(factors, requests, per.energy_j),
                    facility_mwh_low=None if low is None else _mwh(factors, requests, low),
                    facility_mwh_high=None if high is None else _mwh(factors, requests, high),
                    band_ratio=per.band_ratio,
                    operational_t=factors.co2e_g(requests * per.energy_j) / 1e6,
                    embodied_t=embodied_share_g(
                        scn.hardware.embodied_g, requests * per.duration_s, scn.hardware
                    )
                    / 1e6,
                    water_onsite_m3=onsite_l / 1000,
                    water_offsite_m3=offsite_l / 1000,
                )
            )
        training_mwh = training_t = None
        if per.training_energy_j is not None:
            training_mwh = factors.facility_kwh(per.training_energy_j) / 1000
            training_t = (
                factors.co2e_g(per.training_energy_j)
                + embodied_share_g(
                    scn.hardware.embodied_g, per.training_duration_s or 0.0, scn.hardware
                )
            ) / 1e6
        out.append(
            ScenarioProjection(
                scenario=scn,
                years=rows,
                training_mwh=training_mwh,
                training_t=training_t,
                context=context_lines(scn, rows),
            )
        )
    return Projection(
        requests_per_day=requests_per_day, growth=growth, per_request=per, scenarios=out
    )


def context_lines(scn: Scenario, rows: Sequence[YearRow]) -> list[str]:
    """Plain-language scale: the region's data-centre electricity, car kilometres, pools."""
    first = rows[0]
    region = datacentre_region(None if scn.grid.is_default else scn.grid.code)
    share_2024 = 100 * first.facility_mwh / (region.twh_2024 * 1e6)
    share_2030 = 100 * first.facility_mwh / (region.twh_2030 * 1e6)
    car = equivalent("car_g_co2_per_km")
    pool = equivalent("olympic_pool_m3")
    return [
        f"year 1 uses {share_2024:.3g}% of {region.region}'s data-centre electricity in 2024 "
        f"({region.twh_2024:g} TWh) and {share_2030:.3g}% of the {region.twh_2030:g} TWh the IEA "
        f"expects in 2030; {region.mapping} [{region.table}: {region.source}]",
        f"year 1 CO2e equals {first.co2e_t * 1e6 / car.value:,.3g} {car.label} "
        f"[{car.table}: {car.source}]",
        f"year 1 water fills {first.water_m3 / pool.value:.3g} {pool.label} "
        f"[{pool.table}: {pool.source}]",
    ]


# the yearly figures a projection sums over its years (co2e_t and water_m3 are row properties)
TOTALS = (
    "facility_mwh",
    "operational_t",
    "embodied_t",
    "water_onsite_m3",
    "co2e_t",
    "water_m3",
)


def projection_json(projection: Projection) -> str:
    data: dict[str, Any] = projection.model_dump(mode="json")
    for scn, out in zip(projection.scenarios, data["scenarios"], strict=True):
        out["totals"] = {f: scn.total(f) for f in TOTALS}
    return json.dumps(data, indent=2)


def _mwh(factors: EmissionFactors, requests: float, energy_j: float) -> float:
    """Facility MWh of ``requests`` requests at ``energy_j`` of IT energy each."""
    return factors.facility_kwh(requests * energy_j) / 1000
