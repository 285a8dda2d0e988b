"""CodeCarbon as a comparison backend: the same window, measured by CodeCarbon, side by side.

CodeCarbon is the tracker most people use, so a result can show both figures for one window and
let a reader see the difference. It runs ``OfflineEmissionsTracker`` in process mode (its own
process and its children: in the harness, the worker is a child) and writes no files.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any, ClassVar

from frugalbench.errors import UserError
from frugalbench.measure.backends import BackendSpec, register
from frugalbench.measure.base import Availability, ComponentEnergy, Measurement, Method
from frugalbench.units import J_PER_KWH


class CodeCarbonMeter:
    name: ClassVar[str] = "codecarbon"

    def __init__(self, tracking_mode: str = "process", measure_power_s: float = 1.0) -> None:
        self.tracking_mode = tracking_mode
        self.measure_power_s = measure_power_s
        self._trackers: dict[str, tuple[Any, str]] = {}

    @classmethod
    def is_available(cls) -> Availability:
        try:
            return Availability(True, f"CodeCarbon {version('codecarbon')} is installed")
        except PackageNotFoundError:
            return Availability(False, "CodeCarbon is not installed: pip install codecarbon")

    def begin_window(self, key: str) -> None:
        from codecarbon import OfflineEmissionsTracker

        if key in self._trackers:
            raise UserError(f"measurement window {key!r} is already open; end it first")
        logging.getLogger("codecarbon").setLevel(logging.ERROR)
        tracker = OfflineEmissionsTracker(
            country_iso_code="USA",  # carbon is ours to compute; CodeCarbon's is ignored
            tracking_mode=self.tracking_mode,
            output_methods=[],  # no CSV, no API: the figures go into our result only
            log_level="error",
            measure_power_secs=self.measure_power_s,
            allow_multiple_runs=True,
        )
        tracker.start()
        self._trackers[key] = (tracker, datetime.now(UTC).isoformat())

    def end_window(self, key: str) -> Measurement:
        try:
            tracker, started_at = self._trackers.pop(key)
        except KeyError:
            raise UserError(f"measurement window {key!r} was never opened") from None
        tracker.stop()
        data = tracker.final_emissions_data
        method = Method(
            kind="estimated",
            backend=self.name,
            model=f"CodeCarbon {version('codecarbon')} OfflineEmissionsTracker, "
            f"tracking_mode={self.tracking_mode}",
            parameters={
                "cpu_power_w": round(float(data.cpu_power), 3),
                "ram_power_w": round(float(data.ram_power), 3),
                "cpu_model": str(data.cpu_model),
                "measure_power_s": self.measure_power_s,
            },
            source="CodeCarbon (as it reports itself)",
        )
        components = {
            "cpu": ComponentEnergy(energy_j=float(data.cpu_energy) * J_PER_KWH, method=method),
            "dram": ComponentEnergy(energy_j=float(data.ram_energy) * J_PER_KWH, method=method),
        }
        if float(data.gpu_energy) > 0:
            components["gpu"] = ComponentEnergy(
                energy_j=float(data.gpu_energy) * J_PER_KWH, method=method
            )
        return Measurement(
            key=key, started_at=started_at, duration_s=float(data.duration), components=components
        )


register(
    BackendSpec(
        "codecarbon",
        "comparison",
        "CodeCarbon's OfflineEmissionsTracker, side by side",
        lambda: CodeCarbonMeter.is_available(),
        kind="comparison",
        comparison=lambda: CodeCarbonMeter(),
    )
)
