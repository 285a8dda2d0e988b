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
from frugalbench.harness.sandbox import SandboxPolicy
from frugalbench.measure.backends import MeterPlan
from frugalbench.measure.base import Measurement
from frugalbench.measure.reference import measure_speed_index
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
    window: Window

    @property
    def measurement(self) -> Measurement:
        return self.window.measurement


def make_meter(config: RunConfig, pid: int) -> MeterPlan:
    """The meter for the worker's process tree, per the config (idle baseline included)."""
    from frugalbench.measure.backends import build_meter
    from frugalbench.measure.contention import ContentionPolicy

    return build_meter(
        config.meter,
        pid=pid,
        idle_s=config.idle_s,
        idle_max_age_s=config.idle_max_age_s,
        contention=ContentionPolicy(max_outside_load_cores=config.max_outside_load_cores),
    )


@dataclass(frozen=True)
class Window:
    value: Any
    measurement: Measurement
    comparison: Measurement | None


def measured_window(plan: MeterPlan, key: str, call: Callable[[], Any]) -> Window:
    """One window on the primary meter, nested inside the comparison meter's (whose start-up,
    1.5 s for CodeCarbon, then stays outside our figure)."""
    if plan.comparison is not None:
        plan.comparison.begin_window(key)
    plan.meter.begin_window(key)
    try:
        value = call()
    finally:
        measurement = plan.meter.end_window(key)
        comparison = plan.comparison.end_window(key) if plan.comparison is not None else None
    return Window(value, measurement, comparison)


def _phase(
    name: str,
    windows: list[Window],
    config: RunConfig,
    n_inputs: int | None = None,
    discarded: list[Window] | None = None,
) -> PhaseResult:
    compared = [w.comparison for w in windows if w.comparison is not None]
    return PhaseResult.from_measurements(
        name,
        [w.measurement for w in windows],
        n_inputs,
        discarded=[w.measurement for w in discarded or []],
        comparison={"codecarbon": compared} if compared else None,
        max_cv=config.max_cv,
    )


def train_in_worker(
    worker: WorkerClient,
    plan: MeterPlan,
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
        "annotations": list(data.annotations),
        "out": str(out),
    }
    window = measured_window(plan, "train", lambda: worker.call("train", "train", payload))
    manifest_dict, measurement = window.value, window.measurement
    training = {
        "data": data.describe(),
        "energy_j": measurement.total_j,
        "duration_s": measurement.duration_s,
        "measurement": measurement.model_dump(mode="json"),
    }
    manifest = Manifest.model_validate({**manifest_dict, "training": training})
    write_manifest(out, manifest)
    return TrainOutcome(out, manifest.model_dump(), window)


def train(
    task: Task,
    model_name: str,
    out: Path,
    data: str | None = None,
    config: RunConfig | None = None,
    params: dict[str, Any] | None = None,
    progress: Progress = _no_progress,
    holdout: bool | None = None,
) -> TrainOutcome:
    """``frugalbench train``: the bundled training split by default, a whole file if given;
    ``holdout=True`` trains on the training split of a given file too (what ``bench`` does)."""
    from frugalbench.models.registry import models

    config = config or RunConfig()
    cls = models.get(model_name)
    _check_model_task(cls.task, task)
    dataset = task.load(data)
    split = data is None if holdout is None else holdout
    train_set = holdout_split(dataset, config)[0] if split else dataset
    progress("train", 0, 1)
    with WorkerClient(config.timeout_s) as worker:
        plan = make_meter(config, worker.pid)
        outcome = train_in_worker(worker, plan, model_name, params or {}, train_set, out)
    progress("train", 1, 1)
    return outcome


