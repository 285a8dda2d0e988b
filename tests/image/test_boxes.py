"""YOLO boxes and IoU, by hand."""

from __future__ import annotations

import pytest

from frugalbench.errors import UserError
from frugalbench.image.boxes import iou, mean_iou, parse_yolo


def test_parse_yolo_lines_and_cells() -> None:
    assert parse_yolo("0 0.5 0.5 0.2 0.4\n0 0.1 0.1 0.1 0.1") == [
        (0.5, 0.5, 0.2, 0.4),
        (0.1, 0.1, 0.1, 0.1),
    ]
    assert parse_yolo("0.5 0.5 0.2 0.4; 0.3 0.3 0.1 0.1")[1] == (0.3, 0.3, 0.1, 0.1)
    assert parse_yolo("") == []
    for bad in ("0 0.5 0.5", "0 1.5 0.5 0.2 0.2", "0 a b c d", "0 0.5 0.5 0 0.2"):
        with pytest.raises(UserError):
            parse_yolo(bad)


def test_iou_from_first_principles() -> None:
    a = (0.5, 0.5, 0.2, 0.2)  # [0.4, 0.6] x [0.4, 0.6], area 0.04
    assert iou(a, a) == pytest.approx(1.0)
    assert iou(a, (0.9, 0.9, 0.1, 0.1)) == 0.0
    b = (0.6, 0.5, 0.2, 0.2)  # shifted half a width: overlap 0.1 x 0.2 = 0.02
    assert iou(a, b) == pytest.approx(0.02 / (0.04 + 0.04 - 0.02))


def test_mean_iou_counts_only_frames_with_true_boxes() -> None:
    a = (0.5, 0.5, 0.2, 0.2)
    value, n = mean_iou([[a], [], [a, (0.1, 0.1, 0.1, 0.1)]], [a, None, (0.1, 0.1, 0.1, 0.1)])
    assert n == 2 and value == pytest.approx(1.0)
    value, n = mean_iou([[a], [a]], [None, a])
    assert value == pytest.approx(0.5) and n == 2
    assert mean_iou([[], []], [a, None]) == (None, 0)
