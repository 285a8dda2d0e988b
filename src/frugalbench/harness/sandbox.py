"""Confinement of untrusted model code: the policy, and the job that holds its boxes.

An evaluation job of untrusted code (a challenge submission) gets:

- its own **user** (a uid no other job or account uses), so process limits and ``/proc`` never
  cross jobs, and its files are its own;
- its own **cgroup** (:mod:`frugalbench.harness.cgroup`): memory, process and CPU limits for the
  whole job, the job's CPU time for the meter, and a kill that leaves nothing behind;
- a **staging folder** (0700, root's) with a copy of the model owned by the job's user, removed
  when the job ends;
- one or more **boxes** (:mod:`frugalbench.harness.box`), one per worker process: new PID, mount,
  network, IPC and UTS namespaces, an allowlisted read-only file system, fresh ``/tmp``.

Labels never reach the worker anyway: the harness sends inputs only. The job box needs root; where
it cannot be made, ``isolation()`` says why, and the server refuses untrusted submissions unless
its admin allows unsandboxed runs explicitly.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from frugalbench.harness.cgroup import CgroupError, JobCgroup, Limits, support

UID_BASE = 1_800_000_000  # far above any account and below the kernel's 2^32 - 1
UID_SPAN = 100_000_000
SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin")


class SandboxError(Exception):
    pass


@dataclass(frozen=True)
class SandboxPolicy:
    """Limits of one job, all its processes together (cgroup) and each one (rlimits)."""

    cpu_s: int | None = 3600
    memory_bytes: int | None = 4 * 1024**3
    max_processes: int | None = 64
    max_file_bytes: int | None = 256 * 1024**2
    cpu_cores: float | None = None  # a CFS quota; None: all cores
    hidden: tuple[str, ...] = field(default=())  # never visible, even inside an allowed folder

    def describe(self) -> dict[str, object]:
        version, why = support()
        return {
            "cpu_s": self.cpu_s,
            "memory_bytes": self.memory_bytes,
            "max_processes": self.max_processes,
            "max_file_bytes": self.max_file_bytes,
            "cpu_cores": self.cpu_cores,
            "network": "none (new network namespace)",
            "namespaces": "pid, mount, network, ipc, uts",
            "files": "allowlisted read-only root: libraries, interpreter, model; fresh /tmp",
            "user": "a uid of the job's own, no capabilities",
            "cgroup": f"{version}: memory, pids, cpu for the whole job"
            if version
            else f"none ({why}); rlimits per process only",
        }


def read_only_paths() -> list[str]:
    """What a worker must read: system libraries, the interpreter, frugalbench and its packages."""
    import frugalbench

    paths = {*SYSTEM_DIRS, sys.prefix, sys.base_prefix, sys.exec_prefix}
    paths.add(os.path.dirname(os.path.realpath(sys.executable)))
    paths.add(os.path.dirname(os.path.dirname(os.path.abspath(frugalbench.__file__))))
    cwd = os.getcwd()
    paths |= {p for p in sys.path if p and p != cwd and os.path.isdir(p)}
    # what lives under /tmp is bound one by one; /tmp itself (other jobs' staging) never
    shared = {"/", "/tmp", "/var/tmp", "/dev", "/dev/shm"}
    return sorted(p for p in paths if os.path.abspath(p) not in shared)


def _free_uid() -> int:
    """A uid that no account has and no process runs as."""
    import pwd
    import secrets

    import psutil

    running = set()
    for proc in psutil.process_iter(["uids"]):
        with contextlib.suppress(psutil.Error, TypeError):
            running.add(proc.info["uids"].real)
    for _ in range(100):
        uid = UID_BASE + secrets.randbelow(UID_SPAN)
        if uid in running:
            continue
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
    raise SandboxError("no free uid for the job")


class JobBox:
    """One job's user, cgroup and staging folder; ``spec()`` describes one more box in it."""

    def __init__(self, policy: SandboxPolicy, model_dir: Path | None = None) -> None:
        self.policy = policy
        self.model_dir = model_dir
        self.staging: Path | None = None
        self.cgroup: JobCgroup | None = None
        self.uid = -1
        self._boxes = 0

    def __enter__(self) -> Self:
        if os.geteuid() != 0:
            raise SandboxError("the job box needs root (namespaces, cgroups, a per-job user)")
        self.uid = _free_uid()
        # 0700, root's; named by its owner so that a harness killed mid-job can be cleaned after
        self.staging = Path(tempfile.mkdtemp(prefix=f"fb-job-{os.getpid()}-"))
        try:
            if self.model_dir is not None:
                self._stage_model(self.model_dir, self.staging / "model")
            version, _ = support()
            if version is not None:
                p = self.policy
                self.cgroup = JobCgroup(
                    version, Limits(p.memory_bytes, p.max_processes, p.cpu_cores)
                )
        except BaseException:
            self.__exit__()
            raise
        return self

    def _stage_model(self, source: Path, target: Path) -> None:
        """A copy only the job's user can read, links kept as links (never followed here)."""
        shutil.copytree(source, target, symlinks=True)
        for path in [target, *target.rglob("*")]:
            os.lchown(path, self.uid, self.uid)
            if not path.is_symlink():
                path.chmod(0o500 if path.is_dir() else 0o400)

    def adopt(self, pid: int) -> None:
        """Put a just-started box launcher in the job's cgroup, before it forks anything."""
        if self.cgroup is not None:
            self.cgroup.add(pid)

    def spec(self, parent: int) -> dict[str, Any]:
        assert self.staging is not None
        self._boxes += 1
        root = self.staging / f"root-{self._boxes}"
        root.mkdir(mode=0o700)
        p = self.policy
        return {
            "parent": parent,
            "root": str(root),
            "model": str(self.staging / "model") if self.model_dir is not None else None,
            "read_only": read_only_paths(),
            "hidden": list(p.hidden),
            "uid": self.uid,
            "cpu_s": p.cpu_s,
            "memory_bytes": p.memory_bytes,
            "max_file_bytes": p.max_file_bytes,
            "max_processes": p.max_processes,
            "tmp_bytes": p.max_file_bytes,
            "sys_path": [x for x in sys.path if x],
        }

    def kill_processes(self) -> None:
        if self.cgroup is not None:
            with contextlib.suppress(CgroupError):
                self.cgroup.kill()

    def oom_kills(self) -> int:
        return self.cgroup.oom_kills() if self.cgroup is not None else 0

    def __exit__(self, *exc: object) -> None:
        """Kill and remove the cgroup, then the staging folder, whatever fails first (a group
        that would not empty is left to ``reap_orphaned_jobs``, by its owner's pid)."""
        try:
            if self.cgroup is not None:
                cgroup, self.cgroup = self.cgroup, None
                cgroup.kill()
                cgroup.remove()
        finally:
            if self.staging is not None:
                shutil.rmtree(self.staging, ignore_errors=True)
                self.staging = None


