"""Untrusted model code in the job box: every escape attempt ends as a failed run with its reason
or gains nothing, nothing is left behind, and the harness (and so the server) stays up."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from frugalbench.config import RunConfig
from frugalbench.harness.runner import run
from frugalbench.harness.sandbox import SandboxPolicy, isolation
from frugalbench.results import RunResult
from frugalbench.tasks import get_task
from tests.attacks import BOX, attack_dir, processes_with

ISOLATION, WHY = isolation()
# Root can always isolate: there a missing sandbox is a failure, not a skip.
pytestmark = pytest.mark.skipif(
    not ISOLATION and os.geteuid() != 0, reason=f"no sandbox on this machine: {WHY}"
)
TASK = get_task("climate-disinfo")
CONFIG = RunConfig(repeats=1, idle_s=0.2, timeout_s=20, speed_index=False)
STRICT = RunConfig(repeats=3, idle_s=0.2, timeout_s=20, speed_index=False, strict=True)


def policy(secret_dir: Path, **limits: object) -> SandboxPolicy:
    values: dict[str, object] = {
        "cpu_s": 30,
        "memory_bytes": 2 * 1024**3,
        "max_processes": 32,
        "hidden": (str(secret_dir),),
    }
    return SandboxPolicy(**{**values, **limits})  # type: ignore[arg-type]


def sandboxed(
    make, cls: str, small_csv: Path, tmp_path: Path, secret_dir: Path, **params: object
) -> RunResult:
    return run(TASK, str(make(cls, params)), CONFIG, str(small_csv), sandbox=policy(secret_dir))


def attack(
    cls: str,
    small_csv: Path,
    tmp_path: Path,
    secret_dir: Path,
    config: RunConfig = STRICT,
    **params: object,
) -> RunResult:
    model = attack_dir(tmp_path / "models", cls, params)
    return run(TASK, str(model), config, str(small_csv), sandbox=policy(secret_dir))


@pytest.fixture
def secret_dir(tmp_path: Path) -> Path:
    """Stands for the server's data folder: database and hidden labels."""
    folder = tmp_path / "server-data"
    folder.mkdir()
    (folder / "hidden-labels.csv").write_text("quote,label\nx,1_not_happening\n")
    return folder


@pytest.fixture
def marker() -> str:
    return f"fb-marker-{uuid.uuid4().hex}"


@pytest.fixture(autouse=True)
def nothing_left_behind() -> Iterator[None]:
    """After every test: no job box process, cgroup or staging folder remains."""
    before = set(Path("/tmp").glob("fb-job-*"))
    yield
    left = processes_with(BOX)
    assert not left, f"box processes left: {left}"
    assert set(Path("/tmp").glob("fb-job-*")) <= before
    groups = Path("/sys/fs/cgroup/pids/frugalbench")
    if groups.is_dir():
        assert not list(groups.glob(f"job-{os.getpid()}-*"))


def reason(result: RunResult) -> str:
    assert result.status == "failed" and result.failure is not None
    return result.failure.reason


def inference_cpu_s(result: RunResult) -> list[float]:
    phase = result.phases["inference"]
    return [m.observations["cpu_time_s"] for m in phase.repeats]


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
    assert "FileNotFoundError" in reason(result) or "Read-only" in reason(result)
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
    assert "MemoryError" in reason(result) or "memory limit" in reason(result)


def test_sleeping_forever_hits_the_deadline(
    user_model_dir, small_csv: Path, tmp_path: Path, secret_dir: Path
) -> None:
    result = sandboxed(user_model_dir, "Hang", small_csv, tmp_path, secret_dir)
    assert "timeout" in reason(result)


def test_pickled_answers_never_run_in_the_harness(
    small_csv: Path, tmp_path: Path, secret_dir: Path
) -> None:
    for cls in ("PickleReply", "RawPickle"):
        marker = tmp_path / f"pwned-{cls}"
        result = attack(cls, small_csv, tmp_path, secret_dir, CONFIG, marker=str(marker))
        assert result.status == "failed", cls
        assert not marker.exists(), f"{cls} ran code in the harness"
    assert "bad reply" in reason(result)


def test_a_double_forked_daemon_does_not_outlive_its_job(
    small_csv: Path, tmp_path: Path, secret_dir: Path, marker: str
) -> None:
    result = attack("Daemon", small_csv, tmp_path, secret_dir, CONFIG, marker=marker)
    assert result.status == "ok", result.failure
    time.sleep(0.2)
    left = processes_with(marker)
    assert not left, f"the daemon survived its job: {left}"


def test_work_in_a_helper_process_is_charged(
    small_csv: Path, tmp_path: Path, secret_dir: Path
) -> None:
    result = attack("Helper", small_csv, tmp_path, secret_dir, CONFIG, seconds=0.6)
    assert result.status == "ok", result.failure
    assert min(inference_cpu_s(result)) >= 0.5  # the helper's CPU time is the model's


def test_caching_between_passes_gains_nothing(
    small_csv: Path, tmp_path: Path, secret_dir: Path
) -> None:
    """40 inputs at 10 ms each: every measured pass must do them, in memory or on disk."""
    result = attack("Cache", small_csv, tmp_path, secret_dir)
    assert result.status == "ok", result.failure
    inference = result.phases["inference"]
    passes = len(inference.repeats) + len(inference.discarded)  # disturbed passes are re-run
    assert len(result.phases["load"].repeats) == passes >= 3  # a fresh worker per pass
    assert min(inference_cpu_s(result)) >= 0.3


