"""Deployment settings, from ``FRUGALBENCH_*`` environment variables (or given in code/tests)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict

PREFIX = "FRUGALBENCH_"


class Settings(BaseModel):
    """Where the server keeps its state and how it evaluates; frozen once built."""

    model_config = ConfigDict(frozen=True)

    data_dir: Path = Path("frugalbench-data")
    database_url: str | None = None  # default: SQLite file in data_dir
    broker_url: str | None = None  # default: SqliteHuey file in data_dir; redis://... at scale
    admin_token: str | None = None
    max_upload_bytes: int = 200 * 1024 * 1024
    max_unpacked_bytes: int = 1024 * 1024 * 1024
    max_archive_members: int = 10_000
    allow_unsandboxed: bool = False
    embedded_worker: bool = True  # serve runs one evaluation consumer itself
    job_retries: int = 2
    lease_s: float = 120.0  # a running job not heard from for this long (heartbeat 5 s) is retried
    eval_timeout_s: float = 1800.0  # the whole evaluation: every call and worker together
    eval_call_timeout_s: float = 900.0  # any one call to the model
    eval_memory_bytes: int = 4 * 1024**3
    eval_cpu_s: int = 3600
    eval_max_processes: int = 64
    eval_cpu_cores: float | None = None  # a CPU quota for the job; None: every core
    flagged_reruns: int = 2  # evaluations again, under the "rerun" rule, of a flagged result
    max_stored_result_bytes: int = 1024 * 1024
    idle_s: float = 3.0
    leaderboard_fresh_s: float = 1.0  # how long a leaderboard may lag a finished job

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'frugalbench.db').resolve()}"

    @property
    def queue_url(self) -> str:
        return self.broker_url or f"sqlite:///{(self.data_dir / 'queue.db').resolve()}"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        values: dict[str, object] = {}
        for name in cls.model_fields:
            raw = os.environ.get(PREFIX + name.upper())
            if raw is not None:
                values[name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)
