"""The model's side of the harness: a separate process that only does what it is told.

It runs in its own process so that its energy can be attributed to it alone, and so that a model
that crashes, leaks or hangs cannot take the harness down. It never receives evaluation labels:
``stage`` gives it inputs, ``predict`` asks for answers. Training labels reach it only through
``train``, for the training split.
"""

from __future__ import annotations

import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any


def worker_main(conn: Connection, sandbox: Any = None) -> None:
    """Serve the harness's calls; confine this process first when given a ``SandboxPolicy``.

    If confinement fails, every call is answered with the reason: nothing runs unconfined."""
    state: dict[str, Any] = {}
    refused: str | None = None
    if sandbox is not None:
        from frugalbench.harness.sandbox import apply

        try:
            apply(sandbox)
        except Exception as exc:
            refused = f"the sandbox could not be applied ({type(exc).__name__}: {exc})"
    while True:
        try:
            op, payload = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if op == "exit":
            conn.send(("ok", None))
            return
        if refused is not None:
            conn.send(("error", refused, ""))
            continue
        try:
            conn.send(("ok", _handle(op, payload, state)))
        except BaseException as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}", traceback.format_exc()))


def _handle(op: str, payload: Any, state: dict[str, Any]) -> Any:
    if op == "train":
        from frugalbench.models.directory import resolve_model_class, save_model

        cls = resolve_model_class(payload["model"])
        import inspect

        # training annotations (boxes) go to the models whose fit takes them
        wants = "annotations" in inspect.signature(cls.fit).parameters
        extra = (
            {"annotations": payload["annotations"]} if wants and payload.get("annotations") else {}
        )
        try:
            model = cls(**payload["params"]).fit(payload["inputs"], payload["labels"], **extra)
        except ImportError as exc:
            if not cls.extra:
                raise
            raise type(exc)(
                f"{exc}: {cls.name} needs the '{cls.extra}' extra "
                f"(pip install 'frugalbench[{cls.extra}]', or -e '.[{cls.extra}]' in a checkout)"
            ) from exc
        return save_model(model, Path(payload["out"])).model_dump()
    if op == "load":
        from frugalbench.models.directory import load_model

        state["model"] = load_model(Path(payload))
        return type(state["model"]).__qualname__
    if op == "stage":
        state["inputs"] = list(payload)
        return len(state["inputs"])
    if op == "predict":
        inputs = state["inputs"] if payload is None else state["inputs"][:payload]
        return list(state["model"].predict(inputs))
    if op == "predict_conf":
        labels, confidence = state["model"].predict_with_confidence(state["inputs"])
        return list(labels), [float(c) for c in confidence]
    if op == "stats":
        return dict(state["model"].inference_stats())
    if op == "outputs":
        return dict(state["model"].extra_outputs())
    if op == "crash-for-test":  # lets tests kill a worker at a known point
        import os

        os._exit(int(payload))
    raise ValueError(f"unknown worker operation {op!r}")
