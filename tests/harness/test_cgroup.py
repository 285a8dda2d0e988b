"""The job cgroup on recorded hierarchies: v2 (as on current distributions) and v1 (as on this
project's machines), written and read as plain files, so both paths are tested on any machine;
the real kernel hierarchy is exercised by the sandbox tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from frugalbench.harness.cgroup import PARENT, JobCgroup, Limits, support

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="cgroups are root's (support says so)")


def v2_root(tmp_path: Path) -> Path:
    root = tmp_path / "cgroup2"
    root.mkdir()
    (root / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    (root / "cgroup.subtree_control").write_text("")
    return root


def test_v2_limits_readings_and_kill(tmp_path: Path) -> None:
    root = v2_root(tmp_path)
    assert support(root)[0] == "v2"
    (root / PARENT).mkdir()
    (root / PARENT / "cgroup.controllers").write_text("cpu memory pids\n")
    group = JobCgroup("v2", Limits(1 << 30, 64, 1.5), root)
    d = group.dirs["v2"]
    assert (d / "memory.max").read_text() == str(1 << 30)
    assert (d / "memory.swap.max").read_text() == "0"
    assert (d / "pids.max").read_text() == "64"
    assert (d / "cpu.max").read_text() == "150000 100000"
    (d / "cpu.stat").write_text("usage_usec 2500000\nuser_usec 2000000\n")
    (d / "memory.stat").write_text("anon 123456\nfile 999\n")
    (d / "memory.events").write_text("low 0\noom 1\noom_kill 2\n")
    (d / "cgroup.procs").write_text("")
    (d / "cgroup.kill").write_text("")
    assert group.cpu_time_s() == 2.5
    assert group.memory_bytes() == 123456
    assert group.oom_kills() == 2
    group.kill(timeout_s=0.1)
    assert (d / "cgroup.kill").read_text() == "1"


def test_v1_limits_and_readings(tmp_path: Path) -> None:
    root = tmp_path / "cgroup"
    for controller in ("memory", "pids", "cpuacct", "freezer", "cpu"):
        (root / controller).mkdir(parents=True)
    assert support(root)[0] == "v1"
    group = JobCgroup("v1", Limits(1 << 30, 32, 2.0), root)
    assert (group.dirs["memory"] / "memory.limit_in_bytes").read_text() == str(1 << 30)
    assert (group.dirs["pids"] / "pids.max").read_text() == "32"
    assert (group.dirs["cpu"] / "cpu.cfs_quota_us").read_text() == "200000"
    (group.dirs["cpuacct"] / "cpuacct.usage").write_text("1500000000\n")
    (group.dirs["memory"] / "memory.stat").write_text("cache 5\ntotal_rss 4096\n")
    (group.dirs["memory"] / "memory.oom_control").write_text("under_oom 0\noom_kill 1\n")
    (group.dirs["pids"] / "cgroup.procs").write_text("")
    assert group.cpu_time_s() == 1.5
    assert group.memory_bytes() == 4096
    assert group.oom_kills() == 1
    group.kill(timeout_s=0.1)  # no member: frozen, nothing to kill, thawed
    assert (group.dirs["freezer"] / "freezer.state").read_text() == "THAWED"


def test_no_hierarchy_is_said_not_guessed(tmp_path: Path) -> None:
    version, why = support(tmp_path)
    assert version is None and "no writable cgroup" in why
