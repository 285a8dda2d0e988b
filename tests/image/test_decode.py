"""Frame decoding: usable images pass, every kind of bad file gets its own reason."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from frugalbench.image.decode import (
    Frame,
    ImageProblem,
    check_image,
    frames_to_arrays,
    read_bytes,
    to_array,
)


def jpeg(width: int = 64, height: int = 40, colour: tuple[int, int, int] = (90, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG")
    return out.getvalue()


def test_a_frame_decodes_to_the_asked_size() -> None:
    data = jpeg(640, 400)
    assert check_image(data) == (640, 400)
    x = to_array(data, (128, 80))
    assert x.shape == (80, 128, 3) and x.dtype == np.float32
    assert abs(float(x[..., 2].mean()) - 200 / 255) < 0.02


def test_previous_frames_default_to_the_frame_itself() -> None:
    a, b = jpeg(colour=(0, 0, 0)), jpeg(colour=(255, 255, 255))
    now, before = frames_to_arrays([Frame(b, a), Frame(a, None)], (32, 20), previous=True)
    assert before[0].mean() < 0.05 and now[0].mean() > 0.95
    assert np.array_equal(now[1], before[1])


def test_bad_files_get_reasons(tmp_path: Path) -> None:
    good = jpeg()
    cases = {
        "empty": (b"", "empty"),
        "text": (b"hello, not an image at all", "not an image"),
        "truncated": (good[: len(good) // 2], "truncated or corrupt"),
        "tiny": (jpeg(4, 4), "too small"),
    }
    for name, (data, reason) in cases.items():
        with pytest.raises(ImageProblem, match=reason):
            check_image(data)
        assert name
    with pytest.raises(ImageProblem, match="pixel cap"):
        check_image(jpeg(200, 200), max_pixels=10_000)
    big = tmp_path / "big.jpg"
    big.write_bytes(good)
    with pytest.raises(ImageProblem, match="over the"):
        read_bytes(big, max_bytes=100)
    with pytest.raises(ImageProblem, match="not found"):
        read_bytes(tmp_path / "missing.jpg")


def test_decompression_bombs_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pillow's own guard, made small so that a real (small) image trips it: the loader must
    # turn its warning into a refusal, not decode on
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ImageProblem, match="decompression bomb"):
        check_image(jpeg(64, 40))
