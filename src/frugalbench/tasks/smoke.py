"""``smoke``: is wildfire smoke rising in a fire-watch camera's frame, and where?

The Frugal AI Challenge 2025 image task (``pyronear/pyro-sdis``: frames with YOLO boxes). Models
receive encoded frames (``image.decode.Frame``: the JPEG bytes and the same camera's previous
frame), so decoding and resizing are theirs, inside the measured window. Splits are by camera
camera (``Dataset.groups``): neighbouring frames of one camera are near-duplicates, and a
fire-watch network adds cameras every season, so a model is scored on cameras it never saw. Boxes,
when the data has them, are kept on the harness side (``Dataset.annotations``) and scored as mean
IoU.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from frugalbench.errors import UserError
from frugalbench.image.boxes import Box, mean_iou, parse_yolo
from frugalbench.image.decode import (
    IMAGE_SUFFIXES,
    Frame,
    ImageProblem,
    check_image,
    read_bytes,
)
from frugalbench.tasks.base import Dataset, Metric, Task
from frugalbench.tasks.loaders import load_folder_cached, load_hub_rows, read_table
from frugalbench.tasks.metrics import detection_scores
from frugalbench.tasks.registry import tasks

HUB_ID = "pyronear/pyro-sdis"
LABELS = ("smoke", "no_smoke")
LABELS_FILE = "labels.csv"
BUNDLED = "smoke"
_TRUE = {"1", "true", "yes", "smoke"}
_FALSE = {"0", "false", "no", "no_smoke", "none"}
# HPWREN camera names in sequence names: "20180728_FIRE_rm-w-mobo-c", "afm_20190714_mlo-s" -> the
# site and the direction the camera faces (rm-w: Red Mountain, west)
_CAMERA = re.compile(r"(?:^|_)([0-9a-z]{2,10}-[nsew])(?=$|[-_])")
_TIME_COLUMNS = ("unix_time", "offset_s", "est_order")
FRAMES_PER_HOUR = 60  # a fire-watch camera's cadence: HPWREN sends one frame a minute
_cache: dict[tuple[Any, ...], Dataset] = {}


@dataclass(frozen=True)
class FrameEntry:
    name: str
    data: bytes | Path
    label: str
    group: str
    order: tuple[float, str]
    boxes: list[Box] = field(default_factory=list)
    camera: str = ""  # what splits keep whole; the sequence (``group``) when not known
    ordered: bool = True  # False: frames whose time is unknown get no previous frame


def bundled_path() -> Path:
    return Path(str(resources.files("frugalbench.tasks").joinpath(f"data/{BUNDLED}")))


def _label(raw: str, where: str) -> str:
    value = raw.strip().lower()
    if value in _TRUE:
        return "smoke"
    if value in _FALSE:
        return "no_smoke"
    raise UserError(f"{where}: smoke value {raw!r} is not 1/0 (or smoke/no_smoke)")


def _side_boxes(path: Path) -> str:
    """A YOLO ``.txt`` beside the image, or in a ``labels/`` folder next to its folder."""
    for txt in (path.with_suffix(".txt"), path.parent.parent / "labels" / f"{path.stem}.txt"):
        if txt.is_file():
            return txt.read_text()
    return ""


def camera_of(sequence: str) -> str:
    """The camera of a sequence named the HPWREN way; else the sequence itself."""
    found = _CAMERA.search(sequence.lower())
    return found.group(1) if found else sequence


def folder_entries(root: Path) -> list[FrameEntry]:
    """Three layouts, tried in order: a ``labels.csv``; ``smoke/`` and ``no_smoke/`` sub-folders;
    sub-folders that each hold a ``labels.csv`` (a collection of sources, all loaded)."""
    if not root.exists():
        raise UserError(f"{root}: no such folder; check the path given to --data")
    if not root.is_dir():
        raise UserError(f"{root}: not a folder; --data takes a folder of camera frames")
    labels_file = root / LABELS_FILE
    if labels_file.is_file():
        return _from_labels_file(root, labels_file)
    by_label = [root / lab for lab in LABELS if (root / lab).is_dir()]
    sources = sorted(d for d in root.iterdir() if (d / LABELS_FILE).is_file())
    if sources and not by_label:
        return [e for d in sources for e in _from_labels_file(d, d / LABELS_FILE, f"{d.name}/")]
    if not by_label:
        raise UserError(
            f"{root}: no {LABELS_FILE} and no sub-folder smoke/ or no_smoke/; add a {LABELS_FILE} "
            "with the columns file,smoke (optional: sequence, camera, unix_time, boxes)"
        )
    return [
        FrameEntry(
            str(f.relative_to(root)),
            f,
            d.name,
            str(f.relative_to(root)),  # no sequence given: each frame its own group
            (0.0, f.name),
            parse_yolo(_side_boxes(f), str(f)),
        )
        for d in by_label
        for f in sorted(d.rglob("*"))
        if f.suffix.lower() in IMAGE_SUFFIXES
    ]


def _from_labels_file(root: Path, labels_file: Path, prefix: str = "") -> list[FrameEntry]:
    """Rows ``file,smoke`` and optionally ``sequence``, ``camera``, a time (``unix_time``,
    ``offset_s`` or an estimated ``est_order``) and ``boxes``. A sequence without times (stills)
    is not ordered: none of its frames is given a "previous" one."""
    rows = read_table(labels_file, ["file", "smoke"])
    entries = []
    for row_no, row in enumerate(rows, start=2):
        where = f"{labels_file}: line {row_no}"
        name = (row.get("file") or "").strip()
        path = (root / name).resolve()
        if not name or root.resolve() not in path.parents:
            raise UserError(f"{where}: file {name!r} is not inside {root}; give relative paths")
        order_key = next((row[k].strip() for k in _TIME_COLUMNS if (row.get(k) or "").strip()), "")
        try:
            order = float(order_key or "0")
        except ValueError:
            raise UserError(
                f"{where}: unix_time/offset_s/est_order {order_key!r} is not a number"
            ) from None
        boxes_text = row.get("boxes") or (_side_boxes(path) if path.exists() else "")
        sequence = (row.get("sequence") or row.get("group") or "").strip()
        entries.append(
            FrameEntry(
                name=prefix + name,
                data=path,
                label=_label(row.get("smoke") or "", where),
                group=prefix + (sequence or name),
                order=(order, name),
                boxes=parse_yolo(boxes_text, where),
                camera=(row.get("camera") or "").strip() or camera_of(sequence or name),
                # a time column left empty (stills): unknown order; no time column: file order
                ordered=bool(order_key) or not any(k in row for k in _TIME_COLUMNS),
            )
        )
    return entries


def load_entries(entries: Sequence[FrameEntry], source: str) -> Dataset:
    """Check every frame; link each to its sequence's previous usable frame; skip with reasons."""
    usable: list[tuple[FrameEntry, bytes]] = []
    skipped: list[tuple[str, str]] = []
    for entry in entries:
        try:
            data = entry.data if isinstance(entry.data, bytes) else read_bytes(entry.data)
            check_image(data)
        except ImageProblem as problem:
            skipped.append((entry.name, str(problem)))
            continue
        usable.append((entry, data))
    if not usable:
        reasons = "; ".join(f"{f}: {r}" for f, r in skipped[:3]) or "no image files found"
        raise UserError(
            f"{source}: no usable frames ({reasons}); formats: {', '.join(IMAGE_SUFFIXES)}"
        )
    usable.sort(key=lambda pair: (pair[0].group, pair[0].order))
    digest = hashlib.sha256()
    inputs: list[Frame] = []
    previous: dict[str, bytes] = {}
    for entry, data in usable:
        inputs.append(Frame(data, previous.get(entry.group) if entry.ordered else None))
        previous[entry.group] = data
        digest.update(
            f"{entry.name}\t{entry.label}\t{entry.group}\t{entry.camera}\t{entry.boxes}\n".encode()
        )
        digest.update(hashlib.sha256(data).digest())
    annotated = any(entry.boxes for entry, _ in usable)
    return Dataset(
        inputs=tuple(inputs),
        labels=tuple(entry.label for entry, _ in usable),
        source=source,
        fingerprint="sha256:" + digest.hexdigest()[:16],
        ids=tuple(entry.name for entry, _ in usable),
        groups=tuple(entry.camera or entry.group for entry, _ in usable),
        skipped=tuple(skipped),
        annotations=tuple(list(entry.boxes) for entry, _ in usable) if annotated else (),
    )


