"""A projection to deployment scale, for the terminal and as a chart (SVG or PNG)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from frugalbench.footprint.projection import Projection
from frugalbench.units import J_PER_KWH, format_quantity


def _band(band: tuple[float, float] | None, fmt: Any) -> str:
    return "" if band is None else f"\n(power model band {fmt(band[0])} - {fmt(band[1])})"


def _energy(mwh: float) -> str:
    return format_quantity(mwh * 1000 * J_PER_KWH, "J")


def _co2(t: float) -> str:
    return format_quantity(t * 1e6, "g")


def _water(m3: float) -> str:
    return format_quantity(m3 * 1e3, "L")


def print_projection(console: Any, projection: Projection, result: Any) -> None:
    """The headline, the scenarios side by side year by year, then each one's factors."""
    unit = result.task.input_unit
    per = projection.per_request
    console.print(
        escape(
            f"{result.task.name} / {result.model.reference}: "
            f"{projection.requests_per_day:,.0f} {unit}s a day"
            + (f", growing {projection.growth:+.0%} a year" if projection.growth else "")
            + f"; measured {per.energy_j * 1000:.4g} J per 1,000 {unit}s ({per.source})"
        )
    )
    console.print(_projection_table(projection))
    for s in projection.scenarios:
        _print_factors(console, s)
    console.print("formulas:", style="bold")
    for formula in projection.formulas:
        console.print(escape(f"  {formula}"))


def _year_cell(y: Any) -> str:
    interval = (
        f"\n(95% CI {_energy(y.facility_mwh_low)} - {_energy(y.facility_mwh_high)})"
        if y.facility_mwh_low is not None and y.facility_mwh_high is not None
        else ""
    )
    return (
        f"{_energy(y.facility_mwh)}{interval}{_band(y.band(y.facility_mwh), _energy)}\n"
        f"{_co2(y.operational_t)} operational{_band(y.band(y.operational_t), _co2)}\n"
        f"+ {_co2(y.embodied_t)} embodied\n"
        f"{_water(y.water_m3)} water{_band(y.band(y.water_m3), _water)}"
    )


def _projection_table(projection: Projection) -> Table:
    table = Table(title="projection: scenarios side by side", title_justify="left")
    table.add_column("year", justify="right")
    for scn in projection.scenarios:
        table.add_column(escape(scn.scenario.name), justify="right")
    for i in range(len(projection.scenarios[0].years)):
        table.add_row(str(i + 1), *(_year_cell(scn.years[i]) for scn in projection.scenarios))
        table.add_section()
    table.add_row(
        "total",
        *(
            f"{_energy(s.total('facility_mwh'))}\n{_co2(s.total('co2e_t'))}\n"
            f"{_water(s.total('water_m3'))} water"
            for s in projection.scenarios
        ),
    )
    table.add_row(
        "training (once)",
        *(
            f"{_energy(s.training_mwh)}\n{_co2(s.training_t)}"
            if s.training_mwh is not None and s.training_t is not None
            else "not measured"
            for s in projection.scenarios
        ),
    )
    return table


def _print_factors(console: Any, s: Any) -> None:
    """Every factor a scenario assumed, with its table and source."""
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


def write_projection_plot(projection: Projection, path: Path) -> None:
    from frugalbench.errors import UserError

    years = [y.year for y in projection.scenarios[0].years]
    series = [(s.scenario.name, [y.co2e_t for y in s.years]) for s in projection.scenarios]
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".svg":
        from frugalbench.present.charts import lines_svg

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
