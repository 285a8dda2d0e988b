"""Challenge server under load: leaderboard JSON and page throughput and tail latency, and the
queue's overhead from submission to a started evaluation. One run, figures side by side.

    python benchmarks/server_load.py [--seconds 10] [--clients 8] [--rows 50] [--json OUT]

Starts `frugalbench serve` (SQLite, embedded worker) on a free port in a temporary folder,
evaluates one real submission, copies its result to ``--rows`` teams, then loads the server over
loopback from a separate process with ``--clients`` keep-alive connections.
Targets: >= 500 requests/s with p99 <= 50 ms for the leaderboard JSON and page; submission to
started evaluation <= 1 s with an idle worker.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ADMIN = "bench-admin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(
    port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    if response.status >= 400:
        raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
    return json.loads(data) if data[:1] in (b"{", b"[") else data


def multipart(fields: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "----frugalbench-bench"
    parts = []
    for name, (filename, data) in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    return b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def load(port: int, path: str, seconds: float, clients: int, out: Any) -> None:
    """Runs in its own process: ``clients`` threads, each one keep-alive connection."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    errors[0] += 1
            except (OSError, http.client.HTTPException):
                errors[0] += 1
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((latencies, errors[0], seconds))


def measure(port: int, path: str, seconds: float, clients: int) -> dict[str, float]:
    queue: Any = mp.Queue()
    proc = mp.Process(target=load, args=(port, path, seconds, clients, queue))
    proc.start()
    latencies, errors, duration = queue.get()
    proc.join()
    latencies.sort()
    return {
        "requests_per_s": len(latencies) / duration,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)],
        "errors": errors,
        "requests": len(latencies),
    }


def populate(port: int, data_dir: Path, rows: int, hidden: Path, model: Path) -> tuple[str, float]:
    """One real evaluation, then its result copied to ``rows`` teams (the leaderboard's size)."""
    from frugalbench.cli.server import pack
    from frugalbench.web.db import Job, Submission, Team, make_engine, make_sessionmaker

    admin = {"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"}
    request(
        port,
        "POST",
        "/api/challenges",
        json.dumps({"slug": "bench", "task": "climate-disinfo", "hidden_data": str(hidden)}),
        admin,
    )
    token = request(port, "POST", "/api/teams", json.dumps({"name": "team-0"}), admin)["token"]
    body, ctype = multipart({"archive": ("m.tar.gz", pack(model))})
    submitted = time.perf_counter()
    job = request(
        port,
        "POST",
        "/api/challenges/bench/submissions",
        body,
        {"Authorization": f"Bearer {token}", "Content-Type": ctype},
    )
    started_after = None
    while True:
        status = request(
            port, "GET", f"/api/jobs/{job['job']}", headers={"Authorization": f"Bearer {token}"}
        )
        if started_after is None and status["started_at"]:
            started_after = time.perf_counter() - submitted
        if status["status"] in ("ok", "failed"):
            break
        time.sleep(0.02)
    assert status["status"] == "ok", status
    factory = make_sessionmaker(make_engine(f"sqlite:///{data_dir / 'frugalbench.db'}"))
    with factory() as session:
        original = session.get(Job, job["job"])
        sub = session.get(Submission, job["submission"])
        assert original is not None and sub is not None
        for i in range(1, rows):
            team = Team(name=f"team-{i}")
            session.add(team)
            session.flush()
            copy = Submission(
                challenge_id=sub.challenge_id,
                team_id=team.id,
                name=f"m{i}",
                manifest=sub.manifest,
                directory=sub.directory,
                archive_sha256=sub.archive_sha256,
                size_bytes=sub.size_bytes,
            )
            session.add(copy)
            session.flush()
            result = json.loads(json.dumps(original.result))
            result["scores"]["accuracy"] = 0.3 + 0.6 * i / rows
            result["per_1000_inputs"]["energy_j"]["median"] *= 1 + (i * 37 % rows) / 10
            session.add(
                Job(
                    submission_id=copy.id,
                    status="ok",
                    attempts=1,
                    result=result,
                    finished_at=original.finished_at,
                )
            )
        session.commit()
    return "bench", float(started_after or 0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    import csv

    from frugalbench.tasks import get_task

    bundled = get_task("climate-disinfo").load(None)
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        hidden = tmpdir / "hidden.csv"
        with hidden.open("w", newline="") as fh:  # 200 bundled quotes stand for a hidden set
            writer = csv.writer(fh)
            writer.writerow(["quote", "label"])
            writer.writerows(zip(bundled.inputs[:200], bundled.labels[:200], strict=True))
        model = tmpdir / "model"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "frugalbench.cli",
                "train",
                "climate-disinfo",
                "--model",
                "tfidf-linear",
                "--out",
                str(model),
                "--idle-s",
                "0.5",
            ],
            check=True,
            capture_output=True,
        )
        port = free_port()
        env = {
            **os.environ,
            "FRUGALBENCH_DATA_DIR": str(tmpdir / "state"),
            "FRUGALBENCH_ADMIN_TOKEN": ADMIN,
            "FRUGALBENCH_IDLE_S": "0.5",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "frugalbench.cli", "serve", "--port", str(port)],
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(300):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    time.sleep(0.1)
            slug, queue_s = populate(port, tmpdir / "state", args.rows, hidden, model)
            figures = {
                "leaderboard JSON": measure(
                    port, f"/api/challenges/{slug}/leaderboard", args.seconds, args.clients
                ),
                "leaderboard page": measure(
                    port, f"/challenges/{slug}", args.seconds, args.clients
                ),
            }
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(15)
    print(
        f"server: uvicorn, 1 process, SQLite; {args.rows} leaderboard rows; "
        f"{args.clients} keep-alive clients in another process for {args.seconds:g} s each"
    )
    print(f"{'endpoint':18} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    targets = {}
    for name, f in figures.items():
        print(
            f"{name:18} {f['requests_per_s']:8.0f} {f['p50_ms']:8.1f} {f['p99_ms']:8.1f} "
            f"{f['errors']:7d}"
        )
        targets[f"{name}: >= 500 req/s"] = f["requests_per_s"] >= 500
        targets[f"{name}: p99 <= 50 ms"] = f["p99_ms"] <= 50
    print(f"queue: submission to started evaluation {queue_s * 1000:.0f} ms (idle embedded worker)")
    targets["queue overhead <= 1 s"] = queue_s <= 1.0
    for name, ok in targets.items():
        print(f"{'met' if ok else 'MISSED':7} {name}")
    print(f"{sum(targets.values())}/{len(targets)} targets met")
    if args.json:
        args.json.write_text(
            json.dumps({"figures": figures, "queue_s": queue_s, "targets": targets}, indent=2)
        )
    return 0


if __name__ == "__main__":
    from frugalbench.cli.main import guarded

    guarded(main)
