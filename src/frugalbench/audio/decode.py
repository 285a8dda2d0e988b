"""Reading recordings into 12 kHz mono float32, and telling exactly why a file cannot be read.

A bad file (corrupt, truncated, empty, NaN samples, an absurd sample rate, too large) raises
``AudioProblem`` with a one-line reason, so a loader can skip it, count it and say why, instead of
stopping a whole evaluation or silently feeding the model garbage.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from math import gcd
from pathlib import Path
from typing import Any

TARGET_RATE_HZ = 12_000
WINDOW_S = 3.0
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")
MAX_FILE_BYTES = 512 * 1024 * 1024
MIN_RATE_HZ = 1_000
MAX_RATE_HZ = 384_000
DETECT_BLOCK_S = 60.0


class AudioProblem(Exception):
    """A recording that cannot be used; ``str()`` is the one-line reason."""


@dataclass(frozen=True)
class AudioInfo:
    rate_hz: int
    channels: int
    frames: int

    @property
    def duration_s(self) -> float:
        return self.frames / self.rate_hz if self.rate_hz else 0.0


Source = Path | bytes


def _opened(source: Source) -> Any:
    import io

    return io.BytesIO(source) if isinstance(source, bytes) else str(source)


def probe(source: Source, max_bytes: int = MAX_FILE_BYTES) -> AudioInfo:
    """Header checks before any sample is decoded: size limit, format, sample rate.

    ``source`` is a file or the file's bytes (as the hub delivers them)."""
    import soundfile as sf

    if isinstance(source, bytes):
        size = len(source)
    else:
        try:
            size = source.stat().st_size
        except OSError as exc:
            raise AudioProblem(f"cannot be read ({exc.strerror})") from None
    if size == 0:
        raise AudioProblem("is empty (0 bytes)")
    if size > max_bytes:
        raise AudioProblem(
            f"is {size / 2**20:.0f} MiB, over the {max_bytes / 2**20:.0f} MiB limit; "
            "cut it into shorter recordings"
        )
    try:
        info = sf.info(_opened(source))
    except Exception as exc:  # libsndfile reports every unreadable header this way
        raise AudioProblem(f"is not a readable audio file ({_reason(exc)})") from None
    if not MIN_RATE_HZ <= info.samplerate <= MAX_RATE_HZ:
        raise AudioProblem(
            f"has an implausible sample rate of {info.samplerate} Hz "
            f"(expected {MIN_RATE_HZ}-{MAX_RATE_HZ} Hz)"
        )
    if info.channels < 1:
        raise AudioProblem("has no audio channels")
    declared = _riff_declared_bytes(source)
    if declared is not None and declared > size:
        # libsndfile quietly reads what is there; a cut-off WAV must not pass as a shorter one
        raise AudioProblem(
            f"is truncated: its RIFF header declares {declared} bytes, the file has {size}"
        )
    return AudioInfo(int(info.samplerate), int(info.channels), int(info.frames))


def _riff_declared_bytes(source: Source) -> int | None:
    """The size a WAV file's RIFF header declares (None: not RIFF, or a streaming writer's
    placeholder of 0 or 0xFFFFFFFF)."""
    import struct

    if isinstance(source, bytes):
        head = source[:12]
    else:
        with source.open("rb") as fh:
            head = fh.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    (riff,) = struct.unpack("<I", head[4:8])
    return None if riff in (0, 0xFFFFFFFF) else riff + 8


def read_audio(
    source: Source, rate_hz: int = TARGET_RATE_HZ, max_bytes: int = MAX_FILE_BYTES
) -> tuple[Any, AudioInfo]:
    """The whole recording as mono float32 at ``rate_hz``, and what the file said about itself."""
    import soundfile as sf

    info = probe(source, max_bytes)
    if info.frames == 0:
        raise AudioProblem("has no samples (zero length)")
    try:
        samples, _ = sf.read(_opened(source), dtype="float32", always_2d=True)
    except Exception as exc:
        raise AudioProblem(
            f"could not be decoded ({_reason(exc)}); the file may be truncated"
        ) from None
    # A header that promises more than the file holds is a cut-off download or copy; compressed
    # formats estimate their length, hence the slack.
    if len(samples) < info.frames - max(0.05 * info.rate_hz, 0.01 * info.frames):
        raise AudioProblem(
            f"is truncated: its header promises {info.duration_s:.2f} s, it holds "
            f"{len(samples) / info.rate_hz:.2f} s"
        )
    return conform(samples, info.rate_hz, rate_hz), info


def read_blocks(
    path: Path, block_s: float = DETECT_BLOCK_S, rate_hz: int = TARGET_RATE_HZ
) -> Iterator[Any]:
    """A long recording as consecutive mono blocks at ``rate_hz``, so an hour of 48 kHz stereo
    never sits in memory at once (no size limit: streaming is what long recordings need)."""
    import soundfile as sf

    info = probe(path, max_bytes=1 << 62)
    frames = max(round(block_s * info.rate_hz), 1)
    try:
        for block in sf.blocks(str(path), blocksize=frames, dtype="float32", always_2d=True):
            yield conform(block, info.rate_hz, rate_hz)
    except AudioProblem:
        raise
    except Exception as exc:
        raise AudioProblem(
            f"could not be decoded ({_reason(exc)}); the file may be truncated"
        ) from None


def conform(samples: Any, from_hz: int, to_hz: int = TARGET_RATE_HZ) -> Any:
    """Down-mix to mono, check the samples are finite, resample (polyphase, anti-aliased)."""
    import numpy as np

    data = np.asarray(samples, dtype=np.float32)
    mono = data.mean(axis=1) if data.ndim == 2 else data
    if mono.size == 0:
        raise AudioProblem("has no samples (zero length)")
    if not np.isfinite(mono).all():
        bad = int((~np.isfinite(mono)).sum())
        raise AudioProblem(f"contains {bad} NaN or infinite sample(s)")
    return resample(mono, from_hz, to_hz)


def resample(mono: Any, from_hz: int, to_hz: int) -> Any:
    import numpy as np

    if from_hz == to_hz:
        return np.ascontiguousarray(mono, dtype=np.float32)
    from scipy.signal import resample_poly

    g = gcd(from_hz, to_hz)
    out = resample_poly(mono, to_hz // g, from_hz // g)
    return np.asarray(out, dtype=np.float32)


def cut_windows(
    mono: Any,
    rate_hz: int = TARGET_RATE_HZ,
    window_s: float = WINDOW_S,
    hop_s: float | None = None,
    min_fill: float = 0.5,
) -> list[tuple[float, Any]]:
    """(start_s, window) pairs of exactly ``window_s``; the tail is zero-padded when it fills at
    least ``min_fill`` of a window (always for a recording shorter than one window)."""
    import numpy as np

    size = round(window_s * rate_hz)
    hop = round((hop_s or window_s) * rate_hz)
    out: list[tuple[float, Any]] = []
    start = 0
    while start < len(mono):
        piece = mono[start : start + size]
        if len(piece) < size:
            if out and len(piece) < min_fill * size:
                break
            piece = np.pad(piece, (0, size - len(piece)))
        out.append((start / rate_hz, np.ascontiguousarray(piece, dtype=np.float32)))
        if start + size >= len(mono):
            break
        start += hop
    return out


def _reason(exc: BaseException) -> str:
    """libsndfile's message without its "Error opening '<path>': " preamble (the caller names
    the file already)."""
    import re

    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    return re.sub(r"^Error opening .*?: ", "", first)[:200]
