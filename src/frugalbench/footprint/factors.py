"""The factor tables behind every impact figure, each row with its source and year.

Why data files: a report must say which figure produced which number, and a figure computed today
must be recomputable tomorrow. Tables are versioned with the package (``version`` in each file);
a newer table is a new package version, never a silent change. Users replace a facility with
their own data-centre profile file (the fields EU data-centre reporting asks for).
"""

from __future__ import annotations

import json
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from frugalbench.errors import UnknownNameError, UserError, first_problem


@cache
def table(name: str) -> dict[str, Any]:
    path = resources.files("frugalbench.footprint").joinpath(f"data/{name}")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def table_ref(name: str) -> str:
    """``facilities.json v2026.1``: how a figure names the table it came from."""
    return f"{name} v{table(name)['version']}"


class FacilityProfile(BaseModel):
    """A data centre's overheads. REF and ERF are recorded, never subtracted: SCI is
    location-based (no offsets, no certificates), so renewable purchases and heat reuse do not
    lower the carbon or the energy charged; they are shown beside it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    label: str
    pue: float = Field(ge=1.0)
    pue_source: str
    pue_year: int | None = None
    wue_l_per_kwh: float = Field(ge=0.0)
    wue_source: str
    wue_year: int | None = None
    renewable_energy_factor: float | None = Field(None, ge=0.0, le=1.0)
    energy_reuse_factor: float | None = Field(None, ge=0.0, le=1.0)
    country: str | None = None
    table: str = ""


def facility_names() -> list[str]:
    return sorted(table("facilities.json")["profiles"])


def facility(name: str) -> FacilityProfile:
    profiles = table("facilities.json")["profiles"]
    if name not in profiles:
        raise UnknownNameError("facility type", name, profiles)
    return FacilityProfile(name=name, table=table_ref("facilities.json"), **profiles[name])


def with_overrides(
    profile: FacilityProfile, pue: float | None = None, wue: float | None = None
) -> FacilityProfile:
    """The profile with a user's PUE or WUE: the source then says so."""
    if pue is not None and pue < 1.0:
        raise UserError(f"PUE {pue} is below 1.0, which is impossible; pass a value >= 1.0")
    if wue is not None and wue < 0:
        raise UserError(f"WUE {wue} L/kWh is negative; pass a value >= 0")
    update: dict[str, Any] = {}
    if pue is not None:
        update |= {"pue": pue, "pue_source": "user-supplied (--pue)", "pue_year": None}
    if wue is not None:
        update |= {"wue_l_per_kwh": wue, "wue_source": "user-supplied (--wue)", "wue_year": None}
    if update:
        update["name"] = f"{profile.name}+custom"
        update["label"] = f"{profile.label}, user overrides"
    return profile.model_copy(update=update)


PROFILE_FIELDS = (
    "name, pue, wue_l_per_kwh (required); label, renewable_energy_factor, energy_reuse_factor, "
    "country, pue_source, wue_source, pue_year, wue_year (optional)"
)


def load_profile(path: Path) -> FacilityProfile:
    """A user's data-centre profile, JSON or TOML, e.g. from EU data-centre reporting."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise UserError(f"{path}: no such data-centre profile file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read the profile ({exc})") from None
    try:
        raw = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        kind = "TOML" if path.suffix.lower() == ".toml" else "JSON"
        raise UserError(f"{path}: not valid {kind} ({exc})") from None
    if not isinstance(raw, dict):
        raise UserError(f"{path}: a profile is an object with the fields {PROFILE_FIELDS}")
    name = str(raw.get("name") or path.stem)
    data = {
        "label": name,
        "pue_source": f"data-centre profile {path.name}",
        "wue_source": f"data-centre profile {path.name}",
        **raw,
        "name": name,
        "table": f"profile file {path.name}",
    }
    try:
        return FacilityProfile.model_validate(data)
    except ValidationError as exc:
        where, what = first_problem(exc)
        raise UserError(f"{path}: field {where!r}: {what} (fields: {PROFILE_FIELDS})") from None


class Device(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    label: str
    central_kg: float
    low_kg: float
    high_kg: float
    sources: list[str]
    year: int
    table: str


def device_names() -> list[str]:
    return sorted(table("embodied.json")["devices"])


def device(name: str) -> Device:
    devices = table("embodied.json")["devices"]
    if name not in devices:
        raise UnknownNameError("device", name, devices)
    return Device(name=name, table=table_ref("embodied.json"), **devices[name])


def default_lifetime_years() -> tuple[float, str]:
    data = table("embodied.json")
    return float(data["default_lifetime_years"]), str(data["lifetime_source"])


class GridWater(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    l_per_kwh: float
    source: str
    year: int | None
    table: str
    fallback: bool = False


def grid_water(country: str | None, override_l_per_kwh: float | None = None) -> GridWater:
    """Off-site water per kWh for a country's grid; WORLD (flagged) where none is shipped."""
    if override_l_per_kwh is not None:
        if override_l_per_kwh < 0:
            raise UserError(f"grid water {override_l_per_kwh} L/kWh is negative; pass >= 0")
        return GridWater(
            code=(country or "WORLD").upper(),
            l_per_kwh=override_l_per_kwh,
            source="user-supplied (--grid-water)",
            year=None,
            table="user",
        )
    rows = table("grid_water.json")["rows"]
    code = (country or "WORLD").upper()
    row, fallback = (rows[code], False) if code in rows else (rows["WORLD"], code != "WORLD")
    return GridWater(
        code=code if not fallback else "WORLD",
        l_per_kwh=float(row["l_per_kwh"]),
        source=row["source"],
        year=row.get("year"),
        table=table_ref("grid_water.json"),
        fallback=fallback,
    )


class RegionElectricity(BaseModel):
    """A region's data-centre electricity (IEA), for "what share of it would this be"."""

    model_config = ConfigDict(frozen=True)

    region: str
    twh_2024: float
    twh_2030: float
    source: str
    mapping: str
    table: str


def datacentre_region(country: str | None) -> RegionElectricity:
    data = table("datacentre_electricity.json")
    code = (country or "").upper()
    region = "World"
    if code:
        region = next(
            (r for r, codes in data["countries"].items() if code in codes), "Rest of world"
        )
    figures = data["regions"][region]
    mapping = (
        "no country given: the world"
        if not code
        else f"{code} counted in the IEA region '{region}' ({data['country_region_note']})"
    )
    return RegionElectricity(
        region=region,
        twh_2024=float(figures["2024"]),
        twh_2030=float(figures["2030"]),
        source=data["source"],
        mapping=mapping,
        table=table_ref("datacentre_electricity.json"),
    )


class Equivalent(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: float
    label: str
    source: str
    year: int
    table: str


def equivalent(name: str) -> Equivalent:
    data = table("equivalents.json")
    return Equivalent(table=table_ref("equivalents.json"), **data[name])
