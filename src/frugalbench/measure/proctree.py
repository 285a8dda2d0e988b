"""CPU time and memory of a process *tree*, read from outside the measured code.

Why not ``psutil.cpu_times()`` alone: ``/proc/<pid>/stat`` counts in clock ticks (10 ms), which is
too coarse for an inference pass of 50 ms. Linux exposes each process's CPU clock to
``clock_gettime`` (``CPUCLOCK_SCHED`` of the process, nanoseconds, all threads including exited
ones), and ``getrusage(RUSAGE_CHILDREN)`` is exact for our own reaped children. We use those
and
fall back to psutil's tick counters where they are not available.

A tree's CPU time = the root's own time (optional) + the time of children it has reaped + for
every live descendant, its own time and the time of the children *it* has reaped. A descendant
that was reparented to init (a daemon) leaves the tree; that is a stated limit.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from dataclasses import dataclass
from typing import Protocol

import psutil

_CPUCLOCK_SCHED = 2


def process_cpu_clock_s(pid: int) -> float | None:
    """Nanosecond-resolution CPU time of a whole process (all threads), or None if unreadable."""
    if pid == os.getpid():
        return time.process_time()
    if not sys.platform.startswith("linux"):
        return None
    clock_id = ((~pid) << 3) | _CPUCLOCK_SCHED
    try:
        return time.clock_gettime(clock_id)
    except OSError:
        return None


@dataclass(frozen=True)
class TreeSample:
    """One reading of a process tree."""

    wall_s: float
    cpu_time_s: float
    rss_bytes: int
    n_processes: int
    n_threads: int
    root_alive: bool
    pids: frozenset[int] = frozenset()


class ProcessTree:
    """Reads the CPU time and resident memory of the tree rooted at ``pid``.

    ``include_root=False`` measures only the descendants: ``frugalbench measure`` uses it so that
    the CLI's own waiting does not count, only the command it launched.
    """

    def __init__(self, pid: int | None = None, include_root: bool = True) -> None:
        self.pid = os.getpid() if pid is None else pid
        self.include_root = include_root
        self._last: TreeSample | None = None

    def sample(self) -> TreeSample:
        now = time.perf_counter()
        try:
            root = psutil.Process(self.pid)
            with root.oneshot():
                own, reaped = self._root_times(root)
                rss = root.memory_info().rss if self.include_root else 0
                threads = root.num_threads() if self.include_root else 0
            children = root.children(recursive=True)
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            # The root is gone (a crashed worker): its last reading stands; nothing runs now.
            last = self._last
            cpu = last.cpu_time_s if last else 0.0
            sample = TreeSample(now, cpu, 0, 0, 0, root_alive=False)
            self._last = sample
            return sample
        cpu = (own if self.include_root else 0.0) + reaped
        n_processes = 1 if self.include_root else 0
        pids = {self.pid} if self.include_root else set()
        for child in children:
            try:
                with child.oneshot():
                    times = child.cpu_times()
                    clock = process_cpu_clock_s(child.pid)
                    cpu += clock if clock is not None else times.user + times.system
                    cpu += times.children_user + times.children_system
                    rss += child.memory_info().rss
                    threads += child.num_threads()
                    n_processes += 1
                    pids.add(child.pid)
            except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                continue  # exited while we looked: its time moves to its parent's reaped total
        sample = TreeSample(now, cpu, rss, n_processes, threads, True, frozenset(pids))
        self._last = sample
        return sample

    def _root_times(self, root: psutil.Process) -> tuple[float, float]:
        if self.pid == os.getpid():
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            return time.process_time(), children.ru_utime + children.ru_stime
        times = root.cpu_times()
        clock = process_cpu_clock_s(self.pid)
        own = clock if clock is not None else times.user + times.system
        return own, times.children_user + times.children_system


class Group(Protocol):
    """What a control group tells about the processes it holds (``harness.cgroup.JobCgroup``)."""

    def cpu_time_s(self) -> float: ...
    def memory_bytes(self) -> int: ...
    def pids(self) -> list[int]: ...
    def n_threads(self) -> int: ...


class GroupTree:
    """The same readings as ``ProcessTree``, for every process of a cgroup: a helper process that
    left the tree (a double-forked daemon) is still the job's work, and its CPU time counts, as
    does the time of members that already exited."""

    def __init__(self, group: Group) -> None:
        self.group = group

    def sample(self) -> TreeSample:
        now = time.perf_counter()
        try:
            pids = frozenset(self.group.pids())
            return TreeSample(
                now,
                self.group.cpu_time_s(),
                self.group.memory_bytes(),
                len(pids),
                self.group.n_threads(),
                True,
                pids,
            )
        except (FileNotFoundError, ValueError):  # the group was removed: nothing runs now
            return TreeSample(now, 0.0, 0, 0, 0, root_alive=False)
