"""At scale: PostgreSQL for the database and Redis for the queue, two workers consuming.

Runs on this project's machines, where both services listen locally; elsewhere it is skipped
with the reason (set FRUGALBENCH_TEST_POSTGRES / FRUGALBENCH_TEST_REDIS to point at yours).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from frugalbench.web.app import create_app
from frugalbench.web.db import Job, make_engine, make_sessionmaker
from frugalbench.web.queue import EvaluationQueue
from frugalbench.web.settings import Settings
from tests.web.conftest import ADMIN, admin_headers, tar_of, upload

POSTGRES = os.environ.get("FRUGALBENCH_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("FRUGALBENCH_TEST_REDIS", "redis://127.0.0.1:6379/15")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database on the server, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(POSTGRES, connect_timeout=3, autocommit=True)
    except Exception as exc:
        pytest.skip(f"no PostgreSQL at {POSTGRES} ({str(exc).strip()})")
    name = f"fb_test_{uuid.uuid4().hex[:10]}"
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    base = POSTGRES.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.close()


@pytest.fixture
def redis_url() -> str:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS, socket_timeout=3).ping()
    except Exception as exc:
        pytest.skip(f"no Redis at {REDIS} ({exc})")
    redis.Redis.from_url(REDIS).flushdb()
    return REDIS


def test_postgres_and_redis_with_two_workers(
    postgres_url: str,
    redis_url: str,
    tmp_path: Path,
    small_csv: Path,
    user_model_dir,
) -> None:
    settings = Settings(
        data_dir=tmp_path / "server",
        database_url=postgres_url,
        broker_url=redis_url,
        admin_token=ADMIN,
        idle_s=0.2,
        eval_timeout_s=60,
    )
    app = create_app(settings, start_worker=False)
    with TestClient(app) as client:
        hidden = tmp_path / "hidden.csv"
        hidden.write_bytes(small_csv.read_bytes())
        assert (
            client.post(
                "/api/challenges",
                json={"slug": "pg", "task": "climate-disinfo", "hidden_data": str(hidden)},
                headers=admin_headers(),
            ).status_code
            == 201
        )
        token = client.post("/api/teams", json={"name": "t"}, headers=admin_headers()).json()[
            "token"
        ]
        jobs = [
            upload(client, "pg", token, tar_of(user_model_dir(cls))).json()["job"]
            for cls in ("Secrets", "Raises", "Secrets", "Raises")
        ]
        # two workers, each with its own engine and queue, as on two machines
        stops, threads, seen = [], [], []
        for _ in range(2):
            queue = EvaluationQueue(settings, make_sessionmaker(make_engine(postgres_url)))
            original = queue.run_one

            def counted(q: EvaluationQueue = queue, run=original) -> bool:
                took: bool = run()
                if took:
                    seen.append(id(q))
                return took

            queue.run_one = counted  # type: ignore[method-assign]
            stop = threading.Event()
            thread = threading.Thread(target=queue.work, args=(stop,), daemon=True)
            thread.start()
            stops.append(stop)
            threads.append(thread)
        factory = make_sessionmaker(make_engine(postgres_url))

        def done() -> bool:
            with factory() as session:
                return all(
                    getattr(session.get(Job, j), "status", None) in ("ok", "failed") for j in jobs
                )

        import time

        deadline = time.monotonic() + 180
        while not done() and time.monotonic() < deadline:
            time.sleep(0.3)
        for stop in stops:
            stop.set()
        for thread in threads:
            thread.join(30)
        with factory() as session:
            statuses = [session.get(Job, j).status for j in jobs]
        assert statuses == ["ok", "failed", "ok", "failed"]
        assert len(set(seen)) == 2, "both workers took jobs"
        rows = client.get("/api/challenges/pg/leaderboard").json()["rows"]
        assert len(rows) == 2


def test_attacks_through_postgres_and_redis(
    postgres_url: str, redis_url: str, tmp_path: Path, small_csv: Path
) -> None:
    """The sandbox issue's attacks in the deployment mode where the database has a socket on
    the same machine: none reaches it, none lingers, the cheat ranks below the honest model."""
    import glob
    import os

    from frugalbench.harness.sandbox import isolation
    from tests.attacks import attack_dir, processes_with
    from tests.web.test_app import team

    available, why = isolation()
    if not available:
        pytest.skip(f"no job box here: {why}")
    settings = Settings(
        data_dir=tmp_path / "server",
        database_url=postgres_url,
        broker_url=redis_url,
        admin_token=ADMIN,
        idle_s=0.2,
        eval_timeout_s=60,
    )
    pwned = tmp_path / "pwned"
    marker = f"fb-marker-pg-{os.getpid()}"
    sockets = glob.glob("/var/run/postgresql/.s.PGSQL.*") + glob.glob("/tmp/.s.PGSQL.*")
    sockets = [s for s in sockets if not s.endswith(".lock")]
    attacks: dict[str, dict[str, object]] = {
        "RawPickle": {"marker": str(pwned)},
        "Daemon": {"marker": marker},
        "Snoop": {"marker": "pytest", "paths": [str(tmp_path)], "sockets": sockets},
        "Cache": {},
        "Honest": {},
    }
    with TestClient(create_app(settings, start_worker=False)) as client:
        hidden = tmp_path / "hidden" / "test.csv"
        hidden.parent.mkdir()
        hidden.write_bytes(small_csv.read_bytes())
        client.post(
            "/api/challenges",
            json={"slug": "pg", "task": "climate-disinfo", "hidden_data": str(hidden)},
            headers=admin_headers(),
        )
        token = client.post("/api/teams", json={"name": "t"}, headers=admin_headers()).json()[
            "token"
        ]
        jobs = {
            cls: upload(client, "pg", token, tar_of(attack_dir(tmp_path, cls, params))).json()
            for cls, params in attacks.items()
        }
        queue = client.app.state.queue  # type: ignore[attr-defined]
        while queue.run_one():
            pass
        status = {
            cls: client.get(f"/api/jobs/{j['job']}", headers=team(token)).json()
            for cls, j in jobs.items()
        }
        assert status["RawPickle"]["status"] == "failed" and not pwned.exists()
        for cls in ("Daemon", "Snoop", "Cache", "Honest"):
            assert status[cls]["status"] == "ok", status[cls]
        assert not processes_with(marker)
        rows = client.get("/api/challenges/pg/leaderboard").json()["rows"]
        rank = {r["name"].split(":")[-1]: r["rank"] for r in rows}
        assert rank["Cache"] > rank["Honest"], rows  # the cache bought nothing
