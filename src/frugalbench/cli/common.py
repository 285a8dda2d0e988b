"""What the command groups share: the consoles, the options, the progress bar, paths."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperCommand

from frugalbench.config import RunConfig
from frugalbench.measure import backends as meter_backends

console = Console()
err = Console(stderr=True)

# Options that set the run's settings take their default and help from RunConfig's fields: one
# default (a phase's time limit, the meter, the repeats) whatever command sets it.
DEFAULTS = RunConfig()


class Command(TyperCommand):
    """A command whose usage line reads ``run [OPTIONS] TASK``: Typer writes a required argument
    as ``{TASK}``, which reads like a placeholder for a JSON object."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:  # typer's own copy of click
        return [p.replace("{", "").replace("}", "") for p in super().collect_usage_pieces(ctx)]


def about(name: str) -> str:
    """A RunConfig field's description, as an option's help."""
    return RunConfig.model_fields[name].description or name


Country = Annotated[
    str | None,
    typer.Option(help="ISO 3166 code of the electricity grid (FR, USA...); default: world average"),
]
Pue = Annotated[float | None, typer.Option(help="data-centre PUE; default 1.56 (Uptime 2024)")]
MeterOpt = Annotated[
    str,
    typer.Option(
        "--meter",
        help=meter_backends.choices_help() + "; see `frugalbench meters`",
    ),
]
IdleS = Annotated[float, typer.Option(help=about("idle_s"))]
Repeats = Annotated[int, typer.Option(min=1, help=about("repeats"))]
Seed = Annotated[int, typer.Option(help=about("seed"))]
TimeoutS = Annotated[float, typer.Option(help=about("timeout_s"))]
MaxCv = Annotated[float, typer.Option(help=about("max_cv"))]
MaxReruns = Annotated[int, typer.Option(min=0, help=about("max_reruns"))]
TrainTimeoutS = Annotated[float | None, typer.Option(help=about("train_timeout_s"))]
LabelMapOpt = Annotated[
    Path | None,
    typer.Option(
        "--label-map",
        help="JSON {model label: task label} for an hf: model whose label names differ",
    ),
]
PowerProfileOpt = Annotated[
    Path | None,
    typer.Option(
        "--power-profile",
        help="a `frugalbench calibrate` profile of this CPU model (or FRUGALBENCH_POWER_PROFILE); "
        "default: the CPU family's SPECpower servers",
    ),
]


def run_config(power_profile: Path | None = None, **options: Any) -> RunConfig:
    """The run's settings from a command's options, every check done before anything runs.

    Options left at None keep RunConfig's default; the power profile is checked against this
    machine now (not after a run). A refused value becomes a one-line error in ``cli.main``.
    """
    given = {k: v for k, v in options.items() if v is not None}
    return RunConfig(power_profile=profile_path(power_profile), **given)


def profile_path(path: Path | None) -> str | None:
    """Check a profile against this machine now, not after the run; its path for the config."""
    if path is None:
        return None
    from frugalbench.measure.cpu_power import resolve_cpu_power

    resolve_cpu_power(profile=path)
    return str(path)


def save_result(result: Any, path: Path) -> Path:
    """Write the result where asked; if that fails now (a disk filled, a folder removed during
    the run), write it to the runs folder and say so: a run's hours are never lost."""
    try:
        result.save(path)
        return path
    except OSError as exc:
        fallback = default_result_path(result.task.name, result.model.reference)
        result.save(fallback)
        err.print(
            escape(f"warning: could not write {path} ({exc.strerror or exc}); saved to {fallback}"),
            highlight=False,
            soft_wrap=True,
        )
        return fallback


def default_result_path(task: str, model: str) -> Path:
    runs = Path(os.environ.get("FRUGALBENCH_RUNS_DIR", "runs"))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return runs / f"{task}-{Path(model).name}-{stamp}.json"
