"""The reference models by name; each registers itself in its own module."""

from __future__ import annotations

from typing import Any

from frugalbench.models.base import Model
from frugalbench.registry import Registry

models: Registry[type[Model[Any]]] = Registry(
    "model",
    (
        "frugalbench.models.random_baseline",
        "frugalbench.models.majority",
        "frugalbench.models.tfidf_linear",
        "frugalbench.models.ngram_linear",
        "frugalbench.models.static_minilm_linear",
        "frugalbench.models.minilm_linear",
        "frugalbench.models.minilm_finetuned",
        "frugalbench.models.cascade",
        "frugalbench.models.hf_text",
        "frugalbench.models.hf_media",
        "frugalbench.models.sklearn_file",
        "frugalbench.models.logmel_linear",
        "frugalbench.models.logmel_cnn",
        "frugalbench.models.smoke_linear",
        "frugalbench.models.smoke_cnn",
    ),
)
