"""The server as a user runs it: `frugalbench serve` in its own process (SQLite and the embedded
worker, nothing else started), then `admin`, `submit --wait` and `leaderboard` over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from frugalbench.cli.server import pack
from frugalbench.errors import UserError
from tests.conftest import cli


def test_organise_submit_and_read_the_leaderboard(
    server: str, tmp_path: Path, small_csv: Path
) -> None:
    admin = secret_file(tmp_path / "admin-token", "adm")
    # as the README says: the variable the server reads serves the organiser's commands too
    out = cli("admin", "create-team", "herons", "--server", server,
              env={"FRUGALBENCH_ADMIN_TOKEN": "adm"})  # fmt: skip
    assert out.returncode == 0, out.stderr
    team = secret_file(tmp_path / "team-token", out.stdout.strip().rsplit(" ", 1)[-1])
    out = cli(
        "admin", "create-challenge", "quotes", "--task", "climate-disinfo",
        "--hidden-data", str(small_csv), "--ranking", "stars", "--server", server,
        "--token-file", admin,
    )  # fmt: skip
    assert out.returncode == 0 and "ranking stars" in out.stdout, out.stderr
    model = tmp_path / "model"
    trained = cli("train", "climate-disinfo", "--model", "majority", "--out", str(model),
                  "--idle-s", "0.2")  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    sub = cli("submit", "quotes", str(model), "--server", server, "--token-file", team, "--wait")
    assert sub.returncode == 0 and "ok" in sub.stdout, sub.stdout + sub.stderr
    assert "accuracy 0." in sub.stdout and "per 1,000 inputs" in sub.stdout  # what it scored
    log = (tmp_path / "serve.log").read_text()  # what the organiser watches
    assert '"POST /api/challenges/quotes/submissions HTTP/1.1" 202' in log
    assert "frugalbench.jobs: job 1: started" in log and "frugalbench.jobs: job 1: ok" in log
    csv_path = tmp_path / "board.csv"
    board = cli("leaderboard", "quotes", "--server", server, "--csv", str(csv_path))
    assert board.returncode == 0 and "herons" in board.stdout and "5 stars" in board.stdout
    assert "J / 1,000" in board.stdout and "CO2e / 1,000" in board.stdout  # units in headers
    assert csv_path.read_text().startswith("rank,label,team")


def secret_file(path: Path, token: str) -> str:
    path.write_text(token + "\n")
    path.chmod(0o600)
    return str(path)


def test_secrets_never_go_on_a_command_line(tmp_path: Path) -> None:
    """Any local user reads /proc/<pid>/cmdline: tokens come from a file or the environment,
    and a database or broker URL with a password is refused as an argument."""
    given = cli("admin", "create-team", "x", "--server", "http://127.0.0.1:9", "--token", "s3")
    assert given.returncode == 2 and "No such option" in given.stderr
    for option, url in (
        ("--database", "postgresql+psycopg://fb:s3cret@127.0.0.1/test"),
        ("--broker", "redis://:s3cret@127.0.0.1:6379/0"),
    ):
        worker = cli("worker", option, url, "--data-dir", str(tmp_path))
        assert worker.returncode == 2 and "environment" in worker.stderr, worker.stderr
        assert "Traceback" not in worker.stderr
    none = cli("submit", "c", str(tmp_path), "--server", "http://127.0.0.1:9")
    assert none.returncode == 2 and "--token-file" in none.stderr


def test_server_mistakes_are_one_line_exit_2(server: str, tmp_path: Path) -> None:
    bad = secret_file(tmp_path / "bad-token", "bad")
    wrong = cli("admin", "create-team", "x", "--server", server, "--token-file", bad)
    assert wrong.returncode == 2 and "403" in wrong.stderr and "admin token" in wrong.stderr
    down = cli("leaderboard", "x", "--server", "http://127.0.0.1:9")
    assert down.returncode == 2 and "cannot reach" in down.stderr
    missing = cli("leaderboard", "nope", "--server", server)
    assert missing.returncode == 2 and "no challenge 'nope'" in missing.stderr
    for proc in (wrong, down, missing):
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_pack_refuses_what_the_server_would(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"no frugalbench-model\.json"):
        pack(tmp_path)
    (tmp_path / "frugalbench-model.json").write_text("{}")
    (tmp_path / "link").symlink_to("/etc/passwd")
    with pytest.raises(UserError, match="symlinks cannot be submitted"):
        pack(tmp_path)
