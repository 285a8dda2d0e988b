"""Rebuild the grid table shipped in ``src/frugalbench/footprint/data`` from its upstream files.

Factor tables cannot be fetched at run time (frugalbench must work offline and give the same
answer tomorrow), so they are versioned data files. This script is how they were made, so anyone
can check them or rebuild them from a newer upstream release:

    python scripts/build_factor_tables.py --codecarbon-data DIR

where DIR is the ``codecarbon/data`` folder of an unpacked CodeCarbon wheel (MIT licence). The
ISO 3166 alpha-2 codes come from ``pycountry`` (a dev-time dependency only).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "frugalbench" / "footprint" / "data"


def build_grid_intensity(codecarbon_data: Path, out: Path) -> None:
    import pycountry  # type: ignore[import-not-found]

    mix = json.loads((codecarbon_data / "private_infra" / "global_energy_mix.json").read_text())
    rows = []
    weighted = 0.0
    total_twh = 0.0
    for iso3, entry in sorted(mix.items()):
        country = pycountry.countries.get(alpha_3=iso3)
        if country is None or entry.get("carbon_intensity") is None:
            continue
        twh = float(entry.get("total_TWh") or 0.0)
        intensity = float(entry["carbon_intensity"])
        weighted += intensity * twh
        total_twh += twh
        rows.append(
            {
                "iso2": country.alpha_2,
                "iso3": iso3,
                "country": entry["country_name"],
                "intensity_g_per_kwh": round(intensity, 1),
                "year": entry["year"],
                "generation_twh": round(twh, 2),
            }
        )
    world = round(weighted / total_twh, 1)
    rows.insert(
        0,
        {
            "iso2": "WORLD",
            "iso3": "WLD",
            "country": "World (generation-weighted mean of the rows below)",
            "intensity_g_per_kwh": world,
            "year": max(int(r["year"]) for r in rows),
            "generation_twh": round(total_twh, 2),
        },
    )
    with out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def build_cpu_power(codecarbon_data: Path, out: Path) -> None:
    with (codecarbon_data / "hardware" / "cpu_power.csv").open() as src:
        reader = csv.DictReader(src)
        rows = [
            {"name": r["Name"].strip(), "tdp_w": r["TDP"].strip()}
            for r in reader
            if r["Name"].strip() and r["TDP"].strip()
        ]
    with out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["name", "tdp_w"])
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--codecarbon-data", type=Path, required=True)
    args = parser.parse_args()
    build_grid_intensity(args.codecarbon_data, OUT / "grid_intensity.csv")
    # not read at run time: the power model's build script compares TDP with SPECpower on it
    build_cpu_power(args.codecarbon_data, OUT.parents[3] / "data" / "power" / "cpu_power.csv")


if __name__ == "__main__":
    main()