def holdout_split(dataset: Dataset, config: RunConfig) -> tuple[Dataset, Dataset]:
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
    holdout: bool | None = None,
    keep_model_dir: Path | None = None,
    sandbox: SandboxPolicy | None = None,
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
        train_set, eval_set = holdout_split(dataset, config)
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
        split = data is None if holdout is None else holdout
        eval_set = holdout_split(dataset, config)[1] if split else dataset
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
    outputs: dict[str, Any] = {}
    n_steps = 3 + config.repeats + (1 if train_set is not None else 0)
    step = 0

    def advance(phase: str) -> None:
        nonlocal step
        step += 1
        progress(phase, step, n_steps)

    speed = measure_speed_index() if config.speed_index else None
    if sandbox is not None and model_dir is not None:
        import dataclasses

        sandbox = dataclasses.replace(sandbox, readable=(*sandbox.readable, str(model_dir)))
    with ExitStack() as stack:
        worker = stack.enter_context(WorkerClient(config.timeout_s, sandbox))
        plan = make_meter(config, worker.pid)
        try:
            if train_set is not None:
                tmp = keep_model_dir or Path(
                    stack.enter_context(tempfile.TemporaryDirectory(prefix="fb-model-"))
                )
                outcome = train_in_worker(worker, plan, model, {}, train_set, tmp)
                phases["train"] = _phase("train", [outcome.window], config, len(train_set))
                model_dir = tmp
                model_info.update(
                    params=outcome.manifest["params"],
                    n_parameters=outcome.manifest["n_parameters"],
                    training=outcome.manifest["training"],
                )
                advance("train")
            assert model_dir is not None
            model_info["size_bytes"] = directory_size_bytes(model_dir)
            w = measured_window(plan, "load", lambda: worker.call("load", "load", str(model_dir)))
            phases["load"] = _phase("load", [w], config)
            advance("load")
            worker.call("stage", "stage", list(eval_set.inputs))
            n_warm = min(config.warmup_inputs, len(eval_set))
            w = measured_window(plan, "warmup", lambda: worker.call("warmup", "predict", n_warm))
            phases["warmup"] = _phase("warmup", [w], config, n_warm)
            advance("warmup")
            kept, discarded = _inference_repeats(plan, worker, config, eval_set, task, advance)
            predictions = kept[0].value
            if any(w.value != predictions for w in kept + discarded):
                notes.append(
                    "predictions differ between repeats: the model is not "
                    "deterministic; scores use the first repeat"
                )
            if any(w.measurement.contaminated for w in kept):
                notes.append(
                    f"inference stayed disturbed after {config.max_reruns} re-runs "
                    "(outside load or steal): figures are flagged 'contaminated'"
                )
            phases["inference"] = _phase("inference", kept, config, len(eval_set), discarded)
            stats = worker.call("stats", "stats")
            if stats:
                model_info["inference_stats"] = stats
            if task.extra_scorer is not None and eval_set.annotations:
                outputs = worker.call("outputs", "outputs")
        except WorkerFailed as exc:
            failure = Failure(phase=exc.phase, reason=exc.reason)

    per_1000 = None
    if "inference" in phases:
        inf = phases["inference"]
        scale = 1000 / len(eval_set)
        per_1000 = PerThousand(
            energy_j=inf.energy_j.scaled(scale),
            duration_s=inf.duration_s.scaled(scale),
            energy_j_at_reference_speed=(
                inf.energy_j.median * scale * speed.speed_index if speed else None
            ),
        )
    flags = sorted({f for p in phases.values() for meth in p.methods.values() for f in meth.flags})
    if flags:
        notes.append(f"method flags: {', '.join(flags)} (see README)")
    unstable = [name for name, p in phases.items() if "unstable" in p.flags]
    if unstable:
        notes.append(
            f"unstable: the CV of repeats exceeds {config.max_cv:.0%} in {', '.join(unstable)}"
        )
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
        scores=task.score(eval_set.labels, predictions, eval_set.annotations, outputs)
        if predictions and not failure
        else None,
        phases=phases,
        per_1000_inputs=per_1000,
        environment={
            **capture_environment(),
            "worker_thread_settings": WORKER_ENV,
            "gpus": plan.gpus,
        },
        meter={**plan.describe(), "unavailable": unavailable_backends()},
        speed_index=speed.as_dict() if speed else None,
        notes=notes,
    )
    return result.with_factors(factors)


def _inference_repeats(
    plan: MeterPlan,
    worker: WorkerClient,
    config: RunConfig,
    eval_set: Dataset,
    task: Task,
    advance: Callable[[str], None],
) -> tuple[list[Window], list[Window]]:
    """``config.repeats`` undisturbed passes, re-running disturbed ones up to ``max_reruns``
    times; disturbed passes are kept aside in the result, used only if nothing better came."""
    kept: list[Window] = []
    discarded: list[Window] = []
    attempt = 0
    while len(kept) < config.repeats and attempt < config.repeats + config.max_reruns:
        w = measured_window(
            plan, f"inference[{attempt}]", lambda: worker.call("inference", "predict", None)
        )
        attempt += 1
        _check_predictions(w.value, len(eval_set), task)
        (discarded if w.measurement.contaminated else kept).append(w)
        advance("inference")
    missing = config.repeats - len(kept)
    if missing > 0:
        kept += discarded[:missing]
        discarded = discarded[missing:]
    return kept, discarded


def unavailable_backends() -> dict[str, str]:
    from frugalbench.measure.backends import backend_report

    return {b.name: a.reason for b, a in backend_report() if not a}


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
