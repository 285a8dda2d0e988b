"""Untrusted model code in the sandboxed worker: every escape attempt ends as a failed run with
its reason, while the harness (and so the server) stays up."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from frugalbench.config import RunConfig
from frugalbench.harness.runner import run
from frugalbench.harness.sandbox import SandboxPolicy, isolation
from frugalbench.results import RunResult
from frugalbench.tasks import get_task

ISOLATION, WHY = isolation()
# Root can always isolate: there a missing sandbox is a failure, not a skip.
pytestmark = pytest.mark.skipif(
    not ISOLATION and os.geteuid() != 0, reason=f"no sandbox on this machine: {WHY}"
)
TASK = get_task("climate-disinfo")
CONFIG = RunConfig(repeats=1, idle_s=0.2, timeout_s=20, speed_index=False)


def sandboxed(
    make: Callable[..., Path],
    cls: str,
    small_csv: Path,
    tmp_path: Path,
    secret_dir: Path,
    **params: object,
) -> RunResult:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    policy = SandboxPolicy(
        cpu_s=30,
        memory_bytes=2 * 1024**3,
        max_processes=32,
        hidden=(str(secret_dir),),
        workdir=str(work),
    )
    return run(TASK, str(make(cls, params)), CONFIG, str(small_csv), sandbox=policy)


@pytest.fixture
def secret_dir(tmp_path: Path) -> Path:
    """Stands for the server's data folder: database and hidden labels."""
    folder = tmp_path / "server-data"
    folder.mkdir()
    (folder / "hidden-labels.csv").write_text("quote,label\nx,1_not_happening\n")
    return folder


def reason(result: RunResult) -> str:
    assert result.status == "failed" and result.failure is not None
    return result.failure.reason


def test_a_well_behaved_model_runs_in_the_sandbox(
    user_model_dir, small_csv: Path, tmp_path: Path, secret_dir: Path
) -> None:
    result = sandboxed(user_model_dir, "Secrets", small_csv, tmp_path, secret_dir)
    assert result.status == "ok", result.failure


def test_the_network_is_unreachable(
    user_model_dir, small_csv: Path, tmp_path: Path, secret_dir: Path
) -> None:
    result = sandboxed(user_model_dir, "Network", small_csv, tmp_path, secret_dir)
    assert "Network is unreachable" in reason(result) or "OSError" in reason(result)


def test_the_hidden_labels_cannot_be_read(
    user_model_dir, small_csv: Path, tmp_path: Path, secret_dir: Path
) -> None:
    target = secret_dir / "hidden-labels.csv"
    result = sandboxed(user_model_dir, "Reader", small_csv, tmp_path, secret_dir, path=str(target))
    assert "FileNotFoundError" in reason(result)
    assert target.read_text().startswith("quote,label")  # hidden from the worker, not gone


def test_nothing_outside_the_private_folder_can_be_written(
    user_model_dir, small_csv: Path, tmp_path: Path, secret_dir: Path
) -> None:
    target = tmp_path / "outside.txt"
    result = sandboxed(user_model_dir, "Writer", small_csv, tmp_path, secret_dir, path=str(target))
    assert "Read-only file system" in reason(result)
    assert not target.exists()


def test_a_fork_bomb_hits_the_process_limit(
    user_model_dir, small_csv: Path, tmp_path: Path, secret_dir: Path
) -> None:
    result = sandboxed(user_model_dir, "ForkBomb", small_csv, tmp_path, secret_dir)
    assert "BlockingIOError" in reason(result) or "Resource temporarily unavailable" in reason(
        result
    )


def test_unbounded_allocation_hits_the_memory_limit(
    user_model_dir, small_csv: Path, tmp_path: Path, secret_dir: Path
) -> None:
    result = sandboxed(user_model_dir, "Hog", small_csv, tmp_path, secret_dir)
    assert "MemoryError" in reason(result)


def test_sleeping_forever_hits_the_deadline(
    user_model_dir, small_csv: Path, tmp_path: Path, secret_dir: Path
) -> None:
    result = sandboxed(user_model_dir, "Hang", small_csv, tmp_path, secret_dir)
    assert "timeout" in reason(result)


def test_server_secrets_are_not_in_the_environment(
    user_model_dir,
    small_csv: Path,
    tmp_path: Path,
    secret_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FRUGALBENCH_ADMIN_TOKEN", "s3cret")
    result = sandboxed(user_model_dir, "Secrets", small_csv, tmp_path, secret_dir)
    assert result.status == "ok", result.failure
    assert os.environ["FRUGALBENCH_ADMIN_TOKEN"] == "s3cret"
