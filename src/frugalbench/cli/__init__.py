"""The ``frugalbench`` command line (see :mod:`frugalbench.cli.main`)."""

from __future__ import annotations

from frugalbench.cli.main import app, main

__all__ = ["app", "main"]
