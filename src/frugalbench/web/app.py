"""``create_app(settings)``: the HTTP API and the server-rendered pages.

API (JSON; errors are ``{"detail": "one line"}`` with a 4xx status):
    POST /api/teams                              admin: a team and its token (shown once)
    POST /api/challenges                         admin: a challenge from a task and hidden data
    GET  /api/challenges                         the challenges
    POST /api/challenges/{slug}/submissions      team: upload a model directory archive
    GET  /api/challenges/{slug}/leaderboard      ranked rows (``?format=csv`` for CSV)
    GET  /api/submissions/{id}                   a submission, its job and its result
    GET  /api/jobs/{id}                          a job's status
Pages: ``/``, ``/challenges/{slug}``, ``/challenges/{slug}/submit``, ``/submissions/{id}``,
``/jobs/{id}``.
"""

from __future__ import annotations

import csv
import io
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Form, Header, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from frugalbench.errors import UnknownNameError, UserError
from frugalbench.web.db import Challenge, Job, Submission, Team, make_engine, make_sessionmaker
from frugalbench.web.settings import Settings

TEMPLATES = Path(__file__).with_name("templates")


class ChallengeIn(BaseModel):
    slug: str
    task: str
    hidden_data: str
    ranking: str = "pareto"
    ranking_params: dict[str, float] = {}
    opens_at: datetime | None = None
    closes_at: datetime | None = None


class TeamIn(BaseModel):
    name: str


