"""Energy from inside your own code: ``frugalbench.track``, the meters of ``frugalbench measure``.

Three ways in, one record (:class:`frugalbench.results.measure.MeasureRecord`)::

    with frugalbench.track("epoch") as t:      # a block
        train_one_epoch()
    t.measurement.total_j

    @frugalbench.track()                        # a function, every call
    def step(): ...

    tracker = frugalbench.Tracker()             # explicit windows, nested or overlapping
    tracker.begin_window("data")
    tracker.end_window("data")

What is measured is the calling process and its children (all threads included), as the
``process`` estimate or counters see it: a window opened in one thread also counts the work of
the process's other threads, and its record says so.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from frugalbench.measure.backends import MeterPlan
from frugalbench.measure.base import Measurement
from frugalbench.measure.window import close_window, open_window
from frugalbench.units import format_energy

if TYPE_CHECKING:
    from frugalbench.results.measure import MeasureRecord

F = TypeVar("F", bound=Callable[..., Any])
SCOPE = (
    "the calling process and its children, every thread: a window opened in one thread also "
    "counts the work of the others"
)


class Tracker:
    """Named windows over this process's tree; the meter is built once, on first use."""

    def __init__(
        self,
        meter: str = "auto",
        country: str | None = None,
        pue: float | None = None,
        idle_s: float = 3.0,
        power_profile: str | None = None,
    ) -> None:
        self.meter = meter
        self.country = country
        self.pue = pue
        self.idle_s = idle_s
        self.power_profile = power_profile
        self._plan: MeterPlan | None = None
        self._lock = threading.Lock()

    @property
    def plan(self) -> MeterPlan:
        with self._lock:
            if self._plan is None:
                from frugalbench.measure.backends import build_meter

                self._plan = build_meter(
                    self.meter, idle_s=self.idle_s, power_profile=self.power_profile
                )
            return self._plan

    def begin_window(self, name: str) -> None:
        open_window(self.plan, name)

    def end_window(self, name: str) -> Measurement:
        return self.close_window(name)[0]

    def close_window(self, name: str) -> tuple[Measurement, Measurement | None]:
        """Ours and the comparison meter's (``meter="codecarbon"``; None otherwise)."""
        return close_window(self.plan, name)

    def record(
        self, name: str, m: Measurement, compared: Measurement | None = None
    ) -> MeasureRecord:
        """The same record as ``frugalbench measure --json``, for a named block."""
        from frugalbench.footprint.carbon import emission_factors
        from frugalbench.results.measure import measurement_record

        factors = emission_factors(self.country, self.pue)
        what = {"block": name, "scope": SCOPE}
        return measurement_record(m, self.plan, factors, what, compared)


_default: Tracker | None = None


def default_tracker() -> Tracker:
    global _default
    if _default is None:
        _default = Tracker()
    return _default


class track:
    """Measure a block (context manager) or every call of a function (decorator)."""

    def __init__(
        self,
        name: str = "block",
        *,
        json: str | Path | None = None,
        summary: bool = False,
        tracker: Tracker | None = None,
    ) -> None:
        self.name = name
        self.json = Path(json) if json is not None else None
        self.summary = summary
        self.tracker = tracker
        self.measurement: Measurement | None = None
        self._keys: list[str] = []

    def _tracker(self) -> Tracker:
        return self.tracker or default_tracker()

    def __enter__(self) -> track:
        # a window key of our own: the same name may be open elsewhere (nested, other threads)
        key = f"{self.name}#{id(self)}-{threading.get_ident()}-{len(self._keys)}"
        self._keys.append(key)
        self._tracker().begin_window(key)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        tracker = self._tracker()
        self.measurement, compared = tracker.close_window(self._keys.pop())
        if self.json is not None:
            tracker.record(self.name, self.measurement, compared).save(self.json)
        if self.summary:
            print(summary_line(self.name, self.measurement), file=sys.stderr)

    def __call__(self, fn: F) -> F:
        name = self.name if self.name != "block" else fn.__qualname__

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            block = track(name, json=self.json, summary=self.summary, tracker=self.tracker)
            with block:
                result = fn(*args, **kwargs)
            wrapper.measurements.append(block.measurement)  # type: ignore[attr-defined]
            return result

        wrapper.measurements = []  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]


def summary_line(name: str, m: Measurement) -> str:
    band = (
        f" (power model band {format_energy(m.band_j[0])} - {format_energy(m.band_j[1])})"
        if m.band_j
        else ""
    )
    flags = f" [{', '.join(m.flags)}]" if m.flags else ""
    return f"frugalbench: {name}: {format_energy(m.total_j)}{band} in {m.duration_s:.2f} s{flags}"
