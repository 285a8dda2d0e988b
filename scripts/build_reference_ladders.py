"""Rebuild ``src/frugalbench/report/data/reference_ladders.json`` from ``bench`` outputs.

A frugality card compares a model with its task's cheapest reference model and places it on the
task's Pareto front. Those reference figures are shipped, not re-measured at report time, so they
are made by this script from the ``results.json`` that ``frugalbench bench`` writes, keeping the
machine, date and command beside them:

    python scripts/build_reference_ladders.py BENCH_DIR/results.json [...] --command "..."

Energy is kept both as measured and at reference speed (measured x the run's speed index); cards
compare at reference speed, the only figure comparable across machines.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

OUT = (
    Path(__file__).resolve().parents[1]
    / "src"
    / "frugalbench"
    / "report"
    / "data"
    / "reference_ladders.json"
)


def estimated_w_per_thread(result: dict[str, Any]) -> float | None:
    cpu = result["phases"]["inference"]["methods"].get("cpu", {})
    if cpu.get("kind") != "estimated":
        return None
    params = cpu.get("parameters", {})
    value = params.get("w_per_thread", params.get("power_per_core_w"))
    return float(value) if value is not None else None


def ladder(results_json: Path, command: str) -> tuple[str, dict[str, Any]]:
    data = json.loads(results_json.read_text())
    rows = []
    task = ""
    machine = ""
    created = ""
    power = None
    for row in data["rows"]:
        result = row["result"]
        per = result.get("per_1000_inputs")
        if result["status"] != "ok" or not per or not result.get("scores"):
            continue
        task = result["task"]["name"]
        env = result["environment"]
        machine = f"{env.get('cpu_model')}, {env.get('logical_cpus')} logical CPUs"
        created = max(created, result["created_at"][:10])
        power = estimated_w_per_thread(result) or power
        rows.append(
            {
                "model": row["model"],
                "accuracy": round(result["scores"]["accuracy"], 4),
                "energy_j_per_1000": round(per["energy_j"]["median"], 6),
                "energy_j_per_1000_at_reference_speed": round(
                    per["energy_j_at_reference_speed"], 6
                ),
                "evaluated_on": f"{result['task']['data']['n_inputs']} inputs, "
                f"{result['task']['data']['split']}",
            }
        )
    return task, {
        "measured": f"{machine}, {created}, `{command}`",
        "w_per_thread": power,
        "power": "W per busy thread of the process estimate the ladder was measured at "
        "(null: counters); cards rescale the rows to the compared result's figure",
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", type=Path)
    parser.add_argument("--command", action="append", required=True, help="one per results file")
    parser.add_argument("--version", default="2026.1")
    args = parser.parse_args()
    if len(args.command) != len(args.results):
        parser.error("give one --command per results file")
    tasks: dict[str, dict[str, Any]] = dict(
        ladder(r, c) for r, c in zip(args.results, args.command, strict=True)
    )
    OUT.write_text(json.dumps({"version": args.version, "tasks": tasks}, indent=2) + "\n")
    summary = ", ".join(f"{task} ({len(v['rows'])} rungs)" for task, v in tasks.items())
    print(f"wrote {OUT}: {summary}")


if __name__ == "__main__":
    main()
