"""Rich tables for the terminal: what a person reads after a run or a measurement."""

from __future__ import annotations

import shlex
import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from frugalbench.footprint.carbon import EmissionFactors
from frugalbench.measure.base import Measurement
from frugalbench.results import Band, RunResult
from frugalbench.stats import Summary
from frugalbench.units import Column, format_energy, format_mass

if TYPE_CHECKING:
    from frugalbench.harness.bench import BenchRow
    from frugalbench.measure.backends import BackendSpec, MeterPlan
    from frugalbench.measure.base import Availability
    from frugalbench.measure.cpu_power import CpuPower


def fmt_summary_j(s: Summary, band: Band | None = None) -> str:
    """``0.12 J (power model band 0.10 - 0.14 J; repeats 95% CI ...)``: the two kept apart."""
    parts = []
    if band is not None:
        parts.append(f"power model band {format_energy(band.low)} - {format_energy(band.high)}")
    if s.n > 1 and s.ci95_low is not None and s.ci95_high is not None:
        cv = f", CV {s.cv:.1%}" if s.cv is not None else ""
        repeats = "repeats " if band is not None else ""
        low, high = format_energy(max(s.ci95_low, 0)), format_energy(s.ci95_high)
        parts.append(f"{repeats}95% CI {low} - {high}{cv}")
    return f"{format_energy(s.median)} ({'; '.join(parts)})" if parts else format_energy(s.median)


def fmt_band_g(value: float, band: Band | None) -> str:
    if band is None:
        return format_mass(value)
    low, high = format_mass(band.low), format_mass(band.high)
    return f"{format_mass(value)} (power model band {low} - {high})"


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
    """The run's summary table, then its energy per phase."""
    unit = result.task.input_unit
    data = result.task.data
    title = f"{result.task.name} / {result.model.reference}  ({result.status})"
    table = Table(title=escape(title), show_header=False, title_justify="left")
    table.add_column("", style="bold")
    table.add_column("", overflow="fold")
    _row(table, "evaluated on", f"{data.n_inputs} {unit}s, {data.split} of {data.source}")
    if data.skipped:
        _row(table, "skipped files", skipped_line(data.skipped))
    for name, value in scalar_scores(result.scores).items():
        _row(table, name.replace("_", " "), f"{value:.4f}")
    _inference_rows(table, result, unit)
    if result.emissions:
        if result.emissions.per_1000_inputs_g is not None:
            _row(
                table,
                f"emissions / 1,000 {unit}s",
                fmt_band_g(
                    result.emissions.per_1000_inputs_g, result.emissions.per_1000_inputs_band_g
                ),
            )
        _row(table, "emission factors", grid_line(result.emissions.factors))
    if result.failure:
        _row(table, "FAILED", f"in phase {result.failure.phase}: {result.failure.reason}")
    for note in result.notes:
        _row(table, "note", note)
    if path:
        _row(table, "result", path)
    console.print(table)
    console.print(_phase_table(result, console.width))


def _inference_rows(table: Table, result: RunResult, unit: str) -> None:
    """Energy per 1,000 inputs, the whole machine's, a comparison meter's, the method, speed."""
    per = result.per_1000_inputs
    if not per:
        return
    inf = result.phases["inference"]
    marks = f"  {' '.join(f.upper() for f in inf.flags)}" if inf.flags else ""
    _row(
        table,
        f"inference energy / 1,000 {unit}s",
        f"{fmt_summary_j(per.energy_j, per.energy_band_j)}, median of {per.energy_j.n}{marks}",
    )
    if inf.machine_energy_j is not None and inf.n_inputs:
        scale = 1000 / inf.n_inputs
        _row(
            table,
            "  whole machine, same windows",
            f"{format_energy(inf.machine_energy_j.median * scale)} (before attribution)",
        )
    for name, comp in inf.comparison.items():
        if inf.n_inputs:
            scaled = comp.energy_j.scaled(1000 / inf.n_inputs)
            _row(table, f"  {name}, same windows", fmt_summary_j(scaled))
    _row(table, "method", "; ".join(f"{c}: {m.describe()}" for c, m in inf.methods.items()))
    if result.speed_index:
        _row(
            table,
            "speed index",
            f"{result.speed_index['speed_index']:.2f} (reference kernel; energy at reference "
            f"speed {format_energy(per.energy_j_at_reference_speed or 0)} / 1,000)",
        )


WIDE = 100  # columns from which tables show every column; below, a compact layout


def _span(low: float | None, high: float | None, column: Column) -> str:
    """``9.85-15.8`` in the column's unit; an interval end below zero is shown at zero."""
    if low is None or high is None:
        return ""
    return f"{column(max(low, 0.0))}-{column(high)}"


