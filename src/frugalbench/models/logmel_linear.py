"""``logmel-linear``: log-mel band statistics and a class-balanced logistic regression.

The frugal rung of the chainsaw task: 256 numbers per clip (mean, spread, peak and change of 64
mel bands) computed with NumPy inside the measured window, then one dot product. Class weights are
balanced because chainsaws are the minority and a missed one is the costly error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from frugalbench.models.base import Waveform
from frugalbench.models.registry import models
from frugalbench.models.sklearn_pipeline import FeatureLinearDetector


def _log_mel_stats(inputs: Sequence[Waveform]) -> Any:
    from frugalbench.audio.features import log_mel_stats

    return log_mel_stats(inputs)


@models.add
class LogMelLinearModel(FeatureLinearDetector[Waveform]):
    name = "logmel-linear"
    task = "chainsaw"
    description = "log-mel band statistics (NumPy) + class-balanced logistic regression"
    default_positive = "chainsaw"
    features = staticmethod(_log_mel_stats)
