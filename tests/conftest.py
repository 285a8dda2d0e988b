"""Shared fixtures: small data files in the hub's schema, and user-written model directories."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from frugalbench.tasks.climate_disinfo import LABELS

# Never the user's cache (~/.cache/frugalbench): idle baselines and bench models of this run go to
# a folder of its own, shared by every test and every process they start, removed at the end.
_CACHE = tempfile.mkdtemp(prefix="frugalbench-test-cache-")
os.environ["FRUGALBENCH_CACHE_DIR"] = _CACHE
os.environ.pop("FRUGALBENCH_MODEL_CACHE", None)


def pytest_sessionfinish() -> None:
    shutil.rmtree(_CACHE, ignore_errors=True)


QUOTES = [
    ("Renewable energy will ruin the economy and raise prices for everyone.", LABELS[4]),
    ("The climate has always changed; there is no warming trend at all.", LABELS[1]),
    ("CO2 is plant food and more of it is good for the planet.", LABELS[3]),
    ("Scientists fudge the temperature data to keep their grants.", LABELS[6]),
    ("The models are wrong and the science is not settled.", LABELS[5]),
    ("Warming is caused by the sun, not by human emissions.", LABELS[2]),
    ("We need coal and gas to keep the lights on for decades.", LABELS[7]),
    ("The football match was postponed because of the rain.", LABELS[0]),
]


def write_rows(path: Path, rows: Sequence[Mapping[str, object]]) -> Path:
    suffix = path.suffix
    if suffix == ".csv":
        with path.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    elif suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    elif suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist([dict(r) for r in rows]), path)
    else:
        raise ValueError(suffix)
    return path


@pytest.fixture
def small_rows() -> list[dict[str, object]]:
    """40 rows, 5 per class: enough for a stratified 80/20 split."""
    rows: list[dict[str, object]] = []
    for i in range(5):
        for quote, label in QUOTES:
            rows.append({"quote": f"{quote} (variant {i})", "label": label, "source": "test"})
    return rows


@pytest.fixture
def small_csv(tmp_path: Path, small_rows: list[dict[str, object]]) -> Path:
    return write_rows(tmp_path / "small.csv", small_rows)


@pytest.fixture(autouse=True)
def _runs_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRUGALBENCH_RUNS_DIR", str(tmp_path / "runs"))


USER_MODELS = '''
import os, signal, time
from collections.abc import Mapping, Sequence
from pathlib import Path
from frugalbench.models.base import Model


class _Stateless(Model):
    task = "climate-disinfo"

    def fit(self, inputs, labels):
        return self

    def save_state(self, directory):
        return []

    def load_state(self, directory):
        pass


class Keyword(_Stateless):
    """A user's own model: a keyword rule."""

    def __init__(self, keyword="coal"):
        self.keyword = keyword

    def predict(self, inputs):
        return ["7_fossil_fuels_needed" if self.keyword in q else "0_not_relevant" for q in inputs]


class Imports(_Stateless):
    """Loads with a library of its own, found on the harness's path (a site folder, a venv)."""

    def __init__(self, module="json"):
        self.module = module

    def load_state(self, directory):
        import importlib

        self.library_ = importlib.import_module(self.module)

    def predict(self, inputs):
        return [self.library_.ANSWER for _ in inputs]


class Crash(_Stateless):
    def __init__(self, phase="predict"):
        self.phase = phase

    def load_state(self, directory):
        if self.phase == "load":
            os.kill(os.getpid(), signal.SIGKILL)

    def predict(self, inputs):
        os._exit(3)


class Hang(_Stateless):
    def predict(self, inputs):
        time.sleep(120)
        return []


class Raises(_Stateless):
    def predict(self, inputs):
        raise RuntimeError("boom in predict")


class WrongCount(_Stateless):
    def predict(self, inputs):
        return ["0_not_relevant"]


class Chatty(_Stateless):
    """Sends progress reports nobody asked for: a forged one on the worker's pipe in the middle
    of ``predict``, or an impossible one (5 of 2 epochs) while training."""

    def __init__(self, where="predict"):
        self.where = where

    def fit(self, inputs, labels):
        from frugalbench.models.progress import report

        report(1, 2)
        if self.where == "fit":
            report(5, 2)
        return self

    def predict(self, inputs):
        import sys
        from frugalbench.harness import wire

        wire.write_message(int(sys.argv[2]), wire.encode({"progress": [1, 1, "epoch"]}))
        return ["0_not_relevant"] * len(inputs)


