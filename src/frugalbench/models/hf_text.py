"""A Hugging Face text classifier by name: ``--model hf:ORG/NAME`` or ``hf:/path/to/dir``.

"Training" reads the model (transformers ``AutoModelForSequenceClassification`` and its fast
tokenizer), maps its ``config.id2label`` onto the task's labels, and exports the network to ONNX
so that inference runs on ONNX Runtime with the ``tokenizers`` library, as the MiniLM rungs do.
Where the export fails, the model's files are kept and inference runs on PyTorch, and the model
says so in its inference stats. A model whose labels cannot be mapped is refused with both sides
listed; ``label_map`` (``--label-map FILE``, JSON ``{"model label": "task label"}``) maps names
that differ.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Self

from frugalbench.errors import UserError
from frugalbench.models.base import Model
from frugalbench.models.registry import models

HUB_HINT = "download it once where there is network (save_pretrained) and pass hf:/path/to/dir"


def label_key(label: str) -> str:
    """``0_not_relevant``, ``Not relevant`` and ``not-relevant`` name the same class."""
    return re.sub(r"[^a-z0-9]+", "", re.sub(r"^\d+[_\s-]+", "", label.lower()))


def map_labels(
    model_labels: Sequence[str], task_labels: Sequence[str], label_map: Mapping[str, str]
) -> list[str]:
    """The task label of each model output, in output order; ``UserError`` listing both sides."""
    by_key = {label_key(t): t for t in task_labels}
    out, missing = [], []
    for label in model_labels:
        target = label_map.get(label) or by_key.get(label_key(label))
        if target is None or target not in task_labels:
            missing.append(label)
        out.append(target or "")
    if missing:
        raise UserError(
            f"cannot map the model's labels {sorted(missing)} onto the task's "
            f"{sorted(task_labels)}: pass --label-map FILE (JSON, model label -> task label)"
        )
    return out


def load_pretrained(
    source: str,
    kind: str = "AutoModelForSequenceClassification",
    pre: str = "AutoTokenizer",
    local_only: bool = False,
) -> Any:
    """(tokenizer or processor, model) of a local folder (the references fetch hub ids first)."""
    try:
        import transformers
        from transformers.utils import logging as hf_logging
    except ImportError:
        raise UserError(
            "hf: models need transformers and PyTorch: pip install -e '.[text]'"
        ) from None
    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        return (
            getattr(transformers, pre).from_pretrained(source, local_files_only=local_only),
            getattr(transformers, kind).from_pretrained(source, local_files_only=local_only),
        )
    except (OSError, ValueError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise UserError(f"hf:{source}: not a {kind} folder ({first}); {HUB_HINT}") from None


@models.add
class HFTextClassifier(Model[str]):
    name = "hf-text-classifier"
    task = "climate-disinfo"
    description = "a Hugging Face text classifier by name (hf:ID or hf:/dir), on ONNX Runtime"
    extra = "text"

    def __init__(
        self, source: str = "", label_map: dict[str, str] | None = None, max_length: int = 256
    ) -> None:
        self.source = source
        self.label_map = label_map
        self.max_length = max_length

    def fit(self, inputs: Sequence[str], labels: Sequence[str]) -> Self:
        import torch

        tokenizer, net = load_pretrained(self.source)
        id2label = net.config.id2label
        self.labels_ = map_labels(
            [id2label[i] for i in range(len(id2label))], sorted(set(labels)), self.label_map or {}
        )
        self.n_parameters_ = int(sum(p.numel() for p in net.parameters()))
        self.pad_ = (int(tokenizer.pad_token_id or 0), str(tokenizer.pad_token or "[PAD]"))
        self.tokenizer_ = tokenizer.backend_tokenizer.to_str()

        class Logits(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.net = net

            def forward(self, input_ids: Any, attention_mask: Any) -> Any:
                return self.net(input_ids=input_ids, attention_mask=attention_mask).logits

        from frugalbench.models.text.minilm import export_onnx

        self.onnx_ = export_onnx(Logits(), quantize=False)
        return self

    def _net(self) -> Any:
        net = getattr(self, "_net_cache", None)
        if net is None:
            from frugalbench.models.text.minilm import OnnxTextNet

            net = OnnxTextNet(self.onnx_, self.tokenizer_, self.max_length, pad=self.pad_)
            self._net_cache = net
        return net

    def predict(self, inputs: Sequence[str]) -> list[str]:
        return self.predict_with_confidence(inputs)[0]

    def predict_with_confidence(self, inputs: Sequence[str]) -> tuple[list[str], Any]:
        import numpy as np

        logits = self._net()(list(inputs))
        if len(logits) == 0:
            return [], np.zeros(0)
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs = exp / exp.sum(axis=1, keepdims=True)
        return [self.labels_[i] for i in probs.argmax(axis=1)], probs.max(axis=1)

    def n_parameters(self) -> int:
        return self.n_parameters_

    def save_state(self, directory: Path) -> list[str]:
        (directory / "model.onnx").write_bytes(self.onnx_)
        (directory / "tokenizer.json").write_text(self.tokenizer_)
        meta = {"labels": self.labels_, "pad": list(self.pad_), "n_parameters": self.n_parameters_}
        (directory / "labels.json").write_text(json.dumps(meta, indent=2) + "\n")
        return ["model.onnx", "tokenizer.json", "labels.json"]

    def load_state(self, directory: Path) -> None:
        missing = [
            f
            for f in ("model.onnx", "tokenizer.json", "labels.json")
            if not (directory / f).exists()
        ]
        if missing:
            raise UserError(f"{directory}: missing {', '.join(missing)}; train it again")
        self.onnx_ = (directory / "model.onnx").read_bytes()
        self.tokenizer_ = (directory / "tokenizer.json").read_text()
        meta = json.loads((directory / "labels.json").read_text())
        self.labels_ = [str(label) for label in meta["labels"]]
        self.pad_ = (int(meta["pad"][0]), str(meta["pad"][1]))
        self.n_parameters_ = int(meta["n_parameters"])
