"""The model contract, and model directories (a manifest plus weights).

Models follow scikit-learn: the constructor stores parameters and does nothing else, ``fit`` does
the work, fitted state ends in ``_``, and ``get_params()`` rebuilds an identical unfitted model.
A model only ever answers ``predict(inputs)``: the harness decides what is measured and keeps the
labels of the evaluation data.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Generic, Self, TypeVar

import numpy as np
from numpy.typing import NDArray

from frugalbench.image.decode import Frame

__all__ = ["Frame", "Model", "Waveform", "X", "fit_extras"]

Waveform = NDArray[np.float32]  # a clip: mono samples at the task's sample rate
X = TypeVar("X")  # what a model takes: a quote (str), a clip (Waveform) or a camera Frame


class Model(ABC, Generic[X]):
    """Base of every model; subclasses declare their parameters as keyword arguments.

    Typed by the input kind it takes: ``Model[str]`` for quotes, ``Model[Waveform]`` for clips,
    ``Model[Frame]`` for camera frames; ``Model[Any]`` for a model that never looks at its inputs
    (the constant baselines) or reads whatever its file says (``sklearn:``)."""

    name: ClassVar[str] = ""
    task: ClassVar[str] = ""
    description: ClassVar[str] = ""
    STATE_FILE: ClassVar[str] = "state.joblib"
    # the pip extra that installs what the model needs beyond the core ("audio", "text"): named
    # in the failure when an import is missing, so the reason says how to fix it
    extra: ClassVar[str] = ""
    # a capability, as scikit-learn's tags: ``fit`` takes ``annotations=`` (boxes) beside the
    # labels; declared, never guessed from the signature
    fit_takes_annotations: ClassVar[bool] = False

    @abstractmethod
    def fit(self, inputs: Sequence[X], labels: Sequence[str]) -> Self: ...

    @abstractmethod
    def predict(self, inputs: Sequence[X]) -> list[str]: ...

    def get_params(self) -> dict[str, Any]:
        signature = inspect.signature(type(self).__init__)
        skip = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        return {
            name: getattr(self, name)
            for name, param in signature.parameters.items()
            if name != "self" and param.kind not in skip
        }

    def fitted_state(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k.endswith("_") and not k.startswith("_")}

    def predict_with_confidence(self, inputs: Sequence[X]) -> tuple[list[str], Any]:
        """Predictions and a confidence per input (higher = surer), for cascades.

        Models that can say how sure they are override this; the others cannot be a cascade's
        first stage.
        """
        raise NotImplementedError(f"{type(self).__name__} gives no confidence")

    def inference_stats(self) -> dict[str, float]:
        """Figures about the last ``predict`` that the result should carry (e.g. a cascade's
        escalation rate); read by the harness outside the measured window."""
        return {}

    def extra_outputs(self) -> dict[str, Any]:
        """Per-input outputs of the last ``predict`` besides the labels (e.g. ``boxes``),
        computed inside ``predict`` (so inside the measured window); read by the harness after
        it, for scores that need them."""
        return {}

    def n_parameters(self) -> int | None:
        """Learned numbers in the model, when the model can count them."""
        return None

    def save_state(self, directory: Path) -> list[str]:
        """Write the fitted state; returns the file names written. joblib by default."""
        import joblib

        joblib.dump(self.fitted_state(), directory / self.STATE_FILE, compress=3)
        return [self.STATE_FILE]

    def load_state(self, directory: Path) -> None:
        import joblib

        state = joblib.load(directory / self.STATE_FILE)
        for key, value in state.items():
            setattr(self, key, value)


def fit_extras(cls: type, annotations: Sequence[Any]) -> dict[str, Any]:
    """The keyword arguments ``fit`` takes beyond inputs and labels, by the class's declared
    capabilities: the training annotations for a model that declares it wants them."""
    if annotations and getattr(cls, "fit_takes_annotations", False):
        return {"annotations": list(annotations)}
    return {}
