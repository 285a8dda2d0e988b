"""Progress, drawn where a person watches and written line by line where a log reads it.

On a terminal, a Rich bar that vanishes when done. Piped or redirected (a CI log, ``| tee``), a bar
redrawn in place is noise or nothing at all (``bench`` said nothing for 89 s): there, one line per
new step, with the time since the start. Either way the count never runs past its total (a re-run
pass extends the total) and a step without a total shows no ``/None``.
"""

from __future__ import annotations

import time
from typing import Any, Self

from rich.console import Console
from rich.markup import escape


def progress_bar(console: Console | None = None) -> Any:
    """A progress display on ``console`` (stderr by default) with Rich's task API."""
    from frugalbench.cli.common import err

    console = console or err
    if not console.is_terminal:
        return LineProgress(console)
    from rich.progress import BarColumn, TextColumn, TimeElapsedColumn

    return _Bounded(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[count]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _count(completed: float, total: float | None) -> str:
    if total is None:
        return ""
    if float(total).is_integer() and float(completed).is_integer():
        return f"{int(completed)}/{int(total)}"
    return f"{completed / total:.0%}" if total else ""


def _bounded(completed: float, total: float | None) -> tuple[float, float | None]:
    """A count past its total (a pass run again) moves the total, never shows ``5/4``."""
    return completed, (None if total is None else max(total, completed))


class _Bounded:
    """Rich's Progress, with the count kept within its total and written without ``None``."""

    def __init__(self, *columns: Any, **options: Any) -> None:
        from rich.progress import Progress

        self._progress = Progress(*columns, **options)

    def __enter__(self) -> Self:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(*exc)  # type: ignore[arg-type]

    def add_task(self, description: str, total: float | None = None, **fields: Any) -> Any:
        return self._progress.add_task(description, total=total, count=_count(0, total), **fields)

    def update(self, task_id: Any, **changes: Any) -> None:
        task = self._progress.tasks[task_id]
        completed = changes.pop("completed", task.completed) + changes.pop("advance", 0)
        completed, total = _bounded(completed, changes.pop("total", task.total))
        self._progress.update(
            task_id, completed=completed, total=total, count=_count(completed, total), **changes
        )

    def advance(self, task_id: Any, advance: float = 1) -> None:
        self.update(task_id, advance=advance)


class LineProgress:
    """The same API, written as lines: ``[  12s] bench chainsaw: logmel-cnn (train) 2/3``."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.tasks: list[dict[str, Any]] = []
        self._start = time.monotonic()
        self._last = ""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, description: str, total: float | None = None, **_: Any) -> int:
        # no line yet: a command refused before its first step prints its error alone
        self.tasks.append({"description": description, "completed": 0.0, "total": total})
        return len(self.tasks) - 1

    def update(self, task_id: int, **changes: Any) -> None:
        task = self.tasks[task_id]
        completed = changes.get("completed", task["completed"]) + changes.get("advance", 0)
        task["completed"], task["total"] = _bounded(completed, changes.get("total", task["total"]))
        task["description"] = changes.get("description", task["description"])
        self._show(task_id)

    def advance(self, task_id: int, advance: float = 1) -> None:
        self.update(task_id, advance=advance)

    def _show(self, task_id: int) -> None:
        """A line when the step changes (its text or whole count), not for every fraction."""
        task = self.tasks[task_id]
        count = _count(task["completed"], task["total"])
        step = f"{task['description']} {count if '/' in count else ''}".rstrip()
        if step == self._last:
            return
        self._last = step
        elapsed = time.monotonic() - self._start
        self.console.print(f"[{elapsed:5.0f}s] {escape(step)}", highlight=False, soft_wrap=True)
