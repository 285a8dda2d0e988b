"""The power model: marginal wall power per busy hardware thread, per CPU family, from SPECpower.

A VM shows no energy counter, so the process estimate charges every CPU-second of the measured
tree at a power per busy thread. That figure comes from ``data/power_model.csv``, built by
``scripts/build_power_model.py`` from the SPECpower_ssj2008 results: per family, the median over
its servers of (W at 100% load - W at active idle) / hardware threads, with the p10 and p90 of the
same ratio as the band. The basis is the whole server at the wall (power supply, memory, fans),
before data-centre PUE; not the CPU package. A cloud vCPU is one hardware thread.

The family is found from what the machine shows, in order: the model name listed in a family's
CPU list (``data/cpu_families.csv``), the CPUID vendor / family / model numbers (a VM often shows
only "AMD EPYC"), the cloud instance type named in ``/sys/class/dmi/id``; else the pool of all
that vendor's servers, flagged.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

BASIS = (
    "SPECpower_ssj2008: whole server at the wall (power supply, memory, fans), before PUE; "
    "(W at 100% load - W at active idle) / hardware threads; a Java server workload, not an ML "
    "kernel and not the CPU package alone"
)
TABLE = "power_model.csv"


@dataclass(frozen=True)
class FamilyPower:
    """One row of the power model: a family's marginal power per busy thread and its spread."""

    family: str
    vendor: str
    label: str
    servers: int
    w_per_thread: float
    w_per_thread_p10: float
    w_per_thread_p90: float
    idle_w_per_thread: float
    ccf_architecture: str
    ccf_min_w_per_vcpu: float | None
    ccf_max_w_per_vcpu: float | None

    @property
    def band(self) -> str:
        return f"p10-p90 of {self.servers} SPECpower servers"


@lru_cache(maxsize=1)
def power_table() -> dict[str, FamilyPower]:
    path = resources.files("frugalbench.measure").joinpath(f"data/{TABLE}")
    with path.open() as fh:
        return {row["family"]: _row(row) for row in csv.DictReader(fh)}


def _row(row: dict[str, str]) -> FamilyPower:
    def opt(key: str) -> float | None:
        return float(row[key]) if row[key] else None

    return FamilyPower(
        family=row["family"],
        vendor=row["vendor"],
        label=row["label"],
        servers=int(row["servers"]),
        w_per_thread=float(row["w_per_thread"]),
        w_per_thread_p10=float(row["w_per_thread_p10"]),
        w_per_thread_p90=float(row["w_per_thread_p90"]),
        idle_w_per_thread=float(row["idle_w_per_thread"]),
        ccf_architecture=row["ccf_architecture"],
        ccf_min_w_per_vcpu=opt("ccf_min_w_per_vcpu"),
        ccf_max_w_per_vcpu=opt("ccf_max_w_per_vcpu"),
    )


