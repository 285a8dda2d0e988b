"""``tasks`` and ``models``: what can be run."""

from __future__ import annotations

import typer

from frugalbench.cli.common import (
    Command,
    console,
)

app = typer.Typer()


@app.command("tasks", cls=Command)
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


@app.command("models", cls=Command)
def models_cmd() -> None:
    """List the reference models."""
    from rich.table import Table

    from frugalbench.models.extras import missing_packages
    from frugalbench.models.registry import models

    table = Table("model", "task", "needs", "description")
    for name in models.names():
        cls = models.get(name)
        needs = "core"
        if cls.extra:
            missing = missing_packages(cls.extra)
            needs = f"{cls.extra} extra" + (" (not installed)" if missing else "")
        table.add_row(name, cls.task or "any", needs, cls.description)
    console.print(table)
