"""What the routes share: the database session, the tokens, the admin check, who may see what."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Annotated

from fastapi import Cookie, Depends, Header, Request
from fastapi import Path as FastApiPath
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from frugalbench.errors import UserError
from frugalbench.units import format_energy, format_quantity
from frugalbench.web.db import Challenge, Job, Submission, Team
from frugalbench.web.errors import Forbidden, NotFound, TooLarge, Unauthorized
from frugalbench.web.settings import Settings

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
TEMPLATES.env.filters["energy"] = format_energy  # one way a joule reads, as in the terminal
TEMPLATES.env.filters["quantity"] = format_quantity
FORM_OVERHEAD_BYTES = 64 * 1024


def bearer(authorization: Annotated[str | None, Header()] = None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


def page_token(
    authorization: Annotated[str | None, Header()] = None,
    fb_token: Annotated[str | None, Cookie()] = None,
) -> str | None:
    """Pages take the bearer header, or the ``fb_token`` cookie a browser keeps."""
    return bearer(authorization) or fb_token


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.factory() as session:
        yield session


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def require_admin(
    token: Annotated[str | None, Depends(bearer)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> None:
    from frugalbench.web.service import is_admin

    if not settings.admin_token:
        raise Forbidden("no admin token is configured (set FRUGALBENCH_ADMIN_TOKEN)")
    if not is_admin(settings, token):
        raise Forbidden("this needs the admin token")


Db = Annotated[Session, Depends(get_session)]
Token = Annotated[str | None, Depends(bearer)]
PageToken = Annotated[str | None, Depends(page_token)]
Admin = Depends(require_admin)
# ids beyond the database's integers are a client's mistake (422), not a server error
Id = Annotated[int, FastApiPath(ge=1, le=2**31 - 1)]


def visible_parts(
    session: Session, settings: Settings, submission_id: int, token: str | None
) -> tuple[Submission, Job, Team, Challenge]:
    """A submission for whoever may see it: everyone once its challenge publishes results,
    before that its own team and the admin; to others it does not exist."""
    from frugalbench.web.service import is_admin, team_for_token

    parts = submission_parts(session, submission_id)
    _, _, team, challenge = parts
    if challenge.published or is_admin(settings, token):
        return parts
    with contextlib.suppress(Unauthorized):
        if team_for_token(session, token).id == team.id:
            return parts
    raise NotFound(
        f"no submission {submission_id} (results are private to their team until the "
        "challenge publishes them)"
    )


def visible_job(
    session: Session, settings: Settings, job_id: int, token: str | None
) -> tuple[Job, Challenge]:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"no job {job_id}")
    try:
        _, _, _, challenge = visible_parts(session, settings, job.submission_id, token)
    except NotFound:
        raise NotFound(f"no job {job_id}") from None
    return job, challenge


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
