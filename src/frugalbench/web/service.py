"""What the server does, apart from HTTP: challenges, tokens, submissions, evaluations, rankings.

Kept apart from the routes so that the queue's workers and the CLI use the same functions, and
tests can call them without a web client.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import shutil
import socket
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from frugalbench.errors import UserError
from frugalbench.web.db import Challenge, Job, Submission, Team, Token, utcnow
from frugalbench.web.errors import NotFound, ServerMisconfigured, TooMany, Unauthorized
from frugalbench.web.settings import Settings

log = logging.getLogger("frugalbench.jobs")

HEARTBEAT_S = 5.0


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_admin(settings: Settings, token: str | None) -> bool:
    return bool(settings.admin_token and token and hmac.compare_digest(settings.admin_token, token))


def team_for_token(session: Session, token: str | None) -> Team:
    if not token:
        raise Unauthorized("a team token is needed: send 'Authorization: Bearer TOKEN'")
    row = session.scalar(
        select(Token).where(Token.digest == token_digest(token), Token.revoked.is_(False))
    )
    if row is None:
        raise Unauthorized("unknown or revoked token; ask the organiser for a team token")
    team = session.get(Team, row.team_id)
    assert team is not None
    return team


def create_team(session: Session, name: str) -> tuple[Team, str]:
    """A team and its first token; the token is returned once and only its hash is stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise UserError("a team name needs 1 to 100 characters")
    if session.scalar(select(Team).where(Team.name == name)) is not None:
        raise UserError(f"team {name!r} exists already")
    team = Team(name=name)
    session.add(team)
    session.flush()
    token = secrets.token_urlsafe(32)
    session.add(Token(team_id=team.id, digest=token_digest(token)))
    session.commit()
    return team, token


def create_challenge(
    session: Session,
    slug: str,
    task: str,
    hidden_data: str,
    ranking: str = "pareto",
    ranking_params: dict[str, float] | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> Challenge:
    from frugalbench.leaderboard import RANKINGS
    from frugalbench.tasks import get_task

    if not slug.replace("-", "").replace("_", "").isalnum() or len(slug) > 100:
        raise UserError("a challenge slug uses letters, digits, '-' and '_' (at most 100)")
    if ranking not in RANKINGS:
        raise UserError(f"unknown ranking {ranking!r}; use one of {', '.join(RANKINGS)}")
    task_obj = get_task(task)
    path = Path(hidden_data).resolve()
    if not path.exists():
        raise UserError(f"--hidden-data {hidden_data}: no such file or folder on the server")
    try:  # a bad file is refused now, not at the first evaluation
        dataset = task_obj.load(str(path))
    except UserError as exc:  # the loaders speak of --data, which this command calls otherwise
        raise UserError(str(exc).replace("--data", "--hidden-data")) from None
    if session.scalar(select(Challenge).where(Challenge.slug == slug)) is not None:
        raise UserError(f"challenge {slug!r} exists already")
    challenge = Challenge(
        slug=slug,
        task=task,
        hidden_data=str(path),
        ranking=ranking,
        ranking_params={**(ranking_params or {}), "n_inputs": len(dataset)},
        opens_at=opens_at,
        closes_at=closes_at,
    )
    session.add(challenge)
    session.commit()
    return challenge


def get_challenge(session: Session, slug: str) -> Challenge:
    challenge = session.scalar(select(Challenge).where(Challenge.slug == slug))
    if challenge is None:
        raise NotFound(f"no challenge {slug!r}")
    return challenge


def store_submission(
    session: Session,
    settings: Settings,
    challenge: Challenge,
    team: Team,
    filename: str,
    upload: Path,
    name: str | None = None,
) -> tuple[Submission, Job]:
    """Check and unpack an uploaded archive, record the submission and its queued job."""
    from frugalbench.models.directory import directory_size_bytes, read_manifest
    from frugalbench.web.archive import unpack

    now = utcnow()
    if challenge.opens_at and now < challenge.opens_at:
        raise UserError(f"challenge {challenge.slug!r} opens at {challenge.opens_at} UTC")
    if challenge.closes_at and now > challenge.closes_at:
        raise UserError(f"challenge {challenge.slug!r} closed at {challenge.closes_at} UTC")
    check_daily_limit(session, challenge, team)
    with upload.open("rb") as fh:  # streamed: an upload may be hundreds of MB
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    # unique however often the same archive comes: never a name another upload holds
    folder = settings.data_dir / "submissions" / f"{team.id}-{digest[:16]}-{secrets.token_hex(8)}"
    upload_name = folder.with_name(folder.name + "-upload") / _archive_name(filename)
    upload_name.parent.mkdir(parents=True)
    shutil.copyfile(upload, upload_name)
    try:
        model_dir = unpack(
            upload_name,
            folder,
            settings.max_unpacked_bytes,
            settings.max_archive_members,
        )
        manifest = read_manifest(model_dir)
        if manifest.task and manifest.task != challenge.task:
            raise UserError(
                f"the model is for task {manifest.task!r}; challenge {challenge.slug!r} is "
                f"{challenge.task!r}"
            )
    except BaseException:  # every rejection removes what it unpacked
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(upload_name.parent, ignore_errors=True)
    submission = Submission(
        challenge_id=challenge.id,
        team_id=team.id,
        name=(name or manifest.model)[:200],
        manifest=manifest.model_dump(mode="json"),
        directory=str(model_dir),
        archive_sha256=digest,
        size_bytes=directory_size_bytes(model_dir),
    )
    session.add(submission)
    session.flush()
    job = Job(submission_id=submission.id)
    session.add(job)
    session.commit()
    return submission, job


def _archive_name(filename: str) -> str:
    """Only the archive's kind matters; the name a client sent is never a path here."""
    lower = filename.lower()
    for suffix in (".tar.gz", ".tgz", ".tar", ".zip"):
        if lower.endswith(suffix):
            return "upload" + suffix
    return "upload"


def check_daily_limit(session: Session, challenge: Challenge, team: Team) -> None:
    """A challenge's ``max_submissions_per_day`` per team (each score tells a little of the
    hidden labels, so how many a team gets is the challenge's rule)."""
    from sqlalchemy import func

    if not challenge.max_submissions_per_day:
        return
    since = utcnow() - timedelta(days=1)
    count = session.scalar(
        select(func.count(Submission.id)).where(
            Submission.challenge_id == challenge.id,
            Submission.team_id == team.id,
            Submission.submitted_at >= since,
        )
    )
    if (count or 0) >= challenge.max_submissions_per_day:
        raise TooMany(
            f"team {team.name!r} has made {count} submissions to {challenge.slug!r} in the "
            f"last 24 hours, the challenge's limit; try again later"
        )


# --- evaluation (runs in a queue worker) -------------------------------------------------------


def claim(session: Session, job_id: int, worker: str) -> Job | None:
    """Mark a queued job running, atomically: two workers never run one job."""
    now = utcnow()
    claimed = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "queued")
        .values(
            status="running",
            attempts=Job.attempts + 1,
            worker=worker,
            started_at=now,
            heartbeat_at=now,
        )
    )
    session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    job = session.get(Job, job_id)
    if job is not None:
        log.info(
            "job %d: started (submission %d, attempt %d)", job_id, job.submission_id, job.attempts
        )
    return job


