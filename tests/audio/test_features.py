"""Log-mel features from first principles: where a tone's energy lands, shapes, stability."""

from __future__ import annotations

import numpy as np

from frugalbench.audio.features import (
    MelSpec,
    _hz_to_mel,
    log_mel,
    log_mel_stats,
    mel_filterbank,
)


def test_a_tone_lights_the_band_that_contains_it() -> None:
    spec = MelSpec()
    t = np.arange(36_000) / 12_000
    lm = log_mel(np.sin(2 * np.pi * 1000 * t)[None, :], spec)
    assert lm.shape == (1, 64, spec.n_frames(36_000))
    band = int(lm[0].mean(axis=1).argmax())
    edges = np.linspace(_hz_to_mel(spec.fmin_hz), _hz_to_mel(spec.fmax_hz), spec.n_mels + 2)
    assert edges[band] < _hz_to_mel(1000) < edges[band + 2]


def test_filters_are_triangles_of_equal_area() -> None:
    spec = MelSpec()
    bank = mel_filterbank(spec)
    assert bank.shape == (64, 257) and (bank >= 0).all()
    hz_per_bin = spec.rate_hz / spec.n_fft
    areas = bank.sum(axis=1) * hz_per_bin
    assert np.allclose(areas[8:], 1.0, atol=0.1)  # the narrowest low bands span under two bins


def test_stats_summarise_each_clip_independently_of_batching() -> None:
    rng = np.random.default_rng(0)
    clips = [rng.normal(size=36_000).astype(np.float32) for _ in range(300)]
    stats = log_mel_stats(clips)
    assert stats.shape == (300, 256)
    np.testing.assert_allclose(stats[-1], log_mel_stats(clips[-1:])[0], rtol=1e-5)
