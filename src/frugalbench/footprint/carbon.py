"""Emissions from energy: ``energy x PUE x grid intensity``, computed from results, not meters.

Keeping carbon out of the meters means a result can be re-expressed for another grid, another year
or another data centre without measuring again, and that a change of factor table is visible as a
change of the factors recorded beside the figure.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict

from frugalbench.errors import UnknownNameError, UserError
from frugalbench.units import J_PER_KWH

GRID_TABLE = "grid_intensity.csv v2024.1"
GRID_SOURCE = (
    "Ember and Our World in Data (Energy Institute Statistical Review), CC BY 4.0, via CodeCarbon "
    "3.3.2 package data (MIT)"
)


class GridIntensity(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    country: str
    intensity_g_per_kwh: float
    year: int
    source: str
    table: str
    is_default: bool = False


class Pue(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: float
    source: str


class EmissionFactors(BaseModel):
    """Where the energy was spent, as far as carbon goes: the facility's overhead and the grid.

    The one place the location-based formula is written; a deployment ``Scenario`` adds water,
    hardware and lifetime and hands its carbon here (``Scenario.factors``)."""

    model_config = ConfigDict(frozen=True)

    grid: GridIntensity
    pue: Pue

    def facility_kwh(self, it_energy_j: float) -> float:
        """The facility's kWh for IT joules: cooling and power delivery added (x PUE)."""
        return it_energy_j / J_PER_KWH * self.pue.value

    @property
    def co2e_g_per_j(self) -> float:
        return self.pue.value * self.grid.intensity_g_per_kwh / J_PER_KWH

    @property
    def cue_kg_per_kwh(self) -> float:
        """CUE (The Green Grid): CO2 per kWh of IT energy; location-based, it is PUE x I."""
        return self.pue.value * self.grid.intensity_g_per_kwh / 1000.0

    def co2e_g(self, it_energy_j: float) -> float:
        return self.facility_kwh(it_energy_j) * self.grid.intensity_g_per_kwh


@lru_cache(maxsize=1)
def _grid_rows() -> dict[str, dict[str, str]]:
    path = resources.files("frugalbench.footprint").joinpath("data/grid_intensity.csv")
    rows: dict[str, dict[str, str]] = {}
    with path.open() as fh:
        for row in csv.DictReader(fh):
            rows[row["iso2"].upper()] = row
            rows[row["iso3"].upper()] = row
    return rows


def grid_codes() -> list[str]:
    return sorted({row["iso2"] for row in _grid_rows().values()})


def grid_intensity(country: str | None = None) -> GridIntensity:
    """The grid of an ISO 3166 alpha-2 or alpha-3 country code; the world average when None."""
    rows = _grid_rows()
    code = (country or "WORLD").strip().upper()
    if code not in rows:
        raise UnknownNameError("country code", code, grid_codes())
    row = rows[code]
    return GridIntensity(
        code=row["iso2"],
        country=row["country"],
        intensity_g_per_kwh=float(row["intensity_g_per_kwh"]),
        year=int(row["year"]),
        source=GRID_SOURCE,
        table=GRID_TABLE,
        is_default=country is None,
    )


def pue(value: float | None = None) -> Pue:
    """The given PUE, or the industry-average facility's from ``footprint/data/facilities.json``."""
    if value is None:
        from frugalbench.footprint.factors import facility

        average = facility("average")
        return Pue(value=average.pue, source=average.pue_source)
    if value < 1.0:
        raise UserError(f"PUE {value} is below 1.0, which is impossible; pass a value >= 1.0")
    return Pue(value=value, source="user-supplied")


def emission_factors(country: str | None = None, pue_value: float | None = None) -> EmissionFactors:
    return EmissionFactors(grid=grid_intensity(country), pue=pue(pue_value))
