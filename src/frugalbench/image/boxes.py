"""Boxes in YOLO form (x_center, y_center, width, height, all relative to the image) and IoU."""

from __future__ import annotations

from collections.abc import Sequence

from frugalbench.errors import UserError

Box = tuple[float, float, float, float]


def parse_yolo(text: str, where: str = "annotations") -> list[Box]:
    """YOLO lines ``class xc yc w h`` (or ``xc yc w h``); boxes in one cell may also be separated
    by ``;``. Values must lie in [0, 1]."""
    boxes: list[Box] = []
    for raw in text.replace(";", "\n").splitlines():
        parts = raw.split()
        if not parts:
            continue
        if len(parts) == 5:
            parts = parts[1:]
        try:
            xc, yc, w, h = (float(p) for p in parts)
        except ValueError:
            raise UserError(
                f"{where}: box {raw.strip()!r} is not 'class x_center y_center width height' "
                "(YOLO, relative to the image)"
            ) from None
        if not all(0.0 <= v <= 1.0 for v in (xc, yc, w, h)) or w <= 0 or h <= 0:
            raise UserError(f"{where}: box {raw.strip()!r} has values outside (0, 1]")
        boxes.append((xc, yc, w, h))
    return boxes


def iou(a: Box, b: Box) -> float:
    ax0, ay0, ax1, ay1 = a[0] - a[2] / 2, a[1] - a[3] / 2, a[0] + a[2] / 2, a[1] + a[3] / 2
    bx0, by0, bx1, by1 = b[0] - b[2] / 2, b[1] - b[3] / 2, b[0] + b[2] / 2, b[1] + b[3] / 2
    inter = max(0.0, min(ax1, bx1) - max(ax0, bx0)) * max(0.0, min(ay1, by1) - max(ay0, by0))
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def mean_iou(
    true_boxes: Sequence[Sequence[Box]], predicted: Sequence[Box | None]
) -> tuple[float | None, int]:
    """Mean over images with true boxes of the predicted box's best IoU with them (no predicted
    box: 0); and how many images counted. None when no image has a true box."""
    scores = [
        max((iou(p, t) for t in truth), default=0.0) if p is not None else 0.0
        for truth, p in zip(true_boxes, predicted, strict=True)
        if truth
    ]
    return (sum(scores) / len(scores) if scores else None), len(scores)
