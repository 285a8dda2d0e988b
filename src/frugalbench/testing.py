"""Conformance checks for plug-ins: a third-party model or meter passes the same checks as ours.

Use them in your own tests::

    from frugalbench.testing import check_model
    check_model(MyModel(), inputs, labels, tmp_path)

Each check raises ``AssertionError`` with the broken rule, so a test fails with a useful message.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from frugalbench.measure.base import Meter
from frugalbench.models.base import Model


def check_model(
    model: Model[Any],
    inputs: Sequence[Any],
    labels: Sequence[str],
    directory: Path,
    task_name: str | None = None,
) -> list[str]:
    """Fit, predict, save, reload: the contract every model keeps. Returns the predictions.

    ``task_name`` is needed only for models that serve any task (``task = ""``)."""
    from frugalbench.models.directory import load_model, save_model
    from frugalbench.tasks import get_task

    cls = type(model)
    task = get_task(cls.task or task_name or "climate-disinfo")
    params = model.get_params()
    assert cls(**params).get_params() == params, "the constructor must only store its parameters"
    predictions = model.fit(inputs, labels).predict(inputs)
    assert len(predictions) == len(inputs), "predict must return one answer per input"
    unknown = set(predictions) - set(task.labels)
    assert not unknown, f"predict returned labels the task does not have: {sorted(unknown)[:3]}"
    manifest = save_model(model, directory)
    assert manifest.params == params, "the manifest must hold the constructor's parameters"
    reloaded = load_model(directory)
    assert type(reloaded) is cls, "loading a model directory must give back the same class"
    assert reloaded.predict(inputs) == predictions, "a reloaded model must predict the same"
    return predictions


def check_meter(meter: Meter) -> None:
    """Windows by key, several open at once, immutable measurements with a method per part."""
    from frugalbench.errors import UserError
    from frugalbench.measure.base import Measurement

    assert type(meter).is_available(), "check_meter needs an available meter"
    meter.begin_window("outer")
    meter.begin_window("inner")
    inner = meter.end_window("inner")
    outer = meter.end_window("outer")
    for m in (inner, outer):
        assert isinstance(m, Measurement), "end_window must return a Measurement"
        assert m.duration_s >= 0 and m.components, "a measurement needs a duration and components"
        for name, part in m.components.items():
            assert part.energy_j >= 0, f"{name}: energy must not be negative"
            assert part.method.backend and part.method.model, f"{name}: the method must be stated"
    assert outer.duration_s >= inner.duration_s, "an enclosing window lasts at least as long"
    try:
        meter.end_window("never-opened")
    except UserError:
        return
    raise AssertionError("ending a window that was never opened must raise UserError")