def _phase_table(result: RunResult, width: int = WIDE) -> Table:
    """One row per phase, one unit per column (named in its header); the repeats' interval and
    the power model's band in columns of their own. Below ``WIDE`` columns: the essentials."""
    phases = list(result.phases.items())
    medians = [p.energy_j.median for _, p in phases]
    j = Column([*medians, *(p.energy_band_j.high for _, p in phases if p.energy_band_j)], "J")
    wide = width >= WIDE
    compared = sorted({k for _, p in phases for k in p.comparison}) if wide else []
    headers = ["phase", "inputs", "time\ns", f"energy\n{j.unit}", f"band\n{j.unit}"]
    if wide:
        headers += [
            f"95% CI\n{j.unit}",
            f"machine\n{j.unit}",
            *(f"{k}\n{j.unit}" for k in compared),
        ]
    rows = []
    for name, p in phases:
        band, ci = p.energy_band_j, (p.energy_j if p.energy_j.n > 1 else None)
        cells = [name, str(p.n_inputs or ""), f"{p.duration_s.median:.3g}", j(p.energy_j.median)]
        cells.append(_span(band.low, band.high, j) if band else "")
        if wide:
            cells.append(_span(ci.ci95_low, ci.ci95_high, j) if ci else "")
            cells.append(j(p.machine_energy_j.median) if p.machine_energy_j else "")
            cells += [
                j(p.comparison[k].energy_j.median) if k in p.comparison else "" for k in compared
            ]
        rows.append(
            [*cells, " ".join(p.flags) + (f" ({len(p.discarded)} re-run)" if p.discarded else "")]
        )
    table = _table("energy per phase", [*headers, "flags"], rows, text_columns=("phase", "flags"))
    table.caption = (
        "load: a fresh worker imports the model's libraries and reads its files, whether the "
        "harness trained it or not; band: the power model's low-high (moves every model "
        "together)" + ("; 95% CI: the repeats'" if wide else "")
    )
    table.caption_justify = "left"
    return table


def _table(
    title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], text_columns: Sequence[str]
) -> Table:
    """Figures and names are never cut or wrapped (each column at least as wide as its longest
    cell); only free text (flags, notes) wraps when the terminal is narrow."""
    table = Table(title=title, title_justify="left")
    for i, header in enumerate(headers):
        if header in text_columns and header not in ("phase", "model"):
            table.add_column(header, justify="left", overflow="fold")
            continue
        widest = max([len(r[i]) for r in rows] + [len(x) for x in header.split("\n")])
        justify: Literal["left", "right"] = "left" if header in text_columns else "right"
        table.add_column(header, justify=justify, no_wrap=True, min_width=widest)
    for row in rows:
        _row(table, *row)
    return table


def scalar_scores(scores: dict[str, Any] | None) -> dict[str, float]:
    """The headline scores of a result (numbers only; matrices and per-class tables left out)."""
    return {
        k: float(v)
        for k, v in (scores or {}).items()
        if isinstance(v, int | float) and k != "n_inputs"
    }


def skipped_line(skipped: dict[str, Any]) -> str:
    reasons = "; ".join(f"{n} x {reason}" for reason, n in skipped["reasons"].items())
    return f"{skipped['n_files']} ({reasons})"


def print_bench(
    console: Console, rows: Sequence[BenchRow], score_names: Sequence[str] = ("accuracy",)
) -> None:
    """One row per model; ``score_names``: the task's headline metrics, in its order. Units in
    the headers (one per column); model names never cut; below ``WIDE`` columns, size and
    parameters are left out."""
    wide = console.width >= WIDE
    unit = rows[0].result.task.input_unit if rows else "input"
    j = Column([r.energy_per_1000_j for r in rows], "J")
    tj = Column([r.result.model.training_energy_j for r in rows], "J")
    several = max((len(r.folds) for r in rows), default=1) > 1
    spread = "fold range" if several else "95% CI"
    headers = ["", "model", *(k.replace("_", "\n") for k in score_names)]
    if wide:
        headers += [f"{j.unit} /\n1,000\n{unit}s", f"{spread}\n{j.unit}", f"training\n{tj.unit}"]
        headers += ["size", "params"]
    else:  # the interval in the energy cell, training and size left out
        headers += [f"{j.unit} / 1,000\n{unit}s\n({spread})"]
    table_rows = []
    for row in rows:
        r = row.result
        span = row.energy_interval_j
        interval = _span(span[0], span[1], j) if span else ""
        cells = ["*" if row.pareto else "", row.model, *(_fold_score(row, k) for k in score_names)]
        if wide:
            cells += [j(row.energy_per_1000_j), interval, tj(r.model.training_energy_j)]
            cells += [_fmt_bytes(r.model.size_bytes), _fmt_count(r.model.n_parameters)]
        else:
            cells.append(f"{j(row.energy_per_1000_j)} ({interval})" if interval else "")
        table_rows.append([*cells, "; ".join(_bench_notes(row))])
    table = _table(
        "bench: * = on the accuracy-versus-energy Pareto front",
        [*headers, "notes"],
        table_rows,
        text_columns=("", "model", "notes"),
    )
    console.print(table)
    n_folds = max((len(r.folds) for r in rows), default=1)
    if n_folds > 1:
        console.print(
            f"grouped evaluation: {n_folds} folds, each group held out once; scores are the mean "
            "± sd over folds, energy the median over folds (range)"
        )
        print_bench_groups(console, rows)
    band = next((r.result.per_1000_inputs for r in rows if r.result.per_1000_inputs), None)
    if band is not None and band.energy_band_j is not None and band.energy_j.median > 0:
        low = band.energy_band_j.low / band.energy_j.median
        high = band.energy_band_j.high / band.energy_j.median
        console.print(
            f"every row's energy rests on one power model (band x{low:.2f} - x{high:.2f} of each "
            "figure): it moves all rows together, so ratios between rows are as sharp as the "
            "repeat intervals"
        )


