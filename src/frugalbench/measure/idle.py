"""Idle baseline: the machine's power with nothing of ours running, measured, cached per machine.

A counter sees the whole package or device, idle power included. Subtracting the idle baseline
leaves the active energy the measured work added (marginal energy). The baseline is measured
before a run (default 3 s) and cached with its time; a cached one older than ``max_age_s`` is
measured again. Estimate sources have no idle term: their models charge active work only.
"""

from __future__ import annotations

import hashlib
import json
import socket
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from frugalbench.measure.sources import Source


@dataclass(frozen=True)
class IdleBaseline:
    power_w: dict[str, float]
    measured_at: str
    duration_s: float
    machine_key: str
    from_cache: bool = False

    def age_s(self) -> float:
        return (datetime.now(UTC) - datetime.fromisoformat(self.measured_at)).total_seconds()

    def describe(self) -> str:
        origin = "cached" if self.from_cache else "measured now"
        return f"{origin}, {self.duration_s:g} s at {self.measured_at} (age {self.age_s():.0f} s)"


def machine_key() -> str:
    """Changes when the machine or its boot changes: a baseline is only valid for one boot."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        boot = ""
    from frugalbench.measure.cpu_power import detect_cpu_model

    raw = f"{socket.gethostname()}|{detect_cpu_model()}|{boot}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def default_cache_path() -> Path:
    from frugalbench.outputs import cache_dir

    return cache_dir() / "idle-baseline.json"


def measure_idle(sources: Sequence[Source], duration_s: float) -> IdleBaseline:
    counters = [s for s in sources if s.read_j() is not None]
    start = {s.component: s.read_j() or 0.0 for s in counters}
    t0 = time.perf_counter()
    deadline = t0 + duration_s
    while (left := deadline - time.perf_counter()) > 0:
        time.sleep(min(left, 0.1))
        for s in counters:
            s.poll(frozenset())
    elapsed = time.perf_counter() - t0
    power = {
        s.component: max((s.read_j() or 0.0) - start[s.component], 0.0) / elapsed for s in counters
    }
    return IdleBaseline(power, datetime.now(UTC).isoformat(), round(elapsed, 3), machine_key())


def idle_baseline(
    sources: Sequence[Source],
    duration_s: float = 3.0,
    max_age_s: float = 3600.0,
    cache_path: Path | None = None,
) -> IdleBaseline:
    """A cached baseline for these components when fresh enough, else a new measurement."""
    path = cache_path or default_cache_path()
    wanted = {s.component for s in sources if s.read_j() is not None}
    try:
        data = json.loads(path.read_text())
        cached = IdleBaseline(**{**data, "from_cache": True})
        if (
            cached.machine_key == machine_key()
            and set(cached.power_w) == wanted
            and cached.age_s() <= max_age_s
        ):
            return cached
    except (OSError, ValueError, TypeError):
        pass
    baseline = measure_idle(sources, duration_s)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({**asdict(baseline), "from_cache": False}, indent=2))
    except OSError:
        pass  # a read-only home only costs a re-measurement next time
    return baseline
