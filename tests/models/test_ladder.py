"""The text ladder: ONNX inference without PyTorch, the cascade's threshold and escalation."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np
import pytest

from frugalbench.models.base import Model
from frugalbench.models.cascade import CascadeModel, choose_threshold
from frugalbench.models.directory import save_model
from tests.conftest import NO_TORCH_PRELUDE, QUOTES

INPUTS = [q for q, _ in QUOTES] * 3
LABELS = [lab for _, lab in QUOTES] * 3


def test_choose_threshold_from_first_principles() -> None:
    confidence = np.array([0.9, 0.8, 0.3, 0.2])
    cheap_ok = np.array([True, True, False, False])
    expensive_ok = np.array([True, True, True, False])  # expensive accuracy 0.75
    threshold, info = choose_threshold(confidence, cheap_ok, expensive_ok, tolerance=0.0)
    # Escalating the 0.3 and 0.2 inputs reaches 0.75; escalating only 0.2 gives 0.5.
    assert threshold == 0.8 and info["escalation_rate"] == 0.5 and info["accuracy"] == 0.75
    loose, info = choose_threshold(confidence, cheap_ok, expensive_ok, tolerance=0.3)
    assert info["escalation_rate"] == 0.0 and loose == 0.2


def test_threshold_follows_a_cascade_that_beats_both_models() -> None:
    confidence = np.array([0.9, 0.8, 0.4, 0.3])
    cheap_ok = np.array([True, True, False, False])  # 0.5 alone
    expensive_ok = np.array([False, False, True, True])  # 0.5 alone
    threshold, info = choose_threshold(confidence, cheap_ok, expensive_ok, tolerance=0.0)
    assert threshold == 0.8 and info["accuracy"] == 1.0 and info["best_accuracy"] == 1.0
    assert info["escalation_rate"] == 0.5


class Stage(Model[str]):
    """A stub stage that counts how many inputs it is asked about."""

    task = "climate-disinfo"

    def __init__(self, answer: str = "0_not_relevant", sure: bool = True) -> None:
        self.answer = answer
        self.sure = sure
        self.seen = 0

    def fit(self, inputs: Sequence[str], labels: Sequence[str]) -> Self:
        return self

    def predict(self, inputs: Sequence[str]) -> list[str]:
        self.seen += len(inputs)
        return [self.answer] * len(inputs)

    def predict_with_confidence(self, inputs: Sequence[str]) -> tuple[list[str], Any]:
        conf = np.array([0.9 if ("coal" in q) == self.sure else 0.1 for q in inputs])
        return self.predict(inputs), conf


def test_cascade_only_escalates_unsure_inputs() -> None:
    cascade = CascadeModel()
    cascade.cheap_ = Stage("7_fossil_fuels_needed")
    cascade.expensive_ = Stage("1_not_happening")
    cascade.threshold_ = 0.5
    out = cascade.predict(["coal is king", "it is cold", "no warming"])
    assert out == ["7_fossil_fuels_needed", "1_not_happening", "1_not_happening"]
    assert cascade.expensive_.seen == 2  # energy follows the escalation
    assert cascade.inference_stats()["escalation_rate"] == pytest.approx(2 / 3)


@pytest.fixture(scope="module")
def minilm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    from frugalbench.models.minilm_linear import MiniLMLinearModel

    model = MiniLMLinearModel(max_length=32).fit(INPUTS, LABELS)
    directory = tmp_path_factory.mktemp("minilm")
    save_model(model, directory)
    return directory


def test_onnx_embeddings_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    from frugalbench.models.text.minilm import (
        OnnxTextNet,
        export_onnx,
        load_torch_minilm,
        pooled_module,
        tokenizer_json,
    )

    tokenizer, encoder = load_torch_minilm()
    module = pooled_module(encoder)
    texts = INPUTS[:8]
    with torch.no_grad():
        batch = tokenizer(texts, truncation=True, max_length=64, padding=True, return_tensors="pt")
        reference = module(batch["input_ids"], batch["attention_mask"]).numpy()
    fp32 = OnnxTextNet(export_onnx(module, quantize=False), tokenizer_json(), 64)(texts)
    int8 = OnnxTextNet(export_onnx(module, quantize=True), tokenizer_json(), 64)(texts)
    assert np.allclose(fp32, reference, atol=1e-4)
    cosine = (int8 * reference).sum(1)  # both are unit vectors
    assert cosine.min() > 0.95


def test_inference_does_not_need_pytorch(minilm_dir: Path) -> None:
    """Load and predict in a fresh interpreter where importing torch fails."""
    code = (
        NO_TORCH_PRELUDE + "from pathlib import Path\n"
        "from frugalbench.models.directory import load_model\n"
        f"m = load_model(Path({str(minilm_dir)!r}))\n"
        "print(m.predict(['we need more coal', 'the sun causes warming']))\n"
        "assert 'torch' not in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "[" in proc.stdout


def test_minilm_linear_learns_its_training_data(minilm_dir: Path) -> None:
    from frugalbench.models.directory import load_model

    model = load_model(minilm_dir)
    assert sum(p == t for p, t in zip(model.predict(INPUTS), LABELS, strict=True)) >= 20


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("ngram-linear", {"min_df": 1}),
        ("minilm-finetuned", {"epochs": 1, "max_length": 32, "batch_size": 8}),
    ],
)
def test_training_is_reproducible_from_the_seed(name: str, params: dict[str, Any]) -> None:
    if name.startswith("minilm"):
        pytest.importorskip("torch")
    from frugalbench.models.registry import models

    def outputs() -> Any:
        model = models.get(name)(**params).fit(INPUTS, LABELS)
        return model.predict_with_confidence(INPUTS)

    (first_labels, first_conf), (again_labels, again_conf) = outputs(), outputs()
    assert first_labels == again_labels
    assert np.allclose(first_conf, again_conf, atol=1e-6)
