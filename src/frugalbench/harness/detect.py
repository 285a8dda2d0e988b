"""``detect``: a trained audio model over long recordings, as a forest guardian would run it.

Each recording is streamed in blocks (an hour of 48 kHz stereo never sits in memory), cut into
windows, and the windows of each block are classified in the measured worker process; windows
the model calls positive are merged into time segments. The energy figure covers what the
model does (feature extraction and inference, in the worker, idle excluded as in ``run``);
decoding the file is the sensor's recorder's work and stays outside, as the result states.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frugalbench.audio.decode import (
    DETECT_BLOCK_S,
    TARGET_RATE_HZ,
    WINDOW_S,
    AudioProblem,
    cut_windows,
    read_blocks,
)
from frugalbench.config import RunConfig
from frugalbench.errors import WorkerFailed
from frugalbench.harness.client import WorkerClient
from frugalbench.measure.base import Measurement

Progress = Callable[[str, float, float], None]


@dataclass(frozen=True)
class Segment:
    start_s: float
    end_s: float
    mean_confidence: float
    max_confidence: float


@dataclass
class RecordingReport:
    path: str
    duration_s: float = 0.0
    n_windows: int = 0
    segments: list[Segment] = field(default_factory=list)
    energy_j: float = 0.0
    problem: str | None = None
    # every window's start, whether the model called it positive, and its confidence
    starts_s: list[float] = field(default_factory=list)
    hits: list[bool] = field(default_factory=list)
    confidence: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "duration_s": self.duration_s,
            "n_windows": self.n_windows,
            "energy_j": self.energy_j,
            "problem": self.problem,
            "segments": [vars(s) for s in self.segments],
        }


@dataclass(frozen=True)
class DetectReport:
    positive: str
    recordings: list[RecordingReport]
    wall_s: float
    method: str
    load: Measurement
    alarm: str = "1-of-1"  # k of n consecutive windows confirm an alarm

    @property
    def audio_s(self) -> float:
        return sum(r.duration_s for r in self.recordings)

    @property
    def energy_j(self) -> float:
        return sum(r.energy_j for r in self.recordings)

    @property
    def energy_j_per_audio_hour(self) -> float | None:
        return self.energy_j / (self.audio_s / 3600) if self.audio_s else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "positive": self.positive,
            "audio_s": self.audio_s,
            "wall_s": self.wall_s,
            "energy_j": self.energy_j,
            "energy_j_per_audio_hour": self.energy_j_per_audio_hour,
            "load_energy_j": self.load.total_j,
            "method": self.method,
            "alarm": self.alarm,
            "recordings": [r.as_dict() for r in self.recordings],
        }


def confirmed(hits: Sequence[bool], min_hits: int = 1, span: int = 1) -> list[bool]:
    """Positive windows that ``min_hits`` of some ``span`` consecutive windows around them
    confirm: a chainsaw runs for minutes, while a bird or a branch is one window. 1 of 1 keeps
    every hit. A ranger answers every alarm, so isolated hits are the false alarms to drop."""
    if min_hits <= 1:
        return list(hits)
    n = len(hits)
    out = [False] * n
    for start in range(max(n - span + 1, 1)):
        window = range(start, min(start + span, n))
        if sum(hits[i] for i in window) >= min_hits:
            for i in window:
                out[i] = out[i] or bool(hits[i])
    return out


def merge_segments(
    starts_s: Sequence[float],
    positive: Sequence[bool],
    confidence: Sequence[float],
    window_s: float = WINDOW_S,
) -> list[Segment]:
    """Consecutive (or overlapping) positive windows become one segment."""
    segments: list[Segment] = []
    run: list[tuple[float, float]] = []
    end = 0.0

    def close() -> None:
        if run:
            confs = [c for _, c in run]
            segments.append(Segment(run[0][0], end, sum(confs) / len(confs), max(confs)))
            run.clear()

    for start, hit, conf in zip(starts_s, positive, confidence, strict=True):
        if hit and run and start <= end:
            run.append((start, float(conf)))
            end = start + window_s
        elif hit:
            close()
            run.append((start, float(conf)))
            end = start + window_s
        else:
            close()
    close()
    return segments


def detect(
    model_dir: Path,
    recordings: Sequence[Path],
    positive: str,
    config: RunConfig,
    hop_s: float = WINDOW_S,
    block_s: float = DETECT_BLOCK_S,
    progress: Progress | None = None,
    alarm: tuple[int, int] = (1, 1),
) -> DetectReport:
    """``alarm`` = (k, n): a window raises an alarm only when k of n consecutive windows
    around it are positive (``confirmed``); (1, 1) keeps every positive window."""
    from frugalbench.harness.runner import make_meter
    from frugalbench.measure.window import measured_window

    say = progress or (lambda name, done_s, total_s: None)
    started = time.perf_counter()
    reports: list[RecordingReport] = []
    with WorkerClient(config.timeout_s) as worker:
        plan = make_meter(config, worker.pid)
        load = measured_window(plan, "load", lambda: worker.load(str(model_dir)))
        for path in recordings:
            report = RecordingReport(str(path))
            reports.append(report)
            try:
                _detect_one(worker, plan, path, positive, hop_s, block_s, report, say)
                report.segments = merge_segments(
                    report.starts_s, confirmed(report.hits, *alarm), report.confidence
                )
            except AudioProblem as problem:
                report.problem = str(problem)
    method = "; ".join(
        f"{name}: {c.method.describe()}" for name, c in load.measurement.components.items()
    )
    return DetectReport(
        positive,
        reports,
        time.perf_counter() - started,
        method,
        load.measurement,
        f"{alarm[0]}-of-{alarm[1]}",
    )


def _detect_one(
    worker: WorkerClient,
    plan: Any,
    path: Path,
    positive: str,
    hop_s: float,
    block_s: float,
    report: RecordingReport,
    say: Progress,
) -> None:
    import numpy as np

    from frugalbench.audio.decode import probe
    from frugalbench.measure.window import measured_window

    total_s = probe(path, max_bytes=1 << 62).duration_s
    # Blocks are whole multiples of the hop, and the tail of each block is carried into the
    # next, so windows are cut exactly as from the whole recording.
    hop = round(hop_s * TARGET_RATE_HZ)
    block = max(round(block_s / hop_s), 1) * hop
    carry = np.zeros(0, dtype=np.float32)
    offset = 0  # samples of the recording before ``carry``
    starts: list[float] = []
    hits: list[bool] = []
    confs: list[float] = []
    n_samples = 0

    def classify(samples: Any, final: bool) -> int:
        """Classify the windows that start in ``samples`` and are complete (or all, if final);
        returns how many samples were consumed."""
        size = round(WINDOW_S * TARGET_RATE_HZ)
        if not final:
            usable = max(len(samples) - size + hop, 0) // hop * hop
            if usable == 0:
                return 0
            windows = cut_windows(samples[: usable - hop + size], hop_s=hop_s)
            windows = [w for w in windows if w[0] * TARGET_RATE_HZ < usable]
        else:
            windows = cut_windows(samples, hop_s=hop_s) if len(samples) else []
            usable = len(samples)
        if windows:
            batch = [w for _, w in windows]
            w = measured_window(
                plan,
                "detect",
                lambda: worker.predict_conf("detect", batch, 4096 + 64 * len(batch)),
            )
            labels, conf = _checked_answers(w.value, len(batch))
            report.energy_j += w.measurement.total_j
            for (start, _), label, c in zip(windows, labels, conf, strict=True):
                starts.append((offset + start * TARGET_RATE_HZ) / TARGET_RATE_HZ)
                hits.append(label == positive)
                confs.append(float(c))
        return usable

    for samples in read_blocks(path, block_s):
        n_samples += len(samples)
        carry = np.concatenate([carry, samples])
        if len(carry) >= block:
            used = classify(carry, final=False)
            carry = carry[used:]
            offset += used
        say(str(path), n_samples / TARGET_RATE_HZ, total_s)
    classify(carry, final=True)
    report.duration_s = n_samples / TARGET_RATE_HZ
    report.n_windows = len(starts)
    report.starts_s, report.hits, report.confidence = starts, hits, confs


def _checked_answers(value: Any, n: int) -> tuple[list[str], list[float]]:
    """A worker's (labels, confidences) for ``n`` windows, or ``WorkerFailed`` saying why not."""
    ok = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(part, list) and len(part) == n for part in value)
        and all(isinstance(label, str) for label in value[0])
        and all(isinstance(c, int | float) for c in value[1])
    )
    if not ok:
        raise WorkerFailed("detect", f"the model did not return {n} labels and {n} confidences")
    return value[0], [float(c) for c in value[1]]
