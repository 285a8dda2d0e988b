"""Unpacking an uploaded model directory without trusting it.

A submission arrives as a ``.tar.gz``/``.tgz``/``.tar`` or ``.zip`` archive. Before anything is
written, every member is checked: no absolute paths or ``..`` (path traversal), no links or device
files, at most ``max_members`` members, and a declared unpacked size under ``max_unpacked_bytes``;
while writing, the bytes actually produced are counted again (a zip can lie about its sizes), so a
zip bomb stops at the limit. The archive may hold the model directory itself or one folder
containing it. The manifest is then validated by the same code that loads model directories.
"""

from __future__ import annotations

import shutil
import stat
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import IO, Any

from frugalbench.errors import UserError

CHUNK = 1 << 16
MAX_NAME_BYTES = 255  # one path component, as most file systems allow
MAX_PATH_CHARS = 1024
MAX_DEPTH = 32


@dataclass(frozen=True)
class Member:
    name: str
    size: int
    is_dir: bool
    is_file: bool


def _check_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    shown = name if len(name) <= 80 else name[:77] + "..."
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise UserError(f"archive member {shown!r} points outside the archive (path traversal)")
    if len(name) > MAX_PATH_CHARS or len(path.parts) > MAX_DEPTH:
        raise UserError(
            f"archive member {shown!r} is too long or too deep (at most {MAX_PATH_CHARS} "
            f"characters and {MAX_DEPTH} folders)"
        )
    if any(len(part.encode()) > MAX_NAME_BYTES for part in path.parts):
        raise UserError(f"archive member {shown!r} has a name over {MAX_NAME_BYTES} bytes")
    return path


def _tar_members(archive: tarfile.TarFile) -> Iterator[tuple[Member, tarfile.TarInfo]]:
    for info in archive.getmembers():
        if info.issym() or info.islnk():
            raise UserError(f"archive member {info.name!r} is a link; links are not accepted")
        if not (info.isfile() or info.isdir()):
            raise UserError(f"archive member {info.name!r} is not a regular file or folder")
        yield Member(info.name, info.size, info.isdir(), info.isfile()), info


def _zip_members(archive: zipfile.ZipFile) -> Iterator[tuple[Member, zipfile.ZipInfo]]:
    for info in archive.infolist():
        mode = info.external_attr >> 16
        if mode and stat.S_ISLNK(mode):
            raise UserError(f"archive member {info.filename!r} is a link; links are not accepted")
        yield Member(info.filename, info.file_size, info.is_dir(), not info.is_dir()), info


def unpack(archive_path: Path, dest: Path, max_unpacked_bytes: int, max_members: int) -> Path:
    """Unpack into ``dest`` (which must not exist); returns the model directory inside it."""
    name = archive_path.name.lower()
    dest.mkdir(parents=True)
    budget = _Budget(max_unpacked_bytes)
    limits = (max_unpacked_bytes, max_members)
    try:
        if name.endswith((".tar.gz", ".tgz", ".tar")):
            try:
                with tarfile.open(archive_path) as tar:
                    _extract(list(_tar_members(tar)), tar.extractfile, dest, budget, *limits)
            except tarfile.TarError as exc:
                raise UserError(f"the upload is not a readable tar archive ({exc})") from None
        elif name.endswith(".zip"):
            try:
                with zipfile.ZipFile(archive_path) as zf:
                    _extract(list(_zip_members(zf)), zf.open, dest, budget, *limits)
            except zipfile.BadZipFile as exc:
                raise UserError(f"the upload is not a readable zip archive ({exc})") from None
        else:
            raise UserError("upload a .tar.gz, .tgz, .tar or .zip archive of the model directory")
        return _model_root(dest)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise


class _Budget:
    """Bytes left to write: counted on the bytes produced, not on what the archive declares."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.written = 0

    def spend(self, n: int) -> None:
        self.written += n
        if self.written > self.max_bytes:
            raise UserError(
                f"the archive unpacks to more than {self.max_bytes} bytes (a compression bomb?)"
            )


def _check_totals(members: list[Member], max_bytes: int, max_members: int) -> None:
    if len(members) > max_members:
        raise UserError(f"the archive has {len(members)} members, over the limit of {max_members}")
    declared = sum(m.size for m in members)
    if declared > max_bytes:
        raise UserError(
            f"the archive unpacks to {declared} bytes, over the limit of {max_bytes} bytes"
        )
    for m in members:
        _check_name(m.name)


def _extract(
    members: list[tuple[Member, Any]],
    read: Callable[[Any], IO[bytes] | None],
    dest: Path,
    budget: _Budget,
    max_bytes: int,
    max_members: int,
) -> None:
    """Check every member of the archive first, then write them: the same for tar and zip,
    ``read`` being the library's way to open one member."""
    _check_totals([m for m, _ in members], max_bytes, max_members)
    for member, info in members:
        _write(dest, member, partial(read, info), budget)


def _write(
    dest: Path, member: Member, opener: Callable[[], IO[bytes] | None], budget: _Budget
) -> None:
    parts = _check_name(member.name).parts
    target = dest.joinpath(*parts)
    try:
        if member.is_dir:
            target.mkdir(parents=True, exist_ok=True)
            return
        if not parts:
            raise UserError(f"archive member {member.name!r} is a file without a name")
        target.parent.mkdir(parents=True, exist_ok=True)
        source = opener()
        if source is None:
            raise UserError(f"archive member {member.name!r} cannot be read")
        with source, target.open("xb") as out:
            while chunk := source.read(CHUNK):
                budget.spend(len(chunk))
                out.write(chunk)
    except OSError as exc:  # a file where a folder should be, a name twice, ...
        shown = member.name if len(member.name) <= 80 else member.name[:77] + "..."
        raise UserError(
            f"archive member {shown!r} cannot be unpacked ({exc.strerror or exc}): "
            "each path must be unique and not pass through a file"
        ) from None


def _model_root(dest: Path) -> Path:
    from frugalbench.models.directory import MANIFEST

    if (dest / MANIFEST).is_file():
        return dest
    entries = [p for p in dest.iterdir() if not p.name.startswith((".", "__MACOSX"))]
    if len(entries) == 1 and (entries[0] / MANIFEST).is_file():
        return entries[0]
    raise UserError(
        f"no {MANIFEST} at the top of the archive (or of its one folder); "
        "archive the model directory that `frugalbench train --out` wrote"
    )
