"""Which backend measures which component here, chosen per component, overridable by name.

Each backend is a :class:`BackendSpec` in the ``meters`` registry: the components it covers, its
priority, whether it can run here (and why not), and how to build its sources. Built-ins register
in their own module (``rapl``, ``nvml``, ``process``, ``codecarbon_meter``); a third party adds
one through the ``frugalbench.meters`` entry-point group, and it then shows in
``frugalbench meters`` and is chosen by ``--meter NAME``.

``auto`` (the default) takes, per component, the highest-priority counter that can read it and the
process estimate elsewhere. A counter's name forces it (and fails with the reason when it cannot
run; the other counters still read what it does not cover); ``process`` forces the estimate alone;
a comparison backend (``codecarbon``) measures with ``auto`` and itself side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from frugalbench.errors import MeterUnavailable, UnknownNameError, UserError
from frugalbench.measure.base import Availability
from frugalbench.measure.contention import ContentionPolicy
from frugalbench.measure.cpu_power import CpuPower
from frugalbench.measure.idle import IdleBaseline, idle_baseline
from frugalbench.measure.meter import EnergyMeter
from frugalbench.measure.proctree import GroupTree, ProcessTree
from frugalbench.measure.sources import Source
from frugalbench.registry import Registry

AUTO = "auto"


@dataclass
class BuildContext:
    """What a backend's ``sources`` may read: the choices made so far and the build settings."""

    required: bool
    sample_interval_s: float
    power_profile: str | None
    taken: dict[str, Source] = field(default_factory=dict)
    cpu_power: CpuPower | None = None
    gpus: list[dict[str, str]] = field(default_factory=list)
    unread: dict[str, list[str]] = field(default_factory=dict)  # component: counters that failed


@dataclass(frozen=True)
class BackendSpec:
    """A meter backend: ``sources`` returns its sources for the components not yet ``taken``,
    and raises ``MeterUnavailable`` (with the reason) when it cannot read anything here."""

    name: str
    components: str
    description: str
    availability: Callable[[], Availability]
    sources: Callable[[BuildContext], list[Source]] | None = None
    kind: Literal["counter", "estimate", "comparison"] = "counter"
    priority: int = 50  # counters: higher first; a component goes to the first that reads it
    label: str = ""  # how a reason names it ("RAPL"); the name when empty
    comparison: Callable[[], Any] | None = None  # the comparison meter's factory


meters: Registry[BackendSpec] = Registry(
    "meter",
    (
        "frugalbench.measure.rapl",
        "frugalbench.measure.nvml",
        "frugalbench.measure.process",
        "frugalbench.measure.codecarbon_meter",
    ),
)


def register(spec: BackendSpec) -> BackendSpec:
    """Add a backend (what a built-in module or an entry point does)."""
    return meters.add(spec)


def specs() -> list[BackendSpec]:
    """Counters by priority, then the estimate, then comparisons: the order of the table."""
    order = {"counter": 0, "estimate": 1, "comparison": 2}
    every = [meters.get(n) for n in meters.names()]
    return sorted(every, key=lambda s: (order[s.kind], -s.priority, s.name))


def choices() -> list[str]:
    return [AUTO, *(s.name for s in specs())]


def choices_help() -> str:
    """The ``--meter`` help, generated from the registry."""
    names = ", ".join(s.name for s in specs() if s.kind != "comparison")
    compare = ", ".join(
        f"{s.name} ({AUTO} + {s.name} side by side)" for s in specs() if s.kind == "comparison"
    )
    return f"{AUTO} (counters where readable, else estimates), {names}" + (
        f", or {compare}" if compare else ""
    )


def backend_report() -> list[tuple[BackendSpec, Availability]]:
    return [(b, b.availability()) for b in specs()]


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
    choice: str = AUTO,
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
    if choice not in choices():
        raise UnknownNameError("meter", choice, choices())
    forced = meters.get(choice) if choice != AUTO else None
    ctx = BuildContext(False, sample_interval_s, power_profile)
    chosen: dict[str, str] = {}
    for spec in _counters(forced):
        ctx.required = forced is not None and spec.name == forced.name
        _add(spec, ctx, chosen)
    ctx.required = False
    for spec in (s for s in specs() if s.kind == "estimate"):
        if forced is None or forced.kind != "estimate" or spec.name == forced.name:
            _add(spec, ctx, chosen)
    sources = sorted(ctx.taken.values(), key=lambda src: _component_order(src.component))
    chosen = {c: chosen[c] for c in sorted(chosen, key=_component_order)}
    idle = _subtract_idle(sources, idle_s, idle_max_age_s) if with_idle else None
    meter = EnergyMeter(sources, pid, include_root, sample_interval_s, contention, tree)
    comparison = None
    if forced is not None and forced.kind == "comparison" and forced.comparison is not None:
        available = forced.availability()
        if not available:
            raise UserError(f"meter {forced.name!r} cannot run: {available.reason}")
        comparison = forced.comparison()
    return MeterPlan(meter, comparison, chosen, idle, ctx.gpus, ctx.cpu_power)


def _component_order(component: str) -> tuple[int, str]:
    """cpu, dram, then the rest (gpu:0, gpu:1...) by name: the order every result lists them."""
    fixed = ("cpu", "dram")
    return (fixed.index(component) if component in fixed else len(fixed), component)


def _counters(forced: BackendSpec | None) -> list[BackendSpec]:
    """The counters to try: none when the estimate is forced, the forced one first otherwise."""
    if forced is not None and forced.kind == "estimate":
        return []
    counters = [s for s in specs() if s.kind == "counter"]
    return sorted(counters, key=lambda s: forced is None or s.name != forced.name)


def _add(spec: BackendSpec, ctx: BuildContext, chosen: dict[str, str]) -> None:
    """The spec's sources for what is not yet taken; a forced one that cannot run is an error."""
    if spec.sources is None:
        return
    try:
        new = spec.sources(ctx)
    except MeterUnavailable as exc:
        if ctx.required:
            raise UserError(f"meter {spec.name!r} cannot run: {exc}") from None
        new = []
    given = {source.component for source in new}
    for component in spec.components.split(", "):
        if component not in given:  # what the estimate's choice will say it lacked
            ctx.unread.setdefault(component, []).append(spec.label or spec.name)
    for source in new:
        if source.component in ctx.taken:
            continue
        ctx.taken[source.component] = source
        measured = spec.kind == "counter"
        unread = ctx.unread.get(source.component, [])
        why = f"; no readable {' or '.join(unread)} counter" if unread and not measured else ""
        chosen[source.component] = f"{spec.name} ({'measured' if measured else 'estimated'}){why}"


def _subtract_idle(sources: list[Source], idle_s: float, max_age_s: float) -> IdleBaseline | None:
    """Counters read the whole machine: measure its idle power and take it off each."""
    if not any(s.read_j() is not None for s in sources):
        return None
    idle = idle_baseline(sources, idle_s, max_age_s)
    for source in sources:
        if source.component in idle.power_w and hasattr(source, "idle_w"):
            source.idle_w = idle.power_w[source.component]
            source.idle_detail = idle.describe()
    return idle
