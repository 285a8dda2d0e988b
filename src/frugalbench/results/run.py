"""RunResult: the immutable, schema-versioned record of one evaluation.

It carries everything needed to trust and to recompute its figures: the per-phase measurements
with the method behind each component, the environment, the configuration, and the emission
factors used (emissions are derived from energy and can be recomputed with other factors).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from frugalbench.config import RunConfig
from frugalbench.errors import UserError, first_problem
from frugalbench.footprint.carbon import EmissionFactors
from frugalbench.measure.base import Measurement, Method
from frugalbench.results.info import EnvironmentInfo, MeterInfo, ModelInfo, TaskInfo
from frugalbench.stats import Summary

SCHEMA_VERSION = 2  # 2: power-model bands (energy_band_j, per_1000_inputs_band_g), power_profile

BAND_MEANING = (
    "power-model band: the energy again at the low and high power of the model behind an "
    "estimate (p10-p90 of the CPU family's SPECpower servers, or a calibration's spread); "
    "systematic, so it moves every model on one machine together and cancels in their ratios"
)


class Band(BaseModel):
    """Low and high of a figure under the power model's spread, kept apart from the repeats'."""

    model_config = ConfigDict(frozen=True)

    low: float
    high: float
    meaning: str = BAND_MEANING

    @classmethod
    def of(cls, measurements: Sequence[Measurement]) -> Band | None:
        """Median over repeats of each repeat's low and high; None when nothing is estimated."""
        bands = [m.band_j for m in measurements]
        if any(b is None for b in bands):
            return None
        return cls(
            low=statistics.median(b[0] for b in bands if b),
            high=statistics.median(b[1] for b in bands if b),
        )

    def scaled(self, factor: float) -> Band:
        return self.model_copy(update={"low": self.low * factor, "high": self.high * factor})


class Comparison(BaseModel):
    """Another meter's figures for the same windows (e.g. CodeCarbon), kept beside ours."""

    model_config = ConfigDict(frozen=True)

    energy_j: Summary
    components_j: dict[str, Summary]
    methods: dict[str, Method]
    repeats: list[Measurement]

    @classmethod
    def of(cls, measurements: Sequence[Measurement]) -> Comparison:
        return cls(
            energy_j=Summary.of([m.total_j for m in measurements]),
            components_j=_component_summaries(measurements),
            methods={c: comp.method for c, comp in measurements[0].components.items()},
            repeats=list(measurements),
        )


def _component_summaries(measurements: Sequence[Measurement]) -> dict[str, Summary]:
    return {
        c: Summary.of([m.components[c].energy_j for m in measurements])
        for c in measurements[0].components
    }


class PhaseResult(BaseModel):
    """One phase: every kept repeat, their summaries, and what was set aside and why."""

    model_config = ConfigDict(frozen=True)

    name: str
    n_inputs: int | None = None
    repeats: list[Measurement]
    energy_j: Summary
    energy_band_j: Band | None = None
    machine_energy_j: Summary | None = None
    duration_s: Summary
    components_j: dict[str, Summary]
    methods: dict[str, Method]
    flags: tuple[str, ...] = ()
    discarded: list[Measurement] = []
    comparison: dict[str, Comparison] = {}

    @classmethod
    def from_measurements(
        cls,
        name: str,
        measurements: Sequence[Measurement],
        n_inputs: int | None = None,
        discarded: Sequence[Measurement] = (),
        comparison: dict[str, Sequence[Measurement]] | None = None,
        max_cv: float = 0.10,
    ) -> PhaseResult:
        energy = Summary.of([m.total_j for m in measurements])
        machine = [
            [c.machine_energy_j for c in m.components.values() if c.machine_energy_j is not None]
            for m in measurements
        ]
        flags = []
        if energy.cv is not None and energy.cv > max_cv:
            flags.append("unstable")
        if any(m.contaminated for m in measurements):
            flags.append("contaminated")
        return cls(
            name=name,
            n_inputs=n_inputs,
            repeats=list(measurements),
            energy_j=energy,
            energy_band_j=Band.of(measurements),
            machine_energy_j=Summary.of([sum(v) for v in machine]) if all(machine) else None,
            duration_s=Summary.of([m.duration_s for m in measurements]),
            components_j=_component_summaries(measurements),
            methods={c: comp.method for c, comp in measurements[0].components.items()},
            flags=tuple(flags),
            discarded=list(discarded),
            comparison={k: Comparison.of(v) for k, v in (comparison or {}).items() if v},
        )


class PerThousand(BaseModel):
    model_config = ConfigDict(frozen=True)

    energy_j: Summary
    energy_band_j: Band | None = None
    duration_s: Summary
    energy_j_at_reference_speed: float | None = Field(
        None, description="median energy x speed index: comparable across days and machines"
    )


class Emissions(BaseModel):
    model_config = ConfigDict(frozen=True)

    factors: EmissionFactors
    per_phase_g: dict[str, float]
    per_1000_inputs_g: float | None
    per_1000_inputs_band_g: Band | None = None
    total_g: float
    formula: str = "energy_j / 3.6e6 kWh/J x PUE x grid intensity (g/kWh), median energy per phase"


class Failure(BaseModel):
    model_config = ConfigDict(frozen=True)

    phase: str
    reason: str


class RunResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    schema_version: int = SCHEMA_VERSION
    run_id: str
    created_at: str
    status: Literal["ok", "failed"]
    failure: Failure | None = None
    task: TaskInfo
    model: ModelInfo
    config: RunConfig
    scores: dict[str, Any] | None = None
    phases: dict[str, PhaseResult]
    per_1000_inputs: PerThousand | None = None
    emissions: Emissions | None = None
    environment: EnvironmentInfo
    meter: MeterInfo
    speed_index: dict[str, Any] | None = None
    notes: list[str] = []

    def with_factors(self, factors: EmissionFactors) -> RunResult:
        """The same result with emissions recomputed from its energy under other factors."""
        return self.model_copy(update={"emissions": compute_emissions(self, factors)})

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json() + "\n")

    @classmethod
    def load(cls, path: Path) -> RunResult:
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise UserError(f"{path}: no such result file") from None
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}: not valid JSON ({exc.msg})") from None
        return cls.from_dict(data, str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "result") -> RunResult:
        found = data.get("schema_version")
        if not isinstance(found, int) or found > SCHEMA_VERSION:
            raise UserError(
                f"{where}: schema_version {found!r} is not one this frugalbench reads "
                f"(up to {SCHEMA_VERSION}); upgrade frugalbench"
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            field, what = first_problem(exc)
            raise UserError(f"{where}: field {field!r}: {what}") from None


def compute_emissions(result: RunResult, factors: EmissionFactors) -> Emissions:
    per_phase = {name: factors.co2e_g(p.energy_j.median) for name, p in result.phases.items()}
    per = result.per_1000_inputs
    per_1000 = factors.co2e_g(per.energy_j.median) if per else None
    band = per.energy_band_j if per else None
    return Emissions(
        factors=factors,
        per_phase_g=per_phase,
        per_1000_inputs_g=per_1000,
        per_1000_inputs_band_g=None
        if band is None
        else Band(low=factors.co2e_g(band.low), high=factors.co2e_g(band.high)),
        total_g=sum(per_phase.values()),
    )
