"""Which backend measures which component here, chosen per component, overridable by name.

``auto`` (the default) takes a counter where one is readable and an estimate elsewhere: RAPL for
``cpu`` and ``dram`` when powercap is readable, else the process estimate; NVML for each GPU when
a driver answers. ``process``, ``rapl`` and ``nvml`` force a backend (and fail with the reason when
it cannot run); ``codecarbon`` measures with ``auto`` and CodeCarbon side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from frugalbench.errors import MeterUnavailable, UnknownNameError, UserError
from frugalbench.measure.base import Availability
from frugalbench.measure.contention import ContentionPolicy
from frugalbench.measure.cpu_power import CpuPower
from frugalbench.measure.idle import IdleBaseline, idle_baseline
from frugalbench.measure.meter import EnergyMeter
from frugalbench.measure.proctree import GroupTree, ProcessTree
from frugalbench.measure.sources import Source

CHOICES = ("auto", "process", "rapl", "nvml", "codecarbon")


@dataclass(frozen=True)
class Backend:
    name: str
    components: str
    description: str
    availability: Callable[[], Availability]


def _process_availability() -> Availability:
    from frugalbench.measure.process import ProcessMeter

    return ProcessMeter.is_available()


def _rapl_availability() -> Availability:
    from frugalbench.measure.rapl import rapl_availability

    return rapl_availability()


def _nvml_availability() -> Availability:
    from frugalbench.measure.nvml import nvml_availability

    return nvml_availability()


def _codecarbon_availability() -> Availability:
    from frugalbench.measure.codecarbon_meter import CodeCarbonMeter

    return CodeCarbonMeter.is_available()


BACKENDS = (
    Backend(
        "rapl", "cpu, dram", "RAPL energy counters (Linux powercap, amd_energy)", _rapl_availability
    ),
    Backend(
        "nvml", "gpu:N", "NVIDIA GPU energy counter or sampled power (NVML)", _nvml_availability
    ),
    Backend(
        "process",
        "cpu, dram",
        "estimate from the process tree's CPU time and memory",
        _process_availability,
    ),
    Backend(
        "codecarbon",
        "comparison",
        "CodeCarbon's OfflineEmissionsTracker, side by side",
        _codecarbon_availability,
    ),
)


def backend_report() -> list[tuple[Backend, Availability]]:
    return [(b, b.availability()) for b in BACKENDS]


@dataclass
class MeterPlan:
    """The meter to use, the comparison meter if any, and what was chosen and why."""

    meter: EnergyMeter
    comparison: Any = None
    choices: dict[str, str] = field(default_factory=dict)
    idle: IdleBaseline | None = None
    gpus: list[dict[str, str]] = field(default_factory=list)
    cpu_power: CpuPower | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "backends": self.meter.backends,
            "cpu_power": None if self.cpu_power is None else self.cpu_power.parameters(),
            "per_component": self.choices,
            "comparison": getattr(self.comparison, "name", None),
            "idle_baseline": None
            if self.idle is None
            else {
                "power_w": self.idle.power_w,
                "measured_at": self.idle.measured_at,
                "duration_s": self.idle.duration_s,
                "from_cache": self.idle.from_cache,
            },
            "contention_policy": vars(self.meter.contention or ContentionPolicy()),
            "sample_interval_s": self.meter.sample_interval_s,
        }


def build_meter(
    choice: str = "auto",
    pid: int | None = None,
    include_root: bool = True,
    idle_s: float = 3.0,
    idle_max_age_s: float = 3600.0,
    contention: ContentionPolicy | None = None,
    sample_interval_s: float = 0.1,
    with_idle: bool = True,
    tree: ProcessTree | GroupTree | None = None,
    power_profile: str | None = None,
) -> MeterPlan:
    """Sources per component for ``choice``; ``UserError`` when a forced backend cannot run."""
    from frugalbench.measure.cpu_power import resolve_cpu_power
    from frugalbench.measure.process import ProcessCpuSource, ProcessDramSource, dram_included

    if choice not in CHOICES:
        raise UnknownNameError("meter", choice, CHOICES)
    sources: list[Source] = []
    choices: dict[str, str] = {}
    gpus: list[dict[str, str]] = []
    rapl_sources = _rapl_sources(required=choice == "rapl") if choice != "process" else {}
    cpu_power = None
    for component in ("cpu", "dram"):
        if component in rapl_sources:
            sources.append(rapl_sources[component])
            choices[component] = "rapl (measured)"
            continue
        cpu_power = cpu_power or resolve_cpu_power(profile=power_profile)
        # memory is in the estimate's basis only when the cpu figure is that estimate
        included = dram_included(cpu_power) if "cpu" not in rapl_sources else None
        sources.append(
            ProcessCpuSource(cpu_power)
            if component == "cpu"
            else ProcessDramSource(sample_interval_s=sample_interval_s, included_in_cpu=included)
        )
        choices[component] = "process (estimated)" + (
            "" if choice == "process" else "; no readable RAPL counter"
        )
    if choice != "process":
        nvml_sources, gpus = _nvml_sources(required=choice == "nvml", interval=sample_interval_s)
        for source in nvml_sources:
            sources.append(source)
            choices[source.component] = "nvml (measured)"
    idle = None
    if with_idle and any(s.read_j() is not None for s in sources):
        idle = idle_baseline(sources, idle_s, idle_max_age_s)
        for source in sources:
            if source.component in idle.power_w and hasattr(source, "idle_w"):
                source.idle_w = idle.power_w[source.component]
                source.idle_detail = idle.describe()
    meter = EnergyMeter(sources, pid, include_root, sample_interval_s, contention, tree)
    comparison = None
    if choice == "codecarbon":
        from frugalbench.measure.codecarbon_meter import CodeCarbonMeter

        available = CodeCarbonMeter.is_available()
        if not available:
            raise UserError(f"meter 'codecarbon' cannot run: {available.reason}")
        comparison = CodeCarbonMeter()
    return MeterPlan(meter, comparison, choices, idle, gpus, cpu_power)


def _rapl_sources(required: bool) -> dict[str, Source]:
    from frugalbench.measure.rapl import RaplSource, discover_domains

    try:
        domains = discover_domains()
    except MeterUnavailable as exc:
        if required:
            raise UserError(f"meter 'rapl' cannot run: {exc}") from None
        return {}
    return {
        c: RaplSource(c, domains) for c in ("cpu", "dram") if any(d.component == c for d in domains)
    }


def _nvml_sources(required: bool, interval: float) -> tuple[list[Source], list[dict[str, str]]]:
    from frugalbench.measure.nvml import NvmlSource, gpu_inventory, load_nvml

    try:
        nvml = load_nvml()
        count = int(nvml.nvmlDeviceGetCount())
    except MeterUnavailable as exc:
        if required:
            raise UserError(f"meter 'nvml' cannot run: {exc}") from None
        return [], []
    if required and count == 0:
        raise UserError("meter 'nvml' cannot run: NVML found no GPU")
    sources: list[Source] = [NvmlSource(nvml, i, sample_interval_s=interval) for i in range(count)]
    return sources, gpu_inventory(nvml)
