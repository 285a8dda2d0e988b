"""Typed errors: the CLI and the server decide how to show a failure by its type, not its text.

A ``UserError`` is the user's to fix (bad input, unknown name, unreadable file): it is shown as one
line, without a traceback, and makes the CLI exit with code 2. Anything else is a bug in
frugalbench and keeps its traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any


class FrugalbenchError(Exception):
    """Base of every error frugalbench raises on purpose."""


class UserError(FrugalbenchError):
    """Bad input: the message says what is wrong and how to fix it."""


class UnknownNameError(UserError, KeyError):
    """A name (task, model, meter, country) that is not registered, with the closest matches."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        known_list = sorted(known)
        close = difflib.get_close_matches(name, known_list, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        shown = ", ".join(known_list[:12]) + (
            f" and {len(known_list) - 12} more" if len(known_list) > 12 else ""
        )
        message = f"unknown {kind} {name!r}.{hint} Known: {shown}."
        super().__init__(message)
        self.kind = kind
        self.name = name
        self.message = message

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.message


class MeterUnavailable(FrugalbenchError):
    """A meter backend cannot run on this machine; the message says why and what would fix it."""


class WorkerFailed(FrugalbenchError):
    """The model's worker process crashed, hung, or raised: the run is recorded as failed."""

    def __init__(self, phase: str, reason: str) -> None:
        super().__init__(f"{phase}: {reason}")
        self.phase = phase
        self.reason = reason


def first_problem(exc: Any, top: str = "(top level)") -> tuple[str, str]:
    """The first thing a pydantic ``ValidationError`` found, as (where, what): the one line a
    user reads about a bad file or option, never the whole report."""
    first = exc.errors()[0]
    return ".".join(str(p) for p in first["loc"]) or top, str(first["msg"])
