"""The ``frugalbench`` command. A ``UserError`` becomes one line on stderr and exit code 2."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from frugalbench.errors import UserError, WorkerFailed

app = typer.Typer(
    name="frugalbench",
    help="Measure what an AI model spends (energy, carbon) against what it achieves.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)

Country = Annotated[
    str | None,
    typer.Option(help="ISO 3166 code of the electricity grid (FR, USA...); default: world average"),
]
Pue = Annotated[float | None, typer.Option(help="data-centre PUE; default 1.56 (Uptime 2024)")]
MeterOpt = Annotated[
    str,
    typer.Option(
        "--meter",
        help="auto (counters where readable, else estimates), process, rapl, "
        "nvml, or codecarbon (auto + CodeCarbon side by side)",
    ),
]
IdleS = Annotated[float, typer.Option(help="idle baseline length in s (counters only)")]
LabelMapOpt = Annotated[
    Path | None,
    typer.Option(
        "--label-map",
        help="JSON {model label: task label} for an hf: model whose label names differ",
    ),
]
NO_LIMIT_S = 30 * 24 * 3600.0  # `train` without --timeout-s: no limit in practice (30 days)
PowerProfileOpt = Annotated[
    Path | None,
    typer.Option(
        "--power-profile",
        help="a `frugalbench calibrate` profile of this CPU model (or FRUGALBENCH_POWER_PROFILE); "
        "default: the CPU family's SPECpower servers",
    ),
]


def _profile(path: Path | None) -> str | None:
    """Check a profile against this machine now, not after the run; its path for the config."""
    if path is None:
        return None
    from frugalbench.measure.cpu_power import resolve_cpu_power

    resolve_cpu_power(profile=path)
    return str(path)


@app.command("meters")
def meters_cmd() -> None:
    """List the meter backends, whether each can run here, and why not."""
    from rich.table import Table

    from frugalbench.measure.backends import backend_report, build_meter
    from frugalbench.measure.cpu_power import resolve_cpu_power

    table = Table("backend", "components", "available", "why", title="meter backends")
    report = backend_report()
    for backend, availability in report:
        table.add_row(
            backend.name,
            backend.components,
            "yes" if availability else "no",
            escape(availability.reason),
        )
    console.print(table)
    plan = build_meter("auto", with_idle=False)
    for component, choice in plan.choices.items():
        console.print(escape(f"auto: {component} <- {choice}"))
    power = plan.cpu_power or resolve_cpu_power()
    console.print(escape(f"cpu power model: {power.describe()}"))
    if power.evidence:
        console.print(escape(f"  evidence: {power.evidence}"))
    console.print(escape(f"  basis: {power.basis}"))
    console.print(
        escape(
            "  dram: "
            + ("included in this figure, not added again" if power.includes_dram else "added")
        )
    )
    if any(b.name == "rapl" and a for b, a in report):
        from frugalbench.measure.crosscheck import side_by_side
        from frugalbench.render import fmt_j

        estimate, counters = side_by_side()
        console.print(
            f"one busy thread for 2 s of CPU: process estimate {fmt_j(estimate.total_j)}, "
            f"RAPL counters {fmt_j(counters.total_j)} (idle subtracted); "
            "`frugalbench calibrate` fits this CPU's own figure"
        )


@app.command("calibrate")
def calibrate_cmd(
    out: Annotated[Path, typer.Option("--out", help="where to write the profile (JSON)")] = Path(
        "power-profile.json"
    ),
    seconds: Annotated[
        float, typer.Option(min=0.5, help="CPU seconds per workload and thread")
    ] = 5.0,
) -> None:
    """Fit this CPU's watts per busy thread on its RAPL counters; writes a --power-profile."""
    from frugalbench.measure.calibrate import calibrate, save

    with _progress() as progress:
        bar = progress.add_task("calibrating", total=None)
        profile = calibrate(
            seconds=seconds, progress=lambda what: progress.update(bar, description=what)
        )
    save(profile, out)
    console.print(
        f"{profile.cpu_model} ({profile.family}): {profile.w_per_thread:.2f} W per busy thread "
        f"(fit error {profile.fit_error:.1%}, workloads {profile.low_w:.2f} - "
        f"{profile.high_w:.2f} W; idle {profile.idle_w:.1f} W; {profile.basis})"
    )
    console.print(
        escape(f"profile: {out} (use it with --power-profile or FRUGALBENCH_POWER_PROFILE)")
    )