class Busy(_Stateless):
    """Spins for a fixed time per call, or for times that change call to call (erratic)."""

    def __init__(self, seconds=0.3, erratic=False):
        self.seconds = seconds
        self.erratic = erratic
        self._calls = 0

    def predict(self, inputs):
        self._calls += 1
        spin = self.seconds * (1 + 3 * (self._calls % 2)) if self.erratic else self.seconds
        end = time.perf_counter() + spin
        while time.perf_counter() < end:
            pass
        return ["0_not_relevant"] * len(inputs)


class Spy(_Stateless):
    """Writes down everything it is given, so a test can check that no label reached it."""

    def __init__(self, log=""):
        self.log = log

    def predict(self, inputs):
        with open(self.log, "a") as fh:
            for q in inputs:
                fh.write(repr(q) + "\\n")
        return ["0_not_relevant"] * len(inputs)


class Network(_Stateless):
    """Phones home (a submission must not reach the network)."""

    def predict(self, inputs):
        import socket

        socket.create_connection(("127.0.0.1", 5432), timeout=5).close()
        return ["0_not_relevant"] * len(inputs)


class Reader(_Stateless):
    """Reads a file outside its directory (the hidden labels, the database)."""

    def __init__(self, path=""):
        self.path = path

    def predict(self, inputs):
        with open(self.path) as fh:
            fh.read()
        return ["0_not_relevant"] * len(inputs)


class Writer(_Stateless):
    """Writes outside its private directory."""

    def __init__(self, path=""):
        self.path = path

    def predict(self, inputs):
        with open(self.path, "w") as fh:
            fh.write("owned")
        return ["0_not_relevant"] * len(inputs)


class ForkBomb(_Stateless):
    def predict(self, inputs):
        while True:
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)


class Hog(_Stateless):
    """Allocates without limit."""

    def predict(self, inputs):
        blocks = []
        while True:
            blocks.append(bytearray(256 * 1024 * 1024))


class Secrets(_Stateless):
    def predict(self, inputs):
        leaked = [k for k in os.environ if k.startswith("FRUGALBENCH_")]
        if leaked:
            raise RuntimeError(f"secrets visible: {leaked}")
        return ["0_not_relevant"] * len(inputs)
