"""Decoding real container formats, resampling, windows, and every kind of bad file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from frugalbench.audio.decode import AudioProblem, cut_windows, probe, read_audio, read_blocks


def tone(rate_hz: int, seconds: float, freq_hz: float = 1000.0, channels: int = 2) -> np.ndarray:
    t = np.arange(int(rate_hz * seconds)) / rate_hz
    mono = 0.5 * np.sin(2 * np.pi * freq_hz * t)
    return np.stack([mono] * channels, axis=1).astype(np.float32)


def peak_hz(mono: np.ndarray, rate_hz: int) -> float:
    spectrum = np.abs(np.fft.rfft(mono))
    return float(np.fft.rfftfreq(len(mono), 1 / rate_hz)[spectrum.argmax()])


@pytest.mark.parametrize("suffix", [".wav", ".flac", ".ogg", ".mp3"])
def test_formats_decode_to_12khz_mono_at_the_same_pitch(suffix: str, tmp_path: Path) -> None:
    path = tmp_path / f"tone{suffix}"
    sf.write(path, tone(44_100, 2.0), 44_100)
    mono, info = read_audio(path)
    assert info.rate_hz == 44_100 and info.channels == 2
    assert mono.dtype == np.float32 and mono.ndim == 1
    assert abs(len(mono) - 24_000) < 1_200  # mp3 and ogg add a few ms of codec delay
    assert abs(peak_hz(mono, 12_000) - 1000) < 5


def test_frequencies_above_the_new_nyquist_are_filtered_not_folded(tmp_path: Path) -> None:
    path = tmp_path / "high.wav"
    sf.write(path, tone(48_000, 1.0, freq_hz=9_000, channels=1), 48_000)
    mono, _ = read_audio(path)
    # 9 kHz cannot exist at 12 kHz; without an anti-alias filter it would fold to 3 kHz
    assert np.sqrt(np.mean(mono**2)) < 0.01


def test_bytes_are_read_like_files(tmp_path: Path) -> None:
    path = tmp_path / "tone.flac"
    sf.write(path, tone(16_000, 1.0), 16_000)
    from_file, _ = read_audio(path)
    from_bytes, _ = read_audio(path.read_bytes())
    np.testing.assert_array_equal(from_file, from_bytes)


def test_windows_cut_pad_and_drop_short_tails() -> None:
    seven_s = np.ones(7 * 12_000, dtype=np.float32)
    assert [s for s, _ in cut_windows(seven_s)] == [0.0, 3.0]  # the 1-s tail is under half
    eight_s = np.ones(8 * 12_000, dtype=np.float32)
    windows = cut_windows(eight_s)
    assert [s for s, _ in windows] == [0.0, 3.0, 6.0]
    assert windows[-1][1][: 2 * 12_000].all() and not windows[-1][1][2 * 12_000 :].any()
    short = cut_windows(np.ones(12_000, dtype=np.float32))  # a 1-s clip is padded, never dropped
    assert len(short) == 1 and len(short[0][1]) == 36_000
    assert [s for s, _ in cut_windows(seven_s, hop_s=1.5)] == [0.0, 1.5, 3.0, 4.5]


def problem(path: Path, **kwargs: int) -> str:
    with pytest.raises(AudioProblem) as info:
        read_audio(path, **kwargs)
    return str(info.value)


def test_bad_files_each_get_their_reason(tmp_path: Path) -> None:
    good = tmp_path / "good.wav"
    sf.write(good, tone(44_100, 2.0), 44_100)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    assert "empty" in problem(empty)
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF" + b"\x00garbage" * 100)
    assert "not a readable audio file" in problem(junk)
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    assert "truncated" in problem(truncated)
    nan = tmp_path / "nan.wav"
    samples = tone(44_100, 1.0)
    samples[10, 0] = np.nan
    sf.write(nan, samples, 44_100, subtype="FLOAT")
    assert "NaN" in problem(nan)
    absurd = tmp_path / "absurd.wav"
    sf.write(absurd, tone(44_100, 0.1), 100)
    assert "implausible sample rate of 100 Hz" in problem(absurd)
    zero = tmp_path / "zero.wav"
    sf.write(zero, np.zeros((0, 1), dtype=np.float32), 16_000)
    assert "zero length" in problem(zero)
    assert "over the 0 MiB limit" in problem(good, max_bytes=1024)


def test_blocks_stream_a_recording_in_order(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    samples = tone(24_000, 10.0, channels=1)
    sf.write(path, samples, 24_000)
    whole, _ = read_audio(path)
    blocks = list(read_blocks(path, block_s=3.0))
    assert len(blocks) == 4
    assert abs(sum(len(b) for b in blocks) - len(whole)) <= 4
    assert probe(path).duration_s == pytest.approx(10.0)
