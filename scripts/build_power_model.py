"""Rebuild the power model shipped in ``src/frugalbench/measure/data`` from the SPECpower results.

    python scripts/build_power_model.py [--source data/power]

reads ``SPECpower-*.csv`` and ``cpu-families/*.csv`` (Cloud Carbon Footprint's coefficients tool,
Apache-2.0, see ``data/power/README.md``) and writes:

- ``cpu_families.csv``: the CPU names of each family (which list they came from);
- ``power_model.csv``: per family, the marginal wall power per busy hardware thread over its
  servers, (W at 100% - W at active idle) / threads, as median, p10 and p90, with the idle power
  per thread and Cloud Carbon Footprint's own min/max W per vCPU for comparison; plus one pooled
  row per vendor (``amd-any``, ``intel-any``) and over everything (``any``) for unknown families.

It prints the table as Markdown (the README's copy comes from here) and how TDP per thread of the
same servers compares with what they drew.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "frugalbench" / "measure" / "data"

# family id -> (vendor, label, source lists, the architecture name in CCF's coefficients)
FAMILIES: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "epyc-naples": ("amd", "AMD EPYC 1st gen (Naples, Zen)", ("amd-epyc-gen1",), "EPYC 1st Gen"),
    "epyc-rome": ("amd", "AMD EPYC 2nd gen (Rome, Zen 2)", ("amd-epyc-gen2",), "EPYC 2nd Gen"),
    "epyc-milan": ("amd", "AMD EPYC 3rd gen (Milan, Zen 3)", ("amd-epyc-gen3",), "EPYC 3rd Gen"),
    "epyc-genoa": ("amd", "AMD EPYC 4th gen (Genoa, Zen 4)", ("amd-epyc-gen4",), "EPYC 4th Gen"),
    "epyc-turin": ("amd", "AMD EPYC 5th gen (Turin, Zen 5)", ("amd-epyc-gen5",), "EPYC 5th Gen"),
    "ampere-altra": ("arm", "Ampere Altra (Arm Neoverse N1)", ("amd-neoverse-n1",), "Graviton2"),
    "intel-sandybridge": ("intel", "Intel Sandy Bridge", ("intel-sandybridge",), "Sandy Bridge"),
    "intel-ivybridge": ("intel", "Intel Ivy Bridge", ("intel-ivybridge",), "Ivy Bridge"),
    "intel-haswell": ("intel", "Intel Haswell", ("intel-haswell",), "Haswell"),
    "intel-broadwell": ("intel", "Intel Broadwell", ("intel-broadwell",), "Broadwell"),
    "intel-skylake-sp": (
        "intel",
        "Intel Skylake-SP",
        ("intel-skylake-server", "intel-skylake"),
        "Skylake",
    ),
    "intel-skylake-client": (
        "intel",
        "Intel Skylake (client, Xeon E3 v5)",
        ("intel-skylake-client",),
        "Skylake",
    ),
    "intel-coffeelake": ("intel", "Intel Coffee Lake", ("intel-coffeelake",), "Coffee Lake"),
    "intel-cascadelake": ("intel", "Intel Cascade Lake", ("intel-cascadelake",), "Cascade Lake"),
    "intel-icelake": ("intel", "Intel Ice Lake", ("intel-icelake",), "Ice Lake"),
    "intel-sapphirerapids": (
        "intel",
        "Intel Sapphire Rapids",
        ("intel-sapphirerapids",),
        "Sapphire Rapids",
    ),
    "intel-emeraldrapids": (
        "intel",
        "Intel Emerald Rapids",
        ("intel-emeraldrapids",),
        "Emerald Rapids",
    ),
    "intel-graniterapids": (
        "intel",
        "Intel Granite Rapids",
        ("intel-graniterapids",),
        "Granite Rapids",
    ),
}
MIXED_LISTS = {"intel-skylake"}  # server and client parts in one list: a specific list wins a tie
POOLS = {"amd-any": "all AMD EPYC servers", "intel-any": "all Intel servers", "any": "all servers"}
COEFFICIENTS = (
    "coefficients-aws-use.csv",
    "coefficients-gcp-use.csv",
    "coefficients-azure-use.csv",
)


def write_families(source: Path, out: Path) -> None:
    rows = []
    for family, (_, _, lists, _) in FAMILIES.items():
        for name in lists:
            for line in (source / "cpu-families" / f"{name}.csv").read_text().splitlines():
                if line.strip():
                    mixed = "1" if name in MIXED_LISTS else "0"
                    rows.append(
                        {"family": family, "name": line.strip(), "list": name, "mixed": mixed}
                    )
    with out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, ["family", "name", "list", "mixed"])
        writer.writeheader()
        writer.writerows(rows)


def specpower_rows(source: Path) -> list[dict[str, str]]:
    [path] = sorted(source.glob("SPECpower-*.csv"))
    with path.open() as fh:
        return list(csv.DictReader(fh))


def marginal(row: dict[str, str]) -> tuple[float, float] | None:
    """(marginal W per thread, idle W per thread) of one server; None when a figure is missing."""
    try:
        full, idle = float(row["avg. watts @ 100%"]), float(row["avg. watts @ active idle"])
        threads = float(row["Total Threads"])
    except (KeyError, ValueError):
        return None
    if threads <= 0 or full <= idle:
        return None
    return (full - idle) / threads, idle / threads


def quantile(values: list[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default), without numpy."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def ccf_coefficients(source: Path) -> dict[str, tuple[float, float, str]]:
    found: dict[str, tuple[float, float, str]] = {}
    for name in COEFFICIENTS:
        with (source / name).open() as fh:
            for row in csv.DictReader(fh):
                found.setdefault(
                    row["Architecture"], (float(row["Min Watts"]), float(row["Max Watts"]), name)
                )
    return found


def build(source: Path, out: Path) -> list[dict[str, str]]:
    from frugalbench.measure.power_model import NameIndex

    out.mkdir(parents=True, exist_ok=True)
    write_families(source, out / "cpu_families.csv")
    index = NameIndex()
    with (out / "cpu_families.csv").open() as fh:
        for row in csv.DictReader(fh):
            index.add(row["name"], row["family"], row["mixed"] == "1")
    per_family: dict[str, list[tuple[float, float]]] = {f: [] for f in FAMILIES}
    for row in specpower_rows(source):
        hit = index.match(row["CPU Description"])
        figures = marginal(row)
        if hit and figures:
            per_family[hit[0]].append(figures)
    pools: dict[str, list[tuple[float, float]]] = {p: [] for p in POOLS}
    for family, figures in per_family.items():
        pools["any"] += figures
        vendor = FAMILIES[family][0]
        if f"{vendor}-any" in pools:
            pools[f"{vendor}-any"] += figures
    ccf = ccf_coefficients(source)
    rows = []
    for family, figures in [*per_family.items(), *pools.items()]:
        if len(figures) < 3:
            continue  # too few servers for a spread
        meta = FAMILIES.get(family)
        vendor = meta[0] if meta else family.split("-")[0]
        label = meta[1] if meta else POOLS[family]
        coeff = ccf.get(meta[3]) if meta else None
        w = [f[0] for f in figures]
        rows.append(
            {
                "family": family,
                "vendor": vendor,
                "label": label,
                "servers": str(len(figures)),
                "w_per_thread": f"{statistics.median(w):.4f}",
                "w_per_thread_p10": f"{quantile(w, 0.1):.4f}",
                "w_per_thread_p90": f"{quantile(w, 0.9):.4f}",
                "idle_w_per_thread": f"{statistics.median(f[1] for f in figures):.4f}",
                "ccf_architecture": meta[3] if meta and coeff else "",
                "ccf_min_w_per_vcpu": f"{coeff[0]:.4f}" if coeff else "",
                "ccf_max_w_per_vcpu": f"{coeff[1]:.4f}" if coeff else "",
            }
        )
    with (out / "power_model.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


def markdown(rows: list[dict[str, str]]) -> str:
    lines = [
        "| CPU family | servers | W / busy thread (median) | p10 - p90 | idle W / thread | "
        "CCF max W / vCPU |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['label']} | {r['servers']} | {float(r['w_per_thread']):.2f} | "
            f"{float(r['w_per_thread_p10']):.2f} - {float(r['w_per_thread_p90']):.2f} | "
            f"{float(r['idle_w_per_thread']):.2f} | "
            f"{float(r['ccf_max_w_per_vcpu']):.2f} |"
            if r["ccf_max_w_per_vcpu"]
            else f"| {r['label']} | {r['servers']} | {float(r['w_per_thread']):.2f} | "
            f"{float(r['w_per_thread_p10']):.2f} - {float(r['w_per_thread_p90']):.2f} | "
            f"{float(r['idle_w_per_thread']):.2f} | |"
        )
    return "\n".join(lines)


def tdp_comparison(source: Path) -> str:
    """TDP per thread (the old bare-metal path) over what the same servers drew per busy thread."""
    from frugalbench.measure.power_model import NameIndex

    index = NameIndex()
    with (source / "cpu_power.csv").open() as fh:
        for row in csv.DictReader(fh):
            index.add(row["name"], row["tdp_w"], False)
    ratios = []
    for row in specpower_rows(source):
        hit = index.match(row["CPU Description"])
        figures = marginal(row)
        if hit and figures:
            tdp_per_thread = float(hit[0]) * float(row["Chips"]) / float(row["Total Threads"])
            ratios.append(tdp_per_thread / figures[0])
    if not ratios:
        return "no SPECpower server's CPU is in the TDP table"
    return (
        f"TDP per thread / measured marginal wall W per thread, {len(ratios)} servers whose CPU "
        f"is in cpu_power.csv: median {statistics.median(ratios):.2f}, p10 "
        f"{quantile(ratios, 0.1):.2f}, p90 {quantile(ratios, 0.9):.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT / "data" / "power")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    rows = build(args.source, args.out)
    print(markdown(rows))
    print()
    print(tdp_comparison(args.source))


if __name__ == "__main__":
    main()
