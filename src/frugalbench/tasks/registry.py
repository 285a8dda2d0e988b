"""The tasks by name; built-in tasks register themselves when first looked up."""

from __future__ import annotations

from frugalbench.registry import Registry
from frugalbench.tasks.base import Task

tasks: Registry[Task] = Registry(
    "task",
    ("frugalbench.tasks.climate_disinfo", "frugalbench.tasks.chainsaw", "frugalbench.tasks.smoke"),
)