def _bench_notes(row: BenchRow) -> list[str]:
    r = row.result
    notes = []
    if r.status != "ok" and r.failure:
        notes.append(f"FAILED in {r.failure.phase}: {r.failure.reason}")
    stats = r.model.inference_stats or {}
    if "escalation_rate" in stats:
        notes.append(f"escalation {stats['escalation_rate']:.0%}")
    inference = r.phases.get("inference")
    if inference and inference.flags:
        notes.append(" ".join(inference.flags))
    if row.cached:
        notes.append("cached model")
    return notes


def _fold_score(row: BenchRow, key: str) -> str:
    if len(row.folds) == 1:
        scores = scalar_scores(row.result.scores)
        return f"{scores[key]:.4f}" if key in scores else ""
    found = row.score(key)
    return f"{found[0]:.3f}±{found[1]:.2f}" if found else ""


GROUP_SCORES = ("accuracy", "recall", "false_alarm_rate", "mean_iou")


def print_bench_groups(console: Console, rows: Sequence[BenchRow]) -> None:
    """Each held-out group (recorder, camera) by model: where a ladder holds and where not."""
    by_model = {r.model: r.by_group() for r in rows}
    present = {k for t in by_model.values() for v in t.values() for k in v}
    keys = [k for k in present if k.endswith(GROUP_SCORES) and "macro" not in k]
    keys.sort(key=lambda k: [k.endswith(g) for g in GROUP_SCORES].index(True))
    print_groups(console, by_model, keys)


def print_groups(
    console: Console,
    by_model: dict[str, dict[str, dict[str, Any]]],
    keys: Sequence[str],
    label: str = "group",
) -> None:
    """One row per held-out group, one column per model, each cell ``key1 / key2 ...``; the
    last row the spread of the first key across groups."""
    groups = sorted({g for t in by_model.values() for g in t})
    table = Table(
        title=f"per held-out {label}: " + " / ".join(k.replace("_", " ") for k in keys),
        title_justify="left",
    )
    table.add_column(label)
    table.add_column("inputs", justify="right")
    for name in by_model:
        table.add_column(escape(name), justify="right")
    for group in groups:
        cells = [t.get(group, {}) for t in by_model.values()]
        n = next((c["n"] for c in cells if c), 0)
        _row(table, group, str(n), *(_group_cell(c, keys) for c in cells))
    table.add_row("spread (sd)", "", *(_spread(t, keys[0]) for t in by_model.values()))
    console.print(table)


def _group_cell(scores: dict[str, Any], keys: Sequence[str]) -> str:
    return " / ".join("-" if scores.get(k) is None else f"{scores[k]:.2f}" for k in keys)


def _spread(by_group: dict[str, dict[str, Any]], key: str) -> str:
    values = [v[key] for v in by_group.values() if v.get(key) is not None]
    if len(values) < 2:
        return ""
    return f"{statistics.stdev(values):.3f} (min {min(values):.2f})"


def _fmt_bytes(n: int | None) -> str:
    if n is None:
        return ""
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000:
            return f"{n:.3g} {unit}"
        n = n / 1000  # type: ignore[assignment]
    return f"{n:.3g} TB"


def _fmt_count(n: int | None) -> str:
    if n is None:
        return ""
    if n >= 1e6:
        return f"{n / 1e6:.3g}M"
    if n >= 1e3:
        return f"{n / 1e3:.3g}k"
    return str(n)


