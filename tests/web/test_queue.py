"""The queue: a worker killed mid-evaluation loses nothing (the job's lease brings it back, a
bounded number of times), and the real Huey brokers carry jobs between processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from frugalbench.web.db import Job, utcnow
from frugalbench.web.settings import Settings
from tests.web.conftest import tar_of, upload


def job_row(client: TestClient, job_id: int) -> Job:
    with client.app.state.factory() as session:  # type: ignore[attr-defined]
        job: Job | None = session.get(Job, job_id)
        assert job is not None
        return job


def age_heartbeat(client: TestClient, job_id: int, seconds: float) -> None:
    with client.app.state.factory() as session:  # type: ignore[attr-defined]
        job = session.get(Job, job_id)
        assert job is not None
        job.status = "running"
        job.heartbeat_at = utcnow() - timedelta(seconds=seconds)
        session.commit()


def test_a_lost_job_is_queued_again_then_given_up(
    client: TestClient, challenge: str, team_token: str, user_model_dir, settings: Settings
) -> None:
    queue = client.app.state.queue  # type: ignore[attr-defined]
    job_id = upload(client, challenge, team_token, tar_of(user_model_dir("Raises"))).json()["job"]
    assert queue.huey.dequeue() is not None  # a worker took the message ... and died
    for attempt in range(1, settings.job_retries + 2):
        with client.app.state.factory() as session:  # type: ignore[attr-defined]
            job = session.get(Job, job_id)
            assert job is not None
            job.attempts = attempt
            session.commit()
        age_heartbeat(client, job_id, settings.lease_s + 1)
        requeued = queue.reap()
        if attempt <= settings.job_retries:
            assert requeued == [job_id] and job_row(client, job_id).status == "queued"
            assert queue.huey.dequeue() is not None
        else:
            assert requeued == []
    job = job_row(client, job_id)
    assert job.status == "failed" and "stopped answering 3 times" in (job.reason or "")


def test_a_running_job_with_a_fresh_heartbeat_is_left_alone(
    client: TestClient, challenge: str, team_token: str, user_model_dir
) -> None:
    queue = client.app.state.queue  # type: ignore[attr-defined]
    job_id = upload(client, challenge, team_token, tar_of(user_model_dir("Raises"))).json()["job"]
    age_heartbeat(client, job_id, 0.1)
    assert queue.reap() == [] and job_row(client, job_id).status == "running"


def worker_process(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FRUGALBENCH_DATA_DIR": str(settings.data_dir),
        "FRUGALBENCH_LEASE_S": str(settings.lease_s),
        "FRUGALBENCH_IDLE_S": "0.2",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "frugalbench.cli", "worker"],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_for(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_killing_a_worker_mid_evaluation_loses_nothing(
    client: TestClient,
    challenge: str,
    team_token: str,
    user_model_dir,
    settings: Settings,
    tmp_path: Path,
) -> None:
    """A real `frugalbench worker` process takes the job and is SIGKILLed while the model runs;
    a second worker finds the stale lease, takes the job again and finishes it."""
    slow = user_model_dir("Busy", {"seconds": 1.5})
    job_id = upload(client, challenge, team_token, tar_of(slow)).json()["job"]
    first = worker_process(settings, tmp_path / "w1.log")
    try:
        assert wait_for(lambda: job_row(client, job_id).status == "running", 60)
        time.sleep(1.0)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        assert job_row(client, job_id).status == "running"  # nobody told the database
        second = worker_process(settings, tmp_path / "w2.log")
        try:
            assert wait_for(lambda: job_row(client, job_id).status in ("ok", "failed"), 120), (
                tmp_path / "w2.log"
            ).read_text()
        finally:
            os.killpg(second.pid, signal.SIGKILL)
            second.wait(10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    job = job_row(client, job_id)
    assert job.status == "ok" and job.attempts == 2, job.reason
    # the killed worker's box died with it (parent-death signal, PID namespace), and what it
    # left (cgroup, staging folder) was removed when the second worker started
    from tests.attacks import BOX, processes_with

    assert not processes_with(BOX)
    assert not list(Path("/tmp").glob(f"fb-job-{first.pid}-*"))
    assert not list(Path("/sys/fs/cgroup/pids/frugalbench").glob(f"job-{first.pid}-*"))


def test_queue_overhead_submission_to_start_is_short(
    client: TestClient, challenge: str, team_token: str, user_model_dir
) -> None:
    """Not a timing target (that is benchmarks/server_load.py): a job starts at all, promptly,
    with the embedded worker thread."""
    queue = client.app.state.queue  # type: ignore[attr-defined]
    thread, stop = queue.start_thread()
    try:
        job_id = upload(client, challenge, team_token, tar_of(user_model_dir("Raises"))).json()[
            "job"
        ]
        assert wait_for(lambda: job_row(client, job_id).started_at is not None, 30)
        assert wait_for(lambda: job_row(client, job_id).status == "failed", 60)
    finally:
        stop.set()
        thread.join(10)


@pytest.mark.parametrize("broker", ["sqlite", "redis"])
def test_the_brokers_carry_jobs(broker: str, settings: Settings, tmp_path: Path) -> None:
    from frugalbench.web.db import make_engine, make_sessionmaker, migrate
    from frugalbench.web.queue import EvaluationQueue

    if broker == "redis":
        url = os.environ.get("FRUGALBENCH_TEST_REDIS", "redis://127.0.0.1:6379/15")
        redis = pytest.importorskip("redis")
        try:
            redis.Redis.from_url(url).ping()
        except Exception as exc:
            pytest.skip(f"no Redis at {url} ({exc}); set FRUGALBENCH_TEST_REDIS")
        redis.Redis.from_url(url).flushdb()
        settings = settings.model_copy(update={"broker_url": url})
    settings.data_dir.mkdir(parents=True)
    migrate(settings.db_url)
    factory = make_sessionmaker(make_engine(settings.db_url))
    producer = EvaluationQueue(settings, factory)
    consumer = EvaluationQueue(settings, factory)  # another process would build its own
    for job_id in (101, 102):
        producer.enqueue(job_id)
    assert consumer.pending() == 2
    assert consumer.run_one() and consumer.run_one() and not consumer.run_one()
