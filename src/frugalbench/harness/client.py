"""The harness's handle on a worker process: start, call with a deadline, stop.

The worker is a child process speaking ``wire`` messages over two pipes. Locally (``box=None``)
it is a plain process in a session of its own, whose whole group is killed on close. For untrusted
code it is a job box (:mod:`frugalbench.harness.box`) in the job's cgroup: on close every process
of the group is killed, however it was started.

Deadlines: each call has ``timeout_s``, and a ``deadline`` (a ``time.monotonic()`` value) bounds
the whole job, all calls and all worker processes together, so a model that sleeps just under the
per-call limit in every call still ends on time.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Self

from frugalbench.errors import WorkerFailed
from frugalbench.harness import wire
from frugalbench.harness.wire import Op

if TYPE_CHECKING:
    from frugalbench.harness.sandbox import JobBox

# Threads in BLAS/OpenMP pools that spin while waiting burn CPU time that is not work; the worker
# is told to wait passively so that its CPU time follows its work.
WORKER_ENV = {"OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": "0", "KMP_BLOCKTIME": "0"}
# Libraries' own progress bars (tqdm) would draw over the harness's progress display.
QUIET_ENV = {"TQDM_DISABLE": "1", "TRANSFORMERS_VERBOSITY": "error"}
# What a boxed worker inherits of the server's environment: names, never secrets.
ENV_ALLOWLIST = (
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
)
BOX_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/tmp",
    "TMPDIR": "/tmp",
    "PYTHONDONTWRITEBYTECODE": "1",
    "HF_HUB_OFFLINE": "1",
}
MAX_ERROR_CHARS = 2000
ProgressReport = Callable[[int, int, str], None]  # done, total, unit (``models.progress``)
LOG_CAP_BYTES = 256 * 1024


class Due(NamedTuple):
    deadline: float
    late: str  # the reason if no answer comes by then


def worker_environment(boxed: bool) -> dict[str, str]:
    """Locally, the user's environment; in a box, an allowlist (no token, DSN or key passes)."""
    if not boxed:
        return {**os.environ, **WORKER_ENV, **QUIET_ENV}
    kept = {k: os.environ[k] for k in ENV_ALLOWLIST if k in os.environ}
    return {**kept, **BOX_ENV, **WORKER_ENV, **QUIET_ENV}


