"""The process meter: energy estimated from the CPU time and memory of the measured process tree.

For machines without energy counters (most cloud VMs). Unlike a machine-wide share of TDP, the
estimate follows the work the measured tree does: an idle process costs (near) nothing, twice the
CPU work costs twice the energy, and a neighbour's load is not charged to us.

- ``cpu``: CPU-seconds of the tree x power per busy thread (:mod:`frugalbench.measure.cpu_power`),
  with the power model's band (p10-p90 of the family's servers) carried beside the figure. The
  machine-wide figure beside it is the whole machine's busy CPU time at the same power.
- ``dram``: mean resident memory of the tree (GB) x 0.3725 W/GB x duration, Green Algorithms'
  figure (Lannelongue, Grealey & Inouye 2021, Advanced Science 8(12), 2100707), only where the
  CPU figure leaves memory out (a user TDP, a per-core figure). The SPECpower family model is the
  whole server's marginal wall power, memory included, and a calibrated profile includes the DRAM
  counter: adding the term there would count memory twice, so it is charged as 0 and says why.

Idle power is not part of this model: a marginal power per busy thread charges CPU time only, so
the estimate is marginal by construction, and says so.
"""

from __future__ import annotations

from typing import ClassVar

from frugalbench.measure.backends import BackendSpec, BuildContext, register
from frugalbench.measure.base import Availability, ComponentEnergy, Method
from frugalbench.measure.contention import ContentionPolicy
from frugalbench.measure.cpu_power import CpuPower, resolve_cpu_power
from frugalbench.measure.meter import EnergyMeter
from frugalbench.measure.proctree import ProcessTree
from frugalbench.measure.sources import EstimateSource, Source, WindowContext

DRAM_W_PER_GB = 0.3725
DRAM_SOURCE = "Green Algorithms (Lannelongue et al. 2021, Adv. Sci. 8:2100707): 0.3725 W per GB"
IDLE_NOTE = "not charged: marginal power per busy thread x CPU time excludes idle power"
_GB = 1e9


class ProcessCpuSource(EstimateSource):
    component = "cpu"
    backend = "process"

    def __init__(self, power: CpuPower) -> None:
        self.power = power

    def energy(self, ctx: WindowContext) -> ComponentEnergy:
        w = self.power.w_per_thread
        machine = ctx.machine_busy_s * w if ctx.machine_busy_s is not None else None
        ratio = self.power.band_ratio
        energy_j = ctx.tree_cpu_s * w
        return ComponentEnergy(
            energy_j=energy_j,
            machine_energy_j=machine,
            idle_energy_j=0.0,
            band_j=None if ratio is None else (energy_j * ratio[0], energy_j * ratio[1]),
            method=Method(
                kind="estimated",
                backend=self.backend,
                model="CPU time of the process tree x power per busy thread",
                parameters={
                    **self.power.parameters(),
                    "idle": IDLE_NOTE,
                    "machine": "busy CPU time of the machine (/proc/stat) x same power",
                },
                source=self.power.source,
                flags=self.power.flags,
            ),
        )


class ProcessDramSource(EstimateSource):
    component = "dram"
    backend = "process"

    def __init__(
        self,
        w_per_gb: float = DRAM_W_PER_GB,
        sample_interval_s: float = 0.1,
        included_in_cpu: str | None = None,
    ) -> None:
        self.w_per_gb = w_per_gb
        self.sample_interval_s = sample_interval_s
        self.included_in_cpu = included_in_cpu

    def energy(self, ctx: WindowContext) -> ComponentEnergy:
        if self.included_in_cpu:
            return ComponentEnergy(
                energy_j=0.0,
                idle_energy_j=0.0,
                method=Method(
                    kind="estimated",
                    backend=self.backend,
                    model="included in the cpu figure (its basis holds memory), not added again",
                    parameters={"cpu_basis": {"basis": self.included_in_cpu}},
                ),
            )
        return ComponentEnergy(
            energy_j=ctx.mean_rss_bytes / _GB * self.w_per_gb * ctx.duration_s,
            idle_energy_j=0.0,
            method=Method(
                kind="estimated",
                backend=self.backend,
                model="mean resident memory of the process tree x power per GB x duration",
                parameters={
                    "w_per_gb": self.w_per_gb,
                    "sample_interval_s": self.sample_interval_s,
                    "idle": "not charged: only memory the tree holds",
                },
                source=DRAM_SOURCE,
            ),
        )


def dram_included(power: CpuPower) -> str | None:
    """The basis that already holds memory power, or None when the DRAM term must be added."""
    return power.basis if power.includes_dram else None


class ProcessMeter(EnergyMeter):
    """Estimates the energy of the process tree rooted at ``pid`` (default: this process)."""

    name: ClassVar[str] = "process"

    def __init__(
        self,
        pid: int | None = None,
        include_root: bool = True,
        cpu_power: CpuPower | None = None,
        dram_w_per_gb: float = DRAM_W_PER_GB,
        sample_interval_s: float = 0.1,
        contention: ContentionPolicy | None = None,
    ) -> None:
        self.cpu_power = cpu_power
        self.dram_w_per_gb = dram_w_per_gb
        power = cpu_power or resolve_cpu_power()
        sources: list[Source] = [
            ProcessCpuSource(power),
            ProcessDramSource(dram_w_per_gb, sample_interval_s, dram_included(power)),
        ]
        super().__init__(sources, pid, include_root, sample_interval_s, contention)

    @classmethod
    def is_available(cls) -> Availability:
        try:
            ProcessTree().sample()
        except Exception as exc:  # psutil on an unsupported platform
            return Availability(False, f"cannot read process CPU times here: {exc}")
        return Availability(True, "per-process CPU time is readable (psutil, CPU clocks)")


def _sources(ctx: BuildContext) -> list[Source]:
    """The estimate for what no counter reads; memory is in the CPU figure's basis only when
    that figure is this estimate too."""
    missing = [c for c in ("cpu", "dram") if c not in ctx.taken]
    if not missing:
        return []
    power = ctx.cpu_power = ctx.cpu_power or resolve_cpu_power(profile=ctx.power_profile)
    sources: list[Source] = []
    if "cpu" in missing:
        sources.append(ProcessCpuSource(power))
    if "dram" in missing:
        included = dram_included(power) if "cpu" in missing else None
        sources.append(
            ProcessDramSource(sample_interval_s=ctx.sample_interval_s, included_in_cpu=included)
        )
    return sources


register(
    BackendSpec(
        "process",
        "cpu, dram",
        "estimate from the process tree's CPU time and memory",
        lambda: ProcessMeter.is_available(),
        _sources,
        kind="estimate",
    )
)