'''


@pytest.fixture
def user_model_dir(tmp_path: Path):
    """Factory: a model directory whose class lives in a file inside it (a user's own model)."""

    def make(class_name: str, params: dict[str, object] | None = None) -> Path:
        directory = tmp_path / f"model-{class_name.lower()}"
        directory.mkdir(exist_ok=True)
        (directory / "user_models.py").write_text(USER_MODELS)
        manifest = {
            "model": f"user_models.py:{class_name}",
            "task": "climate-disinfo",
            "params": params or {},
        }
        (directory / "frugalbench-model.json").write_text(json.dumps(manifest))
        return directory

    return make


# A fresh interpreter's first lines for "inference must not need PyTorch" tests: importing torch
# (or transformers) fails, as on a machine without it.
NO_TORCH_PRELUDE = (
    "import sys, importlib.abc\n"
    "class NoTorch(importlib.abc.MetaPathFinder):\n"
    "    def find_spec(self, name, path, target=None):\n"
    "        if name.split('.')[0] in ('torch', 'transformers'):\n"
    "            raise ImportError('PyTorch is blocked in this test')\n"
    "sys.meta_path.insert(0, NoTorch())\n"
)


def cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The command line as a user runs it: a real process, its exit code and its two streams."""
    env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "frugalbench.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
    )


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def browser():
    """Debian's Chromium driven by Playwright; skipped, with the reason, where it is missing."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium: apt-get install chromium (.ci/run installs it)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def text_result_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real result: tfidf-linear trained and measured on the bundled quotes (seconds)."""
    from frugalbench.config import RunConfig
    from frugalbench.harness.runner import run
    from frugalbench.tasks import get_task

    path = tmp_path_factory.mktemp("results") / "text.json"
    run(get_task("climate-disinfo"), "tfidf-linear", RunConfig(repeats=3, idle_s=0.2)).save(path)
    return path


@pytest.fixture(scope="session")
def audio_result_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real result: logmel-linear on the bundled chainsaw clips."""
    from frugalbench.config import RunConfig
    from frugalbench.harness.runner import run
    from frugalbench.tasks import get_task

    path = tmp_path_factory.mktemp("results") / "audio.json"
    run(get_task("chainsaw"), "logmel-linear", RunConfig(repeats=3, idle_s=0.2)).save(path)
    return path


def tiny_shape(labels: Sequence[str]) -> dict[str, Any]:
    """What every tiny test transformer shares: one or two 32-wide layers and its labels."""
    return {
        "hidden_size": 32,
        "num_attention_heads": 2,
        "intermediate_size": 37,
        "num_labels": len(labels),
        "id2label": dict(enumerate(labels)),
        "label2id": {label: i for i, label in enumerate(labels)},
    }


def tiny_text_classifier(folder: Path, labels: Sequence[str]) -> Path:
    """A randomly initialised BERT-shaped text classifier and its fast tokenizer, as
    ``save_pretrained`` writes them (no hub): what a user's fine-tuned folder looks like."""
    from transformers import (  # type: ignore[attr-defined]
        BertConfig,
        BertForSequenceClassification,
        BertTokenizerFast,
    )

    folder.mkdir(parents=True, exist_ok=True)
    words = sorted({w.lower() for q, _ in QUOTES for w in q.replace(".", " ").split()})
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]) + "\n")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab))
    config = BertConfig(  # type: ignore[no-untyped-call]
        vocab_size=len(words) + 5,
        num_hidden_layers=2,
        max_position_embeddings=512,
        **tiny_shape(labels),
    )
    BertForSequenceClassification(config).save_pretrained(folder)  # type: ignore[no-untyped-call]
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def hf_text_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Model labels named without the task's number prefix: mapped by name."""
    names = [label.split("_", 1)[1] for label in LABELS]
    return tiny_text_classifier(tmp_path_factory.mktemp("hf") / "tiny-bert", names)


def tiny_audio_classifier(folder: Path, labels: Sequence[str]) -> Path:
    """A randomly initialised wav2vec2-shaped audio classifier at 16 kHz and its extractor."""
    from transformers import (
        Wav2Vec2Config,
        Wav2Vec2FeatureExtractor,
        Wav2Vec2ForSequenceClassification,
    )

    config = Wav2Vec2Config(  # type: ignore[no-untyped-call]
        num_hidden_layers=1,
        conv_dim=(16, 16),
        conv_kernel=(10, 3),
        conv_stride=(5, 2),
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2,
        classifier_proj_size=16,
        **tiny_shape(labels),
    )
    Wav2Vec2ForSequenceClassification(config).save_pretrained(folder)  # type: ignore[no-untyped-call]
    Wav2Vec2FeatureExtractor(sampling_rate=16_000).save_pretrained(folder)  # type: ignore[no-untyped-call]
    return folder


def tiny_image_classifier(folder: Path, labels: Sequence[str]) -> Path:
    """A randomly initialised ViT-shaped image classifier (32 px) and its image processor."""
    from transformers import ViTConfig, ViTForImageClassification, ViTImageProcessor

    config = ViTConfig(  # type: ignore[no-untyped-call]
        image_size=32, patch_size=8, num_hidden_layers=1, **tiny_shape(labels)
    )
    ViTForImageClassification(config).save_pretrained(folder)
    ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(folder)
    return folder


def tiny_object_detector(folder: Path, classes: Sequence[str]) -> Path:
    """A randomly initialised YOLOS-shaped detector (32 px, 4 detection tokens) and its
    processor. The head's bias is raised so that it detects, with boxes, on every frame."""
    import torch
    from transformers import YolosConfig, YolosForObjectDetection, YolosImageProcessor

    config = YolosConfig(  # type: ignore[no-untyped-call]
        image_size=[32, 32],
        patch_size=8,
        num_hidden_layers=1,
        num_detection_tokens=4,
        **tiny_shape(classes),
    )
    model = YolosForObjectDetection(config)
    head: Any = model.class_labels_classifier
    with torch.no_grad():
        head.layers[-1].bias[0] += 8.0
    model.save_pretrained(folder)
    YolosImageProcessor(size={"height": 32, "width": 32}, do_pad=False).save_pretrained(folder)
    return folder


def tiny_sklearn_file(path: Path) -> Path:
    import joblib
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipeline = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=200))
    pipeline.fit([q for q, _ in QUOTES] * 2, [label for _, label in QUOTES] * 2)
    joblib.dump(pipeline, path)
    return path
