"""What the job box costs an evaluation: the same model evaluated side by side, unconfined
(one worker), in a job box (one worker), and in job boxes under the challenge rules (a fresh box
for every measured pass, public warm-up inputs), in one run.

    python benchmarks/isolation_overhead.py [--model tfidf-linear] [--repeats 3] [--rounds 3]
                                            [--json OUT]

Trains the model once on the bundled split's 80%, then evaluates its directory on the held-out
20% in each mode, ``--rounds`` times, interleaved. Reports, per mode, the median wall time of a
whole evaluation, the median inference energy per 1,000 inputs, and the ratios to the unconfined
mode. Targets: a boxed evaluation's inference energy within 10% of the unconfined one (the box
must not change what is measured), and a strict evaluation's extra wall time under 2 s per pass
(process start, imports, model load) on this machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

MODES = ("unconfined", "boxed", "boxed, strict")


def main() -> int:
    from frugalbench.config import RunConfig
    from frugalbench.harness.runner import train
    from frugalbench.harness.sandbox import SandboxPolicy, isolation
    from frugalbench.tasks import get_task

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tfidf-linear")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    available, why = isolation()
    if not available:
        print(f"no job box on this machine ({why}): run as root on Linux")
        return 2
    task = get_task("climate-disinfo")
    base = dict(idle_s=0.5, repeats=args.repeats, speed_index=False)
    configs = {
        "unconfined": (RunConfig(**base), None),
        "boxed": (RunConfig(**base), SandboxPolicy()),
        "boxed, strict": (RunConfig(**base, strict=True), SandboxPolicy()),
    }
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = Path(tmp) / "model"
        train(task, args.model, model_dir, holdout=True, config=RunConfig(idle_s=0.5))
        samples: dict[str, list[tuple[float, float]]] = {m: [] for m in MODES}
        for round_ in range(args.rounds):
            for mode in MODES:
                samples[mode].append(evaluate(task, model_dir, *configs[mode]))
                print(f"round {round_ + 1}/{args.rounds} {mode}: {samples[mode][-1]}", flush=True)
    figures = summarise(samples, args.repeats)
    print_table(figures)
    met = targets(figures, args.repeats)
    for name, ok in met.items():
        print(f"  {'met' if ok else 'MISSED'}: {name}")
    print(f"{sum(met.values())}/{len(met)} targets met")
    if args.json:
        args.json.write_text(json.dumps({"figures": figures, "targets": met}, indent=2))
    return 0


def evaluate(task: Any, model_dir: Path, config: Any, sandbox: Any) -> tuple[float, float]:
    from frugalbench.harness.runner import run

    start = time.perf_counter()
    result = run(task, str(model_dir), config, holdout=True, sandbox=sandbox)
    wall_s = time.perf_counter() - start
    if result.status != "ok" or result.per_1000_inputs is None:
        raise SystemExit(f"evaluation failed: {result.failure}")
    return wall_s, result.per_1000_inputs.energy_j.median


def summarise(samples: dict[str, list[tuple[float, float]]], repeats: int) -> dict[str, Any]:
    base_wall = statistics.median(w for w, _ in samples["unconfined"])
    base_energy = statistics.median(e for _, e in samples["unconfined"])
    figures = {}
    for mode, values in samples.items():
        wall = statistics.median(w for w, _ in values)
        energy = statistics.median(e for _, e in values)
        figures[mode] = {
            "wall_s": wall,
            "extra_wall_s_per_pass": (wall - base_wall) / repeats,
            "inference_j_per_1000": energy,
            "wall_ratio": wall / base_wall,
            "energy_ratio": energy / base_energy,
        }
    return figures


def print_table(figures: dict[str, Any]) -> None:
    print(f"{'mode':<15}{'wall s':>9}{'x':>7}{'extra s/pass':>14}{'J/1000':>10}{'x':>7}")
    for mode, f in figures.items():
        print(
            f"{mode:<15}{f['wall_s']:>9.2f}{f['wall_ratio']:>7.2f}"
            f"{f['extra_wall_s_per_pass']:>14.2f}{f['inference_j_per_1000']:>10.3f}"
            f"{f['energy_ratio']:>7.2f}"
        )


def targets(figures: dict[str, Any], repeats: int) -> dict[str, bool]:
    return {
        "boxed inference energy within 10% of unconfined": abs(figures["boxed"]["energy_ratio"] - 1)
        <= 0.10,
        "strict: under 2 s extra wall time per measured pass": figures["boxed, strict"][
            "extra_wall_s_per_pass"
        ]
        < 2.0,
    }


if __name__ == "__main__":
    from frugalbench.cli.main import guarded

    guarded(main)
