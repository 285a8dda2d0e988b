"""Smoke task targets: leave-one-sequence-out cross-validation of the ladder.

    python benchmarks/smoke.py [--data ../shared/data/image/hpwren_smoke_640]
        [--models majority colour-texture-linear smoke-cnn smoke-change-linear] [--json OUT]

Each camera sequence is held out once (frames of one sequence are near-duplicates and never split);
models train in process on the others. Targets: best rung accuracy >= 0.85 on a held-out
sequence. Energy per 1,000 images comes from ``frugalbench bench smoke --data ...`` (the harness's
measured windows), not from here. Box IoU needs true boxes, which this data lacks: it is tested on
synthetic frames (``tests/models/test_smoke_models.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "image" / "hpwren_smoke_640"
)
LADDER = ["majority", "colour-texture-linear", "smoke-cnn", "smoke-change-linear"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--models", nargs="+", default=LADDER)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from frugalbench.harness.crossval import cross_validate, print_sweeps
    from frugalbench.tasks import get_task

    task = get_task("smoke")
    data = task.load(str(args.data))
    n_groups = len(set(data.groups))
    print(f"data: {len(data)} frames, {n_groups} sequences; each sequence held out once")
    cv = cross_validate(task, data, args.models, n_groups, args.seed)
    print(
        "\nmodel                    accuracy (per held-out sequence)   smoke recall   false alarms"
    )
    for name, res in cv.items():
        per = ", ".join(f"{f['accuracy']:.3f}" for f in res["folds"])
        s = res["summary"]
        print(
            f"{name:24} {s['accuracy']['mean']:.3f} ({per}){'':8} "
            f"{s['smoke_recall']['mean']:.3f}          {s['false_alarm_rate']['mean']:.3f}"
        )
    print_sweeps(cv, "smoke", over="held-out sequences")
    best = max(res["summary"]["accuracy"]["mean"] for res in cv.values())
    ok = best >= 0.85
    print(
        f"\n{'met' if ok else 'MISSED':7} best rung accuracy >= 0.85 on held-out sequences "
        f"({best:.3f})"
    )
    if args.json:
        args.json.write_text(json.dumps({"cv": cv, "best_accuracy": best}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
