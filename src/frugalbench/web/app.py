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

import contextlib
import csv
import io
import re
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Cookie, Depends, FastAPI, Header, Request
from fastapi import Path as FastApiPath
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as StarletteUpload

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


def page_token(
    authorization: Annotated[str | None, Header()] = None,
    fb_token: Annotated[str | None, Cookie()] = None,
) -> str | None:
    """Pages take the bearer header, or the ``fb_token`` cookie a browser keeps."""
    return bearer(authorization) or fb_token


Db = Annotated[Session, Depends(get_session)]
Token = Annotated[str | None, Depends(bearer)]
PageToken = Annotated[str | None, Depends(page_token)]
# ids beyond the database's integers are a client's mistake (422), not a server error
Id = Annotated[int, FastApiPath(ge=1, le=2**31 - 1)]
FORM_OVERHEAD_BYTES = 64 * 1024


class ChallengeRules(BaseModel):
    """What the admin may change on a running challenge."""

    published: bool | None = None
    max_submissions_per_day: int | None = Field(None, ge=0)
    flagged_rule: Literal["rerun", "unranked"] | None = None


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
        elif isinstance(exc, service.TooMany):
            code = 429
        return JSONResponse({"detail": scrub_paths(str(exc), settings)}, status_code=code)

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
    async def submit(slug: str, request: Request, token: Token) -> dict[str, Any]:
        """Who, where and how large are checked before a byte of the body is read; the body is
        then parsed as it streams, and stops at the size limit."""
        from starlette.concurrency import run_in_threadpool

        with factory() as session:
            team = service.team_for_token(session, token)
            challenge = service.get_challenge(session, slug)
            service.check_daily_limit(session, challenge, team)
        available, why = service.isolation_cached()
        if not available and not settings.allow_unsandboxed:
            raise Unavailable(
                f"this server cannot sandbox submissions ({why}); the admin may allow "
                "unsandboxed evaluation of trusted submissions with FRUGALBENCH_ALLOW_UNSANDBOXED=1"
            )
        form = await read_upload(request, settings.max_upload_bytes)
        archive, name = form.get("archive"), form.get("name")
        if not isinstance(archive, StarletteUpload):
            raise UserError("send the model archive as the form field 'archive'")
        try:
            with tempfile.TemporaryDirectory(prefix="fb-upload-") as tmp:
                path = Path(tmp) / "upload"
                path.write_bytes(await archive.read())
                submission_id, job_id = await run_in_threadpool(
                    store, team.id, challenge.id, archive.filename or "upload", path, name
                )
        finally:
            await form.close()
        queue.enqueue(job_id)
        return {
            "submission": submission_id,
            "job": job_id,
            "status": "queued",
            "job_url": f"/jobs/{job_id}",
            "submission_url": f"/submissions/{submission_id}",
        }

    def store(
        team_id: int, challenge_id: int, filename: str, path: Path, name: Any
    ) -> tuple[int, int]:
        with factory() as session:
            team, challenge = session.get(Team, team_id), session.get(Challenge, challenge_id)
            assert team is not None and challenge is not None
            submission, job = service.store_submission(
                session,
                settings,
                challenge,
                team,
                filename,
                path,
                name if isinstance(name, str) else None,
            )
            return submission.id, job.id

    @app.patch("/api/challenges/{slug}")
    def update_challenge(
        slug: str, body: ChallengeRules, session: Db, token: Token
    ) -> dict[str, Any]:
        require_admin(token)
        challenge = service.get_challenge(session, slug)
        for key, value in body.model_dump(exclude_none=True).items():
            setattr(challenge, key, value)
        session.commit()
        return challenge_json(challenge)

    def render_board(challenge: Challenge, rows: list[dict[str, Any]]) -> bytes:
        from frugalbench.present.charts import Point, pareto_svg

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
            if r["energy_per_1000_j"] and r["rank"] is not None
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

    def visible_parts(
        session: Session, submission_id: int, token: str | None
    ) -> tuple[Submission, Job, Team, Challenge]:
        """A submission for whoever may see it: everyone once its challenge publishes results,
        before that its own team and the admin; to others it does not exist."""
        parts = submission_parts(session, submission_id)
        _, _, team, challenge = parts
        if challenge.published or service.is_admin(settings, token):
            return parts
        with contextlib.suppress(service.Unauthorized):
            if service.team_for_token(session, token).id == team.id:
                return parts
        raise service.NotFound(
            f"no submission {submission_id} (results are private to their team until the "
            "challenge publishes them)"
        )

    @app.get("/api/submissions/{submission_id}")
    def submission_detail(submission_id: Id, session: Db, token: PageToken) -> dict[str, Any]:
        submission, job, team, challenge = visible_parts(session, submission_id, token)
        return {
            "id": submission.id,
            "name": submission.name,
            "team": team.name,
            "challenge": challenge.slug,
            "submitted_at": submission.submitted_at.isoformat(),
            "size_bytes": submission.size_bytes,
            "manifest": submission.manifest,
            "job": job_json(job, challenge),
            "result": public_result(job.result, challenge),
        }

    def visible_job(session: Session, job_id: int, token: str | None) -> tuple[Job, Challenge]:
        job = session.get(Job, job_id)
        if job is None:
            raise service.NotFound(f"no job {job_id}")
        try:
            _, _, _, challenge = visible_parts(session, job.submission_id, token)
        except service.NotFound:
            raise service.NotFound(f"no job {job_id}") from None
        return job, challenge

    @app.get("/api/jobs/{job_id}")
    def job_status(job_id: Id, session: Db, token: PageToken) -> dict[str, Any]:
        job, challenge = visible_job(session, job_id, token)
        return job_json(job, challenge)

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
    def submission_page(
        submission_id: Id, request: Request, session: Db, token: PageToken
    ) -> Response:
        from frugalbench.present.charts import bars_svg

        submission, job, team, challenge = visible_parts(session, submission_id, token)
        result = public_result(job.result, challenge)
        phases = (result or {}).get("phases", {})
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
                "result": result,
                "reason": public_reason(job.reason, challenge),
            },
        )

    @app.get("/jobs/{job_id}", response_class=HTMLResponse)
    def job_page(job_id: Id, request: Request, session: Db, token: PageToken) -> Response:
        job, challenge = visible_job(session, job_id, token)
        reason = public_reason(job.reason, challenge)
        return templates.TemplateResponse(request, "job.html", {"job": job, "reason": reason})

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
        "published": c.published,
        "max_submissions_per_day": c.max_submissions_per_day,
        "flagged_rule": c.flagged_rule,
    }