class WorkerClient:
    def __init__(
        self,
        timeout_s: float = 900.0,
        box: JobBox | None = None,
        deadline: float | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        self.box = box
        self.deadline = deadline
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self._send_fd = -1
        self._recv_fd = -1
        self._drain: threading.Thread | None = None

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("the worker is not started")
        return self._process.pid

    def start(self) -> Self:
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        module = "frugalbench.harness.box" if self.box else "frugalbench.harness.worker"
        flags = ["-I"] if self.box else []
        capture = self.log_path is not None
        self._process = subprocess.Popen(
            [sys.executable, *flags, "-m", module, str(req_r), str(rep_w)],
            pass_fds=(req_r, rep_w),
            env=worker_environment(self.box is not None),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.STDOUT if capture else None,
            start_new_session=True,
        )
        os.close(req_r)
        os.close(rep_w)
        self._send_fd, self._recv_fd = req_w, rep_r
        if capture:
            self._drain = threading.Thread(target=self._drain_log, daemon=True)
            self._drain.start()
        if self.box is not None:
            self.box.adopt(self._process.pid)
            setup = self.box.spec(parent=os.getpid())
        else:
            setup = {"sys_path": [p for p in sys.path if p]}
        wire.write_message(self._send_fd, wire.encode(setup), time.monotonic() + 30)
        return self

    def _drain_log(self) -> None:
        """The worker's stdout and stderr into a capped log: never the server's descriptors."""
        assert self._process is not None and self._process.stdout is not None
        assert self.log_path is not None
        written = 0
        with self.log_path.open("ab") as log:
            while chunk := os.read(self._process.stdout.fileno(), 65536):
                if written < LOG_CAP_BYTES:
                    log.write(chunk[: LOG_CAP_BYTES - written])
                    written += len(chunk)
                    if written >= LOG_CAP_BYTES:
                        log.write(b"\n[log capped: the rest was dropped]\n")

    def _limit(self, timeout_s: float | None) -> tuple[float, str]:
        per_call = self.timeout_s if timeout_s is None else timeout_s
        now = time.monotonic()
        if self.deadline is not None and self.deadline - now < per_call:
            return self.deadline, "the job's time limit ran out; the worker was stopped"
        return now + per_call, f"no answer within {per_call:g} s (timeout); the worker was stopped"

    def send(self, phase: str, message: bytes, timeout_s: float | None = None) -> Due:
        """Hand over an encoded request; returns when its answer is due, and what to say if not."""
        deadline, late = self._limit(timeout_s)
        try:
            wire.write_message(self._send_fd, message, deadline)
        except TimeoutError:
            self.kill()
            raise WorkerFailed(phase, late) from None
        except OSError:
            raise WorkerFailed(phase, self._death_reason()) from None
        return Due(deadline, late)

    def receive(
        self,
        phase: str,
        due: Due,
        max_bytes: int = 1 << 20,
        on_progress: ProgressReport | None = None,
    ) -> Any:
        """The checked value of one reply; ``WorkerFailed`` for errors, deaths and bad data.

        With ``on_progress`` (training), the worker may send checked progress reports first."""
        while True:
            reply = self._reply(phase, due, max_bytes)
            if on_progress is None or "progress" not in reply:
                return self._value(phase, reply)
            done, total, unit = _progress_report(reply["progress"])
            if unit is None:
                self.kill()
                raise WorkerFailed(phase, "the worker sent a bad progress report")
            on_progress(done, total, unit)

    def _reply(self, phase: str, due: Due, max_bytes: int) -> dict[str, Any]:
        try:
            reply = wire.decode(wire.read_message(self._recv_fd, due.deadline, max_bytes), False)
        except TimeoutError:
            self.kill()
            raise WorkerFailed(phase, due.late) from None
        except (EOFError, OSError):
            raise WorkerFailed(phase, self._death_reason()) from None
        except wire.ProtocolError as exc:
            self.kill()
            raise WorkerFailed(phase, f"the worker sent a bad reply ({exc})") from None
        if not isinstance(reply, dict) or len(reply) != 1:
            self.kill()
            raise WorkerFailed(phase, "the worker sent a reply of the wrong shape")
        return reply

    def _value(self, phase: str, reply: dict[str, Any]) -> Any:
        if "box_error" in reply:
            raise WorkerFailed(phase, f"the sandbox could not be set up ({_text(reply)})")
        if "error" in reply:
            raise WorkerFailed(phase, f"the model raised {_text(reply)}")
        if "ok" not in reply:
            self.kill()
            raise WorkerFailed(phase, "the worker sent a reply of the wrong shape")
        return reply["ok"]

    def call(
        self,
        phase: str,
        op: Op,
        payload: Any = None,
        timeout_s: float | None = None,
        max_bytes: int = 1 << 20,
        on_progress: ProgressReport | None = None,
    ) -> Any:
        due = self.send(phase, wire.request(op, payload), timeout_s)
        return self.receive(phase, due, max_bytes, on_progress)

    # one typed method per operation: the harness never spells an operation itself

    def train(self, payload: dict[str, Any], on_progress: ProgressReport) -> Any:
        return self.call("train", Op.TRAIN, payload, on_progress=on_progress)

    def load(self, model_path: str) -> Any:
        return self.call("load", Op.LOAD, model_path)

    def predict_conf(self, phase: str, inputs: list[Any], max_bytes: int) -> Any:
        return self.call(phase, Op.PREDICT_CONF, inputs, max_bytes=max_bytes)

    def stats(self, max_bytes: int) -> Any:
        return self.call("stats", Op.STATS, max_bytes=max_bytes)

    def outputs(self, max_bytes: int) -> Any:
        return self.call("outputs", Op.OUTPUTS, max_bytes=max_bytes)

    def ping(self, phase: str = "probe") -> Any:
        return self.call(phase, Op.PING)

    def _death_reason(self) -> str:
        assert self._process is not None
        try:
            code = self._process.wait(5)
        except subprocess.TimeoutExpired:
            self.kill()
            return "the worker stopped answering"
        oom = self.box.oom_kills() if self.box is not None else 0
        if oom:
            return "the job went over its memory limit and was killed"
        if code < 0 or code > 128:
            sig = -code if code < 0 else code - 128
            with contextlib.suppress(ValueError):
                return f"the worker process died (signal {signal.Signals(sig).name})"
        return f"the worker process exited with code {code}"

    def kill(self) -> None:
        """Every process of the worker: its job's cgroup, or its session."""
        if self._process is None:
            return
        if self.box is not None:
            self.box.kill_processes()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signal.SIGKILL)
        self._kill_descendants()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(5)

    def _kill_descendants(self) -> None:
        """A local model's own processes (a pool, a fork bomb) that left the session."""
        import psutil

        assert self._process is not None
        try:
            children = psutil.Process(self._process.pid).children(recursive=True)
        except psutil.Error:
            return
        for child in children:
            with contextlib.suppress(psutil.Error):
                child.kill()

    def close(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            with contextlib.suppress(WorkerFailed):
                self.receive("exit", self.send("exit", wire.request(Op.EXIT), 5))
        self.kill()
        for fd in (self._send_fd, self._recv_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self._drain is not None:
            self._drain.join(5)
        self._process = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def _progress_report(value: Any) -> tuple[int, int, str | None]:
    """``[done, total, unit]`` with 0 <= done <= total and a short word; else unit None."""
    if (
        isinstance(value, list)
        and len(value) == 3
        and all(type(v) is int for v in value[:2])
        and isinstance(value[2], str)
        and 0 <= value[0] <= value[1] <= 10**9
        and value[2].isidentifier()
        and len(value[2]) <= 20
    ):
        return value[0], value[1], value[2]
    return 0, 0, None


def _text(reply: dict[str, Any]) -> str:
    value = next(iter(reply.values()))
    text = value if isinstance(value, str) else "a reply that is not text"
    return text[:MAX_ERROR_CHARS]
