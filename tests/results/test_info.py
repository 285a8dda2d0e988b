"""The typed task, model, environment and meter parts of a result read like the dicts they were."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from frugalbench.results.info import EnvironmentInfo, MeterInfo, ModelInfo, TaskInfo


def test_a_field_the_writer_did_not_set_is_not_written() -> None:
    # An older result had no size_bytes: re-writing it must not add "size_bytes": null.
    written = {"reference": "tfidf-linear", "model": "tfidf-linear", "trained_by_harness": True}
    info = ModelInfo.model_validate(written)
    assert info.size_bytes is None
    assert json.loads(info.model_dump_json()) == written


def test_a_key_this_version_does_not_know_survives_a_read_and_a_write() -> None:
    newer = {"name": "chainsaw", "input_unit": "clip", "data": {"n_inputs": 3, "new": 1}, "x": 2}
    info = TaskInfo.model_validate(newer)
    assert info.data.n_inputs == 3
    assert json.loads(info.model_dump_json()) == newer


def test_typed_fields_are_checked_and_read_as_attributes() -> None:
    env = EnvironmentInfo.model_validate({"cpu_model": "AMD EPYC", "logical_cpus": 2})
    assert env.cpu_model == "AMD EPYC" and env.gpus == []
    meter = MeterInfo.model_validate({"per_component": {"cpu": "process"}})
    assert meter.per_component["cpu"] == "process"
    with pytest.raises(ValidationError):
        ModelInfo.model_validate({"reference": "m", "n_parameters": "many"})
    training = ModelInfo.model_validate({"training": {"energy_j": 3}})
    assert training.training_energy_j == 3.0
    assert ModelInfo().training_energy_j is None
