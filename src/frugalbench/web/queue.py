"""The evaluation queue on Huey: SqliteHuey beside the database by default, RedisHuey at scale.

Huey carries job ids from the web app to the workers. A worker evaluates one job at a time (the
energy figures need an otherwise idle machine) and measures its idle baseline before each run.
Huey removes a message when a worker takes it, so a worker killed mid-evaluation would lose the
job; the job's lease in the database (``service.reap``) brings it back: the job stays
``running`` with a heartbeat, and when the heartbeat stops it is queued again, a bounded number
of times, then failed with the reason.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from frugalbench.web.settings import Settings

log = logging.getLogger("frugalbench.queue")
QUEUE_NAME = "frugalbench-evaluations"
REAP_EVERY_S = 10.0


def make_huey(settings: Settings) -> Any:
    """The queue named by ``settings.queue_url``: ``sqlite:///FILE`` or ``redis://HOST:PORT/DB``."""
    from huey import RedisHuey, SqliteHuey

    url = settings.queue_url
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        return SqliteHuey(QUEUE_NAME, filename=path, results=False)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(QUEUE_NAME, url=url, results=False)
    from frugalbench.errors import UserError

    raise UserError(f"unsupported broker {url!r}; use sqlite:///FILE or redis://HOST:PORT/DB")


class EvaluationQueue:
    """The Huey instance with its one task registered, and the worker loop."""

    def __init__(self, settings: Settings, factory: Any) -> None:
        from frugalbench.web.service import evaluate_job

        self.settings = settings
        self.factory = factory
        self.huey = make_huey(settings)

        def evaluate(job_id: int) -> str:
            return evaluate_job(factory, settings, job_id)

        self.task = self.huey.task(name="evaluate")(evaluate)

    def enqueue(self, job_id: int) -> None:
        self.task(job_id)

    def pending(self) -> int:
        return int(self.huey.pending_count())

    def run_one(self) -> bool:
        """Take one message and execute it; False when the queue was empty."""
        message = self.huey.dequeue()
        if message is None:
            return False
        self.huey.execute(message)
        return True

    def reap(self) -> list[int]:
        from frugalbench.web.service import reap

        return reap(self.factory, self.settings, self.enqueue)

    def work(self, stop: threading.Event, poll_s: float = 0.2) -> None:
        """Evaluate jobs one at a time until ``stop``; now and then, requeue dead workers' jobs.
        First, what killed workers left behind (processes, cgroups, staging) is removed."""
        from frugalbench.harness.sandbox import reap_orphaned_jobs

        try:
            reap_orphaned_jobs()
        except OSError:
            log.exception("cleaning up after killed workers failed")
        last_reap = 0.0
        while not stop.is_set():
            if time.monotonic() - last_reap > REAP_EVERY_S:
                try:
                    self.reap()
                except Exception:  # the database may be briefly unavailable; try again later
                    log.exception("reaping stale jobs failed")
                last_reap = time.monotonic()
            try:
                busy = self.run_one()
            except Exception:
                log.exception("evaluation worker error")
                busy = False
            if not busy:
                stop.wait(poll_s)

    def start_thread(self) -> tuple[threading.Thread, threading.Event]:
        stop = threading.Event()
        thread = threading.Thread(target=self.work, args=(stop,), daemon=True, name="fb-worker")
        thread.start()
        return thread, stop
