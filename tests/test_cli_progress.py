"""Progress: a bar on a terminal, a line per step in a log; never past its total, never /None."""

from __future__ import annotations

import io
import re
from pathlib import Path

from rich.console import Console

from frugalbench.cli.progress import LineProgress, progress_bar
from tests.conftest import cli


def test_a_log_gets_one_line_per_step_within_its_total() -> None:
    out = io.StringIO()
    progress = progress_bar(Console(file=out, force_terminal=False, width=200))
    assert isinstance(progress, LineProgress)
    with progress:
        bar = progress.add_task("run", total=None)
        assert out.getvalue() == ""  # nothing before the first step: an early error stands alone
        for phase, step in (("train", 1), ("load", 2), ("inference", 3), ("inference", 4)):
            progress.update(bar, description=f"run: {phase}", completed=step, total=4)
        progress.update(bar, description="run: inference", completed=5, total=4)  # a re-run pass
        progress.update(bar, description="run: inference", completed=5, total=4)  # no new step
    lines = out.getvalue().splitlines()
    assert [line.split("] ", 1)[1] for line in lines] == [
        "run: train 1/4",
        "run: load 2/4",
        "run: inference 3/4",
        "run: inference 4/4",
        "run: inference 5/5",
    ]
    assert all(re.match(r"^\[\s*\d+s\] ", line) for line in lines)


def test_a_bar_never_shows_none_or_runs_past_its_total() -> None:
    out = io.StringIO()
    with progress_bar(Console(file=out, force_terminal=True, width=120)) as progress:
        bar = progress.add_task("inference", total=None)
        progress.update(bar, completed=6, total=4)
        task = progress._progress.tasks[bar]
        assert task.total == 6 and task.fields["count"] == "6/6"
    assert "None" not in out.getvalue()


def test_a_piped_run_writes_its_steps(small_csv: Path) -> None:
    proc = cli("run", "climate-disinfo", "--model", "majority", "--data", str(small_csv),
               "--repeats", "2", "--idle-s", "0")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    steps = re.findall(r"climate-disinfo / majority: (\w+) (\d+)/(\d+)", proc.stderr)
    assert [s[0] for s in steps][:2] == ["train", "load"] and "None" not in proc.stderr
    assert all(int(done) <= int(total) for _, done, total in steps)