def print_measurement(
    console: Console,
    command: list[str],
    exit_code: int,
    m: Measurement,
    factors: EmissionFactors,
    comparison: Measurement | None = None,
) -> None:
    title = f"frugalbench measure: {shlex.join(command)}"  # quoted as it would be typed
    table = Table(title=escape(title), title_justify="left")
    for col in ("component", "energy", "machine", "method"):
        table.add_column(col, overflow="fold")
    for name, comp in m.components.items():
        machine = "" if comp.machine_energy_j is None else format_energy(comp.machine_energy_j)
        _row(table, name, format_energy(comp.energy_j), machine, comp.method.describe())
    total = format_energy(m.total_j)
    if m.band_j is not None:
        total += f" (power model band {format_energy(m.band_j[0])} - {format_energy(m.band_j[1])})"
    table.add_row("[bold]total (marginal)[/bold]", f"[bold]{escape(total)}[/bold]", "", "")
    if comparison is not None:
        for name, comp in comparison.components.items():
            _row(
                table,
                f"codecarbon {name}",
                format_energy(comp.energy_j),
                "",
                comp.method.describe(),
            )
        _row(table, "codecarbon total", format_energy(comparison.total_j), "", "same command")
    console.print(table)
    obs: dict[str, Any] = m.observations
    console.print(
        f"duration {m.duration_s:.3f} s, CPU time {obs.get('cpu_time_s', 0):.3f} s "
        f"({obs.get('cpu_utilisation_cores', 0):.2f} cores), exit code {exit_code}"
    )
    if m.flags:
        console.print(
            escape(
                f"flags: {', '.join(m.flags)} (outside load "
                f"{obs.get('outside_load_cores', 0):.2f} cores)"
            )
        )
    console.print(
        escape(f"emissions {format_mass(factors.co2e_g(m.total_j))}; {grid_line(factors)}")
    )


def print_detect(console: Console, report: Any) -> None:
    """Segments per recording, then the totals a guardian's battery cares about."""
    table = Table(title=f"{report.positive} segments", title_justify="left")
    for col in ("recording", "from", "to", "mean conf.", "max conf.", "note"):
        table.add_column(
            col,
            justify="left" if col in ("recording", "note") else "right",
            overflow="fold",  # a long path wraps, never ends in "…"
            no_wrap=col in ("from", "to", "mean conf.", "max conf."),
        )
    for rec in report.recordings:
        if rec.problem:  # a reason in its own column, not under a figure's
            _row(table, rec.path, "", "", "", "", f"skipped: {rec.problem}")
            continue
        if not rec.segments:
            _row(table, rec.path, "", "", "", "", f"none in {rec.duration_s:.0f} s")
        for seg in rec.segments:
            _row(
                table,
                rec.path,
                _clock(seg.start_s),
                _clock(seg.end_s),
                f"{seg.mean_confidence:.2f}",
                f"{seg.max_confidence:.2f}",
                "",
            )
    console.print(table)
    per_hour = report.energy_j_per_audio_hour
    console.print(
        f"{report.audio_s / 3600:.3f} h of audio in {report.wall_s:.1f} s "
        f"({report.audio_s / max(report.wall_s, 1e-9):.0f}x real time); model energy "
        f"{format_energy(report.energy_j)}"
        + (f" = {format_energy(per_hour)} per hour of audio" if per_hour is not None else "")
        + f" (model load {format_energy(report.load.total_j)} once)"
    )
    console.print(f"method: {report.method}")


def _clock(seconds: float) -> str:
    minutes, sec = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{sec:04.1f}"


def print_meters(
    console: Console,
    report: Sequence[tuple[BackendSpec, Availability]],
    plan: MeterPlan,
    power: CpuPower,
    side_by_side: tuple[Measurement, Measurement] | None = None,
) -> None:
    """The backends in the order ``auto`` tries them, what each is, and whether it reads here."""
    table = Table(
        "order", "backend", "kind", "components", "available", "why", title="meter backends"
    )
    for order, (backend, availability) in enumerate(report, 1):
        table.add_row(
            str(order) if backend.kind != "comparison" else "-",
            backend.name,
            backend.kind,
            backend.components,
            "yes" if availability else "no",
            escape(availability.reason),
        )
    console.print(table)
    for component, choice in plan.choices.items():
        console.print(escape(f"auto: {component} <- {choice}"))
    console.print(escape(f"cpu power model: {power.describe()}"))
    if power.evidence:
        console.print(escape(f"  evidence: {power.evidence}"))
    console.print(escape(f"  basis: {power.basis}"))
    dram = "included in this figure, not added again" if power.includes_dram else "added"
    console.print(escape(f"  dram: {dram}"))
    if side_by_side is not None:
        estimate, counters = side_by_side
        console.print(
            f"one busy thread for 2 s of CPU: process estimate {format_energy(estimate.total_j)}, "
            f"RAPL counters {format_energy(counters.total_j)} (idle subtracted); "
            "`frugalbench calibrate` fits this CPU's own figure"
        )
