"""``meters``, ``calibrate``, ``measure``: the meters themselves, and any command measured."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from frugalbench.cli.common import (
    DEFAULTS,
    Command,
    Country,
    IdleS,
    MeterOpt,
    PowerProfileOpt,
    Pue,
    console,
    err,
    profile_path,
)
from frugalbench.cli.progress import progress_bar
from frugalbench.errors import UserError
from frugalbench.outputs import writable_file

app = typer.Typer()


@app.command("meters", cls=Command)
def meters_cmd() -> None:
    """List the meter backends, whether each can run here, and why not."""
    from frugalbench.measure.backends import backend_report, build_meter
    from frugalbench.measure.cpu_power import resolve_cpu_power
    from frugalbench.present.terminal import print_meters

    report = backend_report()
    plan = build_meter("auto", with_idle=False)
    side_by_side = None
    if any(b.name == "rapl" and a for b, a in report):
        from frugalbench.measure.crosscheck import side_by_side as cross

        side_by_side = cross()
    print_meters(console, report, plan, plan.cpu_power or resolve_cpu_power(), side_by_side)


@app.command("calibrate", cls=Command)
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

    writable_file(out, "--out")
    with progress_bar() as progress:
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


@app.command(
    "measure",
    cls=Command,
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def measure_cmd(
    command: Annotated[
        list[str], typer.Argument(metavar="COMMAND", help="the command to measure, after --")
    ],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="write the measurement here")
    ] = None,
    country: Country = None,
    pue: Pue = None,
    meter: MeterOpt = DEFAULTS.meter,
    idle_s: IdleS = DEFAULTS.idle_s,
    power_profile: PowerProfileOpt = None,
) -> None:
    """Measure any command's energy, like `perf stat`: frugalbench measure -- python train.py"""
    from frugalbench.footprint.carbon import emission_factors
    from frugalbench.measure.backends import build_meter
    from frugalbench.measure.window import window
    from frugalbench.present.terminal import print_measurement

    if command[0].startswith("-"):  # unknown options land here: click lets extra args through
        raise UserError(
            f"No such option: {command[0]} (the command to measure goes after --: "
            "frugalbench measure -- python train.py)"
        )
    factors = emission_factors(country, pue)
    if json_out is not None:
        writable_file(json_out, "--json")
    if shutil.which(command[0]) is None:
        raise UserError(f"command not found: {command[0]}")
    plan = build_meter(
        meter, include_root=False, idle_s=idle_s, power_profile=profile_path(power_profile)
    )
    with window(plan, "command") as w:
        try:
            proc = subprocess.Popen(command)
        except OSError as exc:
            raise UserError(f"cannot run {command[0]}: {exc.strerror}") from None
        try:
            exit_code = proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            exit_code = proc.wait()
    m, compared = w.measurement, w.comparison
    assert m is not None  # set when the window closed
    print_measurement(
        err if json_out is None else console, command, exit_code, m, factors, compared
    )
    if json_out:
        from frugalbench.results.measure import measurement_record

        what = {"command": command, "exit_code": exit_code}
        measurement_record(m, plan, factors, what, compared).save(json_out)
    raise typer.Exit(exit_code)
