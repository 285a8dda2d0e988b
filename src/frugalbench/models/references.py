"""Model references by name: what ``--model`` accepts besides a model directory.

- a registered name (``tfidf-linear``), or ``module:Class`` / ``file.py:Class`` (train only);
- ``hf:ORG/NAME`` or ``hf:/path/to/dir``: a Hugging Face text, audio or image classifier (by
  the task's input kind), or an object detector (by the architecture in its ``config.json``);
- ``hf-encoder:ORG/NAME`` or ``hf-encoder:/path/to/dir``: any sentence encoder + a trained
  linear head (``hf-encoder-linear``; plain ``hf-encoder-linear`` is the bundled MiniLM);
- ``sklearn:FILE.joblib``: a fitted scikit-learn pipeline.

Each becomes a registered model and its parameters, trained (here: read and checked) by the
harness in a worker like any reference model, so the rest of the harness sees one path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from frugalbench.errors import UserError

PREFIXES = ("hf:", "hf-encoder:", "sklearn:")
HF_BY_KIND = {
    "text": "hf-text-classifier",
    "audio": "hf-audio-classifier",
    "image": "hf-image-classifier",
}


def is_reference(model: str) -> bool:
    from frugalbench.models.registry import models

    return model in models or model.startswith(PREFIXES)


def parse_reference(
    model: str, input_kind: str = "text", label_map: Path | None = None
) -> tuple[str, dict[str, Any]]:
    """(registered name, parameters) for ``model``; ``UserError`` for a malformed reference."""
    if model.startswith("hf-encoder:"):
        source = model[len("hf-encoder:") :]
        if input_kind != "text" or not source:
            raise UserError(f"{model}: hf-encoder:ORG/NAME or hf-encoder:/dir, for text tasks")
        return "hf-encoder-linear", {"encoder": str(_hf_folder(model, source))}
    if model.startswith("hf:"):
        source = model[len("hf:") :]
        if not source:
            raise UserError("hf: needs a model id or folder: hf:ORG/NAME or hf:/path/to/dir")
        params: dict[str, Any] = {"source": str(_hf_folder(model, source))}
        if label_map is not None:
            params["label_map"] = read_label_map(label_map)
        return _hf_model_for(input_kind, Path(params["source"])), params
    if model.startswith("sklearn:"):
        path = Path(model[len("sklearn:") :]).expanduser()
        if not path.is_file():
            raise UserError(f"{model}: no such file (a joblib file of a fitted pipeline)")
        return "sklearn-file", {"path": str(path.resolve())}
    return model, {}


def _hf_model_for(input_kind: str, folder: Path) -> str:
    """The registered model for an ``hf:`` folder: by the task's input kind, and for images by
    the architecture its ``config.json`` names (a detector gives boxes, a classifier does not)."""
    if input_kind == "image":
        try:
            config = json.loads((folder / "config.json").read_text())
        except (OSError, json.JSONDecodeError):
            config = {}  # the worker's loader says what is wrong with the folder
        names = config.get("architectures") or [] if isinstance(config, dict) else []
        if any(str(n).endswith("ForObjectDetection") for n in names):
            return "hf-object-detector"
    return HF_BY_KIND[input_kind]


def _hf_folder(model: str, source: str) -> Path:
    """A local folder as it is; a hub id fetched into the local cache (files only)."""
    local = Path(source).expanduser()
    if source.startswith(("/", ".", "~")) and not local.is_dir():
        raise UserError(f"{model}: no such folder")
    return (local if local.is_dir() else fetch_hf_model(source)).resolve()


def read_label_map(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"--label-map {path}: no such file") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"--label-map {path}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise UserError(
            f"--label-map {path}: a JSON object of model label -> task label is expected"
        )
    return data


def fetch_hf_model(repo_id: str, timeout_s: float | None = None) -> Path:
    """The hub model's files in the local cache (downloaded when missing), within a deadline.

    Only files are fetched here; the model's code and weights are read by the worker. Offline,
    one line says so and how to pass a local folder instead.
    """
    import os
    import threading

    from frugalbench.tasks.loaders import HUB_TIMEOUT_ENV

    hint = "download it once where there is network (save_pretrained) and pass hf:/path/to/dir"
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        raise UserError(
            f"hf:{repo_id}: fetching from the hub needs huggingface_hub; {hint}"
        ) from None
    timeout = timeout_s if timeout_s is not None else float(os.environ.get(HUB_TIMEOUT_ENV, "60"))
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["path"] = snapshot_download(repo_id)
        except BaseException as exc:  # reported below
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True, name="hf-fetch")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise UserError(f"hf:{repo_id}: the hub did not answer within {timeout:g} s; {hint}")
    if "error" in outcome:
        exc = outcome["error"]
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise UserError(f"hf:{repo_id}: not in the local cache and not fetched ({first}); {hint}")
    return Path(outcome["path"])
