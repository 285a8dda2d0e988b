"""Where results go, checked before the work that makes them.

A run can take an hour; "cannot write there" must come before it, not after it (and a result that
still cannot be written at the end goes to the runs folder instead: nothing is lost).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from frugalbench.errors import UserError


def cache_dir() -> Path:
    """Where frugalbench keeps what it can make again (idle baselines, bench models):
    FRUGALBENCH_CACHE_DIR, else the user's cache folder. The test suite points it elsewhere, so
    running the tests never writes into a user's cache."""
    base = os.environ.get("FRUGALBENCH_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "frugalbench"
    )
    return Path(base)


def writable_file(path: Path, option: str, suffixes: Sequence[str] = ()) -> Path:
    """``path`` can be written as a file: not a folder, of an accepted type, in a folder we can
    write (made if missing)."""
    if suffixes and path.suffix.lower() not in suffixes:
        raise UserError(
            f"{option} {path}: use a {' or '.join(suffixes)} file (found "
            f"{path.suffix or 'no extension'!r})"
        )
    if path.is_dir():
        raise UserError(f"{option} {path}: is a folder; give a file name, e.g. {path / 'out.json'}")
    probe_folder(path.parent, option, path)
    return path


def writable_folder(path: Path, option: str) -> Path:
    """``path`` can hold files: a folder (made if missing) we can write in."""
    if path.exists() and not path.is_dir():
        raise UserError(f"{option} {path}: is a file; give a folder")
    probe_folder(path, option, path)
    return path


def probe_folder(folder: Path, option: str, given: Path) -> None:
    """Make ``folder`` and write a file in it, as the real write will."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".frugalbench-probe-"):
            pass
    except OSError as exc:
        raise UserError(
            f"{option} {given}: cannot write there ({exc.strerror or exc}); give another path"
        ) from None
