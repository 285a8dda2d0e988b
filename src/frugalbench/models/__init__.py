"""Models: the contract, the reference models, and model directories."""

from __future__ import annotations

from typing import Any

from frugalbench.models.base import Model

__all__ = ["Model", "get_model_class"]


def get_model_class(name: str) -> type[Model[Any]]:
    from frugalbench.models.registry import models

    return models.get(name)
