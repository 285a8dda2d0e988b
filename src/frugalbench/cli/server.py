"""The challenge server's commands: ``serve``, ``worker``, ``admin``, ``submit``, ``leaderboard``.

The CLI's start-up imports neither FastAPI nor SQLAlchemy: everything heavy is imported inside the
command that needs it.
"""

from __future__ import annotations

import io
import tarfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from frugalbench.cli.common import Command, console, err
from frugalbench.errors import UserError

app = typer.Typer()
admin = typer.Typer(help="Organiser commands (need the admin token).", no_args_is_help=True)

ServerOpt = Annotated[str, typer.Option("--server", help="server URL, e.g. http://127.0.0.1:8000")]
# A token is a secret: never an argument, which any local user reads in /proc/<pid>/cmdline.
TokenOpt = Annotated[
    Path | None,
    typer.Option(
        "--token-file",
        help="a file holding your token (or set FRUGALBENCH_TOKEN); never the token itself",
    ),
]


def _token(token_file: Path | None, admin: bool = False) -> str:
    """The token from its file, else FRUGALBENCH_TOKEN; an organiser's command also takes
    FRUGALBENCH_ADMIN_TOKEN, the variable the server itself reads."""
    import os

    if token_file is not None:
        try:
            token = token_file.read_text().strip()
        except OSError as exc:
            raise UserError(f"cannot read the token file {token_file} ({exc.strerror})") from None
        if not token:
            raise UserError(f"the token file {token_file} is empty")
        return token
    names = ("FRUGALBENCH_TOKEN", "FRUGALBENCH_ADMIN_TOKEN") if admin else ("FRUGALBENCH_TOKEN",)
    token = next((os.environ[n].strip() for n in names if os.environ.get(n, "").strip()), "")
    if not token:
        raise UserError(
            f"no token: give --token-file FILE or set {' or '.join(names)} (a token on the "
            "command line is readable by every local user, so there is no --token)"
        )
    return token


def _no_password(url: str | None, variable: str) -> None:
    """A password in a URL given as an argument would be readable in the process list."""
    if url is None:
        return
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        password = make_url(url).password if "://" in url else None
    except ArgumentError:
        password = None
    if password or (url.startswith("redis") and "@" in url):
        raise UserError(
            f"the URL holds a password: set {variable} in the environment instead of passing it "
            "as an argument (any local user can read a command line)"
        )


def _need_server_extra() -> None:
    try:
        import fastapi  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError:
        raise UserError("the server needs its extra: pip install 'frugalbench[server]'") from None


def _settings(**overrides: Any) -> Any:
    from frugalbench.web.settings import Settings

    try:
        return Settings.from_env(**overrides)
    except ValueError as exc:
        raise UserError(f"bad server setting: {str(exc).splitlines()[-1]}") from None


@app.command("serve", cls=Command)
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="state folder (FRUGALBENCH_DATA_DIR); default ./frugalbench-data"),
    ] = None,
    workers: Annotated[bool, typer.Option(help="run one evaluation worker in this process")] = True,
    log_level: Annotated[
        str, typer.Option(help="info: every request and job event; warning: problems only")
    ] = "info",
) -> None:
    """Run the challenge server (SQLite and an embedded queue worker unless configured)."""
    _need_server_extra()
    import uvicorn

    _log_to_stderr(log_level)

    from frugalbench.web.app import create_app

    settings = _settings(data_dir=data_dir, embedded_worker=workers)
    app = create_app(settings)
    err.print(
        f"frugalbench server on http://{host}:{port}  database {settings.db_url}  "
        f"queue {settings.queue_url}  embedded worker: {'yes' if workers else 'no'}"
    )
    uvicorn.run(app, host=host, port=port, log_level=log_level)


LOG_LEVELS = ("debug", "info", "warning", "error")