@app.command("tasks")
def tasks_cmd() -> None:
    """List the tasks."""
    from rich.table import Table

    from frugalbench.tasks.registry import tasks

    table = Table("task", "input", "labels", "metrics", "description")
    for name in tasks.names():
        t = tasks.get(name)
        table.add_row(
            name,
            t.input_kind,
            str(len(t.labels)),
            ", ".join(m.name for m in t.metrics),
            t.description,
        )
    console.print(table)


@app.command("models")
def models_cmd() -> None:
    """List the reference models."""
    from rich.table import Table

    from frugalbench.models.registry import models

    table = Table("model", "task", "description")
    for name in models.names():
        cls = models.get(name)
        table.add_row(name, cls.task or "any", cls.description)
    console.print(table)


def _progress() -> Any:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


@app.command("train")
def train_cmd(
    task: Annotated[str, typer.Argument(help="task name, e.g. climate-disinfo")],
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
    seed: Annotated[int, typer.Option(help="seed of the train/test split")] = 42,
    meter: MeterOpt = "auto",
    idle_s: IdleS = 3.0,
    power_profile: PowerProfileOpt = None,
    label_map: LabelMapOpt = None,
    timeout_s: Annotated[
        float | None, typer.Option(min=1, help="limit for the training; default: none")
    ] = None,
) -> None:
    """Train a model in a measured worker process and save it to a directory."""
    from frugalbench.config import RunConfig
    from frugalbench.harness.runner import train
    from frugalbench.render import fmt_j
    from frugalbench.tasks import get_task

    task_obj = get_task(task)
    with _progress() as progress:
        bar = progress.add_task(f"training {model}", total=1)
        outcome = train(
            task_obj,
            model,
            out,
            data,
            RunConfig(
                seed=seed,
                meter=meter,
                idle_s=idle_s,
                power_profile=_profile(power_profile),
                timeout_s=timeout_s or NO_LIMIT_S,
            ),
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
            f"inputs in {m.duration_s:.2f} s, {fmt_j(m.total_j)} "
            f"({m.components['cpu'].method.describe()})"
        )
    )
    console.print(escape(f"model directory: {out}"))


@app.command("run")
def run_cmd(
    task: Annotated[str, typer.Argument(help="task name, e.g. climate-disinfo")],
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
    repeats: Annotated[int, typer.Option(min=1, help="measured inference passes")] = 3,
    country: Country = None,
    pue: Pue = None,
    json_out: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="where to write the result JSON; default: runs/<task>-<model>-<time>.json",
        ),
    ] = None,
    timeout_s: Annotated[float, typer.Option(help="limit for any one phase")] = 900.0,
    seed: Annotated[int, typer.Option(help="seed of the train/test split")] = 42,
    meter: MeterOpt = "auto",
    idle_s: IdleS = 3.0,
    max_cv: Annotated[
        float, typer.Option(help="CV of repeats above which a phase is flagged unstable")
    ] = 0.10,
    max_reruns: Annotated[int, typer.Option(min=0, help="extra passes for disturbed ones")] = 3,
    power_profile: PowerProfileOpt = None,
    label_map: LabelMapOpt = None,
) -> None:
    """Evaluate a model on a task: measured phases, scores, energy per 1,000 inputs, emissions."""
    from frugalbench.config import RunConfig
    from frugalbench.harness.runner import run
    from frugalbench.measure.carbon import emission_factors
    from frugalbench.render import print_run
    from frugalbench.tasks import get_task

    task_obj = get_task(task)
    emission_factors(country, pue)  # a wrong country code fails now, not after the run
    config = RunConfig(
        repeats=repeats,
        country=country,
        pue=pue,
        timeout_s=timeout_s,
        seed=seed,
        meter=meter,
        idle_s=idle_s,
        max_cv=max_cv,
        max_reruns=max_reruns,
        power_profile=_profile(power_profile),
    )
    with _progress() as progress:
        bar = progress.add_task(f"{task} / {model}", total=None)

        def on_phase(phase: str, step: int, total: int) -> None:
            progress.update(
                bar, description=f"{task} / {model}: {phase}", completed=step, total=total
            )

        result = run(task_obj, model, config, data, progress=on_phase, label_map=label_map)
    path = json_out or _default_result_path(task, model)
    result.save(path)
    print_run(console, result, str(path))
    if result.status != "ok":
        raise typer.Exit(1)


DEFAULT_LADDER = {
    "climate-disinfo": [
        "random",
        "majority",
        "tfidf-linear",
        "ngram-linear",
        "static-minilm-linear",
        "minilm-linear",
        "minilm-tfidf-linear",
        "minilm-finetuned",
        "cascade",
    ],
    "chainsaw": ["majority", "logmel-linear", "logmel-cnn"],
    "smoke": ["majority", "colour-texture-linear", "smoke-cnn", "smoke-change-linear"],
}