def finish(session: Session, job_id: int, status: str, reason: str | None, result: Any) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status=status, reason=reason, result=result, finished_at=utcnow())
    )
    session.commit()
    log.info("job %d: %s%s", job_id, status, f" ({reason})" if reason else "")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def evaluate_job(factory: sessionmaker[Any], settings: Settings, job_id: int) -> str:
    """Evaluate one queued job in the sandboxed harness; returns the job's final status.

    Every outcome is written to the job: ``ok`` with the result, or ``failed`` with the reason
    (a bad model, a missing sandbox, hidden data that went missing). A heartbeat thread keeps the
    job's lease while the evaluation runs, so ``reap`` can tell a slow job from a dead worker.
    """
    with factory() as session:
        job = claim(session, job_id, worker_name())
        if job is None:
            return "skipped"
        submission = session.get(Submission, job.submission_id)
        assert submission is not None
        challenge = session.get(Challenge, submission.challenge_id)
        assert challenge is not None
        try:
            hidden: list[str] | None = hidden_paths(session, settings)
        except ServerMisconfigured as exc:
            hidden, refused = None, str(exc)
    if hidden is None:  # the organiser's setup, said as such: not a team's failure
        with factory() as session:
            finish(session, job_id, "failed", f"server setup: {refused}", None)
        return "failed"
    stop = threading.Event()
    beat = threading.Thread(
        target=_heartbeat, args=(factory, job_id, stop), daemon=True, name="job-heartbeat"
    )
    beat.start()
    try:
        status, reason, result = _evaluate(settings, challenge, submission, hidden, job_id)
    except Exception as exc:  # recorded on the job: nothing is lost, the worker goes on
        status, reason, result = "failed", f"{type(exc).__name__}: {exc}", None
    finally:
        stop.set()
        beat.join()
    with factory() as session:
        finish(session, job_id, status, reason, result)
    return status


def _heartbeat(factory: sessionmaker[Any], job_id: int, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_S):
        with factory() as session:
            session.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow()))
            session.commit()


