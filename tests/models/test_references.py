"""Models by reference: hf: text classifiers from a local folder, sklearn: pipelines from a file,
module:Class and file.py:Class for train; all end to end through the harness."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frugalbench.config import RunConfig
from frugalbench.errors import UserError, WorkerFailed
from frugalbench.harness.runner import run, train
from frugalbench.models.directory import read_manifest
from frugalbench.models.hf_text import map_labels
from frugalbench.models.references import parse_reference
from frugalbench.tasks import get_task
from frugalbench.tasks.climate_disinfo import LABELS
from tests.conftest import tiny_text_classifier

TEXT = get_task("climate-disinfo")
CONFIG = RunConfig(repeats=1, idle_s=0.0, speed_index=False)


def test_hf_text_classifier_from_a_local_folder(hf_text_dir: Path, small_csv: Path) -> None:
    result = run(TEXT, f"hf:{hf_text_dir}", CONFIG, data=str(small_csv))
    assert result.status == "ok", result.failure
    assert result.model.reference == f"hf:{hf_text_dir}"
    assert result.scores is not None and 0 <= result.scores["accuracy"] <= 1
    assert (result.model.n_parameters or 0) > 10_000
    assert result.phases["inference"].energy_j.median > 0


def test_labels_map_by_name_or_by_file_or_are_refused() -> None:
    assert map_labels(["Not relevant", "fossil-fuels-needed"], LABELS, {}) == [
        "0_not_relevant",
        "7_fossil_fuels_needed",
    ]
    assert map_labels(["NEG"], LABELS, {"NEG": "3_not_bad"}) == ["3_not_bad"]
    with pytest.raises(UserError, match=r"cannot map the model's labels \['POSITIVE'\] onto"):
        map_labels(["POSITIVE", "not_relevant"], LABELS, {})


def test_a_model_with_foreign_labels_fails_with_both_sides(tmp_path: Path, small_csv: Path) -> None:
    folder = tiny_text_classifier(tmp_path / "sentiment", ["NEGATIVE", "POSITIVE"])
    result = run(TEXT, f"hf:{folder}", CONFIG, data=str(small_csv))
    assert result.status == "failed" and result.failure is not None
    assert "NEGATIVE" in result.failure.reason and "0_not_relevant" in result.failure.reason
    label_map = tmp_path / "map.json"
    label_map.write_text(json.dumps({"NEGATIVE": "0_not_relevant", "POSITIVE": "3_not_bad"}))
    mapped = run(TEXT, f"hf:{folder}", CONFIG, data=str(small_csv), label_map=label_map)
    assert mapped.status == "ok", mapped.failure


def test_malformed_references_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such folder"):
        parse_reference(f"hf:{tmp_path / 'missing'}")
    with pytest.raises(UserError, match="no such file"):
        parse_reference(f"sklearn:{tmp_path / 'missing.joblib'}")
    assert parse_reference(f"hf:{tmp_path}", input_kind="audio")[0] == "hf-audio-classifier"
    assert parse_reference(f"hf:{tmp_path}", input_kind="image")[0] == "hf-image-classifier"


def test_sklearn_pipeline_from_a_file(tmp_path: Path, small_csv: Path) -> None:
    import joblib
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from tests.conftest import tiny_sklearn_file

    path = tiny_sklearn_file(tmp_path / "pipe.joblib")
    result = run(TEXT, f"sklearn:{path}", CONFIG, data=str(small_csv))
    assert result.status == "ok", result.failure
    assert result.scores is not None and result.scores["accuracy"] > 0.5
    unfitted = tmp_path / "unfitted.joblib"
    joblib.dump(make_pipeline(TfidfVectorizer(), LogisticRegression()), unfitted)
    failed = run(TEXT, f"sklearn:{unfitted}", CONFIG, data=str(small_csv))
    assert failed.status == "failed" and failed.failure
    assert "a fitted classifier of the task's labels is expected" in failed.failure.reason


USER_MODEL = """
from frugalbench.models.base import Model


class Coal(Model):
    task = "climate-disinfo"

    def fit(self, inputs, labels):
        return self

    def save_state(self, directory):
        return []

    def load_state(self, directory):
        pass

    def predict(self, inputs):
        return ["7_fossil_fuels_needed" if "coal" in q else "0_not_relevant" for q in inputs]
