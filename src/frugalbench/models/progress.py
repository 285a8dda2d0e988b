"""Training progress from inside a model's ``fit``: "epoch 2 of 4", for whoever runs it.

A model calls :func:`report` in its training loop; outside a harness worker nobody listens and
the call costs nothing. In a worker, the report travels to the harness as a message of its own
(``harness.worker``), which the harness checks like any other byte from a model and shows as a
progress bar. It is a courtesy to the person waiting, never an input to a figure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

Reporter = Callable[[int, int, str], None]

_listener: list[Reporter] = []


def report(done: int, total: int, unit: str = "epoch") -> None:
    """``done`` of ``total`` ``unit``s of training are finished."""
    for listener in _listener[-1:]:
        listener(done, total, unit)


@contextmanager
def listening(reporter: Reporter) -> Iterator[None]:
    """Send the reports made inside the block to ``reporter``."""
    _listener.append(reporter)
    try:
        yield
    finally:
        _listener.remove(reporter)
