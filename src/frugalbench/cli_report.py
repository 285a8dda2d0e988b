"""``frugalbench report`` and ``frugalbench project``: results made readable, and scaled up.

Both read result files only (nothing is measured again) and take the same scenario options, so
the same figures can be re-expressed for another grid, facility or hardware.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from frugalbench.footprint.projection import Projection
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


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report_cmd(
        results: Annotated[
            list[Path], typer.Argument(help="result JSON files, or bench results.json / folders")
        ],
        fmt: Annotated[str, typer.Option("--format", help="html, md or json")] = "html",
        out: Annotated[
            Path | None, typer.Option("--out", help="write here (default: print)")
        ] = None,
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
        from frugalbench.report.card import build_card, load_results
        from frugalbench.report.render import write_report

        if fmt not in ("html", "md", "json"):
            raise UserError(f"--format {fmt!r}: choose html, md or json")
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
            same_task = base if base and base[1].task["name"] == result.task["name"] else None
            cards.append(build_card(where, result, scn, unit, same_task))
        text = write_report(cards, fmt, out)
        if out is None:
            typer.echo(text)
        else:
            typer.echo(f"report: {out} ({len(cards)} card{'s' if len(cards) > 1 else ''})")

    @app.command("project")
    def project_cmd(
        result: Annotated[Path, typer.Argument(help="a result JSON file")],
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
        years: Annotated[int, typer.Option(min=1, help="years to project")] = 3,
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
        from rich.console import Console

        from frugalbench.errors import UserError
        from frugalbench.footprint.projection import PerRequest, project
        from frugalbench.footprint.scenario import scenario
        from frugalbench.report.card import load_results

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
            scenarios += [
                make(cc, fac, None) for cc in countries for fac in facility or ["average"]
            ]
        projection = project(per, scenarios, requests_per_day, years, growth)
        print_projection(Console(), projection, res)
        if plot is not None:
            write_projection_plot(projection, plot)
            typer.echo(f"plot: {plot}")
        if json_out is not None:
            json_out.parent.mkdir(parents=True, exist_ok=True)
            json_out.write_text(projection_json(projection) + "\n")
            typer.echo(f"json: {json_out}")


# the yearly figures a projection sums over its years (co2e_t and water_m3 are row properties)
TOTALS = (
    "facility_mwh",
    "operational_t",
    "embodied_t",
    "water_onsite_m3",
    "co2e_t",
    "water_m3",
)


def projection_json(projection: Projection) -> str:
    data: dict[str, Any] = projection.model_dump(mode="json")
    for scn, out in zip(projection.scenarios, data["scenarios"], strict=True):
        out["totals"] = {f: scn.total(f) for f in TOTALS}
    return json.dumps(data, indent=2)


def _band(band: tuple[float, float] | None, fmt: Any) -> str:
    return "" if band is None else f"\n(power model band {fmt(band[0])} - {fmt(band[1])})"


def print_projection(console: Any, projection: Projection, result: Any) -> None:
    from rich.markup import escape
    from rich.table import Table

    unit = result.task.get("input_unit", "request")
    per = projection.per_request
    console.print(
        escape(
            f"{result.task['name']} / {result.model.get('reference')}: "
            f"{projection.requests_per_day:,.0f} {unit}s a day"
            + (f", growing {projection.growth:+.0%} a year" if projection.growth else "")
            + f"; measured {per.energy_j * 1000:.4g} J per 1,000 {unit}s ({per.source})"
        )
    )
    table = Table(title="projection: scenarios side by side", title_justify="left")
    table.add_column("year", justify="right")
    for scn in projection.scenarios:
        table.add_column(escape(scn.scenario.name), justify="right")
    from frugalbench.report.render import format_value

    def energy(mwh: float) -> str:
        return format_value(mwh * 3.6e9, "J")

    def co2(t: float) -> str:
        return format_value(t * 1e6, "g")

    def water(m3: float) -> str:
        return format_value(m3 * 1e3, "L")

    n_years = len(projection.scenarios[0].years)
    for i in range(n_years):
        cells = []
        for scn in projection.scenarios:
            y = scn.years[i]
            interval = (
                f"\n(95% CI {energy(y.facility_mwh_low)} - {energy(y.facility_mwh_high)})"
                if y.facility_mwh_low is not None and y.facility_mwh_high is not None
                else ""
            )
            cells.append(
                f"{energy(y.facility_mwh)}{interval}{_band(y.band(y.facility_mwh), energy)}\n"
                f"{co2(y.operational_t)} operational{_band(y.band(y.operational_t), co2)}\n"
                f"+ {co2(y.embodied_t)} embodied\n"
                f"{water(y.water_m3)} water{_band(y.band(y.water_m3), water)}"
            )
        table.add_row(str(i + 1), *cells)
        table.add_section()
    table.add_row(
        "total",
        *(
            f"{energy(s.total('facility_mwh'))}\n{co2(s.total('co2e_t'))}\n"
            f"{water(s.total('water_m3'))} water"
            for s in projection.scenarios
        ),
    )
    table.add_row(
        "training (once)",
        *(
            f"{energy(s.training_mwh)}\n{co2(s.training_t)}"
            if s.training_mwh is not None and s.training_t is not None
            else "not measured"
            for s in projection.scenarios
        ),
    )
    console.print(table)
    for s in projection.scenarios:
        f, g, w = s.scenario.facility, s.scenario.grid, s.scenario.water
        console.print(escape(f"{s.scenario.name}:"), style="bold")
        console.print(
            escape(
                f"  factors: grid {g.intensity_g_per_kwh:g} g/kWh ({g.country}, {g.year}; "
                f"{g.table}); PUE {f.pue:g}, WUE {f.wue_l_per_kwh:g} L/kWh ({f.table}: "
                f"{f.pue_source}; {f.wue_source}); grid water {w.l_per_kwh:g} L/kWh "
                f"({w.table}{', world figure: no row for this country' if w.fallback else ''}); "
                f"CUE {s.scenario.cue_kg_per_kwh:.3g} kg/kWh; embodied "
                f"{s.scenario.device.central_kg:g} kg per {s.scenario.device.name} "
                f"({s.scenario.lifetime_source}, share {s.scenario.hardware.resource_share:g})"
            ),
            soft_wrap=True,
        )
        for line in s.context:
            console.print(escape(f"  {line}"), soft_wrap=True)
    console.print("formulas:", style="bold")
    for formula in projection.formulas:
        console.print(escape(f"  {formula}"))


def write_projection_plot(projection: Projection, path: Path) -> None:
    from frugalbench.errors import UserError

    years = [y.year for y in projection.scenarios[0].years]
    series = [(s.scenario.name, [y.co2e_t for y in s.years]) for s in projection.scenarios]
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".svg":
        from frugalbench.charts import lines_svg

        path.write_text(lines_svg(series, years, "CO2e per year (t)"))
    elif path.suffix.lower() == ".png":
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
        for label, values in series:
            ax.plot(years, values, marker="o", label=label)
        ax.set_xlabel("year")
        ax.set_ylabel("CO2e per year (t, operational + embodied)")
        ax.set_xticks(years)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
    else:
        raise UserError(f"--plot {path}: the name must end in .svg or .png")
