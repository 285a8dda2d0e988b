"""Hostile submissions, as a participant who reads our source would write them.

Each class is one attack of the sandbox issue; the tests (harness and server) check that it ends
as a failed job with its reason, or gains nothing, and leaves nothing behind.
"""

from __future__ import annotations

import json
from pathlib import Path

ATTACKS = r'''
import gc, os, pickle, signal, socket, subprocess, sys, time
from frugalbench.models.base import Model

LABEL = "0_not_relevant"


def answer(quote):
    """Every model here answers alike, so that only energy tells them apart."""
    return "7_fossil_fuels_needed" if "coal" in quote else LABEL


class _Base(Model):
    task = "climate-disinfo"

    def __init__(self, **params):
        self.params = params

    def get_params(self, deep=True):
        return dict(self.params)

    def fit(self, inputs, labels):
        return self

    def save_state(self, directory):
        return []

    def load_state(self, directory):
        pass

    def predict(self, inputs):
        return [answer(q) for q in inputs]


def spin(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


class Reducer:
    """Runs code wherever it is unpickled."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


class PickleReply(_Base):
    """Returns objects that run code when the harness unpickles them."""

    def predict(self, inputs):
        return [Reducer(self.params["marker"])] * len(inputs)


class RawPickle(_Base):
    """Writes a pickle straight onto the reply pipe, framed as the harness expects."""

    def predict(self, inputs):
        body = pickle.dumps(("ok", Reducer(self.params["marker"])))
        os.write(int(sys.argv[-1]), len(body).to_bytes(8, "big") + body)
        time.sleep(5)
        return [LABEL] * len(inputs)


class Daemon(_Base):
    """Leaves a double-forked, setsid process behind, named by a marker on its command line."""

    def load_state(self, directory):
        code = "import time\nwhile True: time.sleep(1)"
        if os.fork() == 0:
            os.setsid()
            subprocess.Popen([sys.executable, "-c", code, self.params["marker"]],
                             start_new_session=True)
            os._exit(0)
        os.wait()


class Helper(_Base):
    """Hands the work to a helper process outside its process tree, then waits for it."""

    def predict(self, inputs):
        r, w = os.pipe()
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                spin(self.params["seconds"])
                os.write(w, b"x")
                os._exit(0)
            os._exit(0)
        os.wait()
        os.read(r, 1)
        return [answer(q) for q in inputs]


class Cache(_Base):
    """Works once per input, then answers from memory and from a file in its writable folder."""

    _memory = {}

    def predict(self, inputs):
        path = "/tmp/answers.txt"
        joined = "\n".join(inputs)
        if os.path.exists(path) and open(path).read() == joined:
            return [answer(q) for q in inputs]
        fresh = [q for q in inputs if q not in self._memory]
        spin(0.01 * len(fresh))
        for q in fresh:
            self._memory[q] = answer(q)
        with open(path, "w") as fh:
            fh.write(joined)
        return [self._memory[q] for q in inputs]


class Peek(Cache):
    """During the warm-up, finds every other input in the worker's memory and answers them.

    It looks once per process and works only on what it found: the attack is to move the work
    out of the measured window, not to be slow, so it must not run into the job's time limit.
    """

    _looked = False

    def predict(self, inputs):
        if not Peek._looked:
            Peek._looked = True
            found = {
                q
                for obj in gc.get_objects()
                if isinstance(obj, list) and len(obj) > len(inputs)
                and all(isinstance(x, str) for x in obj[:5])
                for q in obj
                if isinstance(q, str) and q not in self._memory
            }
            spin(0.01 * min(len(found), 200))
            for q in found:
                self._memory[q] = answer(q)
        return super().predict(inputs)


class Sleeper(_Base):
    """Sleeps just under the per-call limit in every call."""

    def load_state(self, directory):
        time.sleep(self.params["seconds"])

    def predict(self, inputs):
        time.sleep(self.params["seconds"])
        return [LABEL] * len(inputs)


class Snoop(_Base):
    """Looks for anything of the host: processes, sockets, secrets, other jobs' files."""

    def predict(self, inputs):
        found = []
        for key in ("PGPASSWORD", "AWS_SECRET_ACCESS_KEY", "HF_TOKEN", "FRUGALBENCH_ADMIN_TOKEN"):
            if key in os.environ:
                found.append(f"env {key}")
        for pid in os.listdir("/proc"):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    if self.params["marker"].encode() in fh.read():
                        found.append(f"process {pid}")
            except OSError:
                pass
        for path in self.params["paths"]:
            if os.path.exists(path):
                found.append(f"path {path}")
        for sock in self.params["sockets"]:
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(sock)
                found.append(f"socket {sock}")
            except OSError:
                pass
        if found:
            raise RuntimeError("escaped: " + ", ".join(found))
        return [LABEL] * len(inputs)


class SharedMemory(_Base):
    """Creates a SysV shared memory segment that would outlive the job."""

    def predict(self, inputs):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.shmget(self.params["key"], 4096, 0o1666) < 0:
            raise OSError(ctypes.get_errno(), "shmget failed")
        return [LABEL] * len(inputs)


class Split(_Base):
    """Splits its memory over children, each under the per-process limit."""

    def predict(self, inputs):
        pids = []
        for _ in range(4):
            pid = os.fork()
            if pid == 0:
                block = b"x" * self.params["bytes"]
                time.sleep(10)
                os._exit(len(block) and 0)
            pids.append(pid)
        for pid in pids:
            os.waitpid(pid, 0)
        return [LABEL] * len(inputs)


class Flood(_Base):
    """Floods its output and tries to write into the descriptors it inherited."""

    def predict(self, inputs):
        sys.stdout.write("x" * 4_000_000)
        sys.stdout.flush()
        own = {int(a) for a in sys.argv[1:] if a.isdigit()}  # its own request/reply pipes
        for fd in set(range(3, 64)) - own:
            try:
                os.write(fd, b"forged log line\n")
            except OSError:
                pass
        return [LABEL] * len(inputs)


class Stats(_Base):
    """Publishes what it saw through its stats: the inputs, word for word, and a lot of it."""

    def predict(self, inputs):
        self.seen = list(inputs)
        return [LABEL] * len(inputs)

    def inference_stats(self):
        if self.params.get("big"):
            return {f"k{i}": "x" * 90 for i in range(10_000)}
        return {"first_input": self.seen[0]}


class LabelOracle(_Base):
    """Predicts class i+1 for input i, 0 elsewhere: the confusion matrix would read labels back."""

    LABELS = ["0_not_relevant", "1_not_happening", "2_not_human", "3_not_bad",
              "4_solutions_harmful_unnecessary", "5_science_unreliable",
              "6_proponents_biased", "7_fossil_fuels_needed"]

    def predict(self, inputs):
        return [self.LABELS[i + 1] if i < 7 else self.LABELS[0] for i in range(len(inputs))]


class Quoter(_Base):
    """Fails with the hidden inputs in its message."""

    def predict(self, inputs):
        raise ValueError(" | ".join(inputs[:3]))


class Honest(_Base):
    """A fair model that does a fixed amount of work per input (less than the cheats do)."""

    def predict(self, inputs):
        spin(0.004 * len(inputs))
        return [answer(q) for q in inputs]
'''


BOX = "frugalbench.harness.box"


def processes_with(text: str) -> list[int]:
    """Pids of the processes whose command line holds ``text``: what a job left behind."""
    import psutil

    return [
        p.info["pid"]
        for p in psutil.process_iter(["pid", "cmdline"])
        if text in " ".join(p.info["cmdline"] or [])
    ]


def attack_dir(root: Path, cls: str, params: dict[str, object] | None = None) -> Path:
    """A model directory whose manifest names one of the attacks above."""
    directory = root / f"attack-{cls.lower()}"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "attacks.py").write_text(ATTACKS)
    manifest = {"model": f"attacks.py:{cls}", "task": "climate-disinfo", "params": params or {}}
    (directory / "frugalbench-model.json").write_text(json.dumps(manifest))
    return directory
