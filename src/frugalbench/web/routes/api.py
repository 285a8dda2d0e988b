"""The JSON API (errors are ``{"detail": "one line"}`` with a 4xx status).

POST  /api/teams                              admin: a team and its token (shown once)
POST  /api/challenges                         admin: a challenge from a task and hidden data
PATCH /api/challenges/{slug}                  admin: publish, daily limit, flagged rule
GET   /api/challenges                         the challenges
POST  /api/challenges/{slug}/submissions      team: upload a model directory archive
GET   /api/challenges/{slug}/leaderboard      ranked rows (``?format=csv`` for CSV)
GET   /api/submissions/{id}                   a submission, its job and its result
GET   /api/jobs/{id}                          a job's status
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.datastructures import UploadFile as StarletteUpload

from frugalbench.errors import UserError
from frugalbench.web import service
from frugalbench.web.board import rows_csv
from frugalbench.web.db import Challenge, Team
from frugalbench.web.deps import (
    Admin,
    Db,
    Id,
    PageToken,
    Token,
    get_settings,
    read_upload,
    visible_job,
    visible_parts,
)
from frugalbench.web.errors import Unavailable
from frugalbench.web.public import challenge_json, job_json, public_result
from frugalbench.web.settings import Settings

router = APIRouter(prefix="/api")
SettingsDep = Annotated[Settings, Depends(get_settings)]


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


class ChallengeRules(BaseModel):
    """What the admin may change on a running challenge."""

    published: bool | None = None
    max_submissions_per_day: int | None = Field(None, ge=0)
    flagged_rule: Literal["rerun", "unranked"] | None = None


@router.post("/teams", status_code=201, dependencies=[Admin])
def create_team(body: TeamIn, session: Db) -> dict[str, Any]:
    team, team_token = service.create_team(session, body.name)
    return {"team": team.name, "id": team.id, "token": team_token}


@router.post("/challenges", status_code=201, dependencies=[Admin])
def create_challenge(body: ChallengeIn, session: Db) -> dict[str, Any]:
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


@router.get("/challenges")
def list_challenges(session: Db) -> list[dict[str, Any]]:
    return [challenge_json(c) for c in session.scalars(select(Challenge).order_by(Challenge.id))]


@router.patch("/challenges/{slug}", dependencies=[Admin])
def update_challenge(slug: str, body: ChallengeRules, session: Db) -> dict[str, Any]:
    challenge = service.get_challenge(session, slug)
    for key, value in body.model_dump(exclude_none=True).items():
        setattr(challenge, key, value)
    session.commit()
    return challenge_json(challenge)


@router.post("/challenges/{slug}/submissions", status_code=202)
async def submit(
    slug: str, request: Request, token: Token, settings: SettingsDep
) -> dict[str, Any]:
    """Who, where and how large are checked before a byte of the body is read; the body is
    then parsed as it streams, and stops at the size limit."""
    from starlette.concurrency import run_in_threadpool

    factory = request.app.state.factory
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
            filename = archive.filename or "upload"
            label = name if isinstance(name, str) else None
            submission_id, job_id = await run_in_threadpool(
                _store, factory, settings, team.id, challenge.id, filename, path, label
            )
    finally:
        await form.close()
    request.app.state.queue.enqueue(job_id)
    return {
        "submission": submission_id,
        "job": job_id,
        "status": "queued",
        "job_url": f"/jobs/{job_id}",
        "submission_url": f"/submissions/{submission_id}",
    }


def _store(
    factory: Any,
    settings: Settings,
    team_id: int,
    challenge_id: int,
    filename: str,
    path: Path,
    name: str | None,
) -> tuple[int, int]:
    with factory() as session:
        team, challenge = session.get(Team, team_id), session.get(Challenge, challenge_id)
        assert team is not None and challenge is not None
        submission, job = service.store_submission(
            session, settings, challenge, team, filename, path, name
        )
        return submission.id, job.id


@router.get("/challenges/{slug}/leaderboard", response_model=None)
def leaderboard(slug: str, request: Request, format: str = "json") -> Response:
    if format not in ("json", "csv"):
        raise UserError("format is json or csv")
    board = request.app.state.boards.get(slug)
    if format == "csv":
        return PlainTextResponse(rows_csv(board.rows), media_type="text/csv")
    return Response(board.json, media_type="application/json")


@router.get("/submissions/{submission_id}")
def submission_detail(
    submission_id: Id, session: Db, token: PageToken, settings: SettingsDep
) -> dict[str, Any]:
    submission, job, team, challenge = visible_parts(session, settings, submission_id, token)
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


@router.get("/jobs/{job_id}")
def job_status(job_id: Id, session: Db, token: PageToken, settings: SettingsDep) -> dict[str, Any]:
    job, challenge = visible_job(session, settings, job_id, token)
    return job_json(job, challenge)
