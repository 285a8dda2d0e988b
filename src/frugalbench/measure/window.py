"""The measuring window: one primary meter window nested inside the comparison meter's.

Every measured thing goes through here: a harness phase, a `frugalbench measure` command, a
`frugalbench.track` block. Nesting the primary window inside the comparison one keeps the
comparison meter's start-up (1.5 s for CodeCarbon) out of our figure, and closing both in a
``finally`` means a command that cannot start leaves no window open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from frugalbench.measure.backends import MeterPlan
from frugalbench.measure.base import Measurement


@dataclass(frozen=True)
class Window:
    value: Any
    measurement: Measurement
    comparison: Measurement | None


def open_window(plan: MeterPlan, key: str) -> None:
    if plan.comparison is not None:
        plan.comparison.begin_window(key)
    plan.meter.begin_window(key)


def close_window(plan: MeterPlan, key: str) -> tuple[Measurement, Measurement | None]:
    """(ours, the comparison meter's or None); both windows are closed even if ours fails."""
    try:
        measurement = plan.meter.end_window(key)
    finally:
        comparison = plan.comparison.end_window(key) if plan.comparison is not None else None
    return measurement, comparison


class window:
    """``with window(plan, "command") as w: ...``, then ``w.measurement`` and ``w.comparison``."""

    def __init__(self, plan: MeterPlan, key: str) -> None:
        self.plan = plan
        self.key = key
        self.measurement: Measurement | None = None
        self.comparison: Measurement | None = None

    def __enter__(self) -> window:
        open_window(self.plan, self.key)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.measurement, self.comparison = close_window(self.plan, self.key)


def measured_window(plan: MeterPlan, key: str, call: Callable[[], Any]) -> Window:
    """``call()`` measured in one window; its value with the two measurements."""
    with window(plan, key) as w:
        value = call()
    assert w.measurement is not None  # set on exit
    return Window(value, w.measurement, w.comparison)