def test_the_inputs_are_not_there_before_their_window(
    small_csv: Path, tmp_path: Path, secret_dir: Path
) -> None:
    result = attack("Peek", small_csv, tmp_path, secret_dir)
    assert result.status == "ok", result.failure
    assert min(inference_cpu_s(result)) >= 0.3


def test_one_deadline_bounds_the_whole_job(
    small_csv: Path, tmp_path: Path, secret_dir: Path
) -> None:
    """3 s per call under a 4 s per-call limit, in every call: the job's 6 s still end it."""
    model = attack_dir(tmp_path / "models", "Sleeper", {"seconds": 3})
    config = RunConfig(repeats=3, idle_s=0.2, timeout_s=4, speed_index=False, strict=True)
    start = time.monotonic()
    result = run(
        TASK,
        str(model),
        config,
        str(small_csv),
        sandbox=policy(secret_dir),
        deadline=start + 6,
    )
    assert "time limit" in reason(result)
    assert time.monotonic() - start < 12


def test_the_host_is_out_of_sight(
    small_csv: Path, tmp_path: Path, secret_dir: Path, monkeypatch
) -> None:
    """No secret in the environment, no host process, socket or other job's file in view."""
    for key in ("PGPASSWORD", "AWS_SECRET_ACCESS_KEY", "HF_TOKEN", "FRUGALBENCH_ADMIN_TOKEN"):
        monkeypatch.setenv(key, "s3cret")
    sock_path = str(tmp_path / "server.sock")
    server = socket.socket(socket.AF_UNIX)
    server.bind(sock_path)
    server.listen(1)
    other_job = tmp_path / "fb-job-other" / "model.bin"
    other_job.parent.mkdir()
    other_job.write_bytes(b"another team's model")
    with subprocess.Popen(["sleep", "60"]) as host:
        try:
            result = attack(
                "Snoop",
                small_csv,
                tmp_path,
                secret_dir,
                CONFIG,
                marker="sleep",
                paths=[str(other_job), str(secret_dir), "/run", "/var/run/postgresql"],
                sockets=[sock_path, "/var/run/postgresql/.s.PGSQL.5432"],
            )
        finally:
            host.kill()
            server.close()
    assert result.status == "ok", result.failure


def test_shared_memory_goes_with_the_job(small_csv: Path, tmp_path: Path, secret_dir: Path) -> None:
    key = 0x0FB00000 + os.getpid() % 0xFFFF
    result = attack("SharedMemory", small_csv, tmp_path, secret_dir, CONFIG, key=key)
    assert result.status == "ok", result.failure
    segments = Path("/proc/sysvipc/shm").read_text().split("\n")[1:]
    assert not [line for line in segments if line.split() and int(line.split()[0]) == key]


def test_memory_is_limited_for_the_whole_job(
    small_csv: Path, tmp_path: Path, secret_dir: Path
) -> None:
    """Four children of 400 MB each pass a 1 GiB per-process limit, not the job's 1 GiB."""
    model = attack_dir(tmp_path / "models", "Split", {"bytes": 400 * 1024**2})
    limits = policy(secret_dir, memory_bytes=1024**3)
    result = run(TASK, str(model), CONFIG, str(small_csv), sandbox=limits)
    assert "memory limit" in reason(result)


def test_output_goes_to_a_capped_log(small_csv: Path, tmp_path: Path, secret_dir: Path) -> None:
    log = tmp_path / "job.log"
    model = attack_dir(tmp_path / "models", "Flood")
    result = run(TASK, str(model), CONFIG, str(small_csv), sandbox=policy(secret_dir), log_path=log)
    assert result.status == "ok", result.failure
    assert 0 < log.stat().st_size < 300 * 1024
    assert "log capped" in log.read_text()


def test_oversized_stats_are_dropped(small_csv: Path, tmp_path: Path, secret_dir: Path) -> None:
    result = attack("Stats", small_csv, tmp_path, secret_dir, CONFIG, big=True)
    assert result.status == "failed" and "over the limit" in reason(result)
    result = attack("Stats", small_csv, tmp_path, secret_dir, CONFIG)
    assert result.status == "ok"
    assert (result.model.inference_stats or {})["first_input"].startswith("Renewable")


def test_code_that_lives_under_tmp_stays_readable_in_the_box(
    user_model_dir, small_csv: Path, tmp_path: Path, secret_dir: Path, monkeypatch
) -> None:
    """A checkout or virtual environment under /tmp: the job's fresh /tmp must not cover it (it
    did: every model failed with ModuleNotFoundError, blamed on the model's load phase)."""
    library = tmp_path / "site-library"
    library.mkdir()
    (library / "fb_site_library.py").write_text("ANSWER = '0_not_relevant'\n")
    monkeypatch.syspath_prepend(str(library))
    model = user_model_dir("Imports", {"module": "fb_site_library"})
    result = run(TASK, str(model), CONFIG, str(small_csv), sandbox=policy(secret_dir))
    assert result.status == "ok", result.failure
