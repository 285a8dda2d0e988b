"""Labelled recordings from a folder, cut into windows, every unusable file accounted for.

Three layouts, tried in order: ``labels.csv`` at the root (``file,label``, other columns kept);
one sub-folder per label; or sub-folders that each hold a ``labels.csv`` (a collection of sources,
as in ``shared/data/audio``). A file that cannot be used is skipped with its reason and listed in
the dataset (and so in the result), never dropped silently.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frugalbench.audio.decode import (
    AUDIO_SUFFIXES,
    WINDOW_S,
    AudioProblem,
    Source,
    cut_windows,
    read_audio,
)
from frugalbench.errors import UserError
from frugalbench.tasks.base import Dataset
from frugalbench.tasks.loaders import read_table

LABELS_FILE = "labels.csv"
# Labels that mean "do not use for either class" in a labels file (e.g. shared/data's
# "unverified"): such rows are skipped and counted, not treated as a typo.
EXCLUDED_LABELS = frozenset({"unverified", "unknown", "ignore"})
_FREESOUND_ID = re.compile(r"^(\d+)_")
_NOTE_FREESOUND = re.compile(r"Freesound (\d+)")
# a recorder's serial in its file names: Wildlife Acoustics Song Meters write SERIAL_YYYYMMDD_HHMMSS
_RECORDER = re.compile(r"^(S4A\d+|SMU\d+|SM\d+[A-Z]?\d*)_\d{8}_\d{6}")


@dataclass(frozen=True)
class Entry:
    """One labelled recording: where it is, its label, its group, the row's other columns."""

    name: str
    source: Source
    label: str
    group: str
    extra: dict[str, str] = field(default_factory=dict)


def group_of(name: str, row: dict[str, str]) -> str:
    """What a split keeps whole: a ``group`` column if given; else the recorder named in the file
    name (a 24-hour series of one Song Meter is one site); else its Freesound id (the file-name
    prefix, or a note saying the audio repeats a Freesound sound); else the file."""
    if row.get("group"):
        return row["group"]
    recorder = _RECORDER.match(Path(name).name)
    if recorder:
        return f"recorder:{recorder.group(1)}"
    match = _FREESOUND_ID.match(Path(name).name) or _NOTE_FREESOUND.search(row.get("note", ""))
    return f"freesound:{match.group(1)}" if match else name


def folder_entries(root: Path, labels: Sequence[str]) -> tuple[list[Entry], list[tuple[str, str]]]:
    if not root.exists():
        raise UserError(f"{root}: no such folder; check the path given to --data")
    if not root.is_dir():
        raise UserError(f"{root}: not a folder; --data takes a folder of recordings")
    if (root / LABELS_FILE).exists():
        return _from_labels_file(root, root / LABELS_FILE, labels, prefix="")
    label_dirs = [root / lab for lab in labels if (root / lab).is_dir()]
    if label_dirs:
        by_label = [
            Entry(str(f.relative_to(root)), f, d.name, str(f.relative_to(root)))
            for d in label_dirs
            for f in sorted(d.rglob("*"))
            if f.suffix.lower() in AUDIO_SUFFIXES
        ]
        return by_label, []
    sources = sorted(d for d in root.iterdir() if (d / LABELS_FILE).is_file())
    if not sources:
        raise UserError(
            f"{root}: no {LABELS_FILE} and no sub-folder named {' or '.join(labels)}; add a "
            f"{LABELS_FILE} with the columns file,label (or one sub-folder per label)"
        )
    entries: list[Entry] = []
    skipped: list[tuple[str, str]] = []
    for d in sources:
        more, skip = _from_labels_file(d, d / LABELS_FILE, labels, prefix=f"{d.name}/")
        entries += more
        skipped += skip
    return entries, skipped


def _from_labels_file(
    folder: Path, labels_file: Path, labels: Sequence[str], prefix: str
) -> tuple[list[Entry], list[tuple[str, str]]]:
    rows = read_table(labels_file, ["file", "label"])
    entries: list[Entry] = []
    skipped: list[tuple[str, str]] = []
    for row_no, row in enumerate(rows, start=2):
        name = (row.get("file") or "").strip()
        label = (row.get("label") or "").strip()
        shown = prefix + name
        if label in EXCLUDED_LABELS:
            skipped.append((shown, f"label {label!r} is excluded from both classes"))
            continue
        if label not in labels:
            raise UserError(
                f"{labels_file}: line {row_no}: unknown label {label!r}; use one of "
                f"{', '.join(labels)} (or {', '.join(sorted(EXCLUDED_LABELS))} to leave it out)"
            )
        path = (folder / name).resolve()
        if not name or folder.resolve() not in path.parents:
            raise UserError(
                f"{labels_file}: line {row_no}: file {name!r} is not inside {folder}; "
                "give paths relative to the labels file"
            )
        extra = {k: v for k, v in row.items() if k not in ("file", "label") and k is not None}
        group = group_of(name, row)  # a Freesound id or a recorder is the same in any source
        if not group.startswith(("freesound:", "recorder:")):
            group = prefix + group
        entries.append(Entry(shown, path, label, group, extra))
    return entries, skipped


def load_entries(
    entries: Sequence[Entry],
    skipped: Sequence[tuple[str, str]],
    source: str,
    window_s: float = WINDOW_S,
) -> Dataset:
    """Decode every entry and cut it into windows; unusable files join ``skipped``."""
    inputs: list[Any] = []
    labels: list[str] = []
    ids: list[str] = []
    groups: list[str] = []
    skipped = list(skipped)
    digest = hashlib.sha256(f"window_s={window_s}".encode())
    for entry in entries:
        if isinstance(entry.source, Path) and not entry.source.exists():
            skipped.append((entry.name, "not found"))
            continue
        try:
            mono, _ = read_audio(entry.source)
        except AudioProblem as problem:
            skipped.append((entry.name, str(problem)))
            continue
        digest.update(f"{entry.name}\t{entry.label}\t{entry.group}\n".encode())
        digest.update(mono.tobytes())
        for start_s, window in cut_windows(mono, window_s=window_s):
            inputs.append(window)
            labels.append(entry.label)
            ids.append(f"{entry.name}@{start_s:g}s")
            groups.append(entry.group)
    if not inputs:
        reasons = "; ".join(f"{f}: {r}" for f, r in skipped[:3]) or "no audio files found"
        raise UserError(
            f"{source}: no usable recordings ({reasons}); "
            f"supported formats: {', '.join(AUDIO_SUFFIXES)}"
        )
    return Dataset(
        inputs=tuple(inputs),
        labels=tuple(labels),
        source=source,
        fingerprint="sha256:" + digest.hexdigest()[:16],
        ids=tuple(ids),
        groups=tuple(groups),
        skipped=tuple(skipped),
    )


def load_folder(root: Path, labels: Sequence[str], source: str | None = None) -> Dataset:
    entries, skipped = folder_entries(root, labels)
    return load_entries(entries, skipped, source or str(root))
