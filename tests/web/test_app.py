"""The server end to end on SQLite: admin, teams, upload, queue, sandboxed evaluation,
leaderboard (JSON, CSV, page), and every user mistake as a one-line 4xx."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from fastapi.testclient import TestClient

from frugalbench.models.directory import save_model
from frugalbench.models.tfidf_linear import TfidfLinearModel
from frugalbench.web.settings import Settings
from tests.conftest import QUOTES
from tests.web.conftest import admin_headers, tar_of, upload


def trained(tmp_path: Path, name: str, **params: object) -> Path:
    texts = [q for q, _ in QUOTES] * 3
    labels = [lab for _, lab in QUOTES] * 3
    out = tmp_path / name
    save_model(TfidfLinearModel(min_df=1, **params).fit(texts, labels), out)  # type: ignore[arg-type]
    return out


def team(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def publish(client: TestClient, slug: str) -> None:
    response = client.patch(
        f"/api/challenges/{slug}", json={"published": True}, headers=admin_headers()
    )
    assert response.status_code == 200 and response.json()["published"], response.text


def evaluate_all(client: TestClient) -> None:
    queue = client.app.state.queue  # type: ignore[attr-defined]
    while queue.run_one():
        pass


def test_submit_evaluate_and_rank(
    client: TestClient, challenge: str, team_token: str, tmp_path: Path
) -> None:
    for name, c in (("strong", 10.0), ("weak", 0.001)):
        response = upload(client, challenge, team_token, tar_of(trained(tmp_path, name, c=c)))
        assert response.status_code == 202, response.text
        job_url = f"/api/jobs/{response.json()['job']}"
        assert client.get(job_url, headers=team(team_token)).json()["status"] == "queued"
        assert client.get(job_url).status_code == 404  # another's job, before publication
    evaluate_all(client)
    board = client.get(f"/api/challenges/{challenge}/leaderboard").json()
    assert len(board["rows"]) == 2
    first = board["rows"][0]
    assert first["rank"] == 1 and first["pareto_rank"] == 1 and first["label"] == "front 1"
    assert first["energy_per_1000_j"] > 0 and "cpu: estimated by process" in first["method"]
    assert first["team"] == "owls" and first["accuracy"] >= board["rows"][1]["accuracy"]
    detail = client.get(f"/api/submissions/{first['submission']}", headers=team(team_token)).json()
    assert detail["job"]["status"] == "ok"
    assert detail["result"]["scores"]["confusion_matrix"].startswith("withheld")
    assert set(detail["result"]["phases"]) == {"load", "warmup", "inference"}
    assert detail["result"]["sandbox"]["network"].startswith("none")
    assert str(tmp_path) not in json.dumps(detail["result"])  # no server paths leak
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"/api/challenges/{challenge}/leaderboard?format=csv").text)
        )
    )
    assert [r["rank"] for r in rows] == ["1", "2"] and rows[0]["team"] == "owls"
    page = client.get(f"/challenges/{challenge}").text
    assert "<svg" in page and "owls" in page and "front 1" in page
    assert "energy / 1,000 inputs, " in page and "emissions / 1,000, " in page  # units in headers
    assert " g</td>" not in page and " J (" not in page  # not repeated (or mixed) in each cell
    assert all(r["energy_ci95_low_j"] is None or r["energy_ci95_low_j"] >= 0 for r in board["rows"])
    page = client.get(f"/submissions/{first['submission']}", cookies={"fb_token": team_token})
    assert "energy per phase" in page.text.lower()
    assert "<td>n_inputs</td>" not in page.text and 'id="n-inputs"' in page.text  # not a score
    assert '<table id="sandbox">' in page.text and "{'cpu_s'" not in page.text  # not a dict
    publish(client, challenge)
    detail = client.get(f"/api/submissions/{first['submission']}").json()  # anyone, now
    assert isinstance(detail["result"]["scores"]["confusion_matrix"], dict)


def test_a_broken_submission_is_a_failed_job_with_its_reason(
    client: TestClient, challenge: str, team_token: str, user_model_dir
) -> None:
    response = upload(client, challenge, team_token, tar_of(user_model_dir("Raises")))
    assert response.status_code == 202
    evaluate_all(client)
    job_url = f"/api/jobs/{response.json()['job']}"
    job = client.get(job_url, headers=team(team_token)).json()
    # the model's own words may quote hidden inputs: withheld while the challenge is open
    assert job["status"] == "failed" and "the model raised RuntimeError" in job["reason"]
    assert "boom" not in job["reason"] and "withheld" in job["reason"]
    page = client.get(
        f"/submissions/{response.json()['submission']}", cookies={"fb_token": team_token}
    )
    assert page.status_code == 200 and "RuntimeError" in page.text
    assert client.get(f"/api/challenges/{challenge}/leaderboard").json()["rows"] == []
    publish(client, challenge)
    assert "boom in predict" in client.get(job_url).json()["reason"]


def test_labels_never_reach_a_submission(
    client: TestClient, challenge: str, team_token: str, user_model_dir, tmp_path: Path
) -> None:
    """The harness sends quotes only; a submission that goes looking for the hidden file on
    disk finds its folder hidden and unreadable."""
    spy = user_model_dir("Reader", {"path": str(tmp_path / "hidden" / "test.csv")})
    response = upload(client, challenge, team_token, tar_of(spy))
    evaluate_all(client)
    publish(client, challenge)
    job = client.get(f"/api/jobs/{response.json()['job']}").json()
    assert job["status"] == "failed"
    assert "FileNotFoundError" in job["reason"] or "PermissionError" in job["reason"]


def test_mistakes_are_one_line_4xx(client: TestClient, challenge: str, team_token: str) -> None:
    assert client.post("/api/teams", json={"name": "x"}).status_code == 403
    wrong = {"Authorization": "Bearer nope"}
    assert client.post("/api/teams", json={"name": "x"}, headers=wrong).status_code == 403
    no_token = client.post(
        f"/api/challenges/{challenge}/submissions", files={"archive": ("a.tar.gz", b"x")}
    )
    assert no_token.status_code == 401 and "team token" in no_token.json()["detail"]
    bad = upload(client, challenge, team_token, b"not an archive")
    assert bad.status_code == 422 and "not a readable tar archive" in bad.json()["detail"]
    big = upload(client, challenge, team_token, b"\0" * 2_100_000)
    assert big.status_code == 413
    missing = upload(client, "nope", team_token, b"x")
    assert missing.status_code == 404 and "no challenge 'nope'" in missing.json()["detail"]
    dup = client.post("/api/teams", json={"name": "owls"}, headers=admin_headers())
    assert dup.status_code == 422 and "exists already" in dup.json()["detail"]
    bad_task = client.post(
        "/api/challenges",
        json={"slug": "x", "task": "climate-disinfo", "hidden_data": "/nope.csv"},
        headers=admin_headers(),
    )
    assert bad_task.status_code == 422 and "no such file" in bad_task.json()["detail"]
    unknown = client.post(
        "/api/challenges",
        json={"slug": "y", "task": "climate-diz", "hidden_data": "/nope.csv"},
        headers=admin_headers(),
    )
    assert unknown.status_code == 404 and "Did you mean" in unknown.json()["detail"]
    assert client.get("/api/jobs/999").status_code == 404
    assert client.get("/api/jobs/99999999999999999999").status_code == 422
    assert client.get("/submissions/0").status_code == 422
    assert client.get(f"/api/challenges/{challenge}/leaderboard?format=xml").status_code == 422


def test_a_model_for_another_task_is_refused(
    client: TestClient, challenge: str, team_token: str, tmp_path: Path
) -> None:
    from frugalbench.models.logmel_linear import LogMelLinearModel
    from frugalbench.tasks import get_task

    data = get_task("chainsaw").load(None)
    out = tmp_path / "audio"
    save_model(LogMelLinearModel().fit(data.inputs, data.labels), out)
    response = upload(client, challenge, team_token, tar_of(out))
    assert response.status_code == 422 and "for task 'chainsaw'" in response.json()["detail"]


def test_hostile_submissions_fail_with_reasons_and_the_server_stays_up(
    settings: Settings, small_csv: Path, user_model_dir, tmp_path: Path
) -> None:
    """Each escape attempt, submitted through the server, ends as a failed job with its reason;
    afterwards the server still serves and evaluates."""
    from frugalbench.web.app import create_app

    quick = settings.model_copy(
        update={"eval_timeout_s": 30.0, "eval_call_timeout_s": 4.0, "eval_memory_bytes": 1024**3}
    )
    with TestClient(create_app(quick, start_worker=False)) as client:
        hidden = tmp_path / "hidden.csv"
        hidden.write_bytes(small_csv.read_bytes())
        client.post(
            "/api/challenges",
            json={"slug": "c", "task": "climate-disinfo", "hidden_data": str(hidden)},
            headers=admin_headers(),
        )
        token = client.post("/api/teams", json={"name": "t"}, headers=admin_headers()).json()[
            "token"
        ]
        publish(client, "c")  # the reasons in full
        attempts = {
            "Network": "Network is unreachable",
            "Writer": "Error",  # read-only file system, or a hidden folder: both refuse
            "ForkBomb": "Resource temporarily unavailable",
            "Hog": "MemoryError",
            "Hang": "timeout",  # the 4 s for one call
        }
        jobs = {}
        for cls in attempts:
            params = {"path": str(tmp_path / "owned.txt")} if cls == "Writer" else {}
            jobs[cls] = upload(client, "c", token, tar_of(user_model_dir(cls, params))).json()[
                "job"
            ]
        evaluate_all(client)
        for cls, expected in attempts.items():
            job = client.get(f"/api/jobs/{jobs[cls]}").json()
            assert job["status"] == "failed" and expected in job["reason"], (cls, job)
        assert not (tmp_path / "owned.txt").exists()
        ok = upload(client, "c", token, tar_of(user_model_dir("Secrets"))).json()["job"]
        evaluate_all(client)
        assert client.get(f"/api/jobs/{ok}").json()["status"] == "ok"


def test_an_hf_model_directory_is_evaluated_in_the_sandbox(
    client: TestClient, challenge: str, team_token: str, tmp_path: Path, hf_text_dir: Path
) -> None:
    """`frugalbench train ... --model hf:DIR --out m` makes the directory a team submits."""
    from frugalbench.config import RunConfig
    from frugalbench.harness.runner import train
    from frugalbench.tasks import get_task

    out = tmp_path / "hf-model"
    texts = tmp_path / "train.csv"
    texts.write_text(
        "quote,label\n" + "".join(f'"{q}",{lab}\n' for q, lab in QUOTES) * 2, encoding="utf-8"
    )
    train(get_task("climate-disinfo"), f"hf:{hf_text_dir}", out, str(texts), RunConfig())
    response = upload(client, challenge, team_token, tar_of(out))
    assert response.status_code == 202, response.text
    evaluate_all(client)
    job = client.get(f"/api/jobs/{response.json()['job']}", headers=team(team_token)).json()
    assert job["status"] == "ok", job
    board = client.get(f"/api/challenges/{challenge}/leaderboard").json()
    assert board["rows"] and board["rows"][0]["energy_per_1000_j"] > 0
