"""A scenario: where and on what a model would run, as the set of factors every impact uses.

One object gathers the grid, the facility, the grid's water, the hardware and the declared
lifetimes, each with its source, so a card or a projection can print exactly what it assumed.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from frugalbench.errors import UserError
from frugalbench.footprint.carbon import EmissionFactors, GridIntensity, Pue, grid_intensity
from frugalbench.footprint.factors import (
    Device,
    FacilityProfile,
    GridWater,
    default_lifetime_years,
    device,
    facility,
    grid_water,
    load_profile,
    with_overrides,
)
from frugalbench.footprint.sci import Hardware
from frugalbench.units import S_PER_YEAR

DEFAULT_LIFETIME_INFERENCES = 1_000_000


class Scenario(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    grid: GridIntensity
    facility: FacilityProfile
    water: GridWater
    device: Device
    hardware: Hardware
    lifetime_source: str
    lifetime_inferences: float
    lifetime_inferences_source: str

    @property
    def factors(self) -> EmissionFactors:
        """Its carbon factors: the facility's PUE and the grid, as a run's emissions use them."""
        pue = Pue(
            value=self.facility.pue, source=f"{self.facility.table}: {self.facility.pue_source}"
        )
        return EmissionFactors(grid=self.grid, pue=pue)

    @property
    def cue_kg_per_kwh(self) -> float:
        return self.factors.cue_kg_per_kwh

    def water_l(self, it_energy_kwh: float) -> tuple[float, float]:
        """(on-site, off-site) litres: E x WUE and E x PUE x grid water (Li et al. 2023)."""
        onsite = it_energy_kwh * self.facility.wue_l_per_kwh
        offsite = it_energy_kwh * self.facility.pue * self.water.l_per_kwh
        return onsite, offsite


def scenario(
    country: str | None = None,
    facility_name: str = "average",
    profile: Path | None = None,
    pue: float | None = None,
    wue: float | None = None,
    grid_water_l_per_kwh: float | None = None,
    device_name: str = "cpu-server",
    lifetime_years: float | None = None,
    resource_share: float = 1.0,
    lifetime_inferences: float | None = None,
) -> Scenario:
    base = load_profile(profile) if profile else facility(facility_name)
    fac = with_overrides(base, pue, wue)
    where = country or fac.country
    grid = grid_intensity(where)
    dev = device(device_name)
    default_years, years_source = default_lifetime_years()
    if lifetime_years is not None:
        if lifetime_years <= 0:
            raise UserError(f"hardware lifetime {lifetime_years} years: pass a positive number")
        years_source = "user-supplied (--hardware-lifetime-years)"
    years = lifetime_years if lifetime_years is not None else default_years
    if not 0 < resource_share <= 1:
        raise UserError(
            f"resource share {resource_share}: pass the part of the device reserved, in (0, 1] "
            "(e.g. 0.0625 for 4 of a 64-core server's cores)"
        )
    if lifetime_inferences is not None and lifetime_inferences <= 0:
        raise UserError(f"lifetime inferences {lifetime_inferences}: pass a positive number")
    hardware = Hardware(
        device=dev.name,
        embodied_g=dev.central_kg * 1000,
        embodied_low_g=dev.low_kg * 1000,
        embodied_high_g=dev.high_kg * 1000,
        lifetime_s=years * S_PER_YEAR,
        resource_share=resource_share,
    )
    place = f"{grid.code}" if not grid.is_default else "world"
    return Scenario(
        name=f"{place} / {fac.name}",
        grid=grid,
        facility=fac,
        water=grid_water(None if grid.is_default else grid.code, grid_water_l_per_kwh),
        device=dev,
        hardware=hardware,
        lifetime_source=f"{years:g} years: {years_source}",
        lifetime_inferences=float(lifetime_inferences or DEFAULT_LIFETIME_INFERENCES),
        lifetime_inferences_source=(
            "user-supplied (--lifetime-inferences)"
            if lifetime_inferences
            else f"frugalbench default ({DEFAULT_LIFETIME_INFERENCES:,}); pass "
            "--lifetime-inferences"
        ),
    )