@app.command("bench")
def bench_cmd(
    task: Annotated[str, typer.Argument(help="task name, e.g. climate-disinfo")],
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
    repeats: Annotated[int, typer.Option(min=1, help="measured inference passes")] = 3,
    country: Country = None,
    pue: Pue = None,
    meter: MeterOpt = "auto",
    out: Annotated[
        Path | None,
        typer.Option(
            help="folder for results.json and pareto.png; default: runs/bench-<task>-<time>"
        ),
    ] = None,
    timeout_s: Annotated[float, typer.Option(help="limit for any one phase")] = 3600.0,
    power_profile: PowerProfileOpt = None,
) -> None:
    """Run a model ladder: one table, the Pareto front marked, results JSON and a plot."""
    from frugalbench.config import RunConfig
    from frugalbench.harness.bench import bench, write_outputs
    from frugalbench.measure.carbon import emission_factors
    from frugalbench.models.references import parse_reference
    from frugalbench.models.registry import models as registry
    from frugalbench.render import print_bench
    from frugalbench.tasks import get_task

    task_obj = get_task(task)
    emission_factors(country, pue)
    names = (
        models
        or DEFAULT_LADDER.get(task)
        or [n for n in registry.names() if registry.get(n).task == task]
    )
    for name in names:
        model_task = registry.get(parse_reference(name, task_obj.input_kind)[0]).task
        if model_task not in ("", task):
            raise UserError(f"model {name!r} is for task {model_task!r}, not {task!r}")
    config = RunConfig(
        repeats=repeats,
        country=country,
        pue=pue,
        meter=meter,
        timeout_s=timeout_s,
        power_profile=_profile(power_profile),
    )
    with _progress() as progress:
        bar = progress.add_task(f"bench {task}", total=len(names))
        done: list[str] = []

        def on_model(model: str, what: str) -> None:
            if done and done[-1] != model:
                progress.advance(bar)
            done.append(model)
            progress.update(bar, description=f"bench {task}: {model} ({what})")

        rows = bench(task_obj, names, data, config, progress=on_model)
        progress.advance(bar)
    folder = out or Path(os.environ.get("FRUGALBENCH_RUNS_DIR", "runs")) / (
        f"bench-{task}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    )
    results, plot = write_outputs(rows, folder)
    print_bench(console, rows, [m.name for m in task_obj.metrics])
    console.print(escape(f"results: {results}\nplot: {plot}"))


@app.command("detect")
def detect_cmd(
    task: Annotated[str, typer.Argument(help="a detection task, e.g. chainsaw")],
    recordings: Annotated[list[Path], typer.Argument(help="recordings (wav, flac, ogg, mp3)")],
    model: Annotated[
        str,
        typer.Option(
            "--model",
            help="trained model directory, or a model name to train first on --train-data",
        ),
    ] = "logmel-cnn",
    train_data: Annotated[
        str | None,
        typer.Option(help="training data when --model is a name; default: the bundled clips"),
    ] = None,
    hop_s: Annotated[
        float, typer.Option(min=0.1, help="seconds between window starts (3 = no overlap)")
    ] = 3.0,
    alarm: Annotated[
        str,
        typer.Option(
            help="K-of-N: a window alarms only when K of N consecutive windows around it are "
            "positive (1-of-1: every positive window)"
        ),
    ] = "1-of-1",
    json_out: Annotated[Path | None, typer.Option("--json", help="also write JSON here")] = None,
    meter: MeterOpt = "auto",
    idle_s: IdleS = 3.0,
    power_profile: PowerProfileOpt = None,
) -> None:
    """Find the time segments where the task's positive class is heard, with energy per hour."""
    import tempfile

    from frugalbench.config import RunConfig
    from frugalbench.harness.detect import detect
    from frugalbench.harness.runner import train
    from frugalbench.models.registry import models as registry
    from frugalbench.render import print_detect
    from frugalbench.tasks import get_task

    task_obj = get_task(task)
    if task_obj.input_kind != "audio" or task_obj.positive is None:
        raise UserError(f"detect runs on audio detection tasks; {task!r} is not one (try chainsaw)")
    k, _, n = alarm.partition("-of-")
    if not (k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
        raise UserError(f"--alarm {alarm!r}: give K-of-N with 1 <= K <= N, e.g. 2-of-3")
    missing = [str(p) for p in recordings if not p.is_file()]
    if missing:
        raise UserError(f"no such recording: {', '.join(missing)}")
    config = RunConfig(meter=meter, idle_s=idle_s, power_profile=_profile(power_profile))
    with tempfile.TemporaryDirectory(prefix="fb-detect-") as tmp:
        model_dir = Path(model)
        if model in registry and not model_dir.exists():
            err.print(escape(f"training {model} on {train_data or 'the bundled clips'} first"))
            model_dir = train(
                task_obj, model, Path(tmp) / "model", train_data, config, holdout=False
            ).directory
        elif not model_dir.is_dir():
            raise UserError(
                f"{model!r} is neither a model directory nor a model name "
                f"({', '.join(registry.names())})"
            )
        with _progress() as progress:
            bar = progress.add_task("detect", total=1.0)

            def on_audio(name: str, done_s: float, total_s: float) -> None:
                progress.update(
                    bar, description=f"detect {Path(name).name}", completed=done_s, total=total_s
                )

            report = detect(
                model_dir,
                recordings,
                task_obj.positive,
                config,
                hop_s,
                progress=on_audio,
                alarm=(int(k), int(n)),
            )
    if json_out:
        json_out.write_text(json.dumps(report.as_dict(), indent=2) + "\n")
    print_detect(console, report)
    if all(r.problem for r in report.recordings):
        raise typer.Exit(2)


def _default_result_path(task: str, model: str) -> Path:
    runs = Path(os.environ.get("FRUGALBENCH_RUNS_DIR", "runs"))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return runs / f"{task}-{Path(model).name}-{stamp}.json"


@app.command(
    "measure",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def measure_cmd(
    command: Annotated[list[str], typer.Argument(help="the command to measure, after --")],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="write the measurement here")
    ] = None,
    country: Country = None,
    pue: Pue = None,
    meter: MeterOpt = "auto",
    idle_s: IdleS = 3.0,
    power_profile: PowerProfileOpt = None,
) -> None:
    """Measure any command's energy, like `perf stat`: frugalbench measure -- python train.py"""
    from frugalbench.measure.backends import build_meter
    from frugalbench.measure.carbon import emission_factors
    from frugalbench.render import print_measurement

    if command[0].startswith("-"):  # unknown options land here: click lets extra args through
        raise UserError(
            f"No such option: {command[0]} (the command to measure goes after --: "
            "frugalbench measure -- python train.py)"
        )
    factors = emission_factors(country, pue)
    if shutil.which(command[0]) is None:
        raise UserError(f"command not found: {command[0]}")
    plan = build_meter(
        meter, include_root=False, idle_s=idle_s, power_profile=_profile(power_profile)
    )
    if plan.comparison is not None:
        plan.comparison.begin_window("command")
    plan.meter.begin_window("command")
    try:
        proc = subprocess.Popen(command)
    except OSError as exc:
        plan.meter.end_window("command")
        raise UserError(f"cannot run {command[0]}: {exc.strerror}") from None
    try:
        exit_code = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        exit_code = proc.wait()
    m = plan.meter.end_window("command")
    compared = plan.comparison.end_window("command") if plan.comparison is not None else None
    print_measurement(
        err if json_out is None else console, command, exit_code, m, factors, compared
    )
    if json_out:
        from frugalbench.measure.record import measurement_record, write_record

        what = {"command": command, "exit_code": exit_code}
        write_record(measurement_record(m, plan, factors, what, compared), json_out)
    raise typer.Exit(exit_code)


def _register_commands() -> None:
    from frugalbench import cli_report, cli_server

    cli_server.register(app)
    cli_report.register(app)


_register_commands()


INTERRUPTED = 130
INTERRUPTED_TEXT = "interrupted: nothing half-done was kept (a model is written only when complete)"


def main() -> None:
    try:
        code = app(standalone_mode=False)  # click returns the code of a typer.Exit here
        if code == INTERRUPTED:  # Ctrl-C, which click turns into an exit code
            err.print(INTERRUPTED_TEXT)
        sys.exit(code if isinstance(code, int) else 0)
    except UserError as exc:
        err.print(
            f"[bold red]error:[/bold red] {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        sys.exit(2)
    except WorkerFailed as exc:
        err.print(
            f"[bold red]failed:[/bold red] {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print(INTERRUPTED_TEXT)
        sys.exit(INTERRUPTED)
    except Exception as exc:
        # a usage mistake: click's own exception, or the copy of click that typer bundles
        if any(c.__name__ == "ClickException" for c in type(exc).__mro__):
            exc.show()  # type: ignore[attr-defined]
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        raise


if __name__ == "__main__":
    main()
