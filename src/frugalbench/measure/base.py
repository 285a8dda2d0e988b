"""The measurement contract: a meter opens named windows and returns immutable measurements.

Meters measure joules and nothing else. Carbon, water and cost are computed afterwards from a
result and a factor file, so they can be recomputed when the factors change. Every component of a
measurement says *how* it was obtained: a reader must be able to tell a counter reading from an
estimate, and an estimate's model and parameters from its source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field


class Method(BaseModel):
    """How one energy component was obtained."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["measured", "estimated"]
    backend: str
    model: str = Field(description="the formula or counter behind the figure, in words")
    parameters: dict[str, Any] = Field(default_factory=dict)
    source: str = ""
    flags: tuple[str, ...] = ()

    def describe(self) -> str:
        params = ", ".join(
            f"{k}={v}" for k, v in self.parameters.items() if not isinstance(v, dict)
        )
        text = f"{self.kind} by {self.backend}: {self.model}"
        if params:
            text += f" ({params})"
        if self.flags:
            text += f" [{', '.join(self.flags)}]"
        return text


class ComponentEnergy(BaseModel):
    """Joules charged to the measured tree, and, for counters, the machine's joules beside them."""

    model_config = ConfigDict(frozen=True)

    energy_j: float = Field(description="attributed to the measured process tree (marginal)")
    method: Method
    machine_energy_j: float | None = Field(
        None, description="the whole package/device over the window, before attribution"
    )
    idle_energy_j: float | None = Field(None, description="idle baseline subtracted")
    share: float | None = Field(None, description="share of the active energy attributed")
    band_j: tuple[float, float] | None = Field(
        None,
        description="power-model band of an estimate (e.g. p10-p90 of the CPU family's servers); "
        "None for a counter reading",
    )

    @property
    def band_or_value_j(self) -> tuple[float, float]:
        return self.band_j if self.band_j is not None else (self.energy_j, self.energy_j)


class Measurement(BaseModel):
    """One closed window: its duration and joules per component (``cpu``, ``dram``, ``gpu:N``)."""

    model_config = ConfigDict(frozen=True)

    key: str
    started_at: str
    duration_s: float
    components: dict[str, ComponentEnergy]
    observations: dict[str, float] = Field(
        default_factory=dict,
        description="raw readings behind the estimate, e.g. cpu_time_s, mean_rss_bytes",
    )
    flags: tuple[str, ...] = Field(
        (), description="what may have disturbed the window: outside_load, cpu_steal, ..."
    )

    @property
    def contaminated(self) -> bool:
        return bool(self.flags)

    @property
    def total_j(self) -> float:
        return sum(c.energy_j for c in self.components.values())

    @property
    def band_j(self) -> tuple[float, float] | None:
        """The power-model band of the total; None when every component is a counter reading."""
        if all(c.band_j is None for c in self.components.values()):
            return None
        bands = [c.band_or_value_j for c in self.components.values()]
        return sum(b[0] for b in bands), sum(b[1] for b in bands)


@dataclass(frozen=True)
class Availability:
    """Whether a meter backend can run here, and if not, why and what would fix it."""

    available: bool
    reason: str

    def __bool__(self) -> bool:
        return self.available


@runtime_checkable
class Meter(Protocol):
    """A meter measures windows of time, several of which may be open at once."""

    name: ClassVar[str]

    @classmethod
    def is_available(cls) -> Availability: ...

    def begin_window(self, key: str) -> None: ...

    def end_window(self, key: str) -> Measurement: ...
