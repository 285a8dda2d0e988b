"""A meter backend from a third-party package: one file and an entry point, nothing else edited.

The package here is real as far as Python can tell: a module and a ``.dist-info`` with an
``entry_points.txt`` on the path of a fresh ``frugalbench`` process. It must show in
``frugalbench meters``, be accepted by ``--meter`` and measure the window.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BACKEND = '''
from frugalbench.measure.backends import BackendSpec
from frugalbench.measure.base import Availability, ComponentEnergy, Method
from frugalbench.measure.sources import EstimateSource


class WattmeterSource(EstimateSource):
    """A wall meter that reads 7 W, whatever runs: a stand-in for a plug's counter."""

    component = "cpu"
    backend = "wattmeter"

    def energy(self, ctx):
        return ComponentEnergy(
            energy_j=7.0 * ctx.duration_s,
            method=Method(kind="measured", backend="wattmeter", model="7 W x duration"),
        )


SPEC = BackendSpec(
    name="wattmeter",
    components="cpu",
    description="a wall plug's meter (test double)",
    availability=lambda: Availability(True, "the plug answers"),
    sources=lambda ctx: [WattmeterSource()],
    priority=10,
)
'''


def install_plugin(root: Path) -> None:
    (root / "wattmeter_plugin.py").write_text(BACKEND)
    info = root / "wattmeter_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: wattmeter-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[frugalbench.meters]\nwattmeter = wattmeter_plugin:SPEC\n"
    )


def frugalbench(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "frugalbench.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_an_entry_point_backend_is_listed_and_chosen_by_name(tmp_path: Path) -> None:
    install_plugin(tmp_path)
    listed = frugalbench(tmp_path, "meters")
    assert listed.returncode == 0, listed.stderr
    assert "wattmeter" in listed.stdout and "the plug answers" in listed.stdout
    # a counter of any priority outranks the estimate, and auto says which it took
    assert "auto: cpu <- wattmeter (measured)" in listed.stdout

    out = tmp_path / "m.json"
    measured = frugalbench(
        tmp_path,
        "measure",
        "--meter",
        "wattmeter",
        "--json",
        str(out),
        "--",
        sys.executable,
        "-c",
        "import time; time.sleep(0.3)",
    )
    assert measured.returncode == 0, measured.stderr
    record = json.loads(out.read_text())
    cpu = record["components"]["cpu"]
    assert cpu["method"]["backend"] == "wattmeter"
    assert cpu["energy_j"] >= 7.0 * 0.3 * 0.9
    assert record["meter"]["per_component"]["cpu"] == "wattmeter (measured)"
    assert record["meter"]["per_component"]["dram"].startswith("process (estimated)")


def test_without_the_plugin_the_name_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    refused = frugalbench(tmp_path, "measure", "--meter", "wattmeter", "--", "true")
    assert refused.returncode == 2
    assert "unknown meter 'wattmeter'" in refused.stderr and "process" in refused.stderr
