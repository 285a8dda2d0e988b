"""Decode camera frames safely: every unusable file gets a reason, nothing stops a whole run.

Frames stay encoded (JPEG/PNG bytes) as model inputs, so that decoding and resizing happen inside
the measured window, as a camera's relay would do them. The loader only checks that a file is a
usable image: a size cap before reading, Pillow's decompression-bomb limit (as an error, not a
warning), a full decode to catch truncation, and a pixel cap for huge images.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_PIXELS = 40_000_000  # ~ a 7,700 x 5,200 frame: larger is refused, not downscaled silently
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")


class ImageProblem(Exception):
    """Why a file cannot be used, in a few words that end up in the result."""


@dataclass(frozen=True)
class Frame:
    """One model input: a camera frame's encoded bytes, and the same camera's previous frame
    (None for the first of a sequence). Still-image models ignore ``previous``."""

    image: bytes
    previous: bytes | None = None


def read_bytes(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImageProblem("not found") from None
    if size == 0:
        raise ImageProblem("empty file")
    if size > max_bytes:
        raise ImageProblem(f"file of {size / 2**20:.0f} MiB is over the {max_bytes >> 20} MiB cap")
    return path.read_bytes()


def check_image(data: bytes, max_pixels: int = MAX_PIXELS) -> tuple[int, int]:
    """(width, height) of a usable image; ``ImageProblem`` with the reason otherwise."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise ImageProblem("empty file")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as im:
                width, height = im.size
                if width * height > max_pixels:
                    raise ImageProblem(
                        f"{width}x{height} pixels is over the {max_pixels:,}-pixel cap"
                    )
                im.load()
        except ImageProblem:
            raise
        except UnidentifiedImageError:
            raise ImageProblem("not an image Pillow can read") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageProblem("decompression bomb (Pillow's pixel limit)") from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise ImageProblem(f"truncated or corrupt image ({exc})") from None
    if width < 8 or height < 8:
        raise ImageProblem(f"{width}x{height} pixels is too small to be a camera frame")
    return width, height


def to_array(data: bytes, size: tuple[int, int]) -> Any:
    """Decode and resize to ``size`` (width, height): float32 RGB in [0, 1], shape (h, w, 3).

    JPEG frames are decoded at reduced scale first (``draft``): a 640-px frame scaled to 128 px
    never needs its full-resolution pixels, which is most of the decoding cost.
    """
    import numpy as np
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        im.draft("RGB", (size[0] * 2, size[1] * 2))
        rgb = im.convert("RGB").resize(size, Image.Resampling.BILINEAR)
        return np.asarray(rgb, dtype=np.float32) / 255.0


def frames_to_arrays(frames: Any, size: tuple[int, int], previous: bool = False) -> Any:
    """A batch (n, h, w, 3); with ``previous``, also the previous frames (the frame itself where
    a sequence starts, so the difference there is zero). Each distinct encoded frame is decoded
    once: in a sequence, one frame's image is the next frame's previous, and decoding is most of
    the cost of the frugal rungs."""
    import numpy as np

    decoded: dict[bytes, Any] = {}

    def array(data: bytes) -> Any:
        if data not in decoded:
            decoded[data] = to_array(data, size)
        return decoded[data]

    now = np.stack([array(f.image) for f in frames]) if len(frames) else None
    if not previous:
        return now
    before = np.stack([array(f.previous if f.previous is not None else f.image) for f in frames])
    return now, before
