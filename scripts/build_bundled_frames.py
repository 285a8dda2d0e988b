"""Rebuild the bundled smoke frames (``src/frugalbench/tasks/data/smoke``) from ``shared/data``.

    python scripts/build_bundled_frames.py [--source ../shared/data/image/hpwren_smoke_640]

Takes, from each HPWREN fire sequence, pairs of consecutive frames (one minute apart, so the
temporal model has a real previous frame) before and after ignition, scales them to 320 px wide
(JPEG quality 85) and writes ``labels.csv`` with the sequence, time and provenance of each. The
frames are for non-commercial use with credit to HPWREN / UC San Diego (see LICENSE.md).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "frugalbench" / "tasks" / "data" / "smoke"
# offsets (s from ignition) of the first frame of each pair
PAIR_STARTS = (-1800, -900, -300, 600, 1200, 1800, 2280)
WIDTH = 320


def main() -> None:
    from PIL import Image

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source", type=Path, default=ROOT.parent / "shared/data/image/hpwren_smoke_640"
    )
    args = parser.parse_args()
    rows = list(csv.DictReader((args.source / "labels.csv").open()))
    wanted = {start + d for start in PAIR_STARTS for d in (0, 60)}
    OUT.mkdir(parents=True, exist_ok=True)
    out_rows = []
    for row in rows:
        if int(row["offset_s"]) not in wanted:
            continue
        src = args.source / row["file"]
        dest = OUT / row["file"]
        dest.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(src) as im:
            height = round(im.height * WIDTH / im.width)
            im.convert("RGB").resize((WIDTH, height), Image.Resampling.LANCZOS).save(
                dest, quality=85
            )
        out_rows.append(
            {
                "file": row["file"],
                "smoke": row["smoke"],
                "sequence": row["sequence"],
                "unix_time": row["unix_time"],
                "offset_s": row["offset_s"],
                "source": f"HPWREN via {row['source_repo']}/{row['source_path']}"
                f"@{row['source_commit'][:12]}, scaled to {WIDTH} px",
            }
        )
    with (OUT / "labels.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(out_rows[0]))
        writer.writeheader()
        writer.writerows(out_rows)
    print(f"wrote {len(out_rows)} frames to {OUT}")


if __name__ == "__main__":
    main()