"""


def test_train_takes_a_file_class_and_writes_a_directory_that_loads_anywhere(
    tmp_path: Path, small_csv: Path
) -> None:
    source = tmp_path / "src" / "coal_model.py"
    source.parent.mkdir()
    source.write_text(USER_MODEL)
    out = tmp_path / "models" / "coal"
    outcome = train(TEXT, f"{source}:Coal", out, str(small_csv), CONFIG)
    assert outcome.directory == out
    assert read_manifest(out).model == "coal_model.py:Coal" and (out / "coal_model.py").exists()
    assert not list(out.parent.glob(".coal.partial-*"))  # staging moved into place
    result = run(TEXT, str(out), CONFIG, data=str(small_csv))
    assert result.status == "ok" and result.scores and result.scores["accuracy"] > 0


def test_train_refuses_an_out_folder_that_is_not_a_model(tmp_path: Path) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="exists and is not a model directory"):
        train(TEXT, "majority", busy, None, CONFIG)
    assert (busy / "notes.txt").read_text() == "mine"


def tiny_encoder(folder: Path) -> Path:
    """A randomly initialised BERT-shaped encoder (plain transformers layout) and tokenizer."""
    from transformers import BertConfig, BertModel

    tiny_text_classifier(folder, ["a", "b"])  # writes the tokenizer files
    config = BertConfig(  # type: ignore[no-untyped-call]
        vocab_size=200, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=37,
    )  # fmt: skip
    BertModel(config).save_pretrained(folder)  # type: ignore[no-untyped-call]
    return folder


def test_any_encoder_with_a_linear_head(tmp_path: Path, small_csv: Path) -> None:
    folder = tiny_encoder(tmp_path / "encoder")
    result = run(TEXT, f"hf-encoder:{folder}", CONFIG, data=str(small_csv))
    assert result.status == "ok", result.failure
    assert (result.model.params or {})["encoder"] == str(folder.resolve())
    assert (
        10_000 < (result.model.n_parameters or 0) < 1_000_000
    )  # the tiny encoder, not MiniLM's 22M


def test_hf_audio_and_image_classifiers_run_on_their_tasks(tmp_path: Path) -> None:
    from tests.conftest import tiny_audio_classifier, tiny_image_classifier

    audio = tiny_audio_classifier(tmp_path / "wav2vec2", ["Chainsaw", "Environment"])
    result = run(get_task("chainsaw"), f"hf:{audio}", CONFIG)
    assert result.status == "ok", result.failure
    assert result.scores is not None and "accuracy" in result.scores
    image = tiny_image_classifier(tmp_path / "vit", ["smoke", "no smoke"])
    result = run(get_task("smoke"), f"hf:{image}", CONFIG)
    assert result.status == "ok", result.failure
    assert (result.model.n_parameters or 0) > 1000


def test_a_detector_whose_classes_name_no_task_label_is_refused(tmp_path: Path) -> None:
    from tests.conftest import tiny_object_detector

    folder = tiny_object_detector(tmp_path / "yolos", ["person", "car"])
    result = run(get_task("smoke"), f"hf:{folder}", CONFIG)
    assert result.status == "failed"
    assert "--label-map" in str(result.failure) and "person" in str(result.failure)
    mapped = tmp_path / "map.json"
    mapped.write_text('{"person": "smoke"}')
    result = run(get_task("smoke"), f"hf:{folder}", CONFIG, label_map=mapped)
    assert result.status == "ok", result.failure


SLOW_FIT = USER_MODEL.replace(
    "    def fit(self, inputs, labels):\n        return self",
    "    def fit(self, inputs, labels):\n"
    "        import time\n"
    "        start = time.process_time()\n"
    "        while time.process_time() - start < 2.0:\n"
    "            pass\n"
    "        return self",
)


def test_training_has_its_own_limit_not_the_calls_one(tmp_path: Path, small_csv: Path) -> None:
    """One default for a call to the model (900 s) whatever the command; training is limited only
    by --train-timeout-s, so `run` and `bench` can fine-tune a rung that `train` could."""
    assert "2.0" in SLOW_FIT
    source = tmp_path / "slow_model.py"
    source.write_text(SLOW_FIT)
    calls_only = RunConfig(repeats=1, idle_s=0.0, speed_index=False, timeout_s=1)
    outcome = train(TEXT, f"{source}:Coal", tmp_path / "a", str(small_csv), calls_only)
    assert outcome.measurement.duration_s >= 2.0
    limited = calls_only.model_copy(update={"train_timeout_s": 1.0})
    with pytest.raises(WorkerFailed, match="timeout"):
        train(TEXT, f"{source}:Coal", tmp_path / "b", str(small_csv), limited)
    assert not (tmp_path / "b").exists()
