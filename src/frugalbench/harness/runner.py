"""``run(task, model, config)``: the harness owns the data, the clock and the labels.

Phases, each measured in its own window on the worker's process tree: ``train`` (when the harness
trains), ``load``, ``warmup``, and ``inference`` repeated ``config.repeats`` times. Inputs are
handed over before a window opens, so a window holds the model's work and not our pickling. A
failure anywhere is recorded in the result with its phase and reason, with the phases measured so
far; it is never raised past ``run``.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from frugalbench.config import RunConfig
from frugalbench.errors import UserError, WorkerFailed
from frugalbench.harness.client import WORKER_ENV, WorkerClient
from frugalbench.measure.base import Measurement, Meter
from frugalbench.results import (
    Failure,
    PerThousand,
    PhaseResult,
    RunResult,
)
from frugalbench.tasks.base import Dataset, Task

Progress = Callable[[str, int, int], None]


def _no_progress(phase: str, step: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class TrainOutcome:
    directory: Path
    manifest: dict[str, Any]
    measurement: Measurement


def make_meter(config: RunConfig, pid: int) -> Meter:
    from frugalbench.measure import get_meter_class
    from frugalbench.measure.process import ProcessMeter

    cls = get_meter_class(config.meter)
    availability = cls.is_available()
    if not availability:
        raise UserError(f"meter {config.meter!r} is unavailable here: {availability.reason}")
    if cls is ProcessMeter:
        return ProcessMeter(pid=pid)
    raise UserError(f"meter {config.meter!r} cannot measure a worker process yet")


def _measured(meter: Meter, key: str, call: Callable[[], Any]) -> tuple[Any, Measurement]:
    meter.begin_window(key)
    try:
        value = call()
    finally:
        measurement = meter.end_window(key)
    return value, measurement


def train_in_worker(
    worker: WorkerClient,
    meter: Meter,
    model_name: str,
    params: dict[str, Any],
    data: Dataset,
    out: Path,
) -> TrainOutcome:
    """Fit a registered model in the worker, measured; record the training beside the weights."""
    from frugalbench.models.directory import Manifest, write_manifest

    payload = {
        "model": model_name,
        "params": params,
        "inputs": list(data.inputs),
        "labels": list(data.labels),
        "out": str(out),
    }
    manifest_dict, measurement = _measured(
        meter, "train", lambda: worker.call("train", "train", payload)
    )
    training = {
        "data": data.describe(),
        "energy_j": measurement.total_j,
        "duration_s": measurement.duration_s,
        "measurement": measurement.model_dump(mode="json"),
    }
    manifest = Manifest.model_validate({**manifest_dict, "training": training})
    write_manifest(out, manifest)
    return TrainOutcome(out, manifest.model_dump(), measurement)


def train(
    task: Task,
    model_name: str,
    out: Path,
    data: str | None = None,
    config: RunConfig | None = None,
    params: dict[str, Any] | None = None,
    progress: Progress = _no_progress,
) -> TrainOutcome:
    """``frugalbench train``: the bundled training split by default, a whole file if given."""
    from frugalbench.models.registry import models

    config = config or RunConfig()
    cls = models.get(model_name)
    _check_model_task(cls.task, task)
    dataset = task.load(data)
    train_set = _split(dataset, config)[0] if data is None else dataset
    progress("train", 0, 1)
    with WorkerClient(config.timeout_s) as worker:
        meter = make_meter(config, worker.pid)
        outcome = train_in_worker(worker, meter, model_name, params or {}, train_set, out)
    progress("train", 1, 1)
    return outcome


def _split(dataset: Dataset, config: RunConfig) -> tuple[Dataset, Dataset]:
    from frugalbench.tasks import stratified_split

    try:
        return stratified_split(dataset, config.test_size, config.seed)
    except ValueError as exc:
        raise UserError(
            f"{dataset.source}: cannot make a stratified {1 - config.test_size:.0%}/"
            f"{config.test_size:.0%} split ({exc}); give a larger file, or evaluate a trained "
            "model directory on the whole file"
        ) from None


def _check_model_task(model_task: str, task: Task) -> None:
    if model_task and model_task != task.name:
        raise UserError(f"the model is for task {model_task!r}, not {task.name!r}")


def run(
    task: Task,
    model: str,
    config: RunConfig | None = None,
    data: str | None = None,
    progress: Progress = _no_progress,
) -> RunResult:
    """Evaluate ``model`` (a registered name, trained first, or a model directory) on ``task``.

    User mistakes found before any model code runs (unknown names, bad files) raise ``UserError``;
    anything that goes wrong in the worker becomes a ``failed`` result.
    """
    from frugalbench.environment import capture_environment
    from frugalbench.measure.carbon import emission_factors
    from frugalbench.models.directory import directory_size_bytes, read_manifest
    from frugalbench.models.registry import models

    config = config or RunConfig()
    factors = emission_factors(config.country, config.pue)
    dataset = task.load(data)
    notes: list[str] = []
    model_dir: Path | None = None
    if model in models:
        cls = models.get(model)
        _check_model_task(cls.task, task)
        train_set, eval_set = _split(dataset, config)
        model_info: dict[str, Any] = {"reference": model, "trained_by_harness": True}
    else:
        model_dir = Path(model)
        if not model_dir.exists():
            raise UserError(
                f"{model!r} is neither a model name ({', '.join(models.names())}) "
                "nor a model directory"
            )
        manifest = read_manifest(model_dir)
        _check_model_task(manifest.task, task)
        train_set = None
        eval_set = _split(dataset, config)[1] if data is None else dataset
        model_info = {
            "reference": manifest.model,
            "params": manifest.params,
            "directory": str(model_dir),
            "trained_by_harness": False,
            "training": manifest.training,
            "n_parameters": manifest.n_parameters,
        }
        notes += _contamination_notes(manifest.training, eval_set)

    phases: dict[str, PhaseResult] = {}
    failure: Failure | None = None
    predictions: list[str] | None = None
    n_steps = 3 + config.repeats + (1 if train_set is not None else 0)
    step = 0

    def advance(phase: str) -> None:
        nonlocal step
        step += 1
        progress(phase, step, n_steps)

    with ExitStack() as stack:
        worker = stack.enter_context(WorkerClient(config.timeout_s))
        meter = make_meter(config, worker.pid)
        try:
            if train_set is not None:
                tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fb-model-")))
                outcome = train_in_worker(worker, meter, model, {}, train_set, tmp)
                phases["train"] = PhaseResult.from_measurements(
                    "train", [outcome.measurement], len(train_set)
                )
                model_dir = tmp
                model_info.update(
                    params=outcome.manifest["params"],
                    n_parameters=outcome.manifest["n_parameters"],
                    training=outcome.manifest["training"],
                )
                advance("train")
            assert model_dir is not None
            model_info["size_bytes"] = directory_size_bytes(model_dir)
            _, m = _measured(meter, "load", lambda: worker.call("load", "load", str(model_dir)))
            phases["load"] = PhaseResult.from_measurements("load", [m])
            advance("load")
            worker.call("stage", "stage", list(eval_set.inputs))
            n_warm = min(config.warmup_inputs, len(eval_set))
            _, m = _measured(meter, "warmup", lambda: worker.call("warmup", "predict", n_warm))
            phases["warmup"] = PhaseResult.from_measurements("warmup", [m], n_warm)
            advance("warmup")
            runs: list[Measurement] = []
            for i in range(config.repeats):
                out, m = _measured(
                    meter, f"inference[{i}]", lambda: worker.call("inference", "predict", None)
                )
                _check_predictions(out, len(eval_set), task)
                if predictions is None:
                    predictions = out
                elif out != predictions:
                    notes.append(
                        "predictions differ between repeats: the model is not "
                        "deterministic; scores use the first repeat"
                    )
                runs.append(m)
                advance("inference")
            phases["inference"] = PhaseResult.from_measurements("inference", runs, len(eval_set))
        except WorkerFailed as exc:
            failure = Failure(phase=exc.phase, reason=exc.reason)

    per_1000 = None
    if "inference" in phases:
        inf = phases["inference"]
        per_1000 = PerThousand(
            energy_j=inf.energy_j.scaled(1000 / len(eval_set)),
            duration_s=inf.duration_s.scaled(1000 / len(eval_set)),
        )
    flags = sorted({f for p in phases.values() for meth in p.methods.values() for f in meth.flags})
    if flags:
        notes.append(f"energy is estimated; flags: {', '.join(flags)} (see README)")
    result = RunResult(
        run_id=uuid.uuid4().hex,
        created_at=datetime.now(UTC).isoformat(),
        status="failed" if failure else "ok",
        failure=failure,
        task={
            "name": task.name,
            "input_unit": task.input_unit,
            "data": eval_set.describe(),
            "train_data": train_set.describe() if train_set is not None else None,
        },
        model=model_info,
        config=config,
        scores=task.score(eval_set.labels, predictions) if predictions and not failure else None,
        phases=phases,
        per_1000_inputs=per_1000,
        environment={**capture_environment(), "worker_thread_settings": WORKER_ENV},
        meter={"name": config.meter},
        notes=notes,
    )
    return result.with_factors(factors)


def _check_predictions(out: Any, n_inputs: int, task: Task) -> None:
    if not isinstance(out, list) or len(out) != n_inputs:
        got = len(out) if isinstance(out, list) else type(out).__name__
        raise WorkerFailed(
            "inference", f"the model returned {got} predictions for {n_inputs} inputs"
        )
    unknown = sorted({str(p) for p in out} - set(task.labels))
    if unknown:
        raise WorkerFailed("inference", f"the model returned unknown label(s) {unknown[:3]}")


def _contamination_notes(training: dict[str, Any] | None, eval_set: Dataset) -> list[str]:
    data = (training or {}).get("data") or {}
    if data.get("fingerprint") != eval_set.fingerprint:
        return []
    if data.get("split") == eval_set.split or "all" in (data.get("split"), eval_set.split):
        return [
            f"the model was trained on {data.get('split')} of the same data it is evaluated on "
            f"({eval_set.split}): scores are not held-out scores"
        ]
    return []
