"""The benchmarks stay runnable: each runs once, scaled down (the figures themselves are the
benchmark's to print, not the test's to judge)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_meter_fidelity_runs(tmp_path: Path) -> None:
    out = tmp_path / "f.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "meter_fidelity.py"),
            "--scale",
            "0.04",
            "--no-codecarbon",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "targets met" in proc.stdout
    data = json.loads(out.read_text())
    assert len(data["measurements"]) == 11
    assert data["ratios"]["busy 10 s / busy 5 s"]["ours"] > 1.5
