"""The power model: the table rebuilt from the shipped SPECpower data, and CPU families found
from recorded /proc/cpuinfo files (AMD, Intel, Arm; full and generic names; unknown parts)."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from frugalbench.measure.power_model import (
    CpuInfo,
    NameIndex,
    detect_family,
    power_table,
)

ROOT = Path(__file__).resolve().parents[2]
CPUINFO = Path(__file__).parent / "data" / "cpuinfo"
NO_DMI = Path("/nonexistent-dmi")

EXPECTED = {  # file -> (family, how it is found)
    "amd-epyc-generic-milan-vm.txt": ("epyc-milan", "CPUID"),
    "amd-epyc-generic-turin-vm.txt": ("epyc-turin", "CPUID"),
    "amd-epyc-7763-milan.txt": ("epyc-milan", "model name"),
    "amd-epyc-7r32-rome-aws.txt": ("epyc-rome", "model name"),
    "amd-epyc-9654-genoa.txt": ("epyc-genoa", "model name"),
    "intel-xeon-8375c-icelake-aws.txt": ("intel-icelake", "model name"),
    "intel-xeon-gold-6248-cascadelake.txt": ("intel-cascadelake", "model name"),
    "intel-xeon-generic-skylake-gcp.txt": ("intel-skylake-sp", "CPUID"),
    "intel-xeon-qemu-icelake.txt": ("intel-icelake", "CPUID"),
    "intel-xeon-8480-sapphirerapids.txt": ("intel-sapphirerapids", "model name"),
    "intel-xeon-e5-2660-v2-ivybridge.txt": ("intel-ivybridge", "model name"),
    "arm-neoverse-n1-graviton2.txt": ("ampere-altra", "CPUID"),
    "intel-core-ultra-unknown.txt": ("intel-any", "unknown family"),
    "intel-xeon-generic-unknown-model.txt": ("intel-any", "unknown family"),
    "hygon-unknown.txt": ("any", "unknown family"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_family_from_recorded_cpuinfo(name: str) -> None:
    detection = detect_family((CPUINFO / name).read_text(), NO_DMI)
    assert (detection.power.family, detection.how) == EXPECTED[name]
    unknown = detection.how == "unknown family"
    assert ("cpu_family_unknown" in detection.flags) == unknown
    assert detection.evidence


def test_every_recorded_file_is_checked() -> None:
    assert sorted(p.name for p in CPUINFO.glob("*.txt")) == sorted(EXPECTED)


def test_cpuid_numbers_are_read_from_the_first_processor() -> None:
    info = CpuInfo.parse((CPUINFO / "amd-epyc-generic-turin-vm.txt").read_text())
    assert (info.vendor, info.family, info.model, info.stepping) == ("AuthenticAMD", 26, 2, 1)
    assert info.model_name == "AMD EPYC" and info.hypervisor


def test_stepping_tells_skylake_from_cascade_lake() -> None:
    text = (CPUINFO / "intel-xeon-generic-skylake-gcp.txt").read_text()
    assert detect_family(text, NO_DMI).power.family == "intel-skylake-sp"
    cascade = text.replace("stepping\t: 3", "stepping\t: 7")
    assert detect_family(cascade, NO_DMI).power.family == "intel-cascadelake"


def test_instance_type_decides_when_cpuid_cannot(tmp_path: Path) -> None:
    (tmp_path / "product_name").write_text("m6i.large\n")
    text = (CPUINFO / "intel-xeon-generic-unknown-model.txt").read_text()
    detection = detect_family(text, tmp_path)
    assert (detection.power.family, detection.how) == ("intel-icelake", "instance type")
    assert "m6i.large" in detection.evidence


def test_a_version_suffix_is_part_of_the_name() -> None:
    index = NameIndex()
    index.add("E5-2660", "sandy", False)
    index.add("E5-2660 v2", "ivy", False)
    assert index.match("Intel Xeon E5-2660 v2 @ 2.2GHz") == ("ivy", "e5-2660 v2")
    assert index.match("Intel Xeon E5-2660 0 @ 2.2GHz") == ("sandy", "e5-2660")
    only_old = NameIndex()
    only_old.add("E5-2660", "sandy", False)
    assert only_old.match("Intel Xeon E5-2660 v3") is None


def test_a_specific_list_wins_a_tie_with_a_mixed_one() -> None:
    index = NameIndex()
    index.add("E3-1240L v5", "mixed-family", True)
    index.add("E3-1240L v5", "client", False)
    assert index.match("Intel Xeon E3-1240L v5")[0] == "client"  # type: ignore[index]


def test_table_band_holds_the_median() -> None:
    table = power_table()
    for row in table.values():
        assert 0 < row.w_per_thread_p10 <= row.w_per_thread <= row.w_per_thread_p90
        assert row.servers >= 3
    # the published servers say a busy EPYC thread draws far below the old flat 10 W
    assert table["epyc-turin"].w_per_thread < table["intel-cascadelake"].w_per_thread < 10
    assert {"amd-any", "intel-any", "any"} <= set(table)


def test_build_script_rebuilds_the_shipped_table(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_power_model.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    shipped = ROOT / "src" / "frugalbench" / "measure" / "data"
    for name in ("power_model.csv", "cpu_families.csv"):
        assert (tmp_path / name).read_text() == (shipped / name).read_text(), name
    rows = {r["family"]: r for r in csv.DictReader((tmp_path / "power_model.csv").open())}
    # the figures of the issue, recomputed from the files: servers and median per family
    assert rows["epyc-rome"]["servers"] == "36"
    assert float(rows["epyc-rome"]["w_per_thread"]) == pytest.approx(1.22, abs=0.005)
    assert rows["intel-skylake-sp"]["servers"] == "78"
    assert float(rows["intel-cascadelake"]["w_per_thread"]) == pytest.approx(3.33, abs=0.005)
    assert "| AMD EPYC 5th gen (Turin, Zen 5) | 43 | 0.96 |" in out
    assert "TDP per thread / measured marginal wall W per thread" in out
