"""Inside the job box: the process the harness starts, which builds the box and runs the worker.

``python -I -m frugalbench.harness.box RFD WFD`` starts as root, already in the job's cgroup. It
reads its ``BoxSpec`` (plain JSON) from the harness, then:

1. asks to be killed when the harness dies (parent-death signal), and enters new PID, mount,
   network, IPC and UTS namespaces;
2. forks the box's init (PID 1 of the new PID namespace), which builds the file system and reaps
   orphans; when PID 1 exits, the kernel kills every process left in the namespace, so a
   double-forked ``setsid`` daemon cannot outlive its job;
3. the init builds an allowlisted root: a fresh tmpfs holding read-only binds of the libraries
   and the interpreter, the model at ``/model``, a few ``/etc`` files, ``/dev/null`` and kin,
   a ``/proc`` of the new PID namespace, and fresh size-capped ``/tmp`` and ``/dev/shm``. Nothing
   else of the host exists there: no data folder, no ``/run`` sockets, no other job's files;
4. the init forks the worker, which becomes the job's own user (no capabilities), sets
   ``no_new_privs`` and rlimits, and serves the harness's requests over the two pipes.

Every failure before the worker serves is sent back as ``{"box_error": why}``: nothing runs
unconfined.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from typing import Any

from frugalbench.harness import wire

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
DEVICES = ("null", "zero", "full", "random", "urandom")
ETC = (
    "passwd",
    "group",
    "nsswitch.conf",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "alternatives",
    "ssl",
    "mime.types",
)


class BoxError(Exception):
    pass


def _libc() -> ctypes.CDLL:
    # the interpreter's own symbols include libc's; find_library would start processes
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        raise BoxError(f"{what} failed: {os.strerror(ctypes.get_errno())}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    enc = [None if v is None else v.encode() for v in (source, fstype)]
    _check(_libc().mount(enc[0], target.encode(), enc[1], flags, data.encode()), f"mount {target}")


def _prctl(option: int, value: int) -> None:
    _check(_libc().prctl(option, value, 0, 0, 0), f"prctl({option})")


def _bind(source: str, target: str) -> None:
    """``source`` of the host, read-only, at ``target`` (a link is copied as a link)."""
    if os.path.islink(source):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.symlink(os.readlink(source), target)
        return
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    _mount(source, target, None, MS_BIND | MS_REC)
    _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_RDONLY)


def _tmpfs(target: str, mode: str, size_bytes: int | None, flags: int = 0) -> None:
    os.makedirs(target, exist_ok=True)
    size = f",size={size_bytes}" if size_bytes else ""
    _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | flags, f"mode={mode}{size}")


def build_root(spec: dict[str, Any]) -> None:
    """The allowlisted file system, then ``chroot`` into it (PID 1, root, own mount namespace)."""
    root = spec["root"]
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _tmpfs(root, "0755", 64 * 1024**2)
    # the job's own /tmp first, so that what it must read under /tmp (a checkout or a virtual
    # environment there) is bound into it read-only, not covered by it
    size = spec.get("tmp_bytes")
    _tmpfs(root + "/tmp", "1777", size)
    for path in _outermost(p for p in spec["read_only"] if os.path.lexists(p)):
        _bind(path, root + path)
    for name in ETC:
        if os.path.lexists(f"/etc/{name}"):
            _bind(f"/etc/{name}", f"{root}/etc/{name}")
    if spec.get("model"):
        _bind(spec["model"], root + "/model")
    for path in spec.get("hidden", []):  # inside an allowed folder, still not for the model
        target = root + path
        if os.path.isdir(target):
            _tmpfs(target, "0000", 4096, MS_RDONLY)
        elif os.path.exists(target):
            _mount("/dev/null", target, None, MS_BIND)
    _tmpfs(root + "/dev", "0755", 1024**2)
    _tmpfs(root + "/dev/shm", "1777", size)
    for name in DEVICES:
        open(f"{root}/dev/{name}", "a").close()
        _mount(f"/dev/{name}", f"{root}/dev/{name}", None, MS_BIND)
    os.symlink("/proc/self/fd", f"{root}/dev/fd")
    os.makedirs(root + "/proc", exist_ok=True)
    _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    if os.path.isdir("/sys/devices/system/cpu"):  # CPU topology for BLAS thread pools
        _bind("/sys/devices/system/cpu", root + "/sys/devices/system/cpu")
    os.chroot(root)
    os.chdir("/tmp")


def _outermost(paths: Any) -> list[str]:
    """Sorted paths without those inside another one (a bind of ``/usr`` covers its lib)."""
    kept: list[str] = []
    for path in sorted({os.path.abspath(p) for p in paths}):
        if not any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(path)
    return kept


def become_job_user(spec: dict[str, Any]) -> None:
    """The worker's last step before model code: the job's own user, limits it cannot raise."""
    import resource

    uid = int(spec["uid"])
    limits = [
        (resource.RLIMIT_CPU, spec.get("cpu_s")),
        (resource.RLIMIT_AS, spec.get("memory_bytes")),
        (resource.RLIMIT_FSIZE, spec.get("max_file_bytes")),
        (resource.RLIMIT_CORE, 0),
    ]
    for which, value in limits:
        if value is not None:
            resource.setrlimit(which, (value, value))
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)  # every capability goes with root
    if spec.get("max_processes"):
        # after the user change (root is exempt); the uid is this job's alone
        n = int(spec["max_processes"])
        resource.setrlimit(resource.RLIMIT_NPROC, (n, n))


def _init(spec: dict[str, Any], rfd: int, wfd: int) -> int:
    """PID 1: build the root, fork the worker, reap every orphan, exit with the worker's code."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the launcher died: the namespace goes with us
    _prctl(PR_SET_DUMPABLE, 0)
    with contextlib.suppress(OSError):
        _libc().sethostname(b"frugalbench-job", 15)
    build_root(spec)
    worker = os.fork()
    if worker == 0:
        try:
            become_job_user(spec)
        except Exception as exc:
            _refuse(wfd, f"{type(exc).__name__}: {exc}")
            os._exit(70)
        from frugalbench.harness.worker import serve

        sys.path[:0] = [p for p in spec.get("sys_path", []) if p not in sys.path]
        serve(rfd, wfd)
        os._exit(0)
    os.close(rfd)
    os.close(wfd)
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 0
        if pid == worker:
            return _exit_code(status)


def _exit_code(status: int) -> int:
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _refuse(wfd: int, why: str) -> None:
    with contextlib.suppress(OSError):
        wire.write_message(wfd, wire.encode({"box_error": why}))


def main(argv: list[str]) -> None:
    rfd, wfd = int(argv[1]), int(argv[2])
    try:
        spec = wire.decode(wire.read_message(rfd, None, 1 << 20))
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != spec["parent"]:  # the harness died before we could ask
            os._exit(1)
        flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
        _check(_libc().unshare(flags), "unshare")
    except Exception as exc:
        _refuse(wfd, f"{type(exc).__name__}: {exc}")
        os._exit(70)
    init = os.fork()
    if init == 0:
        try:
            code = _init(spec, rfd, wfd)
        except Exception as exc:
            _refuse(wfd, f"{type(exc).__name__}: {exc}")
            code = 70
        os._exit(code)
    os.close(rfd)
    os.close(wfd)
    _, status = os.waitpid(init, 0)
    os._exit(_exit_code(status))


if __name__ == "__main__":
    main(sys.argv)
