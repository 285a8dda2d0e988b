from __future__ import annotations

import subprocess
import sys
import time

import pytest

from frugalbench.measure.proctree import ProcessTree, process_cpu_clock_s

# The grandchild spins for 0.5 s of its own CPU time, so the figures hold on a loaded machine.
GRANDCHILD = (
    "import subprocess, sys\n"
    "subprocess.run([sys.executable, '-c', "
    "'import time\\nt=time.process_time()\\nwhile time.process_time()-t<0.5: pass'])"
)


def test_cpu_clock_of_another_process_is_precise() -> None:
    """The child spins for 0.4 s of its own CPU time (not wall time: on a loaded machine a
    wall-clock spin gets less CPU), says so, and sleeps while we read its clock."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nt=time.process_time()\n"
            "while time.process_time()-t<0.4: pass\nprint('done', flush=True)\ntime.sleep(5)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "done"
        clock = process_cpu_clock_s(proc.pid)
        if clock is None:
            pytest.skip("per-process CPU clocks are Linux-only")
        assert 0.35 < clock < 0.7
    finally:
        proc.kill()
        proc.wait()


def test_tree_counts_grandchildren_that_were_reaped() -> None:
    tree = ProcessTree(include_root=False)
    before = tree.sample()
    subprocess.run([sys.executable, "-c", GRANDCHILD], check=True)
    after = tree.sample()
    assert after.cpu_time_s - before.cpu_time_s > 0.45


def test_tree_counts_live_descendants() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            GRANDCHILD + "\nprint('done', flush=True)\nimport time; time.sleep(5)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        tree = ProcessTree(proc.pid)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "done"
        sample = tree.sample()
        assert sample.root_alive
        assert sample.cpu_time_s > 0.45
        assert sample.rss_bytes > 0
    finally:
        proc.kill()
        proc.wait()


def test_dead_root_keeps_its_last_reading() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    tree = ProcessTree(proc.pid)
    first = tree.sample()
    proc.wait()
    time.sleep(0.1)
    later = tree.sample()
    assert not later.root_alive
    assert later.cpu_time_s >= first.cpu_time_s
