"""The measurement record: what `frugalbench measure --json` and `frugalbench.track` write.

One shape for both, so a block measured from inside a training script and a command measured from
outside read the same: the marginal joules with the power-model band, per-component methods, the
emissions computed afterwards from factors, the environment and the meter's choices.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from frugalbench.footprint.carbon import EmissionFactors
from frugalbench.measure.backends import MeterPlan
from frugalbench.measure.base import ComponentEnergy, Measurement
from frugalbench.results.info import EnvironmentInfo, MeterInfo

RECORD_VERSION = 2  # 2: energy_band_j (the power model's band)
ENERGY_KIND = "marginal: the measured process tree only, idle power excluded"


class MeasureEmissions(BaseModel):
    model_config = ConfigDict(frozen=True)

    co2e_g: float
    factors: EmissionFactors


class MeasureRecord(BaseModel):
    """A command's (``command``, ``exit_code``) or a named block's (``block``, ``scope``)."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = RECORD_VERSION
    command: list[str] | None = None
    exit_code: int | None = None
    block: str | None = None
    scope: str | None = None
    energy_j: float
    energy_band_j: tuple[float, float] | None
    energy_kind: str = ENERGY_KIND
    duration_s: float
    components: dict[str, ComponentEnergy]
    observations: dict[str, float]
    emissions: MeasureEmissions
    environment: EnvironmentInfo
    meter: MeterInfo
    flags: list[str]
    measurement: Measurement
    comparison: dict[str, Measurement] | None

    def to_json(self) -> str:
        # what was measured is a command or a block: the other pair is left out, not null
        return json.dumps(self.model_dump(mode="json", exclude_unset=True), indent=2)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json() + "\n")


def measurement_record(
    m: Measurement,
    plan: MeterPlan,
    factors: EmissionFactors,
    what: dict[str, Any],
    compared: Measurement | None = None,
) -> MeasureRecord:
    """``what`` says what was measured (a command and its exit code, or a named block)."""
    from frugalbench.environment import capture_environment

    return MeasureRecord(
        schema_version=RECORD_VERSION,
        **what,
        energy_j=m.total_j,
        energy_band_j=m.band_j,
        energy_kind=ENERGY_KIND,
        duration_s=m.duration_s,
        components=m.components,
        observations=m.observations,
        emissions=MeasureEmissions(co2e_g=factors.co2e_g(m.total_j), factors=factors),
        environment={**capture_environment(), "gpus": plan.gpus},
        meter=plan.describe(),
        flags=list(m.flags),
        measurement=m,
        comparison=None if compared is None else {"codecarbon": compared},
    )
