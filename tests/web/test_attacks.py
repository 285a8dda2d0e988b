"""The sandbox issue's attacks, submitted through the server as a hostile team would: each ends
as a refused or failed job with its reason (or gains nothing), leaves no process, file or
segment behind, publishes no secret, and the cheats rank below an honest submission."""

from __future__ import annotations

import io
import os
import socket
import tarfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient

from frugalbench.harness.sandbox import isolation
from frugalbench.web.app import create_app
from frugalbench.web.board import leaderboard_rows
from frugalbench.web.db import Job, Submission
from frugalbench.web.service import create_challenge, create_team
from frugalbench.web.settings import Settings
from tests.attacks import BOX, attack_dir, processes_with
from tests.web.conftest import admin_headers, tar_of, upload
from tests.web.test_app import evaluate_all, publish, team

ISOLATION, WHY = isolation()
sandboxed = pytest.mark.skipif(not ISOLATION, reason=f"no sandbox here: {WHY}")


@pytest.fixture
def hidden(tmp_path: Path, small_csv: Path) -> Path:
    path = tmp_path / "hidden-a" / "test.csv"
    path.parent.mkdir()
    path.write_bytes(small_csv.read_bytes())
    return path


@pytest.fixture
def arena(client: TestClient, hidden: Path) -> str:
    response = client.post(
        "/api/challenges",
        json={"slug": "arena", "task": "climate-disinfo", "hidden_data": str(hidden)},
        headers=admin_headers(),
    )
    assert response.status_code == 201, response.text
    return "arena"


def submit(client: TestClient, token: str, cls: str, root: Path, **params: Any) -> dict[str, Any]:
    response = upload(client, "arena", token, tar_of(attack_dir(root, cls, params)), f"{cls}.tgz")
    assert response.status_code == 202, response.text
    return dict(response.json())


def job(client: TestClient, token: str, job_id: int) -> dict[str, Any]:
    return dict(client.get(f"/api/jobs/{job_id}", headers=team(token)).json())


@sandboxed
def test_cheats_and_escapes_through_the_server(
    client: TestClient, arena: str, team_token: str, tmp_path: Path, hidden: Path
) -> None:
    """One queue, several hostile teams and an honest one, evaluated in turn."""
    pwned = tmp_path / "pwned"
    marker = f"fb-marker-{os.getpid()}-{time.time_ns()}"
    other = tmp_path / "hidden-b" / "test.csv"  # another challenge's hidden file
    other.parent.mkdir()
    other.write_bytes(hidden.read_bytes())
    client.post(
        "/api/challenges",
        json={"slug": "other", "task": "climate-disinfo", "hidden_data": str(other)},
        headers=admin_headers(),
    )
    jobs = {
        "PickleReply": submit(client, team_token, "PickleReply", tmp_path, marker=str(pwned)),
        "RawPickle": submit(client, team_token, "RawPickle", tmp_path, marker=str(pwned)),
        "Daemon": submit(client, team_token, "Daemon", tmp_path, marker=marker),
        "Cache": submit(client, team_token, "Cache", tmp_path),
        "Peek": submit(client, team_token, "Peek", tmp_path),
        "Helper": submit(client, team_token, "Helper", tmp_path, seconds=0.4),
        "Snoop": submit(
            client,
            team_token,
            "Snoop",
            tmp_path,
            marker="pytest",
            paths=[str(other), str(hidden), str(tmp_path / "server")],
            sockets=["/var/run/postgresql/.s.PGSQL.5432", "/run/mysqld/mysqld.sock"],
        ),
        "Honest": submit(client, team_token, "Honest", tmp_path),
    }
    evaluate_all(client)
    status = {cls: job(client, team_token, j["job"]) for cls, j in jobs.items()}
    for cls in ("PickleReply", "RawPickle"):
        assert status[cls]["status"] == "failed", status[cls]
    assert not pwned.exists(), "a reply ran code in the server"
    for cls in ("Daemon", "Cache", "Peek", "Helper", "Snoop", "Honest"):
        assert status[cls]["status"] == "ok", (cls, status[cls].get("reason"))
    assert not processes_with(marker)
    assert not processes_with(BOX)
    assert not list(Path("/tmp").glob(f"fb-job-{os.getpid()}-*"))
    rows = client.get("/api/challenges/arena/leaderboard").json()["rows"]
    by_name = {r["name"].split(":")[-1]: r for r in rows}
    honest = by_name["Honest"]
    board = [(r["name"], r["rank"], r["energy_per_1000_j"]) for r in rows]
    for cls in ("Cache", "Peek", "Helper"):  # same answers, more work: they rank below it
        assert by_name[cls]["accuracy"] == honest["accuracy"]
        assert by_name[cls]["energy_per_1000_j"] > honest["energy_per_1000_j"], board
        assert by_name[cls]["rank"] > honest["rank"], board


