"""Build the chainsaw clips bundled in ``src/frugalbench/tasks/data/chainsaw`` from shared data.

Only sources whose licence allows redistribution are taken (Apache-2.0, BSD-3-Clause, MIT); the
Freesound previews (per-sound CC licences, some non-commercial) and the unlicensed thunderstorm
takes stay out. Longer takes are cut to their first ``--seconds`` and stored as 12 kHz mono FLAC
(the task's own rate) to keep the repository small; the 2-s RFCx Guardian clips are copied as is.

    python scripts/build_bundled_audio.py --shared ../shared/data/audio
"""

from __future__ import annotations

import argparse
import csv
import shutil
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "frugalbench" / "tasks" / "data" / "chainsaw"
# (source folder, file, seconds kept or None for the whole file)
PICKS: list[tuple[str, str, float | None]] = [
    *[("rfcx-tfk-audio", f"chainsaw_{i}.wav", None) for i in range(1, 6)],
    *[("rfcx-tfk-audio", f"environment_{i}.wav", None) for i in range(1, 6)],
    ("alexsanch-infineon", "chainsaw12.wav", 15.0),
    ("alexsanch-infineon", "chainsaw13.wav", 15.0),
    ("alexsanch-infineon", "forest1.wav", 15.0),
    ("alexsanch-infineon", "forest2.wav", 15.0),
    ("altaga-illegal-logging", "ChainSaw 2022-05-14 02_27_23.wav", 15.0),
    ("altaga-illegal-logging", "Normal 2022-05-14 02_23_14.wav", 15.0),
    ("scikit-maad", "S4A03895_20190522_003000.wav", 10.0),
    ("scikit-maad", "S4A03895_20190522_060000.wav", 10.0),
    ("scikit-maad", "S4A03895_20190522_120000.wav", 10.0),
    ("scikit-maad", "S4A03895_20190522_180000.wav", 10.0),
]
KEEP = ("file", "label", "source_repo", "path", "commit", "license", "note")


def main() -> None:
    import soundfile as sf

    from frugalbench.audio.decode import TARGET_RATE_HZ, read_audio

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, required=True)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for folder, name, seconds in PICKS:
        meta = {r["file"]: r for r in csv.DictReader((args.shared / folder / "labels.csv").open())}[
            name
        ]
        src = args.shared / folder / name
        if seconds is None:
            out_name = f"{folder}/{name}"
            (OUT / folder).mkdir(exist_ok=True)
            shutil.copyfile(src, OUT / out_name)
            note = meta["note"]
        else:
            mono, _ = read_audio(src)
            out_name = f"{folder}/{Path(name).stem.replace(' ', '_')}.flac"
            (OUT / folder).mkdir(exist_ok=True)
            sf.write(OUT / out_name, mono[: int(seconds * TARGET_RATE_HZ)], TARGET_RATE_HZ)
            note = f"first {seconds:g} s, resampled to 12 kHz mono FLAC; {meta['note']}"
        rows.append({**{k: meta[k] for k in KEEP}, "file": out_name, "note": note})
    with (OUT / "labels.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(KEEP))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
