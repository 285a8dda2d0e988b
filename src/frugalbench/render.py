"""Rich tables for the terminal: what a person reads after a run or a measurement."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from frugalbench.measure.base import Measurement
from frugalbench.measure.carbon import EmissionFactors
from frugalbench.results import RunResult, Summary


def fmt_j(value: float) -> str:
    if value >= 3.6e6:
        return f"{value / 3.6e6:.3g} kWh"
    if value >= 1000:
        return f"{value / 1000:.3g} kJ"
    if value >= 1:
        return f"{value:.3g} J"
    return f"{value * 1000:.3g} mJ"


def fmt_g(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:.3g} kg CO2e"
    if value >= 1:
        return f"{value:.3g} g CO2e"
    return f"{value * 1000:.3g} mg CO2e"


def fmt_summary_j(s: Summary) -> str:
    if s.n == 1:
        return fmt_j(s.median)
    return f"{fmt_j(s.median)} [{fmt_j(s.min)} - {fmt_j(s.max)}]"


def grid_line(factors: EmissionFactors) -> str:
    grid = factors.grid
    where = (
        "world average (no --country given)" if grid.is_default else f"{grid.country} ({grid.code})"
    )
    return (
        f"grid: {where}, {grid.intensity_g_per_kwh:g} gCO2e/kWh ({grid.year}); "
        f"PUE {factors.pue.value:g} ({factors.pue.source})"
    )


def _row(table: Table, *cells: str) -> None:
    """Cells are data, not markup: a split named ``test[seed=42]`` must print as it is."""
    table.add_row(*(escape(c) for c in cells))


def print_run(console: Console, result: RunResult, path: str | None) -> None:
    unit = result.task.get("input_unit", "input")
    data = result.task["data"]
    title = f"{result.task['name']} / {result.model['reference']}  ({result.status})"
    table = Table(title=escape(title), show_header=False, title_justify="left")
    table.add_column("", style="bold")
    table.add_column("", overflow="fold")
    _row(table, "evaluated on", f"{data['n_inputs']} {unit}s, {data['split']} of {data['source']}")
    if result.scores:
        _row(table, "accuracy", f"{result.scores['accuracy']:.4f}")
        _row(table, "macro-F1", f"{result.scores['macro_f1']:.4f}")
    if result.per_1000_inputs:
        n = result.config.repeats
        _row(
            table,
            f"inference energy / 1,000 {unit}s",
            f"{fmt_summary_j(result.per_1000_inputs.energy_j)}  (median [min - max] of {n})",
        )
        inf = result.phases["inference"]
        _row(table, "method", "; ".join(f"{c}: {m.describe()}" for c, m in inf.methods.items()))
    if result.emissions:
        if result.emissions.per_1000_inputs_g is not None:
            _row(table, f"emissions / 1,000 {unit}s", fmt_g(result.emissions.per_1000_inputs_g))
        _row(table, "emission factors", grid_line(result.emissions.factors))
    if result.failure:
        _row(table, "FAILED", f"in phase {result.failure.phase}: {result.failure.reason}")
    for note in result.notes:
        _row(table, "note", note)
    if path:
        _row(table, "result", path)
    console.print(table)
    phases = Table(title="energy per phase", title_justify="left")
    for col in ("phase", "inputs", "duration", "energy", "cpu", "dram"):
        phases.add_column(col, justify="right" if col != "phase" else "left")
    for name, p in result.phases.items():
        comps = p.components_j
        _row(
            phases,
            name,
            str(p.n_inputs or ""),
            f"{p.duration_s.median:.3f} s",
            fmt_summary_j(p.energy_j),
            fmt_j(comps["cpu"].median) if "cpu" in comps else "",
            fmt_j(comps["dram"].median) if "dram" in comps else "",
        )
    console.print(phases)


def print_measurement(
    console: Console, command: list[str], exit_code: int, m: Measurement, factors: EmissionFactors
) -> None:
    table = Table(title=escape(f"frugalbench measure: {' '.join(command)}"), title_justify="left")
    for col in ("component", "energy", "method"):
        table.add_column(col, overflow="fold")
    for name, comp in m.components.items():
        _row(table, name, fmt_j(comp.energy_j), comp.method.describe())
    table.add_row("[bold]total (marginal)[/bold]", f"[bold]{fmt_j(m.total_j)}[/bold]", "")
    console.print(table)
    obs: dict[str, Any] = m.observations
    console.print(
        f"duration {m.duration_s:.3f} s, CPU time {obs.get('cpu_time_s', 0):.3f} s "
        f"({obs.get('cpu_utilisation_cores', 0):.2f} cores), exit code {exit_code}"
    )
    console.print(escape(f"emissions {fmt_g(factors.co2e_g(m.total_j))}; {grid_line(factors)}"))