@sandboxed
def test_nothing_per_input_or_per_class_before_publication(
    client: TestClient, arena: str, team_token: str, tmp_path: Path, small_csv: Path
) -> None:
    quoter = submit(client, team_token, "Quoter", tmp_path)
    stats = submit(client, team_token, "Stats", tmp_path)
    oracle = submit(client, team_token, "LabelOracle", tmp_path)
    evaluate_all(client)
    first_quote = small_csv.read_text().splitlines()[1].split(",")[0][:30]
    for sub in (quoter, stats, oracle):
        assert client.get(f"/api/submissions/{sub['submission']}").status_code == 404
        assert client.get(f"/submissions/{sub['submission']}").status_code == 404
        assert client.get(f"/api/jobs/{sub['job']}").status_code == 404
        seen = client.get(f"/api/submissions/{sub['submission']}", headers=team(team_token))
        page = client.get(f"/submissions/{sub['submission']}", cookies={"fb_token": team_token})
        for text in (seen.text, page.text, client.get("/api/challenges/arena/leaderboard").text):
            assert first_quote not in text
        assert "confusion_matrix" not in seen.text or "withheld" in seen.text
    result = client.get(f"/api/submissions/{oracle['submission']}", headers=team(team_token))
    assert result.json()["result"]["scores"]["confusion_matrix"].startswith("withheld")
    assert (
        "inference_stats"
        not in client.get(
            f"/api/submissions/{stats['submission']}", headers=team(team_token)
        ).json()["result"]["model"]
    )
    publish(client, "arena")
    shown = client.get(f"/api/submissions/{stats['submission']}").json()
    assert shown["result"]["model"]["inference_stats"]["first_input"]


def test_uploads_are_checked_before_their_body_and_leave_nothing(
    client: TestClient, arena: str, team_token: str, settings: Settings, tmp_path: Path
) -> None:
    submissions = settings.data_dir / "submissions"
    before = set(submissions.iterdir()) if submissions.exists() else set()
    bad_manifest = tmp_path / "bad"
    bad_manifest.mkdir()
    (bad_manifest / "frugalbench-model.json").write_text('{"model": 1}')
    (bad_manifest / "weights.bin").write_bytes(os.urandom(100_000))
    refused = upload(client, "arena", team_token, tar_of(bad_manifest))
    assert refused.status_code == 422 and str(tmp_path) not in refused.text
    assert str(settings.data_dir) not in refused.text and "/tmp" not in refused.text
    assert (set(submissions.iterdir()) if submissions.exists() else set()) == before
    for members in (
        [("x", b"1"), ("x/y", b"2")],  # a file, then a folder through it
        [("a" * 300, b"1")],
        ["/".join(["d"] * 2000) + "/f"],
        [(".", b"1")],
    ):
        response = upload(client, "arena", team_token, tar_bytes(members))
        assert response.status_code == 422, (members[0], response.text)
    good = attack_dir(tmp_path, "Honest")
    twice = [upload(client, "arena", team_token, tar_of(good)) for _ in range(2)]
    assert [r.status_code for r in twice] == [202, 202]  # the same archive, in one second
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("frugalbench-model.json", "{}")
        zf.writestr("zeros.bin", b"\0" * 3_000_000)
    small = settings.model_copy(update={"max_unpacked_bytes": 1_000_000})
    assert len(bomb.getvalue()) < 100_000
    with TestClient(create_app(small, start_worker=False)) as other:
        response = upload(other, "arena", team_token, bomb.getvalue(), "bomb.zip")
        assert response.status_code == 422
    assert len(set(submissions.iterdir())) == len(before) + 2


