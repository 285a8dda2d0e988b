"""A fitted scikit-learn pipeline from a file: ``--model sklearn:FILE.joblib``.

The pipeline must take the task's raw inputs (quotes, waveforms, frames) and predict its labels by
name. A joblib/pickle file runs code when it is loaded: only the harness's worker loads it, and the
server only inside the sandbox, as for any submission. "Training" loads it once, checks it is a
fitted classifier whose classes are the task's labels, and keeps a copy in the model directory.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

from frugalbench.errors import UserError
from frugalbench.models.base import Model
from frugalbench.models.registry import models

FILE = "pipeline.joblib"


@models.add
class SklearnFile(Model[Any]):
    name = "sklearn-file"
    task = ""  # any task whose inputs the pipeline takes
    description = "a fitted scikit-learn pipeline from a joblib file (sklearn:FILE.joblib)"

    def __init__(self, path: str = "") -> None:
        self.path = path

    def fit(self, inputs: Sequence[Any], labels: Sequence[str]) -> Self:
        import joblib

        try:
            pipeline = joblib.load(self.path)
        except FileNotFoundError:
            raise UserError(f"sklearn:{self.path}: no such file") from None
        if not hasattr(pipeline, "predict"):
            raise UserError(f"sklearn:{self.path}: {type(pipeline).__name__} has no predict()")
        classes = [str(c) for c in getattr(pipeline, "classes_", [])]
        unknown = sorted(set(classes) - set(labels))
        if not classes or unknown:
            raise UserError(
                f"sklearn:{self.path}: a fitted classifier of the task's labels is expected "
                f"(pipeline classes {sorted(classes) or 'unknown: not fitted?'}, task labels "
                f"{sorted(set(labels))})"
            )
        self.pipeline_ = pipeline
        return self

    def predict(self, inputs: Sequence[Any]) -> list[str]:
        return [str(p) for p in self.pipeline_.predict(list(inputs))]

    def save_state(self, directory: Path) -> list[str]:
        import joblib

        joblib.dump(self.pipeline_, directory / FILE)
        return [FILE]

    def load_state(self, directory: Path) -> None:
        import joblib

        if not (directory / FILE).exists():
            raise UserError(f"{directory}: missing {FILE}; make the model directory again")
        self.pipeline_ = joblib.load(directory / FILE)
