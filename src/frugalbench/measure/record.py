"""The measurement record: what `frugalbench measure --json` and `frugalbench.track` write.

One shape for both, so a block measured from inside a training script and a command measured from
outside read the same: the marginal joules with the power-model band, per-component methods, the
emissions computed afterwards from factors, the environment and the meter's choices.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from frugalbench.measure.backends import MeterPlan
from frugalbench.measure.base import Measurement
from frugalbench.measure.carbon import EmissionFactors

RECORD_VERSION = 2  # 2: energy_band_j (the power model's band)


def measurement_record(
    m: Measurement,
    plan: MeterPlan,
    factors: EmissionFactors,
    what: dict[str, Any],
    compared: Measurement | None = None,
) -> dict[str, Any]:
    """``what`` says what was measured (a command and its exit code, or a named block)."""
    from frugalbench.environment import capture_environment

    return {
        "schema_version": RECORD_VERSION,
        **what,
        "energy_j": m.total_j,
        "energy_band_j": m.band_j,
        "energy_kind": "marginal: the measured process tree only, idle power excluded",
        "duration_s": m.duration_s,
        "components": {k: c.model_dump() for k, c in m.components.items()},
        "observations": m.observations,
        "emissions": {"co2e_g": factors.co2e_g(m.total_j), "factors": factors.model_dump()},
        "environment": {**capture_environment(), "gpus": plan.gpus},
        "meter": plan.describe(),
        "flags": list(m.flags),
        "measurement": m.model_dump(mode="json"),
        "comparison": None
        if compared is None
        else {"codecarbon": compared.model_dump(mode="json")},
    }


def write_record(record: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n")