def job_json(job: Job, challenge: Challenge) -> dict[str, Any]:
    return {
        "id": job.id,
        "submission": job.submission_id,
        "status": job.status,
        "attempts": job.attempts,
        "reason": public_reason(job.reason, challenge),
        "queued_at": job.queued_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


# Per class, per group or per input, or text the model chose: withheld until results are
# published, since a model can encode hidden labels in its predictions (read back from a confusion
# matrix or from small groups' scores) or quote hidden inputs in its own figures and errors.
PER_INPUT_SCORES = ("confusion_matrix", "per_class_recall", "by_group")
WITHHELD = "withheld until the challenge publishes results"
_MODEL_TEXT = re.compile(
    r"(the model raised [\w.]+|the model returned unknown label\(s\)|the worker sent a bad reply)"
    r".*",
    re.DOTALL,
)


def public_result(result: dict[str, Any] | None, challenge: Challenge) -> dict[str, Any] | None:
    """A stored result as anyone may see it: whole once published, else without anything per
    input or per class of the hidden set and without the model's own figures."""
    if result is None or challenge.published:
        return result
    shown = {**result, "model": {**(result.get("model") or {})}}
    shown["model"].pop("inference_stats", None)
    if result.get("scores"):
        shown["scores"] = {
            k: (WITHHELD if k in PER_INPUT_SCORES else v) for k, v in result["scores"].items()
        }
    if result.get("failure"):
        failure = dict(result["failure"])
        failure["reason"] = public_reason(failure.get("reason"), challenge)
        shown["failure"] = failure
    return shown


def public_reason(reason: str | None, challenge: Challenge) -> str | None:
    """A failure reason without the model's own words (they may quote hidden inputs) until
    the challenge publishes results; the harness's own wording stays."""
    if reason is None or challenge.published:
        return reason
    return _MODEL_TEXT.sub(lambda m: f"{m.group(1)} (its text is {WITHHELD})", reason)


def scrub_paths(message: str, settings: Settings) -> str:
    """Error messages never show where the server keeps things."""
    import tempfile

    for folder, name in (
        (str(settings.data_dir.resolve()), "<server data>"),
        (tempfile.gettempdir(), "<server tmp>"),
    ):
        message = message.replace(folder, name)
    return message


async def read_upload(request: Request, max_bytes: int) -> FormData:
    """The multipart body, parsed as it arrives; ``TooLarge`` as soon as it passes the limit
    (the declared length is checked before anything is read)."""
    from starlette.formparsers import MultiPartException, MultiPartParser

    limit = max_bytes + FORM_OVERHEAD_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the upload is over the limit of {max_bytes} bytes")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UserError("send the model archive as multipart/form-data, field 'archive'")

    async def capped() -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > limit:
                raise TooLarge(f"the upload is over the limit of {max_bytes} bytes")
            yield chunk

    parser = MultiPartParser(request.headers, capped(), max_files=1, max_fields=2)  # type: ignore[arg-type]
    try:
        return await parser.parse()
    except MultiPartException as exc:
        raise UserError(f"the upload is not a valid form ({exc.message})") from None


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
    "flags",
)


def leaderboard_rows(session: Session, challenge: Challenge) -> list[dict[str, Any]]:
    """Evaluated submissions of a challenge, ranked by its rule (failed ones are not ranked)."""
    from frugalbench.leaderboard import Entry, rank
    from frugalbench.web.service import flagged

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
            "flags": flagged(result),
        }
    entries = [
        Entry(k, float(r["accuracy"] or 0.0), float(r["energy_per_1000_j"] or float("inf")))
        for k, r in by_key.items()
        if not r["flags"]
    ]
    params = {k: float(v) for k, v in challenge.ranking_params.items() if k != "n_inputs"}
    ranked = rank(entries, challenge.ranking, **params)
    # a measurement that stayed disturbed is shown with its flags, never ranked
    unranked = [
        {"rank": None, "label": f"unranked: {', '.join(r['flags'])}", "pareto_rank": None, **r}
        for r in by_key.values()
        if r["flags"]
    ]
    return [
        {"rank": r.rank, "label": r.label, "pareto_rank": r.pareto_rank, **by_key[r.key]}
        for r in ranked
    ] + unranked


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
        cells = {
            **row,
            "scores": " ".join(f"{k}={v:.4f}" for k, v in row["scores"].items()),
            "flags": " ".join(row.get("flags") or ()),
        }
        writer.writerow({k: csv_cell(v) for k, v in cells.items()})
    return buffer.getvalue()


def csv_cell(value: Any) -> Any:
    """A spreadsheet runs a cell that starts with = + - @ (or a tab or CR) as a formula: a
    team name like ``=HYPERLINK(...)`` is quoted with a leading apostrophe instead."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value
