"""``cascade``: a cheap model answers when it is sure, and hands the rest to an expensive one.

The confidence threshold is chosen on validation data held out of the training data (15%,
stratified, seeded): the lowest escalation rate whose cascade accuracy on that validation set is
within ``tolerance`` of the best accuracy any threshold reaches there (escalating everything, the
expensive model alone, included). Both stages are trained on the remaining 85%. The energy of a
prediction follows the escalation rate, which every result reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

from frugalbench.models.base import Model
from frugalbench.models.registry import models


@models.add
class CascadeModel(Model[str]):
    name = "cascade"
    task = "climate-disinfo"
    description = "tfidf-linear when confident, else minilm-linear (threshold from validation)"
    extra = "text"  # its default expensive stage is a MiniLM rung

    def __init__(
        self,
        cheap: str = "tfidf-linear",
        expensive: str = "minilm-linear",
        tolerance: float = 0.01,
        validation_size: float = 0.15,
        seed: int = 0,
        cheap_params: dict[str, Any] | None = None,
        expensive_params: dict[str, Any] | None = None,
    ) -> None:
        self.cheap = cheap
        self.expensive = expensive
        self.tolerance = tolerance
        self.validation_size = validation_size
        self.seed = seed
        self.cheap_params = cheap_params
        self.expensive_params = expensive_params

    def fit(self, inputs: Sequence[str], labels: Sequence[str]) -> Self:
        import numpy as np
        from sklearn.model_selection import train_test_split

        texts, ys = list(inputs), list(labels)
        train_idx, val_idx = train_test_split(
            list(range(len(texts))),
            test_size=self.validation_size,
            random_state=self.seed,
            stratify=ys,
        )
        fit_x, fit_y = [texts[i] for i in train_idx], [ys[i] for i in train_idx]
        val_x, val_y = [texts[i] for i in val_idx], np.array([ys[i] for i in val_idx])
        self.cheap_ = models.get(self.cheap)(**(self.cheap_params or {})).fit(fit_x, fit_y)
        self.expensive_ = models.get(self.expensive)(**(self.expensive_params or {}))
        self.expensive_.fit(fit_x, fit_y)
        cheap_pred, confidence = self.cheap_.predict_with_confidence(val_x)
        expensive_pred = self.expensive_.predict(val_x)
        self.threshold_, self.validation_ = choose_threshold(
            confidence,
            np.array(cheap_pred) == val_y,
            np.array(expensive_pred) == val_y,
            self.tolerance,
        )
        return self

    def predict(self, inputs: Sequence[str]) -> list[str]:
        import numpy as np

        texts = list(inputs)
        predictions, confidence = self.cheap_.predict_with_confidence(texts)
        escalate = np.flatnonzero(np.asarray(confidence) < self.threshold_)
        if len(escalate):
            answers = self.expensive_.predict([texts[i] for i in escalate])
            for i, answer in zip(escalate, answers, strict=True):
                predictions[i] = answer
        self._last_rate = len(escalate) / len(texts) if texts else 0.0
        return list(predictions)

    def inference_stats(self) -> dict[str, float]:
        return {"escalation_rate": getattr(self, "_last_rate", 0.0), "threshold": self.threshold_}

    def n_parameters(self) -> int | None:
        a, b = self.cheap_.n_parameters(), self.expensive_.n_parameters()
        return None if a is None or b is None else a + b

    def save_state(self, directory: Path) -> list[str]:
        import json

        from frugalbench.models.directory import save_model

        save_model(self.cheap_, directory / "cheap")
        save_model(self.expensive_, directory / "expensive")
        state = {"threshold": self.threshold_, "validation": self.validation_}
        (directory / "cascade.json").write_text(json.dumps(state, indent=2))
        return ["cheap/", "expensive/", "cascade.json"]

    def load_state(self, directory: Path) -> None:
        import json

        from frugalbench.models.directory import load_model

        self.cheap_ = load_model(directory / "cheap")
        self.expensive_ = load_model(directory / "expensive")
        state = json.loads((directory / "cascade.json").read_text())
        self.threshold_ = float(state["threshold"])
        self.validation_ = state["validation"]


def choose_threshold(
    confidence: Any, cheap_correct: Any, expensive_correct: Any, tolerance: float
) -> tuple[float, dict[str, float]]:
    """The threshold with the fewest escalations whose validation accuracy is within
    ``tolerance`` of the best any threshold reaches.

    Escalating everything (the expensive model alone) is one of the candidates, so the cascade is
    never more than ``tolerance`` below the expensive model on validation; where the two models
    err on different inputs, the best threshold can beat both, and the target rises with it.
    """
    import numpy as np

    confidence = np.asarray(confidence, dtype=float)
    thresholds = np.unique(np.concatenate([confidence, [np.inf]]))  # ascending
    accuracies = np.array(
        [np.mean(np.where(confidence < t, expensive_correct, cheap_correct)) for t in thresholds]
    )
    best = float(accuracies.max())
    chosen = int(np.flatnonzero(accuracies >= best - tolerance)[0])
    threshold = float(thresholds[chosen])
    return threshold, {
        "accuracy": float(accuracies[chosen]),
        "best_accuracy": best,
        "expensive_accuracy": float(np.mean(expensive_correct)),
        "cheap_accuracy": float(np.mean(cheap_correct)),
        "escalation_rate": float(np.mean(confidence < threshold)),
        "n": float(len(confidence)),
    }
