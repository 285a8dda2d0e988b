"""What anyone may see of a challenge, a job and a result: the hidden set's per-input figures and
the model's own words are withheld until the challenge publishes its results."""

from __future__ import annotations

import re
from typing import Any

from frugalbench.web.db import Challenge, Job
from frugalbench.web.settings import Settings


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
