"""Chainsaw task targets in one run: grouped cross-validation of the ladder, and ``detect`` speed.

    python benchmarks/chainsaw.py [--data ../shared/data/audio] [--folds 5] [--hours 1.0]
                                  [--models logmel-linear logmel-cnn] [--json OUT]

1. Grouped, stratified k-fold cross-validation (seeded; every window of a recording, and every
   Freesound id, stays in one fold) of each rung, trained in-process: accuracy, chainsaw recall
   and false-alarm rate per fold, mean and spread. Targets: best rung accuracy >= 0.93 and
   chainsaw recall >= 0.95.
2. ``detect`` over a synthetic long recording made of real clips (the data's windows laid end to
   end, written as 12 kHz FLAC): wall time and model energy per hour of audio through the
   measured worker. Target: an hour of audio in under 10 s.

Energy per 1,000 clips of each rung comes from ``frugalbench bench chainsaw --data ...`` (the
harness's measured windows), not from here.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "audio"


def detect_speed(data: Any, model: str, hours: float, workdir: Path) -> dict[str, Any]:
    import numpy as np
    import soundfile as sf

    from frugalbench.config import RunConfig
    from frugalbench.harness.detect import detect
    from frugalbench.harness.runner import train
    from frugalbench.tasks import get_task

    task = get_task("chainsaw")
    config = RunConfig(idle_s=3.0)
    model_dir = train(task, model, workdir / "model", None, config, holdout=False).directory
    n = int(hours * 3600 / 3)
    order = np.random.default_rng(0).integers(0, len(data), size=n)
    path = workdir / "long.flac"
    with sf.SoundFile(path, "w", samplerate=12_000, channels=1, format="FLAC") as fh:
        for i in order:
            fh.write(data.inputs[i])
    report = detect(model_dir, [path], "chainsaw", config)
    return {
        "model": model,
        "audio_h": report.audio_s / 3600,
        "wall_s": report.wall_s,
        "energy_j": report.energy_j,
        "energy_j_per_audio_hour": report.energy_j_per_audio_hour,
        "segments": len(report.recordings[0].segments),
        "method": report.method,
    }


def main() -> int:
    from frugalbench.tasks import get_task

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--models", nargs="+", default=list(get_task("chainsaw").ladder))
    parser.add_argument("--detect-model", default="logmel-cnn")
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from rich.console import Console

    from frugalbench.harness.crossval import cross_validate
    from frugalbench.present.crossval import print_alarm_rules, print_sweeps
    from frugalbench.present.terminal import print_groups

    data = get_task("chainsaw").load(str(args.data) if args.data != Path("bundled") else None)
    described = data.describe()
    print(
        f"data: {len(data)} windows, {described.get('n_groups')} recording groups, "
        f"{described.get('skipped', {}).get('n_files', 0)} files skipped"
    )
    cv: dict[str, Any] = {}
    if args.folds >= 2:  # --folds 0: only the detect measurement
        print(f"{args.folds}-fold grouped cross-validation:")
        cv = cross_validate(get_task("chainsaw"), data, args.models, args.folds, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        speed = detect_speed(data, args.detect_model, args.hours, Path(tmp))
    targets = {
        "detect: an hour of audio under 10 s": speed["wall_s"] / max(speed["audio_h"], 1e-9) < 10
    }
    if cv:
        best_s = max(cv.values(), key=lambda r: r["summary"]["accuracy"]["mean"])["summary"]
        targets["best rung accuracy >= 0.93"] = best_s["accuracy"]["mean"] >= 0.93
        targets["best rung chainsaw recall >= 0.95"] = best_s["chainsaw_recall"]["mean"] >= 0.95
    print("\nmodel            accuracy        chainsaw recall  false alarms")
    for name, res in cv.items():
        s = res["summary"]
        print(
            f"{name:16} {s['accuracy']['mean']:.3f} +- {s['accuracy']['sd']:.3f}   "
            f"{s['chainsaw_recall']['mean']:.3f} +- {s['chainsaw_recall']['sd']:.3f}   "
            f"{s['false_alarm_rate']['mean']:.3f} +- {s['false_alarm_rate']['sd']:.3f}"
        )
    if cv:
        by_model = {name: res["by_group"] for name, res in cv.items()}
        keys = ["accuracy", "chainsaw_recall", "false_alarm_rate"]
        print_groups(Console(), by_model, keys)
    print_sweeps(cv, "chainsaw")
    print_alarm_rules(cv, "chainsaw")
    print(
        f"\ndetect ({speed['model']}): {speed['audio_h']:.2f} h of audio in "
        f"{speed['wall_s']:.1f} s "
        f"({speed['audio_h'] * 3600 / speed['wall_s']:.0f}x real time), model energy "
        f"{speed['energy_j']:.1f} J = {speed['energy_j_per_audio_hour']:.1f} J per hour of audio"
    )
    print(f"  method: {speed['method']}")
    for name, ok in targets.items():
        print(f"{'met' if ok else 'MISSED':7} {name}")
    print(f"{sum(targets.values())}/{len(targets)} targets met")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "data": described | {"skipped": None},
                    "cv": cv,
                    "detect": speed,
                    "targets": targets,
                },
                indent=2,
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    from frugalbench.cli.main import guarded

    guarded(main)