def reap_orphaned_jobs() -> list[str]:
    """What jobs of a harness that was killed (SIGKILL, a lost machine) left: their cgroups,
    with any process still in them, and their staging folders. Run when a worker starts."""
    from frugalbench.harness.cgroup import alive, reap_orphans

    removed = reap_orphans()
    for folder in Path(tempfile.gettempdir()).glob("fb-job-*-*"):
        owner = folder.name.split("-")[2]
        if owner.isdigit() and not alive(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed


def isolation() -> tuple[bool, str]:
    """Whether a job box can be made here: one is built and asked to answer, in a throwaway
    process (so that a machine without namespaces says why instead of failing a run)."""
    code = (
        "import sys\n"
        "from frugalbench.harness.client import WorkerClient\n"
        "from frugalbench.harness.sandbox import JobBox, SandboxPolicy\n"
        "try:\n"
        "    with JobBox(SandboxPolicy()) as job, WorkerClient(30, job) as w:\n"
        "        assert w.ping() == 'pong'\n"
        "except Exception as e:\n"
        "    sys.exit(f'{type(e).__name__}: {e}')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    if proc.returncode == 0:
        version, why = support()
        cgroup = f"cgroup {version}" if version else f"no cgroup ({why}): rlimits per process"
        return True, f"pid, mount, network, ipc namespaces, a per-job user, {cgroup}"
    return False, (proc.stderr.strip().splitlines() or ["unknown error"])[-1]
