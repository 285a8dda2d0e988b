"""Cumulative readings from hardware counters that wrap around."""

from __future__ import annotations


class WrappingCounter:
    """Turns raw readings of a counter that wraps at ``max_range`` into a growing total.

    RAPL's ``energy_uj`` wraps at ``max_energy_range_uj`` (about 262 kJ: 43 min at 100 W, less on a
    big package), so the counter must be read at least once per wrap period: the meter's sampling
    thread polls it. A reading below the previous one means exactly one wrap happened.
    """

    def __init__(self, max_range: int | None) -> None:
        self.max_range = max_range
        self.total = 0
        self.wraps = 0
        self._last: int | None = None

    def update(self, raw: int) -> int:
        if self._last is not None:
            delta = raw - self._last
            if delta < 0:
                if not self.max_range:
                    delta = 0  # a counter without a known range went backwards: a reset
                else:
                    delta += self.max_range
                    self.wraps += 1
            self.total += delta
        self._last = raw
        return self.total
