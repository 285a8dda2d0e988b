"""Calibration: the watts one busy thread of this CPU draws, fitted on its own RAPL counters.

Where counters exist (bare metal, some instance types), ``frugalbench calibrate`` runs fixed
workloads (a scalar loop, vectorised NumPy/BLAS, a memory-bound copy) on 1 and N threads, reads
the package and DRAM counters around each, subtracts the idle power measured first, and fits the
marginal joules against the CPU-seconds the workloads used (least squares through the origin).
The profile it writes (CPU model, family, W per thread, fit error, date, kernel, every window)
replaces the family median on machines with the same CPU, e.g. VMs of the same instance type
(``--power-profile FILE`` or ``FRUGALBENCH_POWER_PROFILE``). Its basis is the package + DRAM
counters, not the wall: a profile's figure is lower than SPECpower's by the power supply, fans
and board, and says so.
"""

from __future__ import annotations

import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from frugalbench.errors import UserError, first_problem
from frugalbench.measure.cpu_power import CpuPower

WORKLOADS = {
    "scalar": "x = 0\nwhile time.process_time() < end:\n    x = (x * 31 + 7) % 1000003",
    "blas": (
        "import numpy as np\na = np.random.default_rng(0).random((256, 256))\n"
        "while time.process_time() < end:\n    a = a @ a\n    a /= a.max()"
    ),
    "memory": (
        "import numpy as np\na = np.ones(32_000_000 // 8)\nb = np.empty_like(a)\n"
        "while time.process_time() < end:\n    np.copyto(b, a)\n    np.copyto(a, b)"
    ),
}
ONE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
BASIS = "RAPL package + DRAM counters (CPU and memory, not the wall: no power supply or fans)"

# (workload, threads, seconds) -> (duration_s, cpu_s); "idle" runs nothing for that long
Runner = Callable[[str, int, float], tuple[float, float]]


class Window(BaseModel):
    model_config = ConfigDict(frozen=True)

    workload: str
    threads: int
    duration_s: float
    cpu_s: float
    energy_j: float = Field(description="package + DRAM counters over the window")


class Fit(BaseModel):
    model_config = ConfigDict(frozen=True)

    w_per_thread: float
    fit_error: float = Field(description="standard error of the slope over the slope")
    low_w: float
    high_w: float
    per_workload_w: dict[str, float]


class PowerProfile(BaseModel):
    """A calibration's result: applied to the process estimate on machines with this CPU."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["frugalbench-power-profile"] = "frugalbench-power-profile"
    version: int = 1
    cpu_model: str
    family: str | None
    w_per_thread: float = Field(gt=0)
    fit_error: float
    low_w: float
    high_w: float
    idle_w: float
    includes_dram: bool
    domains: list[str]
    created_at: str
    kernel: str
    basis: str = BASIS
    windows: list[Window]

    @classmethod
    def load(cls, path: Path) -> PowerProfile:
        try:
            return cls.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            raise UserError(f"{path}: no such power profile (write one with `calibrate`)") from None
        except ValidationError as exc:
            where, what = first_problem(exc, top="file")
            raise UserError(
                f"{path}: not a frugalbench power profile ({where}: {what}); "
                "write one with `frugalbench calibrate`"
            ) from None

    def cpu_power(self, cpu_model: str, family: str | None) -> CpuPower:
        """The profile's figure for this machine; a profile of another CPU is refused."""
        if cpu_model != self.cpu_model or (family and self.family and family != self.family):
            raise UserError(
                f"power profile is for {self.cpu_model!r} ({self.family}), this machine has "
                f"{cpu_model!r} ({family}): calibrate on this CPU model, or drop --power-profile"
            )
        return CpuPower(
            self.w_per_thread,
            cpu_model,
            f"power profile calibrated {self.created_at[:10]} on {self.kernel}, fit error "
            f"{self.fit_error:.1%}, {len(self.windows)} windows",
            basis=self.basis,
            low_w=self.low_w,
            high_w=self.high_w,
            band="spread of the per-workload fits",
            family=self.family,
            detected_by="power profile",
            includes_dram=self.includes_dram,
            flags=("calibrated",),
        )


