"""Model directories: ``frugalbench-model.json`` (what the model is) plus its weights.

A manifest names the model class either by registered name (``tfidf-linear``), by an importable
``module:Class``, or by ``file.py:Class`` inside the directory, so a user's own model works the
same way as a reference model. Loading a directory runs code, which is why only the harness's
worker process ever loads one; the harness itself reads the manifest, which is plain JSON.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from frugalbench.errors import UserError, first_problem
from frugalbench.models.base import Model

MANIFEST = "frugalbench-model.json"
FORMAT_VERSION = 1


class Manifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format: str = "frugalbench-model"
    format_version: int = FORMAT_VERSION
    model: str = Field(description="registered name, 'module:Class' or 'file.py:Class'")
    task: str
    params: dict[str, Any] = Field(default_factory=dict)
    files: list[str] = Field(default_factory=list)
    created_at: str = ""
    frugalbench_version: str = ""
    training: dict[str, Any] | None = None
    n_parameters: int | None = None


def model_reference(model: Model[Any]) -> str:
    from frugalbench.models.registry import models

    if model.name and model.name in models and models.get(model.name) is type(model):
        return model.name
    cls = type(model)
    return f"{cls.__module__}:{cls.__qualname__}"


def save_model(
    model: Model[Any],
    directory: Path,
    training: dict[str, Any] | None = None,
    reference: str | None = None,
) -> Manifest:
    from frugalbench import __version__

    directory.mkdir(parents=True, exist_ok=True)
    files = model.save_state(directory)
    manifest = Manifest(
        model=reference or model_reference(model),
        task=model.task,
        params=model.get_params(),
        files=files,
        created_at=datetime.now(UTC).isoformat(),
        frugalbench_version=__version__,
        training=training,
        n_parameters=model.n_parameters(),
    )
    write_manifest(directory, manifest)
    return manifest


def write_manifest(directory: Path, manifest: Manifest) -> None:
    (directory / MANIFEST).write_text(json.dumps(manifest.model_dump(), indent=2) + "\n")


DIGESTS = "training-inputs.digests"  # the training inputs by content (tasks.base.input_digest)
MAX_DIGESTS_BYTES = 64 << 20


def write_digests(directory: Path, digests: set[bytes]) -> None:
    """The training inputs, 8 bytes each, so a later run can say which evaluation rows it saw."""
    (directory / DIGESTS).write_bytes(b"".join(sorted(digests)))


def read_digests(directory: Path) -> set[bytes] | None:
    """The training inputs' digests; None for a directory without them (older, or stripped)
    or a file that is not a whole number of digests (bytes from a model are checked, not
    trusted)."""
    from frugalbench.tasks.base import DIGEST_BYTES

    path = directory / DIGESTS
    if not path.is_file() or path.stat().st_size > MAX_DIGESTS_BYTES:
        return None
    raw = path.read_bytes()
    if len(raw) % DIGEST_BYTES:
        return None
    return {raw[i : i + DIGEST_BYTES] for i in range(0, len(raw), DIGEST_BYTES)}


def read_manifest(directory: Path) -> Manifest:
    path = directory / MANIFEST
    if not directory.is_dir():
        raise UserError(f"{directory}: no such model directory")
    if not path.exists():
        raise UserError(
            f"{directory}: not a frugalbench model directory (no {MANIFEST}); "
            "make one with 'frugalbench train'"
        )
    try:
        data = json.loads(path.read_text())
        return Manifest.model_validate(data)
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except ValidationError as exc:
        where, what = first_problem(exc)
        raise UserError(f"{path}: field {where!r}: {what}") from None


def resolve_model_class(reference: str, directory: Path | None = None) -> type[Model[Any]]:
    from frugalbench.models.registry import models

    if ":" not in reference:
        return models.get(reference)
    module_name, _, class_name = reference.partition(":")
    if module_name.endswith(".py"):
        if directory is None:
            raise UserError(f"model {reference!r}: a file reference needs its model directory")
        file = (directory / module_name).resolve()
        if directory.resolve() not in file.parents or not file.exists():
            raise UserError(f"model {reference!r}: {module_name} is not a file in {directory}")
        spec = importlib.util.spec_from_file_location(f"frugalbench_user_{file.stem}", file)
        if spec is None or spec.loader is None:
            raise UserError(f"model {reference!r}: cannot import {file}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise UserError(f"model {reference!r}: cannot import {module_name} ({exc})") from None
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Model)):
        raise UserError(f"model {reference!r}: {class_name} is not a frugalbench Model subclass")
    return cls


def load_model(directory: Path) -> Model[Any]:
    manifest = read_manifest(directory)
    cls = resolve_model_class(manifest.model, directory)
    try:
        model = cls(**manifest.params)
    except TypeError as exc:
        raise UserError(
            f"{directory / MANIFEST}: params do not fit {cls.__name__} ({exc})"
        ) from None
    model.load_state(directory)
    return model


def directory_size_bytes(directory: Path) -> int:
    """What the model weighs: its files, not the training digests frugalbench keeps beside them."""
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file() and p.name != DIGESTS)
