"""The ``frugalbench`` command: one module per command group, joined here.

A ``UserError`` becomes one line on stderr and exit code 2; so does a bad option value that the
run's settings (``RunConfig``) refuse.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.markup import escape

from frugalbench.cli import catalog, detect, evaluate, measuring, report, server
from frugalbench.cli.common import err
from frugalbench.errors import UserError, WorkerFailed, first_problem

app = typer.Typer(
    name="frugalbench",
    help="Measure what an AI model spends (energy, carbon) against what it achieves.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
for group in (catalog, evaluate, detect, measuring, report, server):
    app.add_typer(group.app)


def _version(asked: bool) -> None:
    if asked:
        from frugalbench import __version__

        typer.echo(f"frugalbench {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Measure what an AI model spends (energy, carbon) against what it achieves."""


INTERRUPTED = 130
INTERRUPTED_TEXT = "interrupted: nothing half-done was kept (a model is written only when complete)"


def main() -> None:
    guarded(
        lambda: app(standalone_mode=False, prog_name="frugalbench")
    )  # click returns a typer.Exit's code here


def guarded(entry: Callable[[], Any]) -> NoReturn:
    """Run a command line's entry point and exit: a user's mistake one line and exit 2, a failed
    model exit 1, Ctrl-C 130; never a traceback for either. The benchmarks' scripts use it too."""
    try:
        code = entry()
        if code == INTERRUPTED:  # Ctrl-C, which click turns into an exit code
            err.print(INTERRUPTED_TEXT)
        sys.exit(code if isinstance(code, int) else 0)
    except UserError as exc:
        err.print(
            f"[bold red]error:[/bold red] {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        sys.exit(2)
    except WorkerFailed as exc:
        err.print(
            f"[bold red]failed:[/bold red] {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except ValidationError as exc:
        if exc.title != "RunConfig":
            raise
        where, what = first_problem(exc)
        option = "--" + where.split(".")[0].replace("_", "-")
        message = what.removeprefix("Value error, ")
        err.print(
            f"[bold red]error:[/bold red] {option}: {escape(message)}",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        err.print(INTERRUPTED_TEXT)
        sys.exit(INTERRUPTED)
    except Exception as exc:
        # a usage mistake: click's own exception, or the copy of click that typer bundles
        if any(c.__name__ == "ClickException" for c in type(exc).__mro__):
            exc.show()  # type: ignore[attr-defined]
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        raise