def load(data: str | None) -> Dataset:
    """``None``: the bundled frames; ``hub`` or ``hub:SPLIT``: the hub; else a folder."""
    if data is not None and (data == "hub" or data.startswith("hub:")):
        return load_hub(data.partition(":")[2] or "train")
    root = bundled_path() if data is None else Path(data)
    source = (
        f"bundled:{BUNDLED} (HPWREN fire-watch frames, non-commercial use, credit HPWREN / "
        "UC San Diego; see LICENSE.md)"
        if data is None
        else str(root)
    )
    return load_folder_cached(_cache, root, lambda: load_entries(folder_entries(root), source))


def load_hub(split: str) -> Dataset:
    def undecoded(data: Any) -> Any:
        import datasets

        return data.cast_column("image", datasets.Image(decode=False))

    columns = ["image", "annotations", "image_name", "camera", "date"]
    rows = load_hub_rows(HUB_ID, split, columns, prepare=undecoded)
    return hub_rows_to_dataset(rows, f"hub:{HUB_ID}[{split}]")


def hub_rows_to_dataset(rows: list[dict[str, Any]], source: str) -> Dataset:
    """Hub rows (``image`` as undecoded bytes, ``annotations`` as YOLO text: empty = no smoke)
    through the same checks as a folder; a sequence is one camera on one day."""
    entries = []
    for n, row in enumerate(rows):
        image = row.get("image") or {}
        name = str(row.get("image_name") or image.get("path") or f"row{n}")
        boxes = parse_yolo(str(row.get("annotations") or ""), f"{source}: row {n}")
        date = str(row.get("date") or "")
        data = image.get("bytes")
        entries.append(
            FrameEntry(
                name=name,
                data=data if isinstance(data, bytes) else b"",
                label="smoke" if boxes else "no_smoke",
                group=f"{row.get('camera') or name}/{date[:10]}",
                order=(0.0, f"{date}/{name}"),
                boxes=boxes,
                camera=str(row.get("camera") or ""),
            )
        )
    return load_entries(entries, source)