def _evaluate(
    settings: Settings, challenge: Challenge, submission: Submission, hidden: list[str], job_id: int
) -> tuple[str, str | None, Any]:
    """The submission in job boxes under the challenge rules (strict passes, one deadline for
    the whole job); a result flagged ``contaminated`` or ``unstable`` is evaluated again under
    the ``rerun`` rule, up to ``settings.flagged_reruns`` times, and ranked only if it clears."""
    from frugalbench.config import RunConfig
    from frugalbench.harness.runner import run
    from frugalbench.harness.sandbox import SandboxPolicy
    from frugalbench.tasks import get_task

    available, why = isolation_cached()
    if not available and not settings.allow_unsandboxed:
        return "failed", f"no sandbox on this evaluation machine ({why})", None
    sandbox = (
        SandboxPolicy(
            cpu_s=settings.eval_cpu_s,
            memory_bytes=settings.eval_memory_bytes,
            max_processes=settings.eval_max_processes,
            cpu_cores=settings.eval_cpu_cores,
            hidden=tuple(sorted(hidden)),
        )
        if available
        else None
    )
    config = RunConfig(idle_s=settings.idle_s, timeout_s=settings.eval_call_timeout_s, strict=True)
    logs = settings.data_dir / "logs"
    logs.mkdir(exist_ok=True, mode=0o700)
    deadline = time.monotonic() + settings.eval_timeout_s
    runs = 1 + (settings.flagged_reruns if challenge.flagged_rule == "rerun" else 0)
    for _ in range(runs):
        result = run(
            get_task(challenge.task),
            submission.directory,
            config,
            challenge.hidden_data,
            sandbox=sandbox,
            deadline=deadline,
            log_path=logs / f"job-{job_id}.log",
        )
        if result.status != "ok" or not flagged(result.model_dump(mode="json")):
            break
    payload = json.loads(result.model_dump_json())
    payload["model"]["directory"] = f"submission {submission.id}"
    payload["task"]["data"]["source"] = f"hidden evaluation data of challenge {challenge.slug}"
    payload["sandbox"] = sandbox.describe() if sandbox else "none (allowed by the admin)"
    if len(json.dumps(payload)) > settings.max_stored_result_bytes:
        return "failed", "the result is over the size limit for a stored result", None
    reason = f"{result.failure.phase}: {result.failure.reason}" if result.failure else None
    return result.status, reason, payload


FLAGS_UNRANKED = ("contaminated", "unstable")
# Below this much CPU time per pass, repeats differ by the meter's resolution (process start-up,
# scheduler ticks), not by the model: a CV there says nothing, and "unstable" does not unrank.
UNSTABLE_FLOOR_CPU_S = 0.01


def flagged(result: dict[str, Any]) -> list[str]:
    """The measurement flags that keep a result off the ranking (by challenge rule)."""
    import statistics

    inference = (result.get("phases") or {}).get("inference") or {}
    flags = [f for f in inference.get("flags") or () if f in FLAGS_UNRANKED]
    cpu = [
        float((m.get("observations") or {}).get("cpu_time_s", 0.0))
        for m in inference.get("repeats") or ()
    ]
    if "unstable" in flags and cpu and statistics.median(cpu) < UNSTABLE_FLOOR_CPU_S:
        flags.remove("unstable")
    return flags


def hidden_paths(session: Session, settings: Settings) -> list[str]:
    """What no job may see, even inside a folder it may read: the server's state, every
    challenge's hidden data (not only this one's), the database and queue files."""
    from frugalbench.harness.sandbox import read_only_paths

    needed = read_only_paths()
    data_dir = str(settings.data_dir.resolve())
    inside = [p for p in needed if p == data_dir or p.startswith(data_dir.rstrip("/") + "/")]
    if inside:  # hiding it would hide frugalbench too: every submission would fail to load
        raise ServerMisconfigured(
            f"the server's data folder {data_dir} holds code the jobs must read ({inside[0]}): "
            "give the server a data folder of its own (FRUGALBENCH_DATA_DIR)"
        )
    paths = {data_dir}
    for challenge in session.scalars(select(Challenge)):
        paths.add(challenge.hidden_data)
        folder = str(Path(challenge.hidden_data).parent)
        # the folder around it too (an audio folder's clips), unless code lives under it
        if not any(p == folder or p.startswith(folder.rstrip("/") + "/") for p in needed):
            paths.add(folder)
    for url in (settings.db_url, settings.queue_url):
        if url.startswith("sqlite:///"):
            paths.add(str(Path(url.removeprefix("sqlite:///")).resolve()))
    return sorted(paths)


_isolation: tuple[bool, str] | None = None


def isolation_cached() -> tuple[bool, str]:
    global _isolation
    if _isolation is None:
        from frugalbench.harness.sandbox import isolation

        _isolation = isolation()
    return _isolation


def reap(factory: sessionmaker[Any], settings: Settings, enqueue: Any) -> list[int]:
    """Jobs whose worker stopped answering (killed, crashed, machine lost): queued again while
    attempts remain, else failed with the reason. Returns the ids queued again."""
    cutoff = utcnow() - timedelta(seconds=settings.lease_s)
    again: list[int] = []
    with factory() as session:
        stale = session.scalars(
            select(Job).where(Job.status == "running", Job.heartbeat_at < cutoff)
        ).all()
        for job in stale:
            if job.attempts <= settings.job_retries:
                job.status = "queued"
                job.reason = f"worker {job.worker} stopped answering; queued again"
                again.append(job.id)
            else:
                job.status = "failed"
                job.finished_at = utcnow()
                job.reason = (
                    f"the evaluation worker stopped answering {job.attempts} times "
                    f"(last: {job.worker}); given up after {settings.job_retries} retries"
                )
        session.commit()
    for job_id in again:
        enqueue(job_id)
    return again
