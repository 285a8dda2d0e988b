"""Every file frugalbench writes, as typed records, and the one reader of them all (``load_any``).

A run's result (:class:`RunResult`) and its siblings: the ``measure`` record, the bench file, the
``detect`` report and the server's stored evaluation. Each carries a version; ``load_any`` reads
any of them, upgrading what an older frugalbench wrote.
"""

from __future__ import annotations

from frugalbench.results.info import DataInfo, EnvironmentInfo, MeterInfo, ModelInfo, TaskInfo
from frugalbench.results.run import (
    BAND_MEANING,
    SCHEMA_VERSION,
    Band,
    Comparison,
    Emissions,
    Failure,
    PerThousand,
    PhaseResult,
    RunResult,
    compute_emissions,
)

__all__ = [
    "BAND_MEANING",
    "SCHEMA_VERSION",
    "Band",
    "Comparison",
    "DataInfo",
    "Emissions",
    "EnvironmentInfo",
    "Failure",
    "MeterInfo",
    "ModelInfo",
    "PerThousand",
    "PhaseResult",
    "RunResult",
    "TaskInfo",
    "compute_emissions",
]
