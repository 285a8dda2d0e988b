"""The harness's handle on a worker process: start, call with a deadline, stop."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any, Self

from frugalbench.errors import WorkerFailed
from frugalbench.harness.sandbox import SandboxPolicy

# Threads in BLAS/OpenMP pools that spin while waiting burn CPU time that is not work; the worker
# is told to wait passively so that its CPU time follows its work.
WORKER_ENV = {"OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": "0", "KMP_BLOCKTIME": "0"}
# Libraries' own progress bars (tqdm) would draw over the harness's progress display.
QUIET_ENV = {"TQDM_DISABLE": "1", "TRANSFORMERS_VERBOSITY": "error"}


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


class WorkerClient:
    def __init__(self, timeout_s: float = 900.0, sandbox: SandboxPolicy | None = None) -> None:
        self.timeout_s = timeout_s
        self.sandbox = sandbox
        self._process: Any = None
        self._conn: Any = None

    @property
    def pid(self) -> int:
        if self._process is None or self._process.pid is None:
            raise RuntimeError("the worker is not started")
        return int(self._process.pid)

    def start(self) -> Self:
        from frugalbench.harness.worker import worker_main

        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        with _environment({**WORKER_ENV, **QUIET_ENV}):
            self._process = ctx.Process(
                target=worker_main,
                args=(child, self.sandbox),
                daemon=True,
                name="frugalbench-worker",
            )
            self._process.start()
        child.close()
        return self

    def call(self, phase: str, op: str, payload: Any = None, timeout_s: float | None = None) -> Any:
        limit = self.timeout_s if timeout_s is None else timeout_s
        try:
            self._conn.send((op, payload))
            ready = self._conn.poll(limit)
        except (BrokenPipeError, EOFError, OSError):
            raise WorkerFailed(phase, self._death_reason()) from None
        if not ready:
            self.kill()
            raise WorkerFailed(
                phase, f"no answer within {limit:g} s (timeout); the worker was stopped"
            )
        try:
            reply = self._conn.recv()
        except (EOFError, OSError):
            raise WorkerFailed(phase, self._death_reason()) from None
        if reply[0] == "error":
            raise WorkerFailed(phase, f"the model raised {reply[1]}")
        return reply[1]

    def _death_reason(self) -> str:
        self._process.join(5)
        code = self._process.exitcode
        if code is None:
            self.kill()
            return "the worker stopped answering"
        if code < 0:
            return f"the worker process died (signal {signal.Signals(-code).name})"
        return f"the worker process exited with code {code}"

    def kill(self) -> None:
        self._kill_descendants()
        if self._process is not None and self._process.is_alive():
            self._process.kill()
            self._process.join(5)

    def _kill_descendants(self) -> None:
        """A model's own processes (a pool, or a fork bomb's children) end with the worker."""
        import psutil

        if self._process is None or self._process.pid is None:
            return
        try:
            children = psutil.Process(self._process.pid).children(recursive=True)
        except psutil.Error:
            return
        for child in children:
            with suppress(psutil.Error):
                child.kill()

    def close(self) -> None:
        if self._process is None:
            return
        self._kill_descendants()
        if self._process.is_alive():
            try:
                self._conn.send(("exit", None))
                if self._conn.poll(5):
                    self._conn.recv()
            except (BrokenPipeError, EOFError, OSError):
                pass
            self._process.join(5)
        self.kill()
        self._conn.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
