"""``chainsaw``: is a chainsaw (illegal logging) heard in a 3-second clip of rainforest sound?

The Frugal AI Challenge 2025 audio task: Rainforest Connection (RFCx) Guardian recordings, 3-s
clips at 12 kHz, labels ``chainsaw`` and ``environment``. Models receive raw 12 kHz mono
waveforms; any feature extraction is theirs, inside the measured window. Splits are by recording
(``Dataset.groups``): windows cut from one take are near-duplicates.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from frugalbench.errors import UserError
from frugalbench.tasks.audio_folder import Entry, load_entries, load_folder
from frugalbench.tasks.base import Dataset, Metric, Task
from frugalbench.tasks.loaders import load_folder_cached, load_hub_rows
from frugalbench.tasks.metrics import detection_scores
from frugalbench.tasks.registry import tasks

HUB_ID = "rfcx/frugalai"
LABELS = ("chainsaw", "environment")
# The hub stores the label as a number; the challenge's own convention.
HUB_LABELS = {0: "chainsaw", 1: "environment"}
BUNDLED = "chainsaw"
_cache: dict[tuple[Any, ...], Dataset] = {}


def bundled_path() -> Path:
    return Path(str(resources.files("frugalbench.tasks").joinpath(f"data/{BUNDLED}")))


def load(data: str | None) -> Dataset:
    """``None``: the bundled clips; ``hub`` or ``hub:SPLIT``: the hub; else a folder."""
    if data is not None and (data == "hub" or data.startswith("hub:")):
        return load_hub(data.partition(":")[2] or "train")
    root = bundled_path() if data is None else Path(data)
    source = (
        f"bundled:{BUNDLED} (real RFCx, scikit-maad and hobby-detector clips; see LICENSE.md)"
        if data is None
        else None
    )
    return load_folder_cached(_cache, root, lambda: load_folder(root, LABELS, source))


def load_hub(split: str) -> Dataset:
    def undecoded(data: Any) -> Any:
        import datasets

        return data.cast_column("audio", datasets.Audio(decode=False))

    rows = load_hub_rows(HUB_ID, split, ["audio", "label"], prepare=undecoded)
    return hub_rows_to_dataset(rows, f"hub:{HUB_ID}[{split}]")


def hub_rows_to_dataset(rows: list[dict[str, Any]], source: str) -> Dataset:
    """Hub rows (``audio`` as undecoded bytes, ``label`` as 0/1 or a name) to windows, through the
    same decoding, windowing and skipping as a folder; each clip is its own group (the hub gives
    no recording id)."""
    entries: list[Entry] = []
    skipped: list[tuple[str, str]] = []
    for n, row in enumerate(rows):
        audio = row.get("audio") or {}
        name = str(audio.get("path") or f"row{n}")
        raw = row.get("label")
        label = HUB_LABELS.get(raw, raw) if isinstance(raw, int) else str(raw)
        if label not in LABELS:
            raise UserError(f"{source}: row {n}: unknown label {raw!r}; expected 0/1 or {LABELS}")
        data = audio.get("bytes")
        if isinstance(data, bytes):
            entries.append(Entry(name, data, label, name))
        else:
            skipped.append((name, "no audio bytes in the row"))
    return load_entries(entries, skipped, source)


TASK = tasks.add(
    Task(
        name="chainsaw",
        description="Chainsaw (illegal logging) vs forest sound in 3-s clips at 12 kHz",
        labels=LABELS,
        input_kind="audio",
        metrics=(
            Metric("accuracy", True, "share of clips given the right label"),
            Metric("chainsaw_recall", True, "share of chainsaw clips detected"),
            Metric("false_alarm_rate", False, "share of forest clips flagged as chainsaw"),
            Metric("f1", True, "F1 of the chainsaw class"),
        ),
        loader=load,
        scorer=detection_scores("chainsaw"),
        input_unit="clip",
        positive="chainsaw",
        ladder=("majority", "logmel-linear", "logmel-cnn"),
    )
)
