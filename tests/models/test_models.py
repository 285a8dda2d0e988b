"""Every registered model passes the same contract checks; model directories fail clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frugalbench.errors import UnknownNameError, UserError
from frugalbench.models.directory import load_model, read_manifest
from frugalbench.models.majority import MajorityModel
from frugalbench.models.registry import models
from frugalbench.tasks import get_task
from frugalbench.testing import check_model
from tests.conftest import QUOTES

INPUTS = [q for q, _ in QUOTES] * 3
LABELS = [lab for _, lab in QUOTES] * 3


# Small settings so that every model runs the contract in seconds; the real ladder is benchmarked.
FAST_PARAMS: dict[str, dict[str, object]] = {
    "minilm-finetuned": {"epochs": 1, "max_length": 32, "batch_size": 8},
    "minilm-linear": {"max_length": 32},
    "minilm-tfidf-linear": {"max_length": 32, "min_df": 1},
    "cascade": {
        "cheap": "tfidf-linear",
        "expensive": "ngram-linear",
        "validation_size": 0.34,
        "cheap_params": {"min_df": 1},
        "expensive_params": {"min_df": 1},
    },
    "ngram-linear": {"min_df": 1},
    "logmel-cnn": {"epochs": 2, "int8": "no"},
    "smoke-cnn": {"epochs": 2},
}


def by_reference_params(name: str, tmp_path: Path) -> dict[str, object]:
    """The models that read a user's files get tiny ones, built here (no hub)."""
    from tests.conftest import (
        tiny_audio_classifier,
        tiny_image_classifier,
        tiny_object_detector,
        tiny_sklearn_file,
        tiny_text_classifier,
    )

    folder = tmp_path / "source"
    if name == "hf-text-classifier":
        return {"source": str(tiny_text_classifier(folder, sorted(set(LABELS))))}
    if name == "hf-audio-classifier":
        return {"source": str(tiny_audio_classifier(folder, ["chainsaw", "environment"]))}
    if name == "hf-image-classifier":
        return {"source": str(tiny_image_classifier(folder, ["smoke", "no_smoke"]))}
    if name == "hf-object-detector":
        return {"source": str(tiny_object_detector(folder, ["smoke"]))}
    if name == "hf-encoder-linear":
        return {"encoder": str(tiny_text_classifier(folder, ["a", "b"])), "max_length": 32}
    if name == "sklearn-file":
        return {"path": str(tiny_sklearn_file(tmp_path / "pipe.joblib"))}
    return {}


@pytest.mark.parametrize("name", models.names())
def test_model_contract(name: str, tmp_path: Path) -> None:
    cls = models.get(name)
    if cls.task in ("chainsaw", "smoke"):
        data = get_task(cls.task).load(None)
        inputs, labels = list(data.inputs), list(data.labels)
    else:
        inputs, labels = INPUTS, LABELS
    params = {**FAST_PARAMS.get(name, {}), **by_reference_params(name, tmp_path)}
    check_model(cls(**params), inputs, labels, tmp_path / name)
    assert read_manifest(tmp_path / name).model == name


class Forgetful(MajorityModel):
    """Breaks the contract: a reloaded model forgets what it learnt."""

    def load_state(self, directory: Path) -> None:
        self.label_ = "1_not_happening"


def test_check_model_catches_a_broken_model(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="reloaded model must predict the same"):
        check_model(Forgetful(), INPUTS, LABELS, tmp_path / "m")


def test_tfidf_linear_learns_the_training_data() -> None:
    from frugalbench.models.tfidf_linear import TfidfLinearModel

    model = TfidfLinearModel(min_df=1).fit(INPUTS, LABELS)
    assert model.predict(INPUTS) == LABELS
    assert model.n_parameters() > 8


def test_majority_picks_the_most_frequent_label() -> None:
    model = models.get("majority")().fit(
        ["a", "b", "c"], ["3_not_bad", "1_not_happening", "3_not_bad"]
    )
    assert model.predict(["x", "y"]) == ["3_not_bad", "3_not_bad"]


def test_random_is_seeded() -> None:
    from frugalbench.models.random_baseline import RandomModel as cls

    first = cls(seed=1).fit(INPUTS, LABELS).predict(INPUTS)
    assert first == cls(seed=1).fit(INPUTS, LABELS).predict(INPUTS)
    assert first != cls(seed=2).fit(INPUTS, LABELS).predict(INPUTS)


def test_user_model_directory_loads_its_own_class(user_model_dir) -> None:
    model = load_model(user_model_dir("Keyword", {"keyword": "coal"}))
    assert model.predict(["we need coal", "nice day"]) == [
        "7_fossil_fuels_needed",
        "0_not_relevant",
    ]


def test_unknown_model_name() -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'tfidf-linear'"):
        models.get("tfidf_linear")


def test_directory_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such model directory"):
        read_manifest(tmp_path / "missing")
    with pytest.raises(UserError, match="not a frugalbench model directory"):
        read_manifest(tmp_path)
    (tmp_path / "frugalbench-model.json").write_text("{oops")
    with pytest.raises(UserError, match="not valid JSON"):
        read_manifest(tmp_path)
    (tmp_path / "frugalbench-model.json").write_text(json.dumps({"task": "climate-disinfo"}))
    with pytest.raises(UserError, match="field 'model'"):
        read_manifest(tmp_path)


def test_manifest_cannot_reach_outside_its_directory(tmp_path: Path) -> None:
    (tmp_path / "evil.py").write_text("raise SystemExit('should never run')")
    inner = tmp_path / "model"
    inner.mkdir()
    manifest = {"model": "../evil.py:Evil", "task": "climate-disinfo"}
    (inner / "frugalbench-model.json").write_text(json.dumps(manifest))
    with pytest.raises(UserError, match="is not a file in"):
        load_model(inner)


def test_params_that_do_not_fit_the_class(tmp_path: Path) -> None:
    manifest = {"model": "majority", "task": "climate-disinfo", "params": {"depth": 3}}
    (tmp_path / "frugalbench-model.json").write_text(json.dumps(manifest))
    with pytest.raises(UserError, match="params do not fit MajorityModel"):
        load_model(tmp_path)