def fit(windows: Sequence[Window], idle_w: float) -> Fit:
    """Marginal joules (energy - idle W x duration) against CPU-seconds, through the origin."""
    busy = [w for w in windows if w.cpu_s > 0]
    if len(busy) < 2:
        raise UserError("calibration needs at least two busy windows to fit")

    def slope(ws: Sequence[Window]) -> float:
        return sum(w.cpu_s * (w.energy_j - idle_w * w.duration_s) for w in ws) / sum(
            w.cpu_s**2 for w in ws
        )

    w_thread = slope(busy)
    residuals = [w.energy_j - idle_w * w.duration_s - w_thread * w.cpu_s for w in busy]
    se = math.sqrt(sum(r * r for r in residuals) / (len(busy) - 1) / sum(w.cpu_s**2 for w in busy))
    per_workload = {
        name: slope([w for w in busy if w.workload == name]) for name in {w.workload for w in busy}
    }
    low = min(min(per_workload.values()), w_thread - 2 * se)
    high = max(max(per_workload.values()), w_thread + 2 * se)
    return Fit(
        w_per_thread=w_thread,
        fit_error=se / w_thread if w_thread else math.inf,
        low_w=low,
        high_w=high,
        per_workload_w=dict(sorted(per_workload.items())),
    )


def run_workload(name: str, threads: int, seconds: float) -> tuple[float, float]:
    """``threads`` single-threaded processes running ``name`` for ``seconds`` of CPU each."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    if name == "idle":
        time.sleep(seconds)
        return time.perf_counter() - started, 0.0
    code = f"import time\nend = time.process_time() + {seconds}\n{WORKLOADS[name]}"
    env = {**os.environ, **ONE_THREAD}
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env) for _ in range(threads)]
    for proc in procs:
        proc.wait()
    duration = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return duration, cpu


def calibrate(
    powercap: Path | None = None,
    seconds: float = 5.0,
    threads: Sequence[int] = (),
    runner: Runner = run_workload,
    cpuinfo: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> PowerProfile:
    """Run the workloads under the counters and fit; ``UserError`` where no counter is readable."""
    from frugalbench.errors import MeterUnavailable
    from frugalbench.measure.cpu_power import cpuinfo_text
    from frugalbench.measure.power_model import CpuInfo, detect_family
    from frugalbench.measure.rapl import RaplSource, discover_domains

    try:
        domains = discover_domains(powercap, powercap / "no-hwmon" if powercap else None)
    except MeterUnavailable as exc:
        raise UserError(f"calibrate needs readable energy counters: {exc}") from None
    sources = [
        RaplSource(c, domains) for c in ("cpu", "dram") if any(d.component == c for d in domains)
    ]

    def window(workload: str, n: int) -> Window:
        if progress:
            progress(f"{workload} on {n} thread(s)")
        start = sum(s.read_j() or 0.0 for s in sources)
        duration, cpu = runner(workload, n, seconds)
        energy = sum(s.read_j() or 0.0 for s in sources) - start
        return Window(workload=workload, threads=n, duration_s=duration, cpu_s=cpu, energy_j=energy)

    idle = window("idle", 0)
    idle_w = idle.energy_j / idle.duration_s
    counts = tuple(threads) or tuple(sorted({1, os.cpu_count() or 1}))
    busy = [window(name, n) for name in WORKLOADS for n in counts]
    result = fit(busy, idle_w)
    text = cpuinfo_text() if cpuinfo is None else cpuinfo
    return PowerProfile(
        cpu_model=CpuInfo.parse(text).model_name or platform.processor() or "unknown",
        family=detect_family(text).power.family,
        w_per_thread=result.w_per_thread,
        fit_error=result.fit_error,
        low_w=result.low_w,
        high_w=result.high_w,
        idle_w=idle_w,
        includes_dram=any(d.component == "dram" for d in domains),
        domains=[d.name for d in domains],
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        kernel=platform.release(),
        windows=[idle, *busy],
    )


def save(profile: PowerProfile, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(profile.model_dump(mode="json"), indent=2) + "\n")
