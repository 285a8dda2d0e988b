"""Typed descriptions of what was evaluated, where, and how it was measured.

They are the four parts of a result that were dicts read by string keys in the card, the terminal,
the projection and the bench. Typed, a misspelt key is a type error and not a silent ``None``. Two
rules keep every file frugalbench wrote before readable and its JSON the same:

- a field that the writer did not set is not written (an older file had no ``size_bytes``; it
  must not gain ``"size_bytes": null``);
- a key this version does not know is kept as it came (extra="allow"), so a newer writer's field
  survives a read and a re-write.

Fields are declared in the order the harness writes them, so a re-written result is byte-identical;
a model directory's info (written in another order by older versions) keeps its content, not its
key order.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer


class _Info(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    @model_serializer(mode="wrap")
    def _only_what_was_set(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        kept = self.model_fields_set | set(self.model_extra or {})
        return {k: v for k, v in data.items() if k in kept}


class DataInfo(_Info):
    """The data a phase ran on: where from, which split, how many inputs, its fingerprint."""

    source: str | None = None
    split: str | None = None
    n_inputs: int = 0
    fingerprint: str | None = None
    n_groups: int | None = None
    skipped: dict[str, Any] | None = None


class TaskInfo(_Info):
    name: str
    input_unit: str = "input"
    data: DataInfo = DataInfo()
    train_data: DataInfo | None = None


class ModelInfo(_Info):
    """The model as evaluated: its reference, parameters, size and training record."""

    reference: str = "?"
    model: str | None = None
    trained_by_harness: bool | None = None
    directory: str | None = None
    params: dict[str, Any] | None = None
    n_parameters: int | None = None
    training: dict[str, Any] | None = None
    size_bytes: int | None = None
    inference_stats: dict[str, Any] | None = None

    @property
    def training_energy_j(self) -> float | None:
        value = (self.training or {}).get("energy_j")
        return float(value) if value is not None else None


class EnvironmentInfo(_Info):
    """The machine and software the figures were measured on."""

    cpu_model: str | None = None
    logical_cpus: int | None = None
    physical_cores: int | None = None
    cores_per_socket: int | None = None
    virtual_machine: bool | None = None
    ram_bytes: int | None = None
    os: str | None = None
    kernel: str | None = None
    machine: str | None = None
    python: str | None = None
    python_implementation: str | None = None
    packages: dict[str, str | None] = {}
    thread_settings: dict[str, str | None] = {}
    gpus: list[dict[str, Any]] = []
    worker_thread_settings: dict[str, str] | None = None


class MeterInfo(_Info):
    """Which backends measured, the power model and idle baseline behind them, what was missing."""

    backends: str | None = None
    cpu_power: dict[str, Any] | None = None
    per_component: dict[str, str] = {}
    comparison: str | None = None
    idle_baseline: dict[str, Any] | None = None
    contention_policy: dict[str, Any] | None = None
    sample_interval_s: float | None = None
    unavailable: dict[str, str] = {}
