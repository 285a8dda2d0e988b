"""The model's side of the harness: a separate process that only does what it is told.

It runs in its own process so that its energy can be attributed to it alone, and so that a model
that crashes, leaks or hangs cannot take the harness down. It never receives evaluation labels:
``predict`` carries the inputs of one pass and asks for their answers, in the same message, so a
model never holds inputs before the window that measures their work. Training labels reach it
only through ``train``, for the training split.

The harness treats everything this process says as untrusted data (``wire``): this module is
ours, but the model shares its process and may replace any of it.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any

from frugalbench.harness import wire
from frugalbench.harness.wire import Op

MAX_REQUEST_BYTES = 8 * 1024**3


def serve(rfd: int, wfd: int) -> None:
    """Answer requests ``{"op", "payload"}`` with ``{"ok": value}`` or ``{"error": text}``."""
    state: dict[str, Any] = {}
    while True:
        try:
            request = wire.decode(wire.read_message(rfd, None, MAX_REQUEST_BYTES))
        except (EOFError, KeyboardInterrupt, OSError):
            return
        op = request.get("op")
        if op == Op.EXIT:
            wire.write_message(wfd, wire.encode({"ok": None}))
            return
        try:
            reply = {"ok": _handle(op, request.get("payload"), state, wfd)}
        except BaseException as exc:
            traceback.print_exc(file=sys.stderr)
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        wire.write_message(wfd, wire.encode(reply))


def _handle(op: str, payload: Any, state: dict[str, Any], wfd: int) -> Any:
    if op == Op.PING:
        return "pong"
    if op == Op.TRAIN:
        from frugalbench.models import progress

        def tell(done: int, total: int, unit: str) -> None:
            wire.write_message(wfd, wire.encode({"progress": [int(done), int(total), unit]}))

        with progress.listening(tell):
            return _train(payload)
    if op == Op.LOAD:
        from frugalbench.models.directory import load_model

        state["model"] = load_model(Path(payload))
        return type(state["model"]).__qualname__
    if op == Op.PREDICT:
        return list(state["model"].predict(payload))
    if op == Op.PREDICT_CONF:
        labels, confidence = state["model"].predict_with_confidence(payload)
        return list(labels), [float(c) for c in confidence]
    if op == Op.STATS:
        return dict(state["model"].inference_stats())
    if op == Op.OUTPUTS:
        return dict(state["model"].extra_outputs())
    raise ValueError(f"unknown worker operation {op!r}")


def _train(payload: dict[str, Any]) -> Any:
    from frugalbench.models.base import fit_extras
    from frugalbench.models.directory import resolve_model_class, save_model

    out = Path(payload["out"])
    reference = payload["model"]
    cls = resolve_model_class(reference, out)  # a file.py:Class was copied into ``out``
    extra = fit_extras(cls, payload.get("annotations") or ())
    try:
        model = cls(**payload["params"]).fit(payload["inputs"], payload["labels"], **extra)
    except ImportError as exc:
        if not cls.extra:
            raise
        raise type(exc)(
            f"{exc}: {cls.name} needs the '{cls.extra}' extra "
            f"(pip install 'frugalbench[{cls.extra}]', or -e '.[{cls.extra}]' in a checkout)"
        ) from exc
    named = reference if ":" in reference else None  # keep the user's reference as given
    return save_model(model, out, reference=named).model_dump(mode="json")


def main(argv: list[str]) -> None:
    """``python -m frugalbench.harness.worker RFD WFD``: an unconfined worker (local runs)."""
    rfd, wfd = int(argv[1]), int(argv[2])
    setup = wire.decode(wire.read_message(rfd, None, 1 << 20))
    sys.path[:0] = [p for p in setup.get("sys_path", []) if p not in sys.path]
    serve(rfd, wfd)


if __name__ == "__main__":
    main(sys.argv)