def _log_to_stderr(level: str) -> None:
    """Job events (started, ok, failed with the reason) on stderr, timestamped like uvicorn's."""
    import logging

    if level not in LOG_LEVELS:
        raise UserError(f"--log-level {level!r}: choose {', '.join(LOG_LEVELS)}")
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@app.command("worker", cls=Command)
def worker(
    broker: Annotated[
        str | None, typer.Option(help="queue URL (FRUGALBENCH_BROKER_URL): redis://HOST:6379/0")
    ] = None,
    database: Annotated[
        str | None, typer.Option(help="database URL (FRUGALBENCH_DATABASE_URL)")
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="state folder (FRUGALBENCH_DATA_DIR)")
    ] = None,
) -> None:
    """An evaluation worker: takes one job at a time from the queue until interrupted."""
    _need_server_extra()
    import threading

    from frugalbench.web.db import make_engine, make_sessionmaker, migrate
    from frugalbench.web.queue import EvaluationQueue

    _no_password(database, "FRUGALBENCH_DATABASE_URL")
    _no_password(broker, "FRUGALBENCH_BROKER_URL")
    _log_to_stderr("info")
    settings = _settings(broker_url=broker, database_url=database, data_dir=data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.db_url)
    queue = EvaluationQueue(settings, make_sessionmaker(make_engine(settings.db_url)))
    err.print(escape(f"worker: queue {settings.queue_url}, database {settings.db_url}"))
    stop = threading.Event()
    try:
        queue.work(stop)
    except KeyboardInterrupt:
        stop.set()


def _client(server: str, token: str | None = None) -> Any:
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=server.rstrip("/"), headers=headers, timeout=120)


