"""One control group per evaluation job: limits for the whole job, its CPU time, and its end.

A process limit per process (rlimits) does not bound a job: four children of 900 MB each pass a
2 GiB address-space limit, a double-forked daemon leaves the process tree, and processes left
behind outlive the job. A cgroup holds every process the job starts, however it was started, so:

- limits apply to the whole job: memory (swap included where the kernel accounts it), number of
  processes, CPU cores (a CFS quota);
- its CPU time (``cpuacct.usage`` / ``cpu.stat``) is the work of everything it ran, which the
  meter charges (a helper process is the model's work);
- ``kill()`` freezes it, kills every member and waits until it is empty, so nothing lingers.

cgroup v2 is used where ``/sys/fs/cgroup`` is a v2 hierarchy with the memory and pids
controllers; otherwise the v1 hierarchies (``memory``, ``pids``, ``cpuacct``, ``freezer``,
``cpu``) as this project's machines mount them. Creating groups needs root.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PARENT = "frugalbench"
V1_CONTROLLERS = ("memory", "pids", "cpuacct", "freezer", "cpu")
V1_REQUIRED = ("memory", "pids", "cpuacct", "freezer")


class CgroupError(Exception):
    pass


@dataclass(frozen=True)
class Limits:
    memory_bytes: int | None = None
    max_processes: int | None = None
    cpu_cores: float | None = None


def support(root: Path = ROOT) -> tuple[str | None, str]:
    """("v2" | "v1" | None, why) for this machine, without creating anything."""
    if os.geteuid() != 0:
        return None, "creating control groups needs root"
    controllers = root / "cgroup.controllers"
    if controllers.exists():
        have = set(controllers.read_text().split())
        if {"memory", "pids"} <= have:
            return "v2", "cgroup v2 with memory and pids controllers"
    missing = [c for c in V1_REQUIRED if not os.access(root / c, os.W_OK)]
    if not missing:
        return "v1", "cgroup v1 hierarchies: " + ", ".join(V1_REQUIRED)
    return None, f"no writable cgroup v2 or v1 hierarchy (missing {', '.join(missing)})"


class JobCgroup:
    """A fresh group under ``frugalbench/``; ``kill()`` then ``remove()`` when the job ends."""

    def __init__(self, version: str, limits: Limits, root: Path = ROOT) -> None:
        self.version = version
        self.limits = limits
        self.name = f"job-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        if version == "v2":
            parent = root / PARENT
            parent.mkdir(exist_ok=True)
            _enable_v2_controllers(root, parent)
        self.dirs = _group_dirs(version, self.name, root)
        for path in self.dirs.values():
            path.mkdir(parents=True)
        self._apply(limits)

    @classmethod
    def existing(cls, version: str, name: str, root: Path = ROOT) -> JobCgroup:
        """A group made earlier (by a harness since killed), to kill and remove."""
        group = cls.__new__(cls)
        group.version, group.limits, group.name = version, Limits(), name
        group.dirs = _group_dirs(version, name, root)
        return group

    def _apply(self, limits: Limits) -> None:
        if self.version == "v2":
            d = self.dirs["v2"]
            if limits.memory_bytes:
                _write(d / "memory.max", limits.memory_bytes)
                _write_optional(d / "memory.swap.max", 0)
            if limits.max_processes:
                _write(d / "pids.max", limits.max_processes)
            if limits.cpu_cores:
                _write_optional(d / "cpu.max", f"{int(limits.cpu_cores * 100000)} 100000")
            return
        if limits.memory_bytes:
            _write(self.dirs["memory"] / "memory.limit_in_bytes", limits.memory_bytes)
            _write_optional(
                self.dirs["memory"] / "memory.memsw.limit_in_bytes", limits.memory_bytes
            )
        if limits.max_processes:
            _write(self.dirs["pids"] / "pids.max", limits.max_processes)
        if limits.cpu_cores and "cpu" in self.dirs:
            _write(self.dirs["cpu"] / "cpu.cfs_period_us", 100000)
            _write(self.dirs["cpu"] / "cpu.cfs_quota_us", int(limits.cpu_cores * 100000))

    def add(self, pid: int) -> None:
        """Put ``pid`` in every hierarchy; its future children follow it."""
        for path in self.dirs.values():
            _write(path / "cgroup.procs", pid)

    def pids(self) -> list[int]:
        path = self.dirs.get("v2") or self.dirs["pids"]
        try:
            return [int(p) for p in (path / "cgroup.procs").read_text().split()]
        except FileNotFoundError:
            return []

    def n_threads(self) -> int:
        path = self.dirs.get("v2") or self.dirs["pids"]
        name = "cgroup.threads" if self.version == "v2" else "tasks"
        try:
            return len((path / name).read_text().split())
        except FileNotFoundError:
            return 0

    def cpu_time_s(self) -> float:
        """CPU time of everything the group ran, exited processes included."""
        if self.version == "v2":
            for line in (self.dirs["v2"] / "cpu.stat").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "usage_usec":
                    return int(value) / 1e6
            return 0.0
        return int((self.dirs["cpuacct"] / "cpuacct.usage").read_text()) / 1e9

    def memory_bytes(self) -> int:
        """Anonymous (resident) memory of the group: what the model holds, not the page cache."""
        path = self.dirs.get("v2") or self.dirs["memory"]
        key = "anon" if self.version == "v2" else "total_rss"
        for line in (path / "memory.stat").read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
        return 0

    def oom_kills(self) -> int:
        """How many processes the kernel killed for the memory limit."""
        path = self.dirs.get("v2") or self.dirs["memory"]
        name = "memory.events" if self.version == "v2" else "memory.oom_control"
        with contextlib.suppress(FileNotFoundError):
            for line in (path / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        return 0

    def kill(self, timeout_s: float = 10.0) -> None:
        """Kill every member, frozen first so that none can fork away meanwhile."""
        if self.version == "v2" and (self.dirs["v2"] / "cgroup.kill").exists():
            _write(self.dirs["v2"] / "cgroup.kill", 1)
        else:
            self._freeze(True)
            for pid in self.pids():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self._freeze(False)
        deadline = time.monotonic() + timeout_s
        while self.pids() and time.monotonic() < deadline:
            time.sleep(0.01)
        if self.pids():
            raise CgroupError(f"processes of {self.name} survived SIGKILL: {self.pids()}")

    def _freeze(self, frozen: bool) -> None:
        if self.version == "v2":
            _write_optional(self.dirs["v2"] / "cgroup.freeze", 1 if frozen else 0)
        elif "freezer" in self.dirs:
            _write(self.dirs["freezer"] / "freezer.state", "FROZEN" if frozen else "THAWED")

    def remove(self) -> None:
        for path in self.dirs.values():
            with contextlib.suppress(FileNotFoundError):
                path.rmdir()


def _group_dirs(version: str, name: str, root: Path) -> dict[str, Path]:
    """Where group ``name`` lives: one folder under v2, one per writable hierarchy under v1."""
    if version == "v2":
        return {"v2": root / PARENT / name}
    return {c: root / c / PARENT / name for c in V1_CONTROLLERS if os.access(root / c, os.W_OK)}


def _enable_v2_controllers(root: Path, parent: Path) -> None:
    for level in (root, parent):
        wanted = set((level / "cgroup.controllers").read_text().split()) & {"memory", "pids", "cpu"}
        for controller in sorted(wanted):
            _write_optional(level / "cgroup.subtree_control", f"+{controller}")


def _write(path: Path, value: object) -> None:
    try:
        path.write_text(str(value))
    except OSError as exc:
        raise CgroupError(f"cannot write {value} to {path}: {exc.strerror}") from None


def _write_optional(path: Path, value: object) -> None:
    with contextlib.suppress(OSError):
        path.write_text(str(value))


def reap_orphans(root: Path = ROOT) -> list[str]:
    """Kill and remove job groups whose owning process is gone (a harness killed mid-job)."""
    version, _ = support(root)
    if version is None:
        return []
    base = root / PARENT if version == "v2" else root / "pids" / PARENT
    removed = []
    for path in sorted(base.glob("job-*")) if base.is_dir() else []:
        owner = int(path.name.split("-")[1])
        if alive(owner):
            continue
        group = JobCgroup.existing(version, path.name, root)
        with contextlib.suppress(CgroupError, OSError):
            group.kill()
            group.remove()
            removed.append(path.name)
    return removed


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
