"""Power per busy CPU thread: from the user, a calibrated profile, or this CPU family's servers.

On a machine without energy counters the process meter charges each CPU-second of the measured
tree (one busy hardware thread for one second; a cloud vCPU is one thread) at ``w_per_thread``.
The figure comes, in order of preference, from:

1. the user: ``FRUGALBENCH_CPU_POWER_PER_CORE_W`` (W per CPU-second), or ``FRUGALBENCH_CPU_TDP_W``
   with ``FRUGALBENCH_CPU_CORES``; flagged ``user``, no band;
2. a power profile written by ``frugalbench calibrate`` on a machine with RAPL counters
   (``--power-profile FILE`` or ``FRUGALBENCH_POWER_PROFILE``), for the same CPU model;
3. the power model (:mod:`frugalbench.measure.power_model`): the median of the detected CPU
   family's SPECpower servers, with their p10-p90 as the band; an unknown family gets the pool of
   its vendor's servers, flagged ``cpu_family_unknown``.

The family model wins over the TDP table that earlier versions used on bare metal: TDP is a
thermal limit with no spread, read per physical core (so twice the per-thread figure on SMT
machines), while SPECpower is what servers drew; ``scripts/build_power_model.py`` prints how the
two compare on the servers both cover.
"""

from __future__ import annotations

import os
import platform
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frugalbench.errors import UserError

CPUINFO = Path("/proc/cpuinfo")
DMI = Path("/sys/class/dmi/id")


@dataclass(frozen=True)
class CpuPower:
    """The power per busy thread, its band, and everything needed to say where they came from."""

    w_per_thread: float
    cpu_model: str
    source: str
    basis: str = "user-supplied"
    low_w: float | None = None
    high_w: float | None = None
    band: str = ""
    family: str | None = None
    detected_by: str | None = None
    evidence: str | None = None
    includes_dram: bool = False
    flags: tuple[str, ...] = field(default=())

    @property
    def band_ratio(self) -> tuple[float, float] | None:
        """(low, high) over the central figure: what the band multiplies an energy by."""
        if self.low_w is None or self.high_w is None:
            return None
        return self.low_w / self.w_per_thread, self.high_w / self.w_per_thread

    def parameters(self) -> dict[str, Any]:
        """The figures at the top (the table prints them); provenance in words nested below."""
        out: dict[str, Any] = {"w_per_thread": round(self.w_per_thread, 4)}
        if self.low_w is not None and self.high_w is not None:
            out |= {
                "w_per_thread_low": round(self.low_w, 4),
                "w_per_thread_high": round(self.high_w, 4),
            }
        if self.family:
            out["family"] = self.family
        if self.detected_by:
            out["detected_by"] = self.detected_by
        out["power_model"] = {
            "cpu_model": self.cpu_model,
            "band": self.band,
            "evidence": self.evidence,
            "basis": self.basis,
            "includes_dram": self.includes_dram,
        }
        return out

    def describe(self) -> str:
        band = (
            f" (band {self.low_w:.2f}-{self.high_w:.2f} W, {self.band})"
            if self.low_w is not None and self.high_w is not None
            else ""
        )
        family = f"{self.family}, found by {self.detected_by}: " if self.family else ""
        return f"{family}{self.w_per_thread:.2f} W per busy thread{band}; {self.source}"


def cpuinfo_text() -> str:
    try:
        return CPUINFO.read_text()
    except OSError:
        return ""


def detect_cpu_model() -> str:
    match = re.search(r"^model name\s*:\s*(.+)$", cpuinfo_text(), re.MULTILINE)
    return match.group(1).strip() if match else (platform.processor() or "unknown")


def is_virtual_machine() -> bool:
    match = re.search(r"^flags\s*:\s*(.+)$", cpuinfo_text(), re.MULTILINE)
    return bool(match and "hypervisor" in match.group(1).split())


def cores_per_socket() -> int | None:
    match = re.search(r"^cpu cores\s*:\s*(\d+)$", cpuinfo_text(), re.MULTILINE)
    return int(match.group(1)) if match else None


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


def _user_power(model: str, w_per_thread: float | None) -> CpuPower | None:
    w_per_thread = w_per_thread or _env_float("FRUGALBENCH_CPU_POWER_PER_CORE_W")
    if w_per_thread:
        return CpuPower(w_per_thread, model, "user-supplied power per CPU-second", flags=("user",))
    tdp_w = _env_float("FRUGALBENCH_CPU_TDP_W")
    cores = _env_float("FRUGALBENCH_CPU_CORES")
    if tdp_w and cores:
        return CpuPower(
            tdp_w / cores,
            model,
            f"user-supplied TDP over cores ({tdp_w:g} W / {cores:g})",
            basis="CPU package TDP (a thermal limit), memory not included",
            flags=("user",),
        )
    return None


def resolve_cpu_power(
    w_per_thread: float | None = None,
    cpuinfo: str | None = None,
    profile: str | Path | None = None,
    dmi_dir: Path = DMI,
) -> CpuPower:
    """The figure this machine's CPU-seconds are charged at; see the module docstring."""
    from frugalbench.measure.power_model import BASIS, TABLE, CpuInfo, detect_family

    text = cpuinfo_text() if cpuinfo is None else cpuinfo
    model = CpuInfo.parse(text).model_name or platform.processor() or "unknown"
    user = _user_power(model, w_per_thread)
    if user is not None:
        return user
    detection = detect_family(text, dmi_dir)
    profile = profile or os.environ.get("FRUGALBENCH_POWER_PROFILE") or None
    if profile:
        from frugalbench.measure.calibrate import PowerProfile

        return PowerProfile.load(Path(profile)).cpu_power(model, detection.power.family)
    fam = detection.power
    return CpuPower(
        fam.w_per_thread,
        model,
        f"{TABLE} row {fam.family} ({fam.label}, {fam.servers} servers)",
        basis=BASIS,
        low_w=fam.w_per_thread_p10,
        high_w=fam.w_per_thread_p90,
        band=fam.band,
        family=fam.family,
        detected_by=detection.how,
        evidence=detection.evidence,
        includes_dram=True,
        flags=detection.flags,
    )
