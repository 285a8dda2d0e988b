"""A challenge's leaderboard: ranked rows from the database, cached with their JSON and page."""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from frugalbench.web.db import Challenge, Job, Submission, Team
from frugalbench.web.public import challenge_json

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
            "energy_ci95_low_j": _not_below_zero(energy.get("ci95_low")),
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


def _not_below_zero(low: float | None) -> float | None:
    """An interval's low end, clamped at 0 J: no window spends negative energy (a t-interval of
    three noisy repeats can reach below zero; the terminal and the card clamp it the same way)."""
    return None if low is None else max(float(low), 0.0)


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
