"""Tasks: what a model is asked to do, on which data, and how its answers are scored.

A task is a frozen dataclass in Python rather than a configuration file: its loaders and metrics
are code, and a reader can follow them. The harness keeps a dataset's labels on its side; a model
only ever receives ``Dataset.inputs``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Dataset:
    """Inputs and labels of one split, with where they came from.

    ``inputs`` are whatever the task's models take (quotes as ``str``, clips as 1-D float32
    waveforms). ``groups`` names the recording (or camera sequence) each input was cut from, so
    that splits never put pieces of one recording on both sides. ``skipped`` lists the source
    files that could not be used and why: a result says what it left out.
    """

    inputs: tuple[Any, ...]
    labels: tuple[str, ...]
    source: str
    fingerprint: str
    split: str = "all"
    ids: tuple[str, ...] = field(default=())
    groups: tuple[str, ...] = field(default=())
    skipped: tuple[tuple[str, str], ...] = field(default=())
    # per-input ground truth besides the label (a smoke frame's boxes): harness side only, like
    # the labels; models see it only when training
    annotations: tuple[Any, ...] = field(default=())

    def __post_init__(self) -> None:
        if len(self.inputs) != len(self.labels):
            raise ValueError("inputs and labels differ in length")
        if self.groups and len(self.groups) != len(self.inputs):
            raise ValueError("inputs and groups differ in length")
        if self.annotations and len(self.annotations) != len(self.inputs):
            raise ValueError("inputs and annotations differ in length")

    def __len__(self) -> int:
        return len(self.inputs)

    def digests(self) -> set[bytes]:
        """Each input by its content (``input_digest``): what two datasets share, row by row."""
        return {input_digest(x) for x in self.inputs}

    def subset(self, indices: Sequence[int], split: str) -> Dataset:
        return Dataset(
            inputs=tuple(self.inputs[i] for i in indices),
            labels=tuple(self.labels[i] for i in indices),
            source=self.source,
            fingerprint=self.fingerprint,
            split=split,
            ids=tuple(self.ids[i] for i in indices) if self.ids else (),
            groups=tuple(self.groups[i] for i in indices) if self.groups else (),
            skipped=self.skipped,
            annotations=tuple(self.annotations[i] for i in indices) if self.annotations else (),
        )

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "split": self.split,
            "n_inputs": len(self),
            "fingerprint": self.fingerprint,
        }
        if self.groups:
            out["n_groups"] = len(set(self.groups))
        if self.skipped:
            reasons: dict[str, int] = {}
            for _, reason in self.skipped:
                reasons[reason] = reasons.get(reason, 0) + 1
            out["skipped"] = {
                "n_files": len(self.skipped),
                "reasons": reasons,
                "files": [{"file": f, "reason": r} for f, r in self.skipped],
            }
        return out


NOT_HELD_OUT = "scores are not held-out scores"
SMALL_OVERLAP = 0.02  # below: a few repeated rows, as real data has; above: a contaminated split
DIGEST_BYTES = 8  # 64 bits: a chance collision among a million inputs is about 3e-8


def input_digest(value: Any) -> bytes:
    """An input named by its content: a quote's text with its whitespace normalised, a clip's
    samples, a frame's encoded bytes. Rows copied from a training file match whatever file
    they were pasted into, which whole-file fingerprints cannot see."""
    import hashlib

    if isinstance(value, str):
        raw = " ".join(value.split()).encode()
    elif hasattr(value, "image"):  # a camera Frame, with its previous frame
        raw = value.image + (value.previous or b"")
    elif hasattr(value, "tobytes"):  # a waveform
        raw = value.tobytes()
    else:
        raw = repr(value).encode()
    return hashlib.blake2b(raw, digest_size=DIGEST_BYTES).digest()


def overlap_note(trained_on: set[bytes], evaluated: Dataset) -> str | None:
    """What share of the evaluation inputs the model saw in training; None when none."""
    shared = sum(input_digest(x) in trained_on for x in evaluated.inputs)
    if not shared:
        return None
    share = shared / len(evaluated)
    return (
        f"{shared} of {len(evaluated)} evaluation inputs ({share:.1%}) are also in the model's "
        f"training data: up to {share * 100:.1f} accuracy points may come from remembering them"
        + (f"; {NOT_HELD_OUT}" if share >= SMALL_OVERLAP else " (repeated rows in the data)")
    )


@dataclass(frozen=True)
class Metric:
    name: str
    higher_is_better: bool
    description: str


@dataclass(frozen=True)
class Task:
    """A benchmark task; ``load(data)`` returns the dataset named by ``data`` (None: bundled)."""

    name: str
    description: str
    labels: tuple[str, ...]
    input_kind: str
    metrics: tuple[Metric, ...]
    loader: Callable[[str | None], Dataset]
    scorer: Callable[[Sequence[str], Sequence[str], Sequence[str]], dict[str, Any]]
    input_unit: str = "input"
    positive: str | None = None  # a detection task's label of interest (``detect`` reports it)
    # the reference models ``bench`` runs by default, cheapest first (empty: every model of the
    # task, as the registry lists them)
    ladder: tuple[str, ...] = ()
    # scores that need more than labels: (annotations, predicted labels, the model's extra
    # outputs, e.g. boxes) -> scores; used when the evaluation data has annotations
    extra_scorer: (
        Callable[[Sequence[Any], Sequence[str], dict[str, Any]], dict[str, Any]] | None
    ) = None

    def load(self, data: str | None = None) -> Dataset:
        return self.loader(data)

    def score(
        self,
        y_true: Sequence[str],
        y_pred: Sequence[str],
        annotations: Sequence[Any] = (),
        outputs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        scores = self.scorer(self.labels, y_true, y_pred)
        if self.extra_scorer is not None and annotations:
            scores.update(self.extra_scorer(annotations, y_pred, outputs or {}))
        return scores

    def score_by_group(
        self,
        y_true: Sequence[str],
        y_pred: Sequence[str],
        groups: Sequence[str],
        annotations: Sequence[Any] = (),
        outputs: dict[str, Any] | None = None,
    ) -> dict[str, dict[str, Any]]:
        """The task's metrics on each group (recorder, camera) alone, with its size: the spread
        a user meets on a source the model never saw."""
        out: dict[str, dict[str, Any]] = {}
        for group in sorted(set(groups)):
            idx = [i for i, g in enumerate(groups) if g == group]
            pick = {k: [v[i] for i in idx] for k, v in (outputs or {}).items()}
            scores = self.score(
                [y_true[i] for i in idx],
                [y_pred[i] for i in idx],
                [annotations[i] for i in idx] if annotations else (),
                pick,
            )
            out[group] = {"n": len(idx)} | {
                k: v for k, v in scores.items() if v is None or isinstance(v, int | float)
            }
        return out
