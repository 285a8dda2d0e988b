"""The machine and software a result was produced on, captured automatically with every result."""

from __future__ import annotations

import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

PACKAGES = ("frugalbench", "numpy", "scikit-learn", "psutil", "pyarrow", "pydantic", "joblib")
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OMP_WAIT_POLICY",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "GOMP_SPINCOUNT",
    "KMP_BLOCKTIME",
)


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def capture_environment() -> dict[str, Any]:
    import psutil

    from frugalbench.measure.cpu_power import cores_per_socket, detect_cpu_model, is_virtual_machine

    return {
        "cpu_model": detect_cpu_model(),
        "logical_cpus": psutil.cpu_count(logical=True),
        "physical_cores": psutil.cpu_count(logical=False),
        "cores_per_socket": cores_per_socket(),
        "virtual_machine": is_virtual_machine(),
        "ram_bytes": psutil.virtual_memory().total,
        "os": platform.platform(),
        "kernel": platform.release(),
        "machine": platform.machine(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "packages": package_versions(),
        "thread_settings": {k: os.environ.get(k) for k in THREAD_VARIABLES},
        "gpus": [],
    }