def _call(server: str, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
    import httpx

    try:
        with _client(server, token) as client:
            response = client.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        raise UserError(f"cannot reach {server} ({exc}); is `frugalbench serve` running?") from None
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail")
        except ValueError:
            detail = response.text[:200]
        raise UserError(f"the server refused ({response.status_code}): {detail}")
    return response.json() if "json" in response.headers.get("content-type", "") else response.text


@admin.command("create-team", cls=Command)
def create_team(
    name: Annotated[str, typer.Argument(metavar="TEAM", help="the team's name")],
    server: ServerOpt,
    token_file: TokenOpt = None,
) -> None:
    """Create a team and print its token (shown once)."""
    body = _call(server, "POST", "/api/teams", _token(token_file, admin=True), json={"name": name})
    console.print(escape(f"team {body['team']}: token {body['token']}"))


@admin.command("create-challenge", cls=Command)
def create_challenge(
    slug: Annotated[str, typer.Argument(metavar="SLUG", help="the challenge's short name")],
    task: Annotated[str, typer.Option(help="task name")],
    hidden_data: Annotated[str, typer.Option(help="hidden evaluation data, a path on the server")],
    server: ServerOpt,
    token_file: TokenOpt = None,
    ranking: Annotated[str, typer.Option(help="pareto, threshold, bands or stars")] = "pareto",
    min_accuracy: Annotated[float | None, typer.Option(help="for --ranking threshold")] = None,
    band_width: Annotated[float | None, typer.Option(help="for --ranking bands")] = None,
) -> None:
    """Create a challenge from a task and a hidden data file the server can read."""
    params = {
        k: v for k, v in (("min_accuracy", min_accuracy), ("width", band_width)) if v is not None
    }
    body = _call(
        server,
        "POST",
        "/api/challenges",
        _token(token_file, admin=True),
        json={
            "slug": slug,
            "task": task,
            "hidden_data": hidden_data,
            "ranking": ranking,
            "ranking_params": params,
        },
    )
    console.print(escape(f"challenge {body['slug']} ({body['task']}, ranking {body['ranking']})"))


def pack(directory: Path) -> bytes:
    """The model directory as a .tar.gz (what the server unpacks), symlinks refused here too."""
    from frugalbench.models.directory import MANIFEST

    if not (directory / MANIFEST).is_file():
        raise UserError(f"{directory}: no {MANIFEST}; give the folder `frugalbench train` wrote")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(directory.rglob("*")):
            if path.is_symlink():
                raise UserError(f"{path}: symlinks cannot be submitted; copy the file instead")
            if "__pycache__" in path.parts:
                continue
            tar.add(path, arcname=str(path.relative_to(directory)), recursive=False)
    return buffer.getvalue()


@app.command("submit", cls=Command)
def submit(
    challenge: Annotated[str, typer.Argument(metavar="CHALLENGE", help="its slug")],
    directory: Annotated[Path, typer.Argument(metavar="MODEL_DIR", help="a model directory")],
    server: ServerOpt,
    token_file: TokenOpt = None,
    name: Annotated[str | None, typer.Option(help="a name for the submission")] = None,
    wait: Annotated[
        bool, typer.Option(help="wait for the evaluation and print its outcome")
    ] = False,
    wait_s: Annotated[float, typer.Option(help="longest wait with --wait")] = 3600.0,
) -> None:
    """Upload a model directory to a challenge; prints the job and, with --wait, its outcome."""
    token = _token(token_file)
    archive = pack(directory)
    body = _call(
        server,
        "POST",
        f"/api/challenges/{challenge}/submissions",
        token,
        files={"archive": (f"{directory.name}.tar.gz", archive, "application/gzip")},
        data={"name": name} if name else {},
    )
    console.print(
        f"submission {body['submission']}, job {body['job']} ({body['status']}): "
        f"{server.rstrip('/')}{body['job_url']}"
    )
    if not wait:
        return
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        job = _call(server, "GET", f"/api/jobs/{body['job']}", token)
        if job["status"] in ("ok", "failed"):
            console.print(
                f"job {job['id']}: {job['status']}"
                + (f" ({job['reason']})" if job["reason"] else "")
            )
            if job["status"] == "failed":
                raise typer.Exit(1)
            detail = _call(server, "GET", f"/api/submissions/{body['submission']}", token)
            console.print(escape(outcome_line(detail.get("result") or {})))
            return
        time.sleep(1.0)
    raise UserError(f"job {body['job']} not finished after {wait_s:g} s; check {body['job_url']}")


def outcome_line(result: dict[str, Any]) -> str:
    """What the evaluation found: the scores the challenge shows, and the energy behind them."""
    from frugalbench.units import format_energy, format_mass

    scores = result.get("scores") or {}
    shown = [
        f"{k} {v:.4f}" for k, v in scores.items() if isinstance(v, int | float) and k != "n_inputs"
    ]
    energy = ((result.get("per_1000_inputs") or {}).get("energy_j") or {}).get("median")
    emissions = (result.get("emissions") or {}).get("per_1000_inputs_g")
    parts = [", ".join(shown) or "no scores shown"]
    if energy is not None:
        parts.append(f"inference {format_energy(energy)} per 1,000 inputs")
    if emissions is not None:
        parts.append(format_mass(emissions))
    return "; ".join(parts)


@app.command("leaderboard", cls=Command)
def leaderboard(
    challenge: Annotated[str, typer.Argument(metavar="CHALLENGE", help="its slug")],
    server: ServerOpt,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="also write CSV here")] = None,
) -> None:
    """Print a challenge's leaderboard."""
    from rich.table import Table

    from frugalbench.units import Column

    body = _call(server, "GET", f"/api/challenges/{challenge}/leaderboard")
    c = body["challenge"]
    table = Table(title=f"{c['slug']} ({c['task']}, ranking {c['ranking']})", title_justify="left")
    energy = Column([r["energy_per_1000_j"] for r in body["rows"]], "J")
    emissions = Column([r["emissions_per_1000_g"] for r in body["rows"]], "g")
    headers = ("#", "team", "submission", "rank", "accuracy",
               f"{energy.unit} / 1,000", f"{emissions.unit} / 1,000", "submitted")  # fmt: skip
    for col in headers:
        table.add_column(col)
    for r in body["rows"]:
        table.add_row(
            escape(str(r["rank"] if r["rank"] is not None else "")),
            escape(r["team"]),
            escape(r["name"]),
            escape(r["label"]),
            f"{r['accuracy']:.4f}",
            energy(r["energy_per_1000_j"]),
            emissions(r["emissions_per_1000_g"]),
            r["submitted_at"][:16],
        )
    console.print(table)
    if csv_out:
        csv_out.write_text(
            _call(server, "GET", f"/api/challenges/{challenge}/leaderboard?format=csv")
        )


app.add_typer(admin, name="admin")
