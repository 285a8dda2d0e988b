"""Active power per CPU core, from the shipped TDP table, the user's figures, or a stated default.

On a machine without energy counters the process meter charges each CPU-second of the measured
tree at ``power_per_core_w``. The figure comes, in order of preference, from: the user
(``FRUGALBENCH_CPU_POWER_PER_CORE_W``, or ``FRUGALBENCH_CPU_TDP_W`` with
``FRUGALBENCH_CPU_CORES``); this CPU's TDP in the shipped table over its physical cores per socket
(bare metal only: a VM shows its own vCPU topology, not the package's); else a default of
10 W per core, flagged in every result.
"""

from __future__ import annotations

import csv
import os
import platform
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from frugalbench.errors import UserError

DEFAULT_POWER_PER_CORE_W = 10.0
DEFAULT_SOURCE = (
    "frugalbench default for an unknown CPU: 10 W per core, a round figure in the range of TDP per "
    "core of current server CPUs (about 4-12 W; e.g. 195 W / 20 cores = 9.75 W); set "
    "FRUGALBENCH_CPU_POWER_PER_CORE_W, or FRUGALBENCH_CPU_TDP_W and FRUGALBENCH_CPU_CORES, "
    "to replace it"
)
TABLE_SOURCE = (
    "cpu_power.csv v2024.1 (CodeCarbon 3.3.2 package data, MIT; vendor TDP specifications)"
)


@dataclass(frozen=True)
class CpuPower:
    """The per-core power figure and everything needed to say where it came from."""

    power_per_core_w: float
    cpu_model: str
    source: str
    tdp_w: float | None = None
    cores: int | None = None
    matched_name: str | None = None
    flags: tuple[str, ...] = field(default=())

    def parameters(self) -> dict[str, float | int | str]:
        out: dict[str, float | int | str] = {
            "power_per_core_w": round(self.power_per_core_w, 4),
            "cpu_model": self.cpu_model,
        }
        if self.tdp_w is not None:
            out["tdp_w"] = self.tdp_w
        if self.cores is not None:
            out["cores"] = self.cores
        if self.matched_name:
            out["table_entry"] = self.matched_name
        return out


def _cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""


def detect_cpu_model() -> str:
    match = re.search(r"^model name\s*:\s*(.+)$", _cpuinfo(), re.MULTILINE)
    return match.group(1).strip() if match else (platform.processor() or "unknown")


def is_virtual_machine() -> bool:
    match = re.search(r"^flags\s*:\s*(.+)$", _cpuinfo(), re.MULTILINE)
    return bool(match and "hypervisor" in match.group(1).split())


def cores_per_socket() -> int | None:
    match = re.search(r"^cpu cores\s*:\s*(\d+)$", _cpuinfo(), re.MULTILINE)
    return int(match.group(1)) if match else None


def normalise_cpu_name(name: str) -> str:
    """Reduce a marketing name to the words that identify the part: ``Intel(R) Xeon(R) Gold 6248
    CPU @ 2.50GHz`` and ``Intel Xeon Gold 6248`` become the same key."""
    text = name.lower()
    text = re.sub(r"\((r|tm|c)\)", " ", text)
    text = re.sub(r"@.*$", " ", text)
    text = re.sub(r"\b\d+-core\b", " ", text)
    text = re.sub(r"\b(cpu|processor|with radeon.*graphics)\b", " ", text)
    return " ".join(text.split())


@lru_cache(maxsize=1)
def load_tdp_table() -> dict[str, tuple[str, float]]:
    path = resources.files("frugalbench.measure").joinpath("data/cpu_power.csv")
    table: dict[str, tuple[str, float]] = {}
    with path.open() as fh:
        for row in csv.DictReader(fh):
            try:
                table.setdefault(
                    normalise_cpu_name(row["name"]), (row["name"], float(row["tdp_w"]))
                )
            except ValueError:
                continue
    return table


def lookup_tdp(cpu_model: str) -> tuple[str, float] | None:
    """The table entry for this CPU, matched on the normalised name; None when the part is unknown.

    An exact key wins; else the longest table key that the name starts with, so that ``AMD EPYC
    7763`` does not match ``AMD EPYC 7`` entries by accident (a key must end on a word boundary).
    """
    key = normalise_cpu_name(cpu_model)
    table = load_tdp_table()
    if key in table:
        return table[key]
    candidates = [k for k in table if key.startswith(k + " ") and len(k.split()) >= 3]
    if not candidates:
        return None
    return table[max(candidates, key=len)]


def _env_float(name: str) -> float | None:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise UserError(f"{name}={raw!r} is not a number; set it to a positive number") from None
    if value <= 0:
        raise UserError(f"{name}={raw!r} must be positive")
    return value


def resolve_cpu_power(
    power_per_core_w: float | None = None,
    tdp_w: float | None = None,
    cores: int | None = None,
    cpu_model: str | None = None,
    virtual_machine: bool | None = None,
) -> CpuPower:
    model = cpu_model or detect_cpu_model()
    power_per_core_w = power_per_core_w or _env_float("FRUGALBENCH_CPU_POWER_PER_CORE_W")
    if power_per_core_w:
        return CpuPower(power_per_core_w, model, "user-supplied power per core", flags=("user",))
    tdp_w = tdp_w or _env_float("FRUGALBENCH_CPU_TDP_W")
    env_cores = _env_float("FRUGALBENCH_CPU_CORES")
    cores = cores or (int(env_cores) if env_cores else None)
    if tdp_w and cores:
        return CpuPower(
            tdp_w / cores, model, "user-supplied TDP over cores", tdp_w, cores, flags=("user",)
        )
    entry = lookup_tdp(model)
    vm = is_virtual_machine() if virtual_machine is None else virtual_machine
    if entry is not None:
        name, table_tdp = entry
        package_cores = cores or (None if vm else cores_per_socket())
        if package_cores:
            return CpuPower(
                table_tdp / package_cores,
                model,
                f"TDP over physical cores; {TABLE_SOURCE}",
                table_tdp,
                package_cores,
                name,
            )
        return CpuPower(
            DEFAULT_POWER_PER_CORE_W,
            model,
            DEFAULT_SOURCE,
            table_tdp,
            None,
            name,
            flags=("default_cpu_power", "package_cores_unknown_on_vm"),
        )
    return CpuPower(
        DEFAULT_POWER_PER_CORE_W,
        model,
        DEFAULT_SOURCE,
        flags=("default_cpu_power", "cpu_not_in_table"),
    )
