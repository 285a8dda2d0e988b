"""frugalbench: what an AI model spends (energy, carbon) against what it achieves, honestly.

The public API is small and imported lazily, so that ``frugalbench --help`` starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from frugalbench.harness.runner import run
    from frugalbench.measure.base import Measurement, Meter
    from frugalbench.models.base import Model
    from frugalbench.results import RunResult
    from frugalbench.tasks.base import Task
    from frugalbench.tracking import Tracker, track

__all__ = [
    "Measurement",
    "Meter",
    "Model",
    "RunResult",
    "Task",
    "Tracker",
    "__version__",
    "run",
    "track",
]

_LAZY = {
    "run": "frugalbench.harness.runner",
    "Measurement": "frugalbench.measure.base",
    "Meter": "frugalbench.measure.base",
    "Model": "frugalbench.models.base",
    "RunResult": "frugalbench.results",
    "Task": "frugalbench.tasks.base",
    "Tracker": "frugalbench.tracking",
    "track": "frugalbench.tracking",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'frugalbench' has no attribute {name!r}")
