"""A server on a temporary folder: SQLite database, SqliteHuey queue, admin token, a team."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from frugalbench.web.app import create_app
from frugalbench.web.settings import Settings

ADMIN = "admin-secret"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "server",
        admin_token=ADMIN,
        idle_s=0.2,
        eval_timeout_s=60,
        lease_s=2.0,
        max_upload_bytes=2_000_000,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, start_worker=False)
    with TestClient(app) as test_client:
        yield test_client


def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN}"}


@pytest.fixture
def team_token(client: TestClient) -> str:
    response = client.post("/api/teams", json={"name": "owls"}, headers=admin_headers())
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


@pytest.fixture
def challenge(client: TestClient, small_csv: Path, tmp_path: Path) -> str:
    hidden = tmp_path / "hidden" / "test.csv"
    hidden.parent.mkdir()
    hidden.write_bytes(small_csv.read_bytes())
    response = client.post(
        "/api/challenges",
        json={"slug": "climate", "task": "climate-disinfo", "hidden_data": str(hidden)},
        headers=admin_headers(),
    )
    assert response.status_code == 201, response.text
    return "climate"


def tar_of(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(directory, arcname=".")
    return buffer.getvalue()


def upload(client: TestClient, slug: str, token: str, data: bytes, name: str = "m.tar.gz") -> Any:
    return client.post(
        f"/api/challenges/{slug}/submissions",
        files={"archive": (name, data, "application/gzip")},
        headers={"Authorization": f"Bearer {token}"},
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "FRUGALBENCH_DATA_DIR": str(tmp_path / "state"),
        "FRUGALBENCH_ADMIN_TOKEN": "adm",
        "FRUGALBENCH_IDLE_S": "0.2",
    }
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "frugalbench.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None:
                raise AssertionError((tmp_path / "serve.log").read_text()) from None
            time.sleep(0.2)
    try:
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
    assert (tmp_path / "state" / "frugalbench.db").exists()