def tar_bytes(members: list[Any]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.GNU_FORMAT) as tar:
        for member in members:
            name, data = member if isinstance(member, tuple) else (member, b"1")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_an_anonymous_upload_is_refused_before_its_body(server: str) -> None:
    """1 GiB announced, 100 bytes sent: the 401 comes at once, nothing waits for the rest."""
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            b"POST /api/challenges/x/submissions HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\n"
            + f"Content-Length: {1 << 30}\r\n\r\n".encode()
            + b"x" * 100
        )
        answer = conn.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 401"), answer


def test_limits_csv_and_defaults(
    client: TestClient, arena: str, team_token: str, tmp_path: Path
) -> None:
    rules = client.patch(
        "/api/challenges/arena", json={"max_submissions_per_day": 1}, headers=admin_headers()
    )
    assert rules.status_code == 200
    assert client.patch("/api/challenges/arena", json={"published": True}).status_code == 403
    honest = tar_of(attack_dir(tmp_path, "Honest"))
    assert upload(client, "arena", team_token, honest).status_code == 202
    again = upload(client, "arena", team_token, honest)
    assert again.status_code == 429 and "last 24 hours" in again.json()["detail"]
    assert Settings().lease_s <= 300
    from frugalbench.web.board import rows_csv

    row = {"team": '=HYPERLINK("http://x")', "name": "+1", "scores": {}, "flags": []}
    text = rows_csv([row])
    assert "'=HYPERLINK" in text and "'+1" in text


