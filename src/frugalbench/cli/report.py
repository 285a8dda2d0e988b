"""``report`` and ``project``: results made readable, and scaled up.

Both read result files only (nothing is measured again) and take the same scenario options, so
the same figures can be re-expressed for another grid, facility or hardware.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from frugalbench.cli.common import Command, console
from frugalbench.outputs import writable_file

if TYPE_CHECKING:
    from frugalbench.footprint.scenario import Scenario

FACILITY_HELP = "facility type: average (Uptime 2024 / LBNL 2016), hyperscale, on-premises"
Facility = Annotated[str, typer.Option("--facility", help=FACILITY_HELP)]
Profile = Annotated[
    Path | None,
    typer.Option(
        "--profile",
        help="your data-centre profile (JSON or TOML: name, pue, wue_l_per_kwh, "
        "renewable_energy_factor, energy_reuse_factor, country)",
    ),
]
PueOpt = Annotated[
    float | None,
    typer.Option(
        "--pue", help="data-centre PUE (overrides); default: the run's --pue if it had one"
    ),
]
WueOpt = Annotated[
    float | None, typer.Option("--wue", help="on-site water per IT kWh, L/kWh (overrides)")
]
GridWater = Annotated[
    float | None,
    typer.Option("--grid-water", help="off-site water per kWh generated, L/kWh (overrides)"),
]
DeviceOpt = Annotated[
    str, typer.Option("--device", help="hardware for embodied emissions: cpu-server, gpu-a100")
]
Lifetime = Annotated[
    float | None,
    typer.Option("--hardware-lifetime-years", help="device lifetime for M; default 4 (stated)"),
]
Share = Annotated[
    float,
    typer.Option(
        "--resource-share",
        help="part of the device the model holds (a VM's cores / the host's); default 1",
    ),
]

app = typer.Typer()


@app.command("report", cls=Command)
def report_cmd(
    results: Annotated[
        list[Path],
        typer.Argument(metavar="RESULT", help="result JSON files, or bench results.json / folders"),
    ],
    fmt: Annotated[str, typer.Option("--format", help="html, md or json")] = "html",
    out: Annotated[Path | None, typer.Option("--out", help="write here (default: print)")] = None,
    country: Annotated[
        str | None, typer.Option(help="grid country (ISO 3166); default: the result's")
    ] = None,
    facility: Facility = "average",
    profile: Profile = None,
    pue: PueOpt = None,
    wue: WueOpt = None,
    grid_water: GridWater = None,
    device: DeviceOpt = "cpu-server",
    hardware_lifetime_years: Lifetime = None,
    resource_share: Share = 1.0,
    lifetime_inferences: Annotated[
        float | None,
        typer.Option(help="inferences the model serves in its life (provider SCI)"),
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option(
            help="SCI functional unit, e.g. '1000 quotes', '1 inference', '1 hour of audio'"
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(help="a result of the cheapest reference model measured here"),
    ] = None,
) -> None:
    """A frugality card per model (HTML, Markdown or JSON); several results compare."""
    from frugalbench.errors import UserError
    from frugalbench.footprint.scenario import scenario
    from frugalbench.present.pages import RENDERERS, write_report
    from frugalbench.report.card import build_card, load_results

    if fmt not in RENDERERS:
        raise UserError(f"--format {fmt!r}: choose {', '.join(RENDERERS)}")
    if out is not None:
        writable_file(out, "--out")
    loaded = load_results(results)
    base = load_results([baseline])[0] if baseline else None
    cards = []
    for where, result in loaded:
        scn = scenario(
            country or result.config.country,
            facility,
            profile,
            pue if pue is not None else result.config.pue,
            wue,
            grid_water,
            device,
            hardware_lifetime_years,
            resource_share,
            lifetime_inferences,
        )
        same_task = base if base and base[1].task.name == result.task.name else None
        cards.append(build_card(where, result, scn, unit, same_task))
    text = write_report(cards, fmt, out)
    if out is None:
        typer.echo(text)
    else:
        typer.echo(f"report: {out} ({len(cards)} card{'s' if len(cards) > 1 else ''})")


@app.command("project", cls=Command)
def project_cmd(
    result: Annotated[Path, typer.Argument(metavar="RESULT", help="a result JSON file")],
    requests_per_day: Annotated[
        float, typer.Option("--requests-per-day", help="requests (inputs) served per day")
    ],
    country: Annotated[
        list[str] | None,
        typer.Option("--country", help="grid country; repeat for scenarios side by side"),
    ] = None,
    facility: Annotated[
        list[str] | None,
        typer.Option("--facility", help=FACILITY_HELP + "; repeat for scenarios"),
    ] = None,
    profile: Profile = None,
    years: Annotated[
        int | None,
        typer.Option(min=1, help="years to project; default 3 with --growth, else 1"),
    ] = None,
    pue: PueOpt = None,
    wue: WueOpt = None,
    growth: Annotated[
        float, typer.Option(help="yearly growth of requests (0.2 = +20% a year)")
    ] = 0.0,
    grid_water: GridWater = None,
    device: DeviceOpt = "cpu-server",
    hardware_lifetime_years: Lifetime = None,
    resource_share: Share = 1.0,
    plot: Annotated[
        Path | None, typer.Option(help="draw CO2e per year by scenario (.svg or .png)")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write JSON here")] = None,
) -> None:
    """Annual energy, CO2e and water at deployment scale, scenarios side by side."""

    from frugalbench.errors import UserError
    from frugalbench.footprint.projection import PerRequest, project, projection_json
    from frugalbench.footprint.scenario import scenario
    from frugalbench.present.projection import print_projection, write_projection_plot
    from frugalbench.report.card import load_results

    if plot is not None:
        writable_file(plot, "--plot", (".svg", ".png"))
    if json_out is not None:
        writable_file(json_out, "--json")
    loaded = load_results([result])
    if len(loaded) != 1:
        raise UserError(f"{result}: holds {len(loaded)} results; project one result file")
    where, res = loaded[0]
    per = PerRequest.of(res, where)
    countries: list[str | None] = list(country) if country else [res.config.country]

    def make(cc: str | None, fac: str, prof: Path | None) -> Scenario:
        return scenario(
            cc,
            fac,
            prof,
            pue if pue is not None else res.config.pue,
            wue,
            grid_water,
            device,
            hardware_lifetime_years,
            resource_share,
        )

    scenarios: list[Scenario] = []
    if profile is not None:
        scenarios.append(make(countries[0] if country else None, "average", profile))
    if profile is None or facility:
        scenarios += [make(cc, fac, None) for cc in countries for fac in facility or ["average"]]
    # three identical years say nothing the first does not: more years only with a growth
    projection = project(per, scenarios, requests_per_day, years or (3 if growth else 1), growth)
    print_projection(console, projection, res)
    if plot is not None:
        write_projection_plot(projection, plot)
        typer.echo(f"plot: {plot}")
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(projection_json(projection) + "\n")
        typer.echo(f"json: {json_out}")
