"""Confinement of untrusted model code, applied by the worker to itself before it loads a model.

The worker is our code until its first ``load``; before it, the worker confines itself:

- network: a new, empty network namespace (no interface, not even loopback);
- files: a private mount namespace where the whole file system is read-only, the server's own
  folders (database, hidden evaluation data, other submissions) are covered by an empty
  ``tmpfs``, and a fresh size-limited ``tmpfs`` is the only writable place (its working directory
  and ``TMPDIR``);
- privileges: when started as root, the worker becomes ``nobody`` (no capabilities, so it cannot
  undo the mounts, read the server's memory or file descriptors, or read root's files; and the
  process limit applies, which it never does to root); ``no_new_privs`` stops ``exec`` from
  gaining privileges. Folders on the way to the interpreter that ``nobody`` could not enter (a
  Python under ``/root``) are made passable inside the private mounts only, their other
  contents hidden;
- resources: limits the model cannot raise (CPU seconds, address space, processes, file size,
  no core dumps), besides the harness's wall-clock deadline;
- secrets: every ``FRUGALBENCH_*`` environment variable removed.

Labels never reach the worker anyway: the harness sends inputs only. Where namespaces cannot be
made (no privileges, user namespaces disabled), ``isolation()`` says why, and the server refuses
untrusted submissions unless its admin allows unsandboxed runs explicitly.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import subprocess
import sys
from dataclasses import dataclass, field

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNS = 0x00020000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
PR_SET_NO_NEW_PRIVS = 38
SECRET_PREFIXES = ("FRUGALBENCH_",)


class SandboxError(Exception):
    pass


@dataclass(frozen=True)
class SandboxPolicy:
    cpu_s: int | None = 3600
    memory_bytes: int | None = 4 * 1024**3
    max_processes: int | None = 64
    max_file_bytes: int | None = 256 * 1024**2
    no_network: bool = True
    isolate_files: bool = True
    hidden: tuple[str, ...] = field(default=())  # folders covered by an empty tmpfs
    workdir: str | None = None  # becomes the only writable place
    readable: tuple[str, ...] = field(default=())  # must stay readable (the model directory)
    user: str = "nobody"  # who a root-started worker becomes

    def describe(self) -> dict[str, object]:
        return {
            "cpu_s": self.cpu_s,
            "memory_bytes": self.memory_bytes,
            "max_processes": self.max_processes,
            "max_file_bytes": self.max_file_bytes,
            "network": "none (new network namespace)" if self.no_network else "host",
            "files": "read-only, server folders hidden, private tmpfs"
            if self.isolate_files
            else "host",
            "user": self.user if os.geteuid() == 0 else "unchanged (not root)",
        }


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        raise SandboxError(f"{what} failed: {os.strerror(ctypes.get_errno())}")


def _unshare(flags: int) -> None:
    _check(_libc().unshare(flags), "unshare")


def _encoded(value: str | None) -> bytes | None:
    return value.encode() if value is not None else None


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str) -> None:
    _check(
        _libc().mount(_encoded(source), target.encode(), _encoded(fstype), flags, data.encode()),
        f"mount {target}",
    )


def leave_network() -> None:
    """A new network namespace; unprivileged processes need a user namespace first."""
    try:
        _unshare(CLONE_NEWNET)
    except SandboxError:
        if os.geteuid() == 0:
            raise
        _unshare(CLONE_NEWUSER | CLONE_NEWNET)


def isolate_files(
    hidden: tuple[str, ...],
    workdir: str | None,
    size_bytes: int | None,
    reachable: tuple[str, ...] = (),
) -> None:
    """Private mounts: ``reachable`` paths passable, ``hidden`` covered, ``workdir`` a fresh tmpfs,
    everything else read-only."""
    _unshare(CLONE_NEWNS)
    _mount(None, "/", None, MS_REC | MS_PRIVATE, "")
    if os.geteuid() == 0:
        _make_passable(reachable)
    for path in hidden:
        if os.path.isdir(path):
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0700")
    size = f",size={size_bytes}" if size_bytes else ""
    private = [p for p in (workdir, "/dev/shm") if p and os.path.isdir(p)]
    for path in private:  # /dev/shm: POSIX semaphores and shared memory, private to the worker
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777{size}")
    with open("/proc/self/mounts") as fh:
        points = [line.split()[1].encode().decode("unicode_escape") for line in fh]
    for point in points:
        if point in private or point in hidden:
            continue
        # pseudo file systems (proc, sys) may refuse; they expose no files of the server
        with contextlib.suppress(SandboxError):
            _mount(None, point, None, MS_BIND | MS_REMOUNT | MS_RDONLY, "")


def _closed_ancestor(path: str) -> str | None:
    """The highest folder above ``path`` that others may not enter, if any."""
    parts = os.path.abspath(path).split(os.sep)[1:]
    current = ""
    for part in parts[:-1]:
        current += os.sep + part
        try:
            if not os.stat(current).st_mode & 0o001:
                return current
        except OSError:
            return None
    return None


def _make_passable(paths: tuple[str, ...]) -> None:
    """For each closed folder above a needed path, from the top down: keep the needed subtrees
    aside (bind mounts), cover the folder with an empty 0755 tmpfs, and put the subtrees back at
    their own paths; repeat while a closed folder remains on the way (they can nest)."""
    import tempfile

    for _ in range(64):
        by_ancestor: dict[str, set[str]] = {}
        for path in paths:
            closed = _closed_ancestor(path)
            if closed:
                rel = os.path.relpath(os.path.abspath(path), closed).split(os.sep)[0]
                by_ancestor.setdefault(closed, set()).add(rel)
        if not by_ancestor:
            return
        for closed, children in by_ancestor.items():
            stage = tempfile.mkdtemp(prefix="fb-stage-")
            kept = []
            for child in sorted(children):
                source = os.path.join(closed, child)
                if not os.path.exists(source):
                    continue
                holder = os.path.join(stage, child)
                if os.path.isdir(source):
                    os.makedirs(holder, exist_ok=True)
                else:
                    open(holder, "a").close()
                _mount(source, holder, None, MS_BIND | MS_REC, "")
                kept.append((child, os.path.isdir(source)))
            _mount("tmpfs", closed, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
            for child, is_dir in kept:
                target = os.path.join(closed, child)
                if is_dir:
                    os.makedirs(target, exist_ok=True)
                else:
                    open(target, "a").close()
                _mount(os.path.join(stage, child), target, None, MS_BIND | MS_REC, "")
            os.chmod(closed, 0o755)
    raise SandboxError("folders nest too deep to make the interpreter reachable")


def reachable_paths(extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """What a worker must still read: the interpreter, its libraries, frugalbench, the model."""
    import frugalbench

    roots = {sys.prefix, sys.base_prefix, os.path.realpath(sys.executable)}
    roots |= {p for p in sys.path if p and os.path.isdir(p)}
    roots.add(os.path.dirname(os.path.dirname(os.path.abspath(frugalbench.__file__))))
    return tuple(sorted(roots | set(extra)))


def apply(policy: SandboxPolicy) -> None:
    """Confine the current process (the worker), irreversibly."""
    import resource

    for key in [k for k in os.environ if k.startswith(SECRET_PREFIXES)]:
        del os.environ[key]
    if policy.no_network:
        leave_network()
    if policy.isolate_files:
        isolate_files(
            policy.hidden,
            policy.workdir,
            policy.max_file_bytes,
            reachable_paths((*policy.readable, *([policy.workdir] if policy.workdir else []))),
        )
    limits = [
        (resource.RLIMIT_CPU, policy.cpu_s),
        (resource.RLIMIT_AS, policy.memory_bytes),
        (resource.RLIMIT_FSIZE, policy.max_file_bytes),
        (resource.RLIMIT_CORE, 0),
    ]
    for which, value in limits:
        if value is not None:
            resource.setrlimit(which, (value, value))
    if policy.workdir:
        os.chdir(policy.workdir)
        os.environ["TMPDIR"] = os.environ["HOME"] = policy.workdir
    _check(_libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(no_new_privs)")
    if os.geteuid() == 0:
        import pwd

        entry = pwd.getpwnam(policy.user)
        os.setgroups([])
        os.setgid(entry.pw_gid)
        os.setuid(entry.pw_uid)  # drops every capability with it
    if policy.max_processes is not None:
        # after the user change: root is exempt from this limit, other users are not
        resource.setrlimit(resource.RLIMIT_NPROC, (policy.max_processes, policy.max_processes))


def isolation() -> tuple[bool, str]:
    """Whether a worker here can leave the network: tried in a throwaway process."""
    code = (
        "import sys, tempfile\n"
        "from frugalbench.harness.sandbox import SandboxPolicy, apply\n"
        "try:\n"
        "    apply(SandboxPolicy(workdir=tempfile.mkdtemp()))\n"
        "except Exception as e:\n"
        "    sys.exit(f'{type(e).__name__}: {e}')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    if proc.returncode == 0:
        who = "runs as 'nobody'" if os.geteuid() == 0 else "runs as this user"
        return True, f"network and mount namespaces, resource limits; the model {who}"
    return False, (proc.stderr.strip().splitlines() or ["unknown error"])[-1]
