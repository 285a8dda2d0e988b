"""RAPL energy counters (Intel and AMD) through Linux powercap, and AMD's ``amd_energy`` hwmon.

Package domains give the ``cpu`` component and DRAM domains the ``dram`` component; ``core`` and
``uncore`` are parts of a package and are not added again. A RAPL counter measures the whole
package, so the meter subtracts the idle baseline and gives the measured tree its share of the
active energy by CPU time, and reports the machine's energy beside it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from frugalbench.errors import MeterUnavailable
from frugalbench.measure.backends import BackendSpec, BuildContext, register
from frugalbench.measure.base import Availability, ComponentEnergy, Method
from frugalbench.measure.counters import WrappingCounter
from frugalbench.measure.sources import Source, WindowContext, counter_energy

POWERCAP = Path("/sys/class/powercap")
HWMON = Path("/sys/class/hwmon")
PERMISSION_FIX = (
    "energy counters are root-only since Linux 5.10 (CVE-2020-8694): run as root, or "
    "`sudo chmod a+r /sys/class/powercap/intel-rapl:*/energy_uj` (a udev rule makes it stick)"
)


@dataclass(frozen=True)
class RaplDomain:
    """One counter file: ``component`` is ``cpu`` (package) or ``dram``."""

    name: str
    component: str
    energy_file: Path
    max_range_uj: int | None


def _read_int(path: Path) -> int:
    with path.open() as fh:
        return int(fh.read().strip())


def _component_of(domain_name: str) -> str | None:
    if domain_name.startswith("package"):
        return "cpu"
    if domain_name == "dram":
        return "dram"
    return None  # core, uncore, psys: parts of a package or the whole platform


def discover_domains(powercap: Path | None = None, hwmon: Path | None = None) -> list[RaplDomain]:
    """Every readable package and DRAM counter; raises ``MeterUnavailable`` with the reason."""
    powercap = powercap or POWERCAP
    hwmon = hwmon or HWMON
    domains: list[RaplDomain] = []
    zones = (
        sorted(p for p in powercap.glob("*-rapl*:*") if (p / "energy_uj").exists())
        if powercap.is_dir()
        else []
    )
    for zone in zones:
        try:
            name = (zone / "name").read_text().strip()
        except OSError:
            continue
        component = _component_of(name)
        if component is None:
            continue
        max_file = zone / "max_energy_range_uj"
        max_range = _read_int(max_file) if max_file.exists() else None
        domains.append(RaplDomain(f"{zone.name}/{name}", component, zone / "energy_uj", max_range))
    if not domains and hwmon.is_dir():
        domains = _amd_energy_domains(hwmon)
    if not domains:
        raise MeterUnavailable(
            f"no RAPL counters: {powercap} has no intel-rapl/amd-rapl package zones and no "
            "amd_energy hwmon (a VM, a container without /sys, or a CPU without RAPL)"
        )
    for domain in domains:
        try:
            _read_int(domain.energy_file)
        except PermissionError:
            raise MeterUnavailable(
                f"permission denied reading {domain.energy_file}; {PERMISSION_FIX}"
            ) from None
        except (OSError, ValueError) as exc:
            raise MeterUnavailable(f"cannot read {domain.energy_file}: {exc}") from None
    return domains


def _amd_energy_domains(hwmon: Path) -> list[RaplDomain]:
    domains = []
    for dev in sorted(hwmon.glob("hwmon*")):
        try:
            if (dev / "name").read_text().strip() != "amd_energy":
                continue
        except OSError:
            continue
        for label_file in sorted(dev.glob("energy*_label")):
            label = label_file.read_text().strip()
            if label.lower().startswith("esocket"):
                energy = label_file.with_name(label_file.name.replace("_label", "_input"))
                domains.append(RaplDomain(f"{dev.name}/{label}", "cpu", energy, None))
    return domains


def rapl_availability(powercap: Path | None = None, hwmon: Path | None = None) -> Availability:
    try:
        domains = discover_domains(powercap, hwmon)
    except MeterUnavailable as exc:
        return Availability(False, str(exc))
    return Availability(True, f"{len(domains)} counters: {', '.join(d.name for d in domains)}")


class RaplSource:
    """Machine energy of one component from its RAPL domains, attributed to the measured tree."""

    backend = "rapl"

    def __init__(
        self,
        component: str,
        domains: list[RaplDomain],
        idle_w: float | None = None,
        idle_detail: str = "",
    ) -> None:
        self.component = component
        self.domains = [d for d in domains if d.component == component]
        if not self.domains:
            raise MeterUnavailable(f"no RAPL domain for component {component!r}")
        self.idle_w = idle_w
        self.idle_detail = idle_detail
        self._counters = {d.name: WrappingCounter(d.max_range_uj) for d in self.domains}
        self._lock = threading.Lock()
        self.poll(frozenset())

    def read_j(self) -> float | None:
        self.poll(frozenset())
        with self._lock:
            return sum(c.total for c in self._counters.values()) / 1e6

    def poll(self, pids: frozenset[int]) -> None:
        with self._lock:
            for domain in self.domains:
                try:
                    self._counters[domain.name].update(_read_int(domain.energy_file))
                except (OSError, ValueError):
                    continue  # a missed reading is caught up by the next one

    @property
    def wraps(self) -> int:
        return sum(c.wraps for c in self._counters.values())

    def energy(self, ctx: WindowContext) -> ComponentEnergy:
        share = ctx.cpu_share
        return counter_energy(
            ctx,
            self.idle_w,
            self.idle_detail,
            share,
            Method(
                kind="measured",
                backend=self.backend,
                model="RAPL counter - idle baseline, shared by the tree's share of busy CPU time",
                parameters={
                    "domains": ", ".join(d.name for d in self.domains),
                    "cpu_share": round(share, 4),
                    "wraps_seen": self.wraps,
                },
                source="Linux powercap energy_uj (microjoules)",
            ),
        )


def _sources(ctx: BuildContext) -> list[Source]:
    domains = discover_domains()
    covered = ("cpu", "dram")
    return [RaplSource(c, domains) for c in covered if any(d.component == c for d in domains)]


register(
    BackendSpec(
        "rapl",
        "cpu, dram",
        "RAPL energy counters (Linux powercap, amd_energy)",
        rapl_availability,
        _sources,
        priority=100,
        label="RAPL",
    )
)
