"""Hand-made colour, texture and change features of camera frames, in NumPy.

Smoke over a landscape is a grey, low-saturation, low-texture veil that brightens what is behind
it; it rises and spreads, while a fixed camera's background does not move. So the still features
describe each cell of a coarse grid by brightness, saturation, blueness and edge energy, and the
change features summarise how the frame brightened and greyed since the same camera's previous
frame (a uniform shift is light, not smoke, and is removed first).
"""

from __future__ import annotations

from typing import Any

SIZE = (128, 80)  # (width, height) frames are decoded to
GRID = (4, 4)  # (rows, columns) of cells


def _cells(x: Any, grid: tuple[int, int] = GRID) -> Any:
    """(n, h, w) -> (n, rows, cols, cell_h * cell_w)."""
    n, h, w = x.shape
    rows, cols = grid
    ch, cw = h // rows, w // cols
    x = x[:, : ch * rows, : cw * cols]
    return x.reshape(n, rows, ch, cols, cw).transpose(0, 1, 3, 2, 4).reshape(n, rows, cols, -1)


def _channels(rgb: Any) -> tuple[Any, Any, Any, Any]:
    import numpy as np

    gray = rgb.mean(-1)
    sat = rgb.max(-1) - rgb.min(-1)
    blue = rgb[..., 2] - rgb[..., :2].mean(-1)
    gy, gx = np.gradient(gray, axis=(1, 2))
    edges = np.hypot(gx, gy)
    return gray, sat, blue, edges


def still_features(rgb: Any) -> Any:
    """(n, h, w, 3) in [0, 1] -> (n, 112): per cell (16 cells) the mean and spread of brightness
    and of saturation, the mean blueness and the mean edge energy (96), and global histograms of
    brightness and saturation (16)."""
    import numpy as np

    gray, sat, blue, edges = _channels(rgb)
    g, s, b, e = (_cells(channel) for channel in (gray, sat, blue, edges))
    per_cell = [g.mean(-1), g.std(-1), s.mean(-1), s.std(-1), b.mean(-1), e.mean(-1)]
    bins = np.linspace(0, 1, 9)
    hist = [
        np.stack([np.histogram(g, bins)[0] for g in channel]) / channel[0].size
        for channel in (gray, sat)
    ]
    return np.concatenate([c.reshape(len(rgb), -1) for c in per_cell] + hist, axis=1).astype(
        np.float32
    )


def change_maps(now: Any, before: Any) -> tuple[Any, Any]:
    """Per-pixel brightening and greying of ``now`` against ``before`` (both (n, h, w, 3)), with
    the frame-wide median change removed (a cloud's shadow or the sun moving shifts everything)."""
    import numpy as np

    g1, s1, _, _ = _channels(now)
    g0, s0, _, _ = _channels(before)
    lift = g1 - g0
    desat = s0 - s1
    lift -= np.median(lift, axis=(1, 2), keepdims=True)
    desat -= np.median(desat, axis=(1, 2), keepdims=True)
    return lift, desat


def change_features(now: Any, before: Any) -> Any:
    """(n, 6) from the frames: see ``change_summary``."""
    return change_summary(*change_maps(now, before))


def change_summary(lift: Any, desat: Any) -> Any:
    """(n, 6): mean, 90th and 99th percentile of the positive brightening and of the positive
    greying. Deliberately not per cell: where smoke appears is a property of one camera's scene,
    and a model trained on few cameras must not learn their layouts (per-cell change features
    fell to chance on a held-out camera; these transfer)."""
    import numpy as np

    n = len(lift)
    out = []
    for change in (np.clip(lift, 0, None), np.clip(desat, 0, None)):
        flat = change.reshape(n, -1)
        out += [flat.mean(1), np.percentile(flat, 90, axis=1), np.percentile(flat, 99, axis=1)]
    return np.stack(out, axis=1).astype(np.float32)


def change_box(lift: Any, desat: Any) -> tuple[float, float, float, float] | None:
    """The box (YOLO, relative) around the densest smoke-like change of one frame: pixels that
    brighten and grey, kept where their 5x5 neighbourhood agrees, then the bounding box of the
    largest 8-connected blob."""
    import numpy as np
    from scipy import ndimage

    mask = (lift > 0.02) & (desat > 0.01)
    mask = ndimage.uniform_filter(mask.astype(np.float32), 5) > 0.5
    labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
    if count == 0:
        return None
    sizes = ndimage.sum(mask, labels, range(1, count + 1))
    ys, xs = np.nonzero(labels == int(np.argmax(sizes)) + 1)
    h, w = mask.shape
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    return ((x0 + x1) / 2 / w, (y0 + y1) / 2 / h, (x1 - x0) / w, (y1 - y0) / h)