# -- CPU names --------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Lower case, trademarks, punctuation and the clock gone: the words that name a part."""
    text = text.lower()
    text = re.sub(r"\((r|tm|c)\)|®|™", " ", text)
    text = re.sub(r"@.*$", " ", text)
    text = re.sub(r"[,;()\[\]]", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class NameIndex:
    """CPU names per family; a name in a mixed list (server and client parts) loses a tie."""

    names: dict[str, tuple[str, bool]] = field(default_factory=dict)

    def add(self, name: str, family: str, mixed: bool) -> None:
        key = normalise(name)
        if key and (key not in self.names or self.names[key][1]):
            self.names[key] = (family, mixed)

    def match(self, description: str) -> tuple[str, str] | None:
        """(family, listed name) of the longest listed name in ``description``, word for word.

        A name followed by a version word does not match (``E5-2660`` is not ``E5-2660 v2``).
        """
        words = normalise(description).split()
        best: tuple[int, bool, str, str] | None = None
        for start in range(len(words)):
            for end in range(start + 1, min(len(words), start + 5) + 1):
                key = " ".join(words[start:end])
                if key not in self.names or _version_follows(words, end):
                    continue
                family, mixed = self.names[key]
                rank = (len(key), not mixed, family, key)
                if best is None or rank[:2] > best[:2]:
                    best = rank
        return None if best is None else (best[2], best[3])


def _version_follows(words: list[str], end: int) -> bool:
    return end < len(words) and re.fullmatch(r"v\d+", words[end]) is not None


@lru_cache(maxsize=1)
def name_index() -> NameIndex:
    index = NameIndex()
    path = resources.files("frugalbench.measure").joinpath("data/cpu_families.csv")
    with path.open() as fh:
        for row in csv.DictReader(fh):
            index.add(row["name"], row["family"], row["mixed"] == "1")
    return index


# -- what the machine shows -------------------------------------------------------------------


@dataclass(frozen=True)
class CpuInfo:
    """The first processor of ``/proc/cpuinfo``: its name and CPUID numbers."""

    model_name: str = ""
    vendor: str = ""
    family: int | None = None
    model: int | None = None
    stepping: int | None = None
    arm_implementer: int | None = None
    arm_part: int | None = None
    hypervisor: bool = False

    @classmethod
    def parse(cls, text: str) -> CpuInfo:
        fields: dict[str, str] = {}
        for line in text.splitlines():
            if not line.strip() and fields:
                break  # the first processor is enough
            key, sep, value = line.partition(":")
            if sep:
                fields.setdefault(key.strip().lower(), value.strip())

        def num(key: str) -> int | None:
            raw = fields.get(key, "")
            try:
                return int(raw, 0)
            except ValueError:
                return None

        return cls(
            model_name=fields.get("model name", ""),
            vendor=fields.get("vendor_id", ""),
            family=num("cpu family"),
            model=num("model"),
            stepping=num("stepping"),
            arm_implementer=num("cpu implementer"),
            arm_part=num("cpu part"),
            hypervisor="hypervisor" in fields.get("flags", "").split(),
        )

    @property
    def vendor_family(self) -> str:
        if self.vendor == "AuthenticAMD" or self.model_name.startswith("AMD"):
            return "amd"
        if self.vendor == "GenuineIntel" or self.model_name.startswith("Intel"):
            return "intel"
        if self.arm_implementer is not None:
            return "arm"
        return ""

    def cpuid(self) -> str:
        if self.arm_implementer is not None:
            return f"implementer {self.arm_implementer:#x}, part {self.arm_part or 0:#x}"
        return (
            f"{self.vendor or '?'} family {self.family} ({(self.family or 0):#x}) model "
            f"{self.model} ({(self.model or 0):#x}) stepping {self.stepping}"
        )


# (vendor, family, first model, last model, first stepping, last stepping) -> family
_CPUID: tuple[tuple[str, int, int, int, int, int, str], ...] = (
    ("amd", 0x17, 0x00, 0x0F, 0, 15, "epyc-naples"),
    ("amd", 0x17, 0x30, 0x3F, 0, 15, "epyc-rome"),
    ("amd", 0x19, 0x00, 0x0F, 0, 15, "epyc-milan"),
    ("amd", 0x19, 0x10, 0x1F, 0, 15, "epyc-genoa"),
    ("amd", 0x19, 0xA0, 0xAF, 0, 15, "epyc-genoa"),  # Bergamo, Siena (Zen 4c)
    ("amd", 0x1A, 0x00, 0x1F, 0, 15, "epyc-turin"),
    ("intel", 6, 0x2D, 0x2D, 0, 15, "intel-sandybridge"),
    ("intel", 6, 0x3E, 0x3E, 0, 15, "intel-ivybridge"),
    ("intel", 6, 0x3F, 0x3F, 0, 15, "intel-haswell"),
    ("intel", 6, 0x4F, 0x4F, 0, 15, "intel-broadwell"),
    ("intel", 6, 0x56, 0x56, 0, 15, "intel-broadwell"),
    ("intel", 6, 0x55, 0x55, 0, 4, "intel-skylake-sp"),
    ("intel", 6, 0x55, 0x55, 5, 7, "intel-cascadelake"),
    ("intel", 6, 0x6A, 0x6A, 0, 15, "intel-icelake"),
    ("intel", 6, 0x6C, 0x6C, 0, 15, "intel-icelake"),
    ("intel", 6, 0x8F, 0x8F, 0, 15, "intel-sapphirerapids"),
    ("intel", 6, 0xCF, 0xCF, 0, 15, "intel-emeraldrapids"),
    ("intel", 6, 0xAD, 0xAE, 0, 15, "intel-graniterapids"),
    ("intel", 6, 0x9E, 0x9E, 0, 15, "intel-coffeelake"),
    ("intel", 6, 0x4E, 0x4E, 0, 15, "intel-skylake-client"),
    ("intel", 6, 0x5E, 0x5E, 0, 15, "intel-skylake-client"),
    ("arm", 0x41, 0xD0C, 0xD0C, 0, 15, "ampere-altra"),  # Arm Neoverse N1
)


def cpuid_family(info: CpuInfo) -> str | None:
    vendor = info.vendor_family
    if vendor == "arm":
        number, model, stepping = info.arm_implementer, info.arm_part, 0
    else:
        number, model, stepping = info.family, info.model, info.stepping or 0
    if number is None or model is None:
        return None
    for v, fam, first, last, s_first, s_last, name in _CPUID:
        if (
            (v, fam) == (vendor, number)
            and first <= model <= last
            and s_first <= stepping <= s_last
        ):
            return name
    return None


# AWS instance-type generations (the part before the dot) -> family: AWS's "Amazon EC2 instance
# types" pages, processor column. Only types served by one processor family are listed.
_AWS_TYPES = {
    "m5": None, "c5": None, "r5": None,  # Skylake-SP or Cascade Lake: CPUID decides
    "m5a": "epyc-naples", "c5a": "epyc-rome", "r5a": "epyc-naples",
    "m6a": "epyc-milan", "c6a": "epyc-milan", "r6a": "epyc-milan", "hpc6a": "epyc-milan",
    "m7a": "epyc-genoa", "c7a": "epyc-genoa", "r7a": "epyc-genoa", "hpc7a": "epyc-genoa",
    "m8a": "epyc-turin", "c8a": "epyc-turin", "r8a": "epyc-turin",
    "m6i": "intel-icelake", "c6i": "intel-icelake", "r6i": "intel-icelake",
    "m6id": "intel-icelake", "c6id": "intel-icelake", "r6id": "intel-icelake",
    "m7i": "intel-sapphirerapids", "c7i": "intel-sapphirerapids", "r7i": "intel-sapphirerapids",
    "m8i": "intel-graniterapids", "c8i": "intel-graniterapids", "r8i": "intel-graniterapids",
    "m6g": "ampere-altra", "c6g": "ampere-altra", "r6g": "ampere-altra", "t4g": "ampere-altra",
}  # fmt: skip


def instance_type(dmi_dir: Path) -> str | None:
    """The cloud instance type when the firmware names it (AWS: ``product_name`` = m6i.large)."""
    try:
        name = (dmi_dir / "product_name").read_text().strip()
    except OSError:
        return None
    return name if re.fullmatch(r"[a-z0-9-]+\.[a-z0-9]+", name) else None


def instance_family(name: str | None) -> str | None:
    return _AWS_TYPES.get(name.split(".")[0]) if name else None


@dataclass(frozen=True)
class Detection:
    """The family charged, how it was found, and the evidence, for the result's method."""

    power: FamilyPower
    how: str
    evidence: str
    flags: tuple[str, ...] = ()


def detect_family(cpuinfo: str, dmi_dir: Path = Path("/sys/class/dmi/id")) -> Detection:
    info = CpuInfo.parse(cpuinfo)
    table = power_table()
    listed = name_index().match(info.model_name) if info.model_name else None
    if listed:
        return Detection(
            table[listed[0]],
            "model name",
            f"{info.model_name!r} is listed as {listed[1]!r} in {listed[0]}",
        )
    by_cpuid = cpuid_family(info)
    if by_cpuid:
        return Detection(table[by_cpuid], "CPUID", f"{info.model_name!r}, {info.cpuid()}")
    itype = instance_type(dmi_dir)
    by_type = instance_family(itype)
    if by_type:
        return Detection(table[by_type], "instance type", f"DMI product_name {itype}")
    vendor = info.vendor_family
    pooled = f"{vendor}-any" if f"{vendor}-any" in table else "any"
    return Detection(
        table[pooled],
        "unknown family",
        f"{info.model_name or 'no model name'!r}, {info.cpuid()}: no family matches; charged the "
        f"spread of all {vendor.upper() or 'server'} servers",
        flags=("cpu_family_unknown",),
    )
