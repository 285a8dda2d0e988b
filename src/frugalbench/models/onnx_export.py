"""PyTorch modules to ONNX bytes, optionally int8: training may use torch, inference never does."""

from __future__ import annotations

import logging
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def export_onnx(
    module: Any,
    example: tuple[Any, ...],
    input_names: Sequence[str],
    dynamic_axes: dict[str, dict[int, str]],
    quantize: bool = False,
    calibration: Sequence[Any] | None = None,
) -> bytes:
    """ONNX bytes of ``module``. ``quantize``: int8 weights; with ``calibration`` (batches for the
    single input) activations too, as static QDQ quantisation (what convolutions need to gain),
    else dynamic quantisation (matrix products, as in transformers)."""
    import torch

    module.eval()
    root = logging.getLogger()
    level = root.level
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about shapes we declare dynamic
        root.setLevel(logging.ERROR)  # onnxruntime's quantiser advises pre-processing on root
        fp32 = Path(tmp) / "model.onnx"
        torch.onnx.export(
            module,
            example,
            str(fp32),
            input_names=list(input_names),
            output_names=["output"],
            dynamic_axes={**dynamic_axes, "output": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
        try:
            if not quantize:
                return fp32.read_bytes()
            int8 = Path(tmp) / "model.int8.onnx"
            if calibration is None:
                from onnxruntime.quantization import QuantType, quantize_dynamic

                quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
            else:
                _quantize_static(fp32, int8, input_names[0], calibration)
            return int8.read_bytes()
        finally:
            root.setLevel(level)


def _quantize_static(fp32: Path, int8: Path, input_name: str, batches: Sequence[Any]) -> None:
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    class Reader(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self._batches = iter(batches)

        def get_next(self) -> dict[str, Any] | None:
            batch = next(self._batches, None)
            return None if batch is None else {input_name: batch}

    quantize_static(
        str(fp32),
        str(int8),
        Reader(),
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
    )


def onnx_session(onnx_bytes: bytes) -> Any:
    """A CPU session whose idle threads sleep: ONNX Runtime's pool spins between operators by
    default, which burns CPU time (and so estimated energy) that is not the model's work."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return ort.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])
