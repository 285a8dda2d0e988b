"""Repeats and uncertainty: every reported figure is a median with a 95% interval and a CV.

The interval is Student's t interval of the mean (exact for normal noise, honest about small n:
with 3 repeats the t quantile is 4.30, not 1.96). The median is what we report as the figure,
because one disturbed repeat should not move it; the interval says how far repeats wander.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

INTERVAL_METHOD = "95% Student t interval of the mean"


class Summary(BaseModel):
    """Median of repeats with min, max, a 95% interval and the coefficient of variation."""

    model_config = ConfigDict(frozen=True)

    median: float
    min: float
    max: float
    n: int
    mean: float | None = None
    ci95_low: float | None = None
    ci95_high: float | None = None
    cv: float | None = None
    interval_method: str | None = None

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        if not values:
            raise ValueError("a summary needs at least one value")
        n = len(values)
        median = statistics.median(values)
        if n < 2:
            return cls(median=median, min=min(values), max=max(values), n=n, mean=median)
        mean = statistics.fmean(values)
        sd = statistics.stdev(values)
        half = t_quantile_975(n - 1) * sd / math.sqrt(n)
        return cls(
            median=median,
            min=min(values),
            max=max(values),
            n=n,
            mean=mean,
            ci95_low=mean - half,
            ci95_high=mean + half,
            cv=sd / mean if mean else None,
            interval_method=INTERVAL_METHOD,
        )

    def scaled(self, factor: float) -> Summary:
        def s(v: float | None) -> float | None:
            return None if v is None else v * factor

        return self.model_copy(
            update={
                "median": self.median * factor,
                "min": self.min * factor,
                "max": self.max * factor,
                "mean": s(self.mean),
                "ci95_low": s(self.ci95_low),
                "ci95_high": s(self.ci95_high),
            }
        )


def t_quantile_975(dof: int) -> float:
    """The 97.5% quantile of Student's t (two-sided 95%)."""
    from scipy.stats import t

    return float(t.ppf(0.975, dof))
