"""What the command groups share: the consoles, the options, the progress bar, paths."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from frugalbench.measure import backends as meter_backends

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
        help=meter_backends.choices_help() + "; see `frugalbench meters`",
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


def profile_path(path: Path | None) -> str | None:
    """Check a profile against this machine now, not after the run; its path for the config."""
    if path is None:
        return None
    from frugalbench.measure.cpu_power import resolve_cpu_power

    resolve_cpu_power(profile=path)
    return str(path)


def progress_bar() -> Any:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def default_result_path(task: str, model: str) -> Path:
    runs = Path(os.environ.get("FRUGALBENCH_RUNS_DIR", "runs"))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return runs / f"{task}-{Path(model).name}-{stamp}.json"
