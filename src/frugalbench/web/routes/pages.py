"""The server-rendered pages: ``/``, ``/challenges/{slug}``, ``/challenges/{slug}/submit``,
``/submissions/{id}``, ``/jobs/{id}``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from frugalbench.web import service
from frugalbench.web.db import Challenge
from frugalbench.web.deps import (
    TEMPLATES,
    Db,
    Id,
    PageToken,
    get_settings,
    visible_job,
    visible_parts,
)
from frugalbench.web.public import public_reason, public_result
from frugalbench.web.settings import Settings

router = APIRouter(default_response_class=HTMLResponse)
SettingsDep = Annotated[Settings, Depends(get_settings)]


def render_board(challenge: Challenge, rows: list[dict[str, Any]]) -> bytes:
    """The leaderboard page, with its accuracy-energy chart (cached by the board)."""
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
    from frugalbench.units import Column

    energy = Column([r["energy_per_1000_j"] for r in rows], "J")
    emissions = Column([r["emissions_per_1000_g"] for r in rows], "g")
    template = TEMPLATES.get_template("challenge.html")
    return template.render(
        challenge=challenge, rows=rows, plot=pareto_svg(points), energy=energy, emissions=emissions
    ).encode()


@router.get("/")
def home(request: Request, session: Db) -> Response:
    challenges = session.scalars(select(Challenge).order_by(Challenge.id)).all()
    return TEMPLATES.TemplateResponse(request, "home.html", {"challenges": challenges})


@router.get("/challenges/{slug}")
def challenge_page(slug: str, request: Request) -> Response:
    return HTMLResponse(request.app.state.boards.get(slug).html)


@router.get("/challenges/{slug}/submit")
def submit_page(slug: str, request: Request, session: Db) -> Response:
    challenge = service.get_challenge(session, slug)
    return TEMPLATES.TemplateResponse(request, "submit.html", {"challenge": challenge})


@router.get("/submissions/{submission_id}")
def submission_page(
    submission_id: Id, request: Request, session: Db, token: PageToken, settings: SettingsDep
) -> Response:
    from frugalbench.present.charts import bars_svg

    submission, job, team, challenge = visible_parts(session, settings, submission_id, token)
    result = public_result(job.result, challenge)
    phases = (result or {}).get("phases", {})
    bars = bars_svg([(name, p["energy_j"]["median"]) for name, p in phases.items()])
    return TEMPLATES.TemplateResponse(
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


@router.get("/jobs/{job_id}")
def job_page(
    job_id: Id, request: Request, session: Db, token: PageToken, settings: SettingsDep
) -> Response:
    job, challenge = visible_job(session, settings, job_id, token)
    reason = public_reason(job.reason, challenge)
    return TEMPLATES.TemplateResponse(request, "job.html", {"job": job, "reason": reason})
