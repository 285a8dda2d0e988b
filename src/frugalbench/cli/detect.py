"""``detect``: a trained audio model over long recordings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from frugalbench.cli.common import (
    DEFAULTS,
    Command,
    IdleS,
    MeterOpt,
    PowerProfileOpt,
    console,
    err,
    run_config,
)
from frugalbench.cli.progress import progress_bar
from frugalbench.errors import UserError
from frugalbench.outputs import writable_file

app = typer.Typer()


@app.command("detect", cls=Command)
def detect_cmd(
    task: Annotated[str, typer.Argument(metavar="TASK", help="a detection task, e.g. chainsaw")],
    recordings: Annotated[
        list[Path], typer.Argument(metavar="RECORDING", help="recordings (wav, flac, ogg, mp3)")
    ],
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
    meter: MeterOpt = DEFAULTS.meter,
    idle_s: IdleS = DEFAULTS.idle_s,
    power_profile: PowerProfileOpt = None,
) -> None:
    """Find the time segments where the task's positive class is heard, with energy per hour."""
    import tempfile

    from frugalbench.harness.detect import detect
    from frugalbench.present.terminal import print_detect
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
    _some_readable(recordings)
    if json_out is not None:
        writable_file(json_out, "--json")
    config = run_config(power_profile, meter=meter, idle_s=idle_s)
    with tempfile.TemporaryDirectory(prefix="fb-detect-") as tmp:
        model_dir = _model_dir(task_obj, model, train_data, config, Path(tmp))
        with progress_bar() as progress:
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


def _some_readable(recordings: list[Path]) -> None:
    """Headers first: with no readable recording, say why for each before training anything."""
    from frugalbench.audio.decode import AudioProblem, probe

    problems = []
    for path in recordings:
        try:
            probe(path, max_bytes=1 << 62)
        except AudioProblem as problem:
            problems.append(f"{path}: {problem}")
    if len(problems) == len(recordings):
        raise UserError("no readable recording: " + "; ".join(problems))


def _model_dir(task: Any, model: str, train_data: str | None, config: Any, tmp: Path) -> Path:
    """The model directory given (for this task), or the named model trained first (into
    ``tmp``) once its task and extra are checked."""
    from frugalbench.harness.runner import check_model_task, train, unknown_model_message
    from frugalbench.models.directory import read_manifest
    from frugalbench.models.extras import require_extra
    from frugalbench.models.registry import models as registry

    model_dir = Path(model)
    if model in registry and not model_dir.exists():
        check_model_task(registry.get(model).task, task)
        require_extra(model, registry.get(model).extra)
        err.print(escape(f"training {model} on {train_data or 'the bundled clips'} first"))
        return train(task, model, tmp / "model", train_data, config, holdout=False).directory
    if not model_dir.is_dir():
        raise UserError(unknown_model_message(model, task))
    check_model_task(read_manifest(model_dir).task, task)
    return model_dir
