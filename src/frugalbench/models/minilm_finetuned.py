"""``minilm-finetuned``: all-MiniLM-L6-v2 fine-tuned here, on the CPU, as an 8-class classifier.

Training uses PyTorch (mean-pooled encoder + linear head, class-weighted cross-entropy, AdamW with
a one-cycle schedule, seeded); the trained network is exported to ONNX, so inference runs on ONNX
Runtime without PyTorch. Texts are batched by length to waste little work on padding.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

from frugalbench.models.base import Model
from frugalbench.models.progress import report
from frugalbench.models.registry import models
from frugalbench.models.text.minilm import OnnxNetMixin


@models.add
class MiniLMFinetunedModel(OnnxNetMixin, Model[str]):
    name = "minilm-finetuned"
    extra = "text"
    task = "climate-disinfo"
    description = "MiniLM-L6 fine-tuned on the CPU (PyTorch), inference with ONNX Runtime"

    def __init__(
        self,
        epochs: int = 4,
        learning_rate: float = 8e-5,
        batch_size: int = 16,
        max_length: int = 128,
        seed: int = 0,
        quantize: bool = False,
    ) -> None:
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_length = max_length
        self.seed = seed
        self.quantize = quantize

    def fit(self, inputs: Sequence[str], labels: Sequence[str]) -> Self:
        import numpy as np
        import torch

        from frugalbench.models.text.minilm import (
            export_onnx,
            load_torch_minilm,
            pooled_module,
            tokenizer_json,
        )

        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        self.classes_ = sorted(set(labels))
        index = {label: i for i, label in enumerate(self.classes_)}
        y = torch.tensor([index[label] for label in labels])
        tokenizer, encoder = load_torch_minilm()
        head = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Linear(384, len(self.classes_)))
        net = pooled_module(encoder, head)
        counts = np.bincount(y.numpy(), minlength=len(self.classes_)).clip(min=1)
        weights = torch.tensor(len(y) / (len(self.classes_) * counts), dtype=torch.float)
        loss_fn = torch.nn.CrossEntropyLoss(weight=weights)
        optimiser = torch.optim.AdamW(net.parameters(), lr=self.learning_rate, weight_decay=0.01)
        steps_per_epoch = -(-len(inputs) // self.batch_size)
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimiser,
            max_lr=self.learning_rate,
            total_steps=self.epochs * steps_per_epoch,
            pct_start=0.1,
        )
        texts = list(inputs)
        net.train()
        for epoch in range(self.epochs):
            order = rng.permutation(len(texts))
            total = 0.0
            for start in range(0, len(texts), self.batch_size):
                batch = order[start : start + self.batch_size]
                encoded = tokenizer(
                    [texts[i] for i in batch],
                    truncation=True,
                    max_length=self.max_length,
                    padding=True,
                    return_tensors="pt",
                )
                loss = loss_fn(net(encoded["input_ids"], encoded["attention_mask"]), y[batch])
                loss.backward()
                optimiser.step()
                schedule.step()
                optimiser.zero_grad()
                total += float(loss.detach()) * len(batch)
            print(
                f"minilm-finetuned: epoch {epoch + 1}/{self.epochs}, loss {total / len(texts):.4f}",
                file=sys.stderr,
                flush=True,
            )
            report(epoch + 1, self.epochs)
        self.onnx_ = export_onnx(net, self.quantize)
        self.tokenizer_ = tokenizer_json()
        return self

    def _proba(self, inputs: Sequence[str]) -> Any:
        import numpy as np

        logits = self._net()(list(inputs))
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)

    def predict(self, inputs: Sequence[str]) -> list[str]:
        return self.predict_with_confidence(inputs)[0]

    def predict_with_confidence(self, inputs: Sequence[str]) -> tuple[list[str], Any]:
        proba = self._proba(inputs)
        return [self.classes_[i] for i in proba.argmax(1)], proba.max(1)

    def n_parameters(self) -> int:
        return 22_713_216 + 384 * len(self.classes_) + len(self.classes_)

    def save_state(self, directory: Path) -> list[str]:
        import json

        (directory / "classifier.onnx").write_bytes(self.onnx_)
        (directory / "tokenizer.json").write_text(self.tokenizer_)
        (directory / "classes.json").write_text(json.dumps(self.classes_))
        return ["classifier.onnx", "tokenizer.json", "classes.json"]

    def load_state(self, directory: Path) -> None:
        import json

        self.onnx_ = (directory / "classifier.onnx").read_bytes()
        self.tokenizer_ = (directory / "tokenizer.json").read_text()
        self.classes_ = json.loads((directory / "classes.json").read_text())
