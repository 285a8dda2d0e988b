"""Log-mel spectrograms in NumPy: the features of every audio rung, computed inside the model.

Written against NumPy alone (no librosa, no torch) so that inference needs nothing heavier than
NumPy and ONNX Runtime, as on a solar-powered sensor. The mel scale is the HTK formula; filters
are triangles normalised to unit area so that bands of different widths weigh the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from frugalbench.audio.decode import TARGET_RATE_HZ


@dataclass(frozen=True)
class MelSpec:
    rate_hz: int = TARGET_RATE_HZ
    n_fft: int = 512
    hop: int = 256
    n_mels: int = 64
    fmin_hz: float = 50.0
    fmax_hz: float = 6_000.0

    def n_frames(self, n_samples: int) -> int:
        return 1 + max(n_samples - self.n_fft, 0) // self.hop


def _hz_to_mel(hz: Any) -> Any:
    import numpy as np

    return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)


def _mel_to_hz(mel: Any) -> Any:
    import numpy as np

    return 700.0 * (10.0 ** (np.asarray(mel) / 2595.0) - 1.0)


@lru_cache(maxsize=8)
def mel_filterbank(spec: MelSpec) -> Any:
    """(n_mels, n_fft // 2 + 1) triangular filters."""
    import numpy as np

    freqs = np.linspace(0.0, spec.rate_hz / 2, spec.n_fft // 2 + 1)
    edges = _mel_to_hz(
        np.linspace(_hz_to_mel(spec.fmin_hz), _hz_to_mel(spec.fmax_hz), spec.n_mels + 2)
    )
    bank = np.zeros((spec.n_mels, freqs.size), dtype=np.float32)
    for m in range(spec.n_mels):
        low, centre, high = edges[m], edges[m + 1], edges[m + 2]
        rising = (freqs - low) / (centre - low)
        falling = (high - freqs) / (high - centre)
        bank[m] = np.maximum(0.0, np.minimum(rising, falling))
        bank[m] *= 2.0 / (high - low)
    return bank


def log_mel(waves: Any, spec: MelSpec = MelSpec()) -> Any:
    """(n, n_mels, frames) log-mel power of equal-length waveforms (n, samples), float32."""
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view

    batch = np.atleast_2d(np.asarray(waves, dtype=np.float32))
    if batch.shape[1] < spec.n_fft:
        batch = np.pad(batch, ((0, 0), (0, spec.n_fft - batch.shape[1])))
    frames = sliding_window_view(batch, spec.n_fft, axis=1)[:, :: spec.hop]
    window = np.hanning(spec.n_fft).astype(np.float32)
    power = np.abs(np.fft.rfft(frames * window, axis=-1)) ** 2
    mel = power.astype(np.float32) @ mel_filterbank(spec).T
    return np.log(mel + 1e-10).transpose(0, 2, 1).astype(np.float32)


def stack_windows(inputs: Any) -> Any:
    """Model inputs (a sequence of 1-D waveforms) as one (n, samples) array; checks lengths."""
    import numpy as np

    arrays = [np.asarray(x, dtype=np.float32) for x in inputs]
    if not arrays:
        return np.zeros((0, 0), dtype=np.float32)
    lengths = {a.shape for a in arrays}
    if len(lengths) != 1 or arrays[0].ndim != 1:
        raise ValueError(f"expected 1-D waveforms of one length, got shapes {sorted(lengths)[:3]}")
    return np.stack(arrays)


def log_mel_stats(inputs: Any, spec: MelSpec = MelSpec()) -> Any:
    """(n, 4 * n_mels) summary of each clip: per band the mean, spread, peak, and mean absolute
    frame-to-frame change. An engine's harmonics are loud and steady in a few bands (high mean,
    low change); birds and rain are intermittent or broadband. Computed in blocks of clips, so
    memory stays flat however many clips are asked for."""
    import numpy as np

    waves = stack_windows(inputs)
    out = []
    for start in range(0, len(waves), 256):
        lm = log_mel(waves[start : start + 256], spec)
        delta = np.abs(np.diff(lm, axis=2)).mean(axis=2)
        out.append(np.concatenate([lm.mean(2), lm.std(2), lm.max(2), delta], axis=1))
    return np.concatenate(out) if out else np.zeros((0, 4 * spec.n_mels), dtype=np.float32)
