"""The smoke ladder's hand-made rungs: colour and texture of one frame, or its change since the
camera's previous frame, then a class-balanced logistic regression.

Decoding (JPEG at reduced scale) and resizing to 128 x 80 happen in ``predict``, inside the
measured window. ``smoke-change-linear`` is the temporal variant: it needs ``Frame.previous`` and
also gives a box, around the largest smoke-like change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

from frugalbench.models.base import Frame
from frugalbench.models.registry import models
from frugalbench.models.sklearn_pipeline import FeatureLinearDetector


def _still(inputs: Sequence[Frame]) -> Any:
    from frugalbench.image.decode import frames_to_arrays
    from frugalbench.image.features import SIZE, still_features

    return still_features(frames_to_arrays(list(inputs), SIZE))


def _change(inputs: Sequence[Frame]) -> Any:
    from frugalbench.image.decode import frames_to_arrays
    from frugalbench.image.features import SIZE, change_features

    now, before = frames_to_arrays(list(inputs), SIZE, previous=True)
    return change_features(now, before)


@models.add
class ColourTextureLinearModel(FeatureLinearDetector[Frame]):
    task = "smoke"
    default_positive = "smoke"
    name = "colour-texture-linear"
    description = "per-cell colour and texture statistics of a frame (NumPy) + logistic regression"
    features = staticmethod(_still)


@models.add
class SmokeChangeLinearModel(FeatureLinearDetector[Frame]):
    task = "smoke"
    default_positive = "smoke"
    default_c = 1.0  # leave-one-sequence-out on shared/data (README): 0.80 at 1, 0.76 at 0.1
    name = "smoke-change-linear"
    description = (
        "temporal variant: brightening and greying since the camera's previous frame (6 "
        "numbers) + logistic regression; box around the largest smoke-like change"
    )
    features = staticmethod(_change)

    def fit(self, inputs: Sequence[Frame], labels: Sequence[str]) -> Self:
        """Learns from the frames that have a previous one: a frame without one (a sequence's
        first, or a still) shows no change, and in collections where the stills are all smoke,
        "no change" would be learnt as smoke."""
        keep = [i for i, frame in enumerate(inputs) if frame.previous is not None]
        if len({labels[i] for i in keep}) < 2:
            keep = list(range(len(inputs)))
        return super().fit([inputs[i] for i in keep], [labels[i] for i in keep])

    def class_probabilities(self, inputs: Sequence[Frame]) -> tuple[list[str], Any]:
        """The pipeline's model on the change summary, keeping the change maps for the boxes:
        one decode and one pass over the pixels serve both. A frame without a previous one has
        no change to show: it raises no alarm."""
        from frugalbench.image.decode import frames_to_arrays
        from frugalbench.image.features import SIZE, change_maps, change_summary

        now, before = frames_to_arrays(list(inputs), SIZE, previous=True)
        self._maps = change_maps(now, before)
        proba = self.pipeline_[1:].predict_proba(change_summary(*self._maps))
        classes = [str(c) for c in self.pipeline_.classes_]
        alone = [i for i, frame in enumerate(inputs) if frame.previous is None]
        if alone and self.positive in classes:
            proba[alone] = 0.0
            proba[alone, 1 - classes.index(self.positive)] = 1.0
        return classes, proba

    def predict(self, inputs: Sequence[Frame]) -> list[str]:
        from frugalbench.image.features import change_box

        if not len(inputs):
            self.boxes_out: list[Any] = []
            return []
        labels = super().predict(inputs)
        lift, desat = self._maps
        self.boxes_out = [
            change_box(lift[i], desat[i]) if lab == self.positive else None
            for i, lab in enumerate(labels)
        ]
        return labels

    def extra_outputs(self) -> dict[str, Any]:
        return {"boxes": list(getattr(self, "boxes_out", []))}
