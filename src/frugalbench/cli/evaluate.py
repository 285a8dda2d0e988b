"""``train``, ``run``, ``bench``: a model trained, evaluated and measured; a ladder side by side."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from frugalbench.cli.common import (
    DEFAULTS,
    Command,
    Country,
    IdleS,
    LabelMapOpt,
    MaxCv,
    MaxReruns,
    MeterOpt,
    PowerProfileOpt,
    Pue,
    Repeats,
    Seed,
    TimeoutS,
    TrainTimeoutS,
    about,
    console,
    default_result_path,
    run_config,
    save_result,
)
from frugalbench.cli.progress import progress_bar
from frugalbench.errors import UserError
from frugalbench.outputs import writable_file, writable_folder

app = typer.Typer()


@app.command("train", cls=Command)
def train_cmd(
    task: Annotated[str, typer.Argument(metavar="TASK", help="task name, e.g. climate-disinfo")],
    model: Annotated[
        str,
        typer.Option(
            "--model",
            help="registered name, hf:ORG/NAME or hf:/dir, sklearn:FILE.joblib, module:Class "
            "or file.py:Class",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="model directory to write")],
    data: Annotated[
        str | None,
        typer.Option(
            help="training file (.parquet/.csv/.jsonl) or "
            "hub[:split]; default: bundled training split"
        ),
    ] = None,
    seed: Seed = DEFAULTS.seed,
    meter: MeterOpt = DEFAULTS.meter,
    idle_s: IdleS = DEFAULTS.idle_s,
    power_profile: PowerProfileOpt = None,
    label_map: LabelMapOpt = None,
    timeout_s: Annotated[
        float | None,
        typer.Option("--timeout-s", "--train-timeout-s", help=about("train_timeout_s")),
    ] = DEFAULTS.train_timeout_s,
) -> None:
    """Train a model in a measured worker process and save it to a directory."""
    from frugalbench.harness.runner import train
    from frugalbench.tasks import get_task
    from frugalbench.units import format_energy

    task_obj = get_task(task)
    config = run_config(
        power_profile, seed=seed, meter=meter, idle_s=idle_s, train_timeout_s=timeout_s
    )
    with progress_bar() as progress:
        bar = progress.add_task(f"training {model}", total=1)
        outcome = train(
            task_obj,
            model,
            out,
            data,
            config,
            progress=lambda phase, step, total: progress.update(
                bar,
                completed=step,
                total=total,
                description=f"training {escape(model)}"
                + (f": {phase} {step}/{total}" if phase != "train" else ""),
            ),
            label_map=label_map,
        )
    m = outcome.measurement
    console.print(
        escape(
            f"trained {model} on {outcome.manifest['training']['data']['n_inputs']} "
            f"inputs in {m.duration_s:.2f} s, {format_energy(m.total_j)} "
            f"({m.components['cpu'].method.describe()})"
        )
    )
    console.print(escape(f"model directory: {out}"))


@app.command("run", cls=Command)
def run_cmd(
    task: Annotated[str, typer.Argument(metavar="TASK", help="task name, e.g. climate-disinfo")],
    model: Annotated[
        str,
        typer.Option(
            "--model",
            help="model name, hf:ORG/NAME, hf:/dir or sklearn:FILE.joblib (trained first), "
            "or a model directory",
        ),
    ],
    data: Annotated[
        str | None,
        typer.Option(
            help="evaluation file (.parquet/.csv/.jsonl) or "
            "hub[:split]; default: bundled data, held-out 20%"
        ),
    ] = None,
    repeats: Repeats = DEFAULTS.repeats,
    country: Country = None,
    pue: Pue = None,
    json_out: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="where to write the result JSON; default: runs/<task>-<model>-<time>.json",
        ),
    ] = None,
    timeout_s: TimeoutS = DEFAULTS.timeout_s,
    train_timeout_s: TrainTimeoutS = DEFAULTS.train_timeout_s,
    seed: Seed = DEFAULTS.seed,
    meter: MeterOpt = DEFAULTS.meter,
    idle_s: IdleS = DEFAULTS.idle_s,
    max_cv: MaxCv = DEFAULTS.max_cv,
    max_reruns: MaxReruns = DEFAULTS.max_reruns,
    power_profile: PowerProfileOpt = None,
    label_map: LabelMapOpt = None,
) -> None:
    """Evaluate a model on a task: measured phases, scores, energy per 1,000 inputs, emissions."""
    from frugalbench.harness.runner import run
    from frugalbench.present.terminal import print_run
    from frugalbench.tasks import get_task

    task_obj = get_task(task)
    if json_out is not None:
        writable_file(json_out, "--json")
    config = run_config(
        power_profile,
        repeats=repeats,
        country=country,
        pue=pue,
        timeout_s=timeout_s,
        train_timeout_s=train_timeout_s,
        seed=seed,
        meter=meter,
        idle_s=idle_s,
        max_cv=max_cv,
        max_reruns=max_reruns,
    )
    with progress_bar() as progress:
        bar = progress.add_task(f"{task} / {model}", total=None)

        def on_phase(phase: str, step: int, total: int) -> None:
            progress.update(
                bar, description=f"{task} / {model}: {phase}", completed=step, total=total
            )

        result = run(task_obj, model, config, data, progress=on_phase, label_map=label_map)
    path = save_result(result, json_out or default_result_path(task, model))
    print_run(console, result, str(path))
    if result.status != "ok":
        raise typer.Exit(1)


@app.command("bench", cls=Command)
def bench_cmd(
    task: Annotated[str, typer.Argument(metavar="TASK", help="task name, e.g. climate-disinfo")],
    data: Annotated[
        str | None,
        typer.Option(
            help="data file or folder (split 80/20 like the bundled data); default: bundled data"
        ),
    ] = None,
    models: Annotated[
        list[str] | None,
        typer.Option(
            "--models", help="models to run (repeat the option); default: the task's ladder"
        ),
    ] = None,
    repeats: Repeats = DEFAULTS.repeats,
    country: Country = None,
    pue: Pue = None,
    meter: MeterOpt = DEFAULTS.meter,
    out: Annotated[
        Path | None,
        typer.Option(
            help="folder for results.json and pareto.png; default: runs/bench-<task>-<time>"
        ),
    ] = None,
    timeout_s: TimeoutS = DEFAULTS.timeout_s,
    train_timeout_s: TrainTimeoutS = DEFAULTS.train_timeout_s,
    power_profile: PowerProfileOpt = None,
) -> None:
    """Run a model ladder: one table, the Pareto front marked, results JSON and a plot."""
    from frugalbench.harness.bench import bench, write_outputs
    from frugalbench.models.references import parse_reference
    from frugalbench.models.registry import models as registry
    from frugalbench.present.plots import plot_front
    from frugalbench.present.terminal import print_bench
    from frugalbench.tasks import get_task

    task_obj = get_task(task)
    folder = out or Path(os.environ.get("FRUGALBENCH_RUNS_DIR", "runs")) / (
        f"bench-{task}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    )
    writable_folder(folder, "--out")
    config = run_config(
        power_profile,
        repeats=repeats,
        country=country,
        pue=pue,
        meter=meter,
        timeout_s=timeout_s,
        train_timeout_s=train_timeout_s,
    )  # its checks (country, meter, limits) before any model is looked at
    names = (
        models
        or list(task_obj.ladder)
        or [n for n in registry.names() if registry.get(n).task == task]
    )
    for name in names:
        model_task = registry.get(parse_reference(name, task_obj.input_kind)[0]).task
        if model_task not in ("", task):
            raise UserError(f"model {name!r} is for task {model_task!r}, not {task!r}")
    with progress_bar() as progress:
        bar = progress.add_task(f"bench {task}", total=len(names))
        done: list[str] = []

        def on_model(model: str, what: str) -> None:
            if done and done[-1] != model:
                progress.advance(bar)
            done.append(model)
            progress.update(bar, description=f"bench {task}: {model} ({what})")

        rows = bench(task_obj, names, data, config, progress=on_model)
        progress.advance(bar)
    results = write_outputs(rows, folder)
    plot = folder / "pareto.png"
    plot_front(rows, plot)
    print_bench(console, rows, [m.name for m in task_obj.metrics])
    console.print(escape(f"results: {results}\nplot: {plot}"))