@pytest.fixture
def factory(settings: Settings) -> Iterator[Any]:
    from frugalbench.web.db import make_engine, make_sessionmaker, migrate

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.db_url)
    engine = make_engine(settings.db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_a_flagged_measurement_is_shown_but_never_ranked(factory: Any, small_csv: Path) -> None:
    with factory() as session:
        challenge = create_challenge(session, "flags", "climate-disinfo", str(small_csv))
        owls, _ = create_team(session, "owls")
        cases: tuple[tuple[str, float, list[str], float], ...] = (
            ("clean", 5.0, [], 0.2),
            ("disturbed", 0.01, ["contaminated"], 0.2),
            ("erratic", 0.02, ["unstable"], 0.2),
            ("tiny", 0.001, ["unstable"], 0.0002),  # at the meter's resolution: ranked
        )
        for name, energy, flags, cpu_s in cases:
            submission = Submission(
                challenge_id=challenge.id,
                team_id=owls.id,
                name=name,
                directory="-",
                archive_sha256="0" * 64,
                size_bytes=1,
            )
            session.add(submission)
            session.flush()
            result = {
                "scores": {"accuracy": 0.5},
                "per_1000_inputs": {  # three noisy repeats: a t-interval below zero
                    "energy_j": {"median": energy, "ci95_low": -energy, "ci95_high": 3 * energy}
                },
                "phases": {
                    "inference": {
                        "flags": flags,
                        "methods": {},
                        "repeats": [{"observations": {"cpu_time_s": cpu_s}}] * 3,
                    }
                },
            }
            session.add(Job(submission_id=submission.id, status="ok", result=result))
        session.commit()
        rows = leaderboard_rows(session, challenge)
    ranks = {r["name"]: r["rank"] for r in rows}
    assert ranks == {"tiny": 1, "clean": 2, "disturbed": None, "erratic": None}, ranks
    assert all(r["energy_ci95_low_j"] == 0.0 for r in rows)  # clamped: no negative joules
    labels = {r["name"]: r["label"] for r in rows}
    assert labels["disturbed"] == "unranked: contaminated"
    assert labels["erratic"] == "unranked: unstable"


@pytest.mark.parametrize(("rule", "runs"), [("rerun", 3), ("unranked", 1)])
def test_a_flagged_result_is_evaluated_again_under_the_rerun_rule(
    settings: Settings, small_csv: Path, monkeypatch: pytest.MonkeyPatch, rule: str, runs: int
) -> None:
    """A neighbour's load that stays through every try: evaluated 1 + FLAGGED_RERUNS times
    under ``rerun``, once under ``unranked``; the stored result keeps its flag either way."""
    import json

    from frugalbench.harness import runner
    from frugalbench.web import service
    from frugalbench.web.db import Challenge

    calls: list[int] = []

    class Disturbed:
        status, failure = "ok", None
        body: ClassVar[dict[str, Any]] = {
            "model": {},
            "task": {"data": {}},
            "phases": {"inference": {"flags": ["contaminated"], "repeats": []}},
        }

        def model_dump(self, mode: str = "json") -> dict[str, Any]:
            return self.body

        def model_dump_json(self) -> str:
            return json.dumps(self.body)

    def fake_run(*args: Any, **kwargs: Any) -> Disturbed:
        calls.append(1)
        return Disturbed()

    monkeypatch.setattr(runner, "run", fake_run)
    monkeypatch.setattr(service, "isolation_cached", lambda: (True, "test"))
    challenge = Challenge(
        slug="c", task="climate-disinfo", hidden_data=str(small_csv), flagged_rule=rule
    )
    submission = Submission(id=1, directory="-")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    status, _, stored = service._evaluate(settings, challenge, submission, [], 1)
    assert status == "ok" and len(calls) == runs
    assert service.flagged(stored) == ["contaminated"]


def test_per_group_scores_are_withheld_until_publication() -> None:
    """Small groups' scores would read back hidden labels, as a confusion matrix would."""
    from frugalbench.web.db import Challenge
    from frugalbench.web.public import WITHHELD, public_result

    result = {"scores": {"accuracy": 0.5, "by_group": {"cam-1": {"n": 1, "accuracy": 1.0}}}}
    shown = public_result(result, Challenge(slug="c", task="smoke", hidden_data="x"))
    assert shown is not None and shown["scores"] == {"accuracy": 0.5, "by_group": WITHHELD}
    published = Challenge(slug="c", task="smoke", hidden_data="x", published=True)
    assert public_result(result, published) == result


def test_hidden_data_beside_the_code_hides_the_data_not_the_code(
    factory: Any, settings: Settings, small_csv: Path, tmp_path: Path, monkeypatch
) -> None:
    """A hidden file in the checkout (or the folder above it): the file is hidden, the folder
    is not, since frugalbench's own code lives under it (every submission used to fail with
    "No module named 'frugalbench.models'", blamed on the team). A server data folder that holds
    the code is refused as the organiser's setup, never hidden with the code inside."""
    import shutil

    from frugalbench.web.errors import ServerMisconfigured
    from frugalbench.web.service import hidden_paths

    checkout = tmp_path / "checkout"
    (checkout / "src").mkdir(parents=True)
    monkeypatch.syspath_prepend(str(checkout / "src"))
    hidden = Path(shutil.copy(small_csv, checkout / "hidden.csv"))
    with factory() as session:
        create_challenge(session, "beside", "climate-disinfo", str(hidden))
        session.commit()
        paths = hidden_paths(session, settings)
        assert str(hidden) in paths and str(checkout) not in paths
        around = settings.model_copy(update={"data_dir": checkout})
        with pytest.raises(ServerMisconfigured, match="holds code the jobs must read"):
            hidden_paths(session, around)


def test_a_missing_hidden_file_is_named_as_such(factory: Any, tmp_path: Path) -> None:
    from frugalbench.errors import UserError

    with factory() as session, pytest.raises(UserError, match=r"^--hidden-data .*: no such file"):
        create_challenge(session, "gone", "climate-disinfo", str(tmp_path / "missing.csv"))
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with factory() as session, pytest.raises(UserError, match="the file is empty") as refused:
        create_challenge(session, "void", "climate-disinfo", str(empty))
    assert "--data " not in str(refused.value)
