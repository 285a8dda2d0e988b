"""Software Carbon Intensity (Green Software Foundation, ISO/IEC 21031): SCI = (E x I + M) per R.

- ``E``: energy per functional unit, the measured IT energy times the facility's PUE (kWh);
- ``I``: location-based grid intensity (g CO2e/kWh): no offsets, no certificates;
- ``M``: embodied emissions of the hardware, allocated by time share: total embodied x (time the
  unit kept the device / device lifetime) x (share of the device reserved);
- ``R``: the functional unit, declared ("1,000 quotes", "1 hour of audio", "1 inference").

The consumer view is inference only. The provider view adds training, amortised over the number
of inferences the model is declared to serve in its life.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from frugalbench.errors import UserError
from frugalbench.footprint.carbon import EmissionFactors

# the functional unit each task's report uses unless told otherwise, by the task's input unit
DEFAULT_UNITS = {"quote": "1000 quotes", "clip": "1 hour of audio", "image": "1000 images"}
CLIP_S = 3.0  # the audio tasks' window: an hour of audio is 1,200 clips


class FunctionalUnit(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    n_inputs: float


def functional_unit(spec: str | None, input_unit: str) -> FunctionalUnit:
    """Parse "N <input unit>s", "N inferences" (or requests), or "N hours of audio" (clip tasks)."""
    spec = spec or DEFAULT_UNITS.get(input_unit, f"1000 {input_unit}s")
    match = re.fullmatch(r"\s*([0-9][0-9_,]*(?:\.[0-9]+)?)\s+(.+?)\s*", spec)
    if not match:
        raise UserError(
            f"functional unit {spec!r} is not 'NUMBER WHAT' (e.g. '1000 {input_unit}s', "
            "'1 inference', '1 hour of audio')"
        )
    n = float(match.group(1).replace(",", "").replace("_", ""))
    if n <= 0:
        raise UserError(f"functional unit {spec!r}: the number must be positive")
    what = match.group(2).lower()
    singular = what[:-1] if what.endswith("s") else what
    if singular in (input_unit, "inference", "request"):
        per = 1.0
    elif input_unit == "clip" and re.fullmatch(r"hours? of audio", what):
        per = 3600.0 / CLIP_S
    else:
        raise UserError(
            f"functional unit {spec!r}: say how many {input_unit}s, inferences or requests "
            + ("or hours of audio " if input_unit == "clip" else "")
            + f"(e.g. '1000 {input_unit}s')"
        )
    return FunctionalUnit(name=f"{match.group(1)} {match.group(2)}", n_inputs=n * per)


class Hardware(BaseModel):
    """What ``M`` is computed from: the device's embodied emissions, its lifetime, its share."""

    model_config = ConfigDict(frozen=True)

    device: str
    embodied_g: float
    embodied_low_g: float
    embodied_high_g: float
    lifetime_s: float
    resource_share: float


class SciInputs(BaseModel):
    model_config = ConfigDict(frozen=True)

    energy_j_per_input: float  # measured IT energy, inference
    duration_s_per_input: float  # wall time the device was held per input
    factors: EmissionFactors  # PUE and grid intensity I
    hardware: Hardware
    unit: FunctionalUnit
    training_energy_j: float | None = None
    training_duration_s: float | None = None
    lifetime_inputs: float | None = None  # inferences the model serves in its life (provider)


class Sci(BaseModel):
    """Every term kept, so a reader can redo the sum."""

    model_config = ConfigDict(frozen=True)

    unit: FunctionalUnit
    energy_kwh: float  # E: per unit, PUE included
    intensity_g_per_kwh: float  # I
    operational_g: float  # E x I
    embodied_g: float  # M
    embodied_low_g: float
    embodied_high_g: float
    consumer_g: float  # (E x I + M) per R
    training_g: float | None  # the unit's share of training (operational + embodied)
    provider_g: float | None  # consumer + training share
    formula: str = (
        "SCI = (E x I + M) per R; E = IT energy x PUE; M = embodied x (time held / lifetime) x "
        "resource share; provider adds training x (R inputs / lifetime inferences)"
    )


def embodied_share_g(embodied_g: float, held_s: float, hardware: Hardware) -> float:
    return embodied_g * (held_s / hardware.lifetime_s) * hardware.resource_share


def sci(inputs: SciInputs) -> Sci:
    n = inputs.unit.n_inputs
    hw = inputs.hardware
    factors = inputs.factors
    energy_kwh = factors.facility_kwh(inputs.energy_j_per_input * n)
    operational = factors.co2e_g(inputs.energy_j_per_input * n)
    held_s = inputs.duration_s_per_input * n
    m = embodied_share_g(hw.embodied_g, held_s, hw)
    consumer = operational + m
    training = provider = None
    if inputs.training_energy_j is not None and inputs.lifetime_inputs:
        whole = factors.co2e_g(inputs.training_energy_j) + embodied_share_g(
            hw.embodied_g, inputs.training_duration_s or 0.0, hw
        )
        training = whole * n / inputs.lifetime_inputs
        provider = consumer + training
    return Sci(
        unit=inputs.unit,
        energy_kwh=energy_kwh,
        intensity_g_per_kwh=factors.grid.intensity_g_per_kwh,
        operational_g=operational,
        embodied_g=m,
        embodied_low_g=embodied_share_g(hw.embodied_low_g, held_s, hw),
        embodied_high_g=embodied_share_g(hw.embodied_high_g, held_s, hw),
        consumer_g=consumer,
        training_g=training,
        provider_g=provider,
    )