_detection_scores = detection_scores("smoke")


def smoke_scores(
    labels: Sequence[str], y_true: Sequence[str], y_pred: Sequence[str]
) -> dict[str, Any]:
    """Detection scores, plus false alarms per camera-hour: what a fire-watch operator lives
    with, at a camera's cadence of one frame a minute (``FRAMES_PER_HOUR``)."""
    out = _detection_scores(labels, y_true, y_pred)
    rate = out["false_alarm_rate"]
    out["false_alarms_per_camera_hour"] = None if rate is None else rate * FRAMES_PER_HOUR
    return out


def box_scores(
    annotations: Sequence[Any], predicted: Sequence[str], outputs: dict[str, Any]
) -> dict[str, Any]:
    """Mean IoU of the predicted box with the true boxes, over frames that have true boxes; a
    frame predicted without smoke (or a model that gives no boxes) scores 0 there."""
    boxes = outputs.get("boxes") or [None] * len(predicted)
    shown = [
        tuple(b) if b is not None and p == "smoke" else None
        for b, p in zip(boxes, predicted, strict=True)
    ]
    value, n = mean_iou(annotations, shown)
    return {"mean_iou": value, "n_boxed": n}


TASK = tasks.add(
    Task(
        name="smoke",
        description="Wildfire smoke (yes/no, and where) in fire-watch camera frames",
        labels=LABELS,
        input_kind="image",
        metrics=(
            Metric("accuracy", True, "share of frames given the right label"),
            Metric("smoke_precision", True, "share of smoke alarms that are smoke"),
            Metric("smoke_recall", True, "share of smoke frames detected"),
            Metric("f1", True, "F1 of the smoke class"),
            Metric("mean_iou", True, "mean IoU of predicted boxes (frames with true boxes)"),
            Metric(
                "false_alarms_per_camera_hour",
                False,
                "smoke alarms on smoke-free frames per camera-hour, at one frame a minute",
            ),
        ),
        loader=load,
        scorer=smoke_scores,
        input_unit="image",
        positive="smoke",
        ladder=("majority", "colour-texture-linear", "smoke-cnn", "smoke-change-linear"),
        extra_scorer=box_scores,
    )
)