def bearer(authorization: Annotated[str | None, Header()] = None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.factory() as session:
        yield session


Db = Annotated[Session, Depends(get_session)]
Token = Annotated[str | None, Depends(bearer)]


def create_app(settings: Settings, queue: Any = None, start_worker: bool | None = None) -> FastAPI:
    """The application over the database and queue that ``settings`` name.

    The database is migrated on start. With ``start_worker`` (default: ``settings.embedded_worker``)
    one evaluation worker runs inside the server process, so the quick start needs nothing else.
    """
    from frugalbench.web import service
    from frugalbench.web.db import migrate
    from frugalbench.web.queue import EvaluationQueue

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.data_dir.chmod(0o700)
    migrate(settings.db_url)
    engine = make_engine(settings.db_url)
    factory = make_sessionmaker(engine)
    queue = queue or EvaluationQueue(settings, factory)
    embedded = settings.embedded_worker if start_worker is None else start_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = queue.start_thread() if embedded else None
        try:
            yield
        finally:
            if worker is not None:
                worker[1].set()
                worker[0].join(timeout=5)
            engine.dispose()

    app = FastAPI(title="frugalbench challenge server", lifespan=lifespan)
    app.state.settings = settings
    app.state.queue = queue
    app.state.factory = factory
    templates = Jinja2Templates(directory=str(TEMPLATES))

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> JSONResponse:
        code = 422
        if isinstance(exc, service.NotFound | UnknownNameError):
            code = 404
        elif isinstance(exc, service.Unauthorized):
            code = 401
        elif isinstance(exc, Forbidden):
            code = 403
        elif isinstance(exc, TooLarge):
            code = 413
        elif isinstance(exc, Unavailable):
            code = 503
        return JSONResponse({"detail": str(exc)}, status_code=code)

    def require_admin(token: str | None) -> None:
        if not settings.admin_token:
            raise Forbidden("no admin token is configured (set FRUGALBENCH_ADMIN_TOKEN)")
        if not service.is_admin(settings, token):
            raise Forbidden("this needs the admin token")

    # --- API ------------------------------------------------------------------------------

    @app.post("/api/teams", status_code=201)
    def create_team(body: TeamIn, session: Db, token: Token) -> dict[str, Any]:
        require_admin(token)
        team, team_token = service.create_team(session, body.name)
        return {"team": team.name, "id": team.id, "token": team_token}

    @app.post("/api/challenges", status_code=201)
    def create_challenge(body: ChallengeIn, session: Db, token: Token) -> dict[str, Any]:
        require_admin(token)
        challenge = service.create_challenge(
            session,
            body.slug,
            body.task,
            body.hidden_data,
            body.ranking,
            body.ranking_params,
            body.opens_at,
            body.closes_at,
        )
        return challenge_json(challenge)

    @app.get("/api/challenges")
    def list_challenges(session: Db) -> list[dict[str, Any]]:
        return [
            challenge_json(c) for c in session.scalars(select(Challenge).order_by(Challenge.id))
        ]

    @app.post("/api/challenges/{slug}/submissions", status_code=202)
    def submit(
        slug: str,
        session: Db,
        token: Token,
        archive: Annotated[UploadFile, File()],
        name: Annotated[str | None, Form()] = None,
    ) -> dict[str, Any]:
        team = service.team_for_token(session, token)
        challenge = service.get_challenge(session, slug)
        available, why = service.isolation_cached()
        if not available and not settings.allow_unsandboxed:
            raise Unavailable(
                f"this server cannot sandbox submissions ({why}); the admin may allow "
                "unsandboxed evaluation of trusted submissions with FRUGALBENCH_ALLOW_UNSANDBOXED=1"
            )
        with tempfile.TemporaryDirectory(prefix="fb-upload-") as tmp:
            path = Path(tmp) / "upload"
            size = 0
            with path.open("wb") as out:
                while chunk := archive.file.read(1 << 20):
                    size += len(chunk)
                    if size > settings.max_upload_bytes:
                        raise TooLarge(
                            f"the upload is over the limit of {settings.max_upload_bytes} bytes"
                        )
                    out.write(chunk)
            submission, job = service.store_submission(
                session, settings, challenge, team, archive.filename or "upload", path, name
            )
        queue.enqueue(job.id)
        return {
            "submission": submission.id,
            "job": job.id,
            "status": job.status,
            "job_url": f"/jobs/{job.id}",
            "submission_url": f"/submissions/{submission.id}",
        }

    def render_board(challenge: Challenge, rows: list[dict[str, Any]]) -> bytes:
        from frugalbench.charts import Point, pareto_svg

        points = [
            Point(
                f"{r['team']}/{r['name']}",
                r["energy_per_1000_j"],
                r["accuracy"],
                r["pareto_rank"] == 1,
                r["energy_ci95_low_j"],
                r["energy_ci95_high_j"],
            )
            for r in rows
            if r["energy_per_1000_j"]
        ]
        template = templates.get_template("challenge.html")
        return template.render(challenge=challenge, rows=rows, plot=pareto_svg(points)).encode()

    boards = LeaderboardCache(factory, render_board, settings.leaderboard_fresh_s)
    app.state.boards = boards

    @app.get("/api/challenges/{slug}/leaderboard", response_model=None)
    def leaderboard(slug: str, format: str = "json") -> Response:
        if format not in ("json", "csv"):
            raise UserError("format is json or csv")
        board = boards.get(slug)
        if format == "csv":
            return PlainTextResponse(rows_csv(board.rows), media_type="text/csv")
        return Response(board.json, media_type="application/json")

    @app.get("/api/submissions/{submission_id}")
    def submission_detail(submission_id: int, session: Db) -> dict[str, Any]:
        submission, job, team, challenge = submission_parts(session, submission_id)
        return {
            "id": submission.id,
            "name": submission.name,
            "team": team.name,
            "challenge": challenge.slug,
            "submitted_at": submission.submitted_at.isoformat(),
            "size_bytes": submission.size_bytes,
            "manifest": submission.manifest,
            "job": job_json(job),
            "result": job.result,
        }

    @app.get("/api/jobs/{job_id}")
    def job_status(job_id: int, session: Db) -> dict[str, Any]:
        job = session.get(Job, job_id)
        if job is None:
            raise service.NotFound(f"no job {job_id}")
        return job_json(job)

    # --- pages ------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request, session: Db) -> Response:
        challenges = session.scalars(select(Challenge).order_by(Challenge.id)).all()
        return templates.TemplateResponse(request, "home.html", {"challenges": challenges})

    @app.get("/challenges/{slug}", response_class=HTMLResponse)
    def challenge_page(slug: str) -> Response:
        return HTMLResponse(boards.get(slug).html)

    @app.get("/challenges/{slug}/submit", response_class=HTMLResponse)
    def submit_page(slug: str, request: Request, session: Db) -> Response:
        challenge = service.get_challenge(session, slug)
        return templates.TemplateResponse(request, "submit.html", {"challenge": challenge})

    @app.get("/submissions/{submission_id}", response_class=HTMLResponse)
    def submission_page(submission_id: int, request: Request, session: Db) -> Response:
        from frugalbench.charts import bars_svg

        submission, job, team, challenge = submission_parts(session, submission_id)
        phases = (job.result or {}).get("phases", {})
        bars = bars_svg([(name, p["energy_j"]["median"]) for name, p in phases.items()])
        return templates.TemplateResponse(
            request,
            "submission.html",
            {
                "submission": submission,
                "job": job,
                "team": team,
                "challenge": challenge,
                "phases": phases,
                "bars": bars if phases else "",
                "result": job.result,
            },
        )

    @app.get("/jobs/{job_id}", response_class=HTMLResponse)
    def job_page(job_id: int, request: Request, session: Db) -> Response:
        job = session.get(Job, job_id)
        if job is None:
            raise service.NotFound(f"no job {job_id}")
        return templates.TemplateResponse(request, "job.html", {"job": job})

    return app


class Forbidden(UserError):
    pass


class TooLarge(UserError):
    pass


class Unavailable(UserError):
    pass


def challenge_json(c: Challenge) -> dict[str, Any]:
    return {
        "slug": c.slug,
        "task": c.task,
        "ranking": c.ranking,
        "ranking_params": c.ranking_params,
        "opens_at": c.opens_at.isoformat() if c.opens_at else None,
        "closes_at": c.closes_at.isoformat() if c.closes_at else None,
    }


def job_json(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "submission": job.submission_id,
        "status": job.status,
        "attempts": job.attempts,
        "reason": job.reason,
        "queued_at": job.queued_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def submission_parts(
    session: Session, submission_id: int
) -> tuple[Submission, Job, Team, Challenge]:
    from frugalbench.web.service import NotFound

    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(f"no submission {submission_id}")
    job = session.scalars(
        select(Job).where(Job.submission_id == submission.id).order_by(Job.id.desc())
    ).first()
    team = session.get(Team, submission.team_id)
    challenge = session.get(Challenge, submission.challenge_id)
    assert job is not None and team is not None and challenge is not None
    return submission, job, team, challenge


LEADERBOARD_COLUMNS = (
    "rank",
    "label",
    "team",
    "name",
    "accuracy",
    "scores",
    "energy_per_1000_j",
    "energy_ci95_low_j",
    "energy_ci95_high_j",
    "method",
    "emissions_per_1000_g",
    "size_bytes",
    "submitted_at",
    "submission",
    "pareto_rank",
)


def leaderboard_rows(session: Session, challenge: Challenge) -> list[dict[str, Any]]:
    """Evaluated submissions of a challenge, ranked by its rule (failed ones are not ranked)."""
    from frugalbench.leaderboard import Entry, rank

    found = session.execute(
        select(Submission, Job, Team)
        .join(Job, Job.submission_id == Submission.id)
        .join(Team, Team.id == Submission.team_id)
        .where(Submission.challenge_id == challenge.id, Job.status == "ok")
    ).all()
    by_key: dict[str, dict[str, Any]] = {}
    for submission, job, team in found:
        result = job.result or {}
        per = result.get("per_1000_inputs") or {}
        energy = per.get("energy_j") or {}
        inference = (result.get("phases") or {}).get("inference") or {}
        scores = result.get("scores") or {}
        emissions = result.get("emissions") or {}
        by_key[str(submission.id)] = {
            "team": team.name,
            "name": submission.name,
            "accuracy": scores.get("accuracy"),
            "scores": {
                k: v for k, v in scores.items() if isinstance(v, int | float) and k != "n_inputs"
            },
            "energy_per_1000_j": energy.get("median"),
            "energy_ci95_low_j": energy.get("ci95_low"),
            "energy_ci95_high_j": energy.get("ci95_high"),
            "method": "; ".join(
                f"{c}: {m.get('kind', '')} by {m.get('backend', '')}"
                for c, m in (inference.get("methods") or {}).items()
            ),
            "emissions_per_1000_g": emissions.get("per_1000_inputs_g"),
            "size_bytes": submission.size_bytes,
            "submitted_at": submission.submitted_at.isoformat(),
            "submission": submission.id,
        }
    entries = [
        Entry(k, float(r["accuracy"] or 0.0), float(r["energy_per_1000_j"] or float("inf")))
        for k, r in by_key.items()
    ]
    params = {k: float(v) for k, v in challenge.ranking_params.items() if k != "n_inputs"}
    ranked = rank(entries, challenge.ranking, **params)
    return [
        {"rank": r.rank, "label": r.label, "pareto_rank": r.pareto_rank, **by_key[r.key]}
        for r in ranked
    ]


@dataclass
class Board:
    version: Any
    checked_at: float
    rows: list[dict[str, Any]]
    json: bytes
    html: bytes


class LeaderboardCache:
    """A challenge's ranked rows, their JSON and their page, rebuilt only when its finished jobs
    change, whichever process finished them. Whether they changed is asked of the database at
    most every ``fresh_s`` seconds (a leaderboard may lag a job by that much), so a busy
    leaderboard costs no query per request."""

    def __init__(
        self,
        factory: Any,
        render: Callable[[Challenge, list[dict[str, Any]]], bytes],
        fresh_s: float = 1.0,
    ) -> None:
        self.factory = factory
        self.render = render
        self.fresh_s = fresh_s
        self._boards: dict[str, Board] = {}
        self._lock = threading.Lock()

    def get(self, slug: str) -> Board:
        import json

        from sqlalchemy import func

        from frugalbench.web.service import get_challenge

        board = self._boards.get(slug)
        now = time.monotonic()
        if board is not None and now - board.checked_at < self.fresh_s:
            return board
        with self._lock, self.factory() as session:
            challenge = get_challenge(session, slug)
            version = (
                *session.execute(
                    select(func.count(Job.id), func.max(Job.finished_at))
                    .join(Submission, Submission.id == Job.submission_id)
                    .where(Submission.challenge_id == challenge.id, Job.status == "ok")
                ).one(),
                challenge.ranking,
                json.dumps(challenge.ranking_params, sort_keys=True),
            )
            if board is None or board.version != version:
                rows = leaderboard_rows(session, challenge)
                body = json.dumps({"challenge": challenge_json(challenge), "rows": rows})
                board = Board(version, now, rows, body.encode(), self.render(challenge, rows))
            else:
                board.checked_at = now
            self._boards[slug] = board
            return board


def rows_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(LEADERBOARD_COLUMNS), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {**row, "scores": " ".join(f"{k}={v:.4f}" for k, v in row["scores"].items())}
        )
    return buffer.getvalue()
