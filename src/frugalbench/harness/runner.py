"""``run(task, model, config)``: the harness owns the data, the clock and the labels.

Phases, each measured in its own window on the worker's process tree: ``train`` (when the harness
trains), ``load``, ``warmup``, and ``inference`` repeated ``config.repeats`` times. Inputs are
handed over before a window opens, so a window holds the model's work and not our pickling. A
failure anywhere is recorded in the result with its phase and reason, with the phases measured so
far; it is never raised past ``run``.
"""

from __future__ import annotations

import dataclasses
import functools
import shutil
import tempfile
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from frugalbench.config import RunConfig
from frugalbench.errors import UserError, WorkerFailed
from frugalbench.harness.client import WORKER_ENV, WorkerClient
from frugalbench.harness.sandbox import JobBox, SandboxError, SandboxPolicy
from frugalbench.measure.backends import MeterPlan
from frugalbench.measure.base import Measurement
from frugalbench.measure.proctree import GroupTree
from frugalbench.measure.reference import measure_speed_index
from frugalbench.measure.window import Window, measured_window
from frugalbench.results import (
    Failure,
    PerThousand,
    PhaseResult,
    RunResult,
)
from frugalbench.tasks.base import NOT_HELD_OUT, Dataset, Task

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


def make_meter(config: RunConfig, pid: int, tree: GroupTree | None = None) -> MeterPlan:
    """The meter for the worker's process tree, per the config (idle baseline included)."""
    from frugalbench.measure.backends import build_meter
    from frugalbench.measure.contention import ContentionPolicy

    return build_meter(
        config.meter,
        pid=pid,
        idle_s=config.idle_s,
        idle_max_age_s=config.idle_max_age_s,
        contention=ContentionPolicy(max_outside_load_cores=config.max_outside_load_cores),
        tree=tree,
        power_profile=config.power_profile,
    )


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
    progress: Progress = _no_progress,
) -> TrainOutcome:
    """Fit a registered model in the worker, measured; record the training beside the weights.

    The model's epoch reports reach ``progress`` as the phase ``epoch`` (or its own unit)."""
    from frugalbench.models.directory import Manifest, write_digests, write_manifest

    payload = {
        "model": model_name,
        "params": params,
        "inputs": list(data.inputs),
        "labels": list(data.labels),
        "annotations": list(data.annotations),
        "out": str(out),
    }

    def call() -> Any:
        return worker.train(payload, on_progress=lambda d, t, u: progress(u, d, t))

    window = measured_window(plan, "train", call)
    manifest_dict, measurement = window.value, window.measurement
    training = {
        "data": data.describe(),
        "energy_j": measurement.total_j,
        "energy_band_j": list(measurement.band_j) if measurement.band_j else None,
        "duration_s": measurement.duration_s,
        "measurement": measurement.model_dump(mode="json"),
    }
    manifest = Manifest.model_validate({**manifest_dict, "training": training})
    write_manifest(out, manifest)
    write_digests(out, data.digests())
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
    label_map: Path | None = None,
) -> TrainOutcome:
    """``frugalbench train``: the bundled training split by default, a whole file if given;
    ``holdout=True`` trains on the training split of a given file too (what ``bench`` does).

    ``model_name`` is any model reference (a registered name, ``hf:``, ``sklearn:``,
    ``module:Class``, ``file.py:Class``). The model is written to a staging folder beside ``out``
    and moved there only when complete: a failure or Ctrl-C leaves nothing half-done.
    """
    from frugalbench.models.references import parse_reference
    from frugalbench.models.registry import models

    config = config or RunConfig()
    name, extra = parse_reference(model_name, task.input_kind, label_map)
    if name in models:
        check_model_task(models.get(name).task, task)
    elif ":" not in name:
        models.get(name)  # the unknown-name error, with the names there are
    _check_out_folder(out)
    dataset = task.load(data)
    split = data is None if holdout is None else holdout
    train_set = holdout_split(dataset, config)[0] if split else dataset
    progress("train", 0, 1)
    staging = out.parent / f".{out.name}.partial-{uuid.uuid4().hex[:8]}"
    try:
        staging.mkdir(parents=True)
        name = _stage_user_file(name, staging)
        with WorkerClient(config.train_limit_s) as worker:
            plan = make_meter(config, worker.pid)
            outcome = train_in_worker(
                worker, plan, name, {**extra, **(params or {})}, train_set, staging, progress
            )
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    progress("train", 1, 1)
    return dataclasses.replace(outcome, directory=out)


def _check_out_folder(out: Path) -> None:
    """``--out`` may be new, empty, or a model directory (replaced); anything else is refused."""
    from frugalbench.models.directory import MANIFEST

    if out.exists() and (
        not out.is_dir() or (any(out.iterdir()) and not (out / MANIFEST).exists())
    ):
        raise UserError(
            f"--out {out}: exists and is not a model directory; give a new or empty folder"
        )
    from frugalbench.outputs import probe_folder

    probe_folder(out.parent, "--out", out)  # the staging folder goes beside it


def _stage_user_file(reference: str, staging: Path) -> str:
    """``path/to/my_model.py:Class``: the file is copied into the model directory, which then
    names it by its file name, so that the directory loads anywhere."""
    module, _, cls = reference.partition(":")
    if not module.endswith(".py"):
        return reference
    source = Path(module).expanduser()
    if not source.is_file():
        raise UserError(f"model {reference!r}: no such file {module}")
    shutil.copy2(source, staging / source.name)
    return f"{source.name}:{cls}"


def holdout_split(dataset: Dataset, config: RunConfig) -> tuple[Dataset, Dataset]:
    from frugalbench.tasks import stratified_split

    try:
        return stratified_split(dataset, config.test_size, config.seed, config.fold)
    except ValueError as exc:
        raise UserError(
            f"{dataset.source}: cannot make a stratified {1 - config.test_size:.0%}/"
            f"{config.test_size:.0%} split ({exc}); give a larger file, or evaluate a trained "
            "model directory on the whole file"
        ) from None


def _scores(
    task: Task, data: Dataset, predictions: list[str], outputs: dict[str, Any]
) -> dict[str, Any]:
    """The task's scores, and per group (recorder, camera) when the data has groups."""
    scores = task.score(data.labels, predictions, data.annotations, outputs)
    if data.groups:
        scores["by_group"] = task.score_by_group(
            data.labels, predictions, data.groups, data.annotations, outputs
        )
    return scores


def check_model_task(model_task: str, task: Task) -> None:
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
    deadline: float | None = None,
    log_path: Path | None = None,
    label_map: Path | None = None,
) -> RunResult:
    """Evaluate ``model`` (a registered name, trained first, or a model directory) on ``task``.

    User mistakes found before any model code runs (unknown names, bad files) raise ``UserError``;
    anything that goes wrong in the worker becomes a ``failed`` result. With ``sandbox``, every
    worker runs in a job box; ``deadline`` (``time.monotonic()``) bounds the whole evaluation.
    """
    from frugalbench.footprint.carbon import emission_factors

    config = config or RunConfig()
    factors = emission_factors(config.country, config.pue)
    dataset = task.load(data)
    planned = _plan(task, model, dataset, config, data, holdout, label_map)
    if sandbox is not None and planned.model_dir is None:
        raise UserError("a sandboxed run evaluates a model directory: train the model first")
    overlap = _overlap_notes(planned) if sandbox is None else []  # (a submission's digests
    if overlap:  # could probe a server's hidden data); the share says more than the file check
        planned.notes = [n for n in planned.notes if not n.endswith(NOT_HELD_OUT)] + overlap
    speed = measure_speed_index() if config.speed_index else None
    measured = _Measured(_Steps(progress, 1 + config.repeats + (planned.train_set is not None)))
    _measure(task, planned, config, measured, keep_model_dir, sandbox, deadline, log_path)
    return _assemble(task, planned, config, measured, speed).with_factors(factors)


@dataclass
class _Steps:
    """The run's progress: one step for training, one per measured pass and one for load."""

    progress: Progress
    total: int
    done: int = 0

    def advance(self, phase: str) -> None:
        self.done += 1
        self.progress(phase, self.done, self.total)


@dataclass
class _Measured:
    """What the measuring part leaves: phases, the failure if any, the meters it used."""

    steps: _Steps
    phases: dict[str, PhaseResult] = field(default_factory=dict)
    failure: Failure | None = None
    evaluation: Evaluation | None = None
    plans: list[MeterPlan] = field(default_factory=list)  # the last one describes the result


def _measure(
    task: Task,
    planned: _Planned,
    config: RunConfig,
    measured: _Measured,
    keep_model_dir: Path | None,
    sandbox: SandboxPolicy | None,
    deadline: float | None,
    log_path: Path | None,
) -> None:
    """Train (if the plan says so) and evaluate, in workers; a worker's or the sandbox's
    failure is recorded on ``measured``, never raised."""
    from frugalbench.models.directory import directory_size_bytes

    with ExitStack() as stack:
        try:
            model_dir = planned.model_dir
            if planned.train_set is not None:
                model_dir = keep_model_dir or Path(
                    stack.enter_context(tempfile.TemporaryDirectory(prefix="fb-model-"))
                )
                _train_into(planned, config, measured, model_dir, deadline)
            assert model_dir is not None
            planned.model_info["size_bytes"] = directory_size_bytes(model_dir)
            job = stack.enter_context(JobBox(sandbox, model_dir)) if sandbox else None
            workers = Workers(config, job, str(model_dir), deadline, log_path, measured.plans)
            stack.callback(workers.close)
            steps = measured.steps
            evaluation = _evaluate(
                workers, task, planned.eval_set, config, steps.advance, measured.phases
            )
            measured.evaluation = evaluation
            planned.notes += evaluation.notes
            if evaluation.stats:
                planned.model_info["inference_stats"] = evaluation.stats
        except WorkerFailed as exc:
            measured.failure = Failure(phase=exc.phase, reason=exc.reason)
        except SandboxError as exc:
            measured.failure = Failure(phase="sandbox", reason=str(exc))


def _train_into(
    planned: _Planned, config: RunConfig, measured: _Measured, out: Path, deadline: float | None
) -> None:
    """The measured training phase; the model's manifest figures join the result's model."""
    assert planned.train_set is not None
    steps = measured.steps
    outcome = _train_phase(
        config,
        planned.train_name,
        planned.train_params,
        planned.train_set,
        out,
        deadline,
        measured.plans,
        lambda unit, done, total: steps.progress(
            f"train ({unit} {done}/{total})", steps.done, steps.total
        ),
    )
    measured.phases["train"] = _phase("train", [outcome.window], config, len(planned.train_set))
    planned.model_info.update(
        params=outcome.manifest["params"],
        n_parameters=outcome.manifest["n_parameters"],
        training=outcome.manifest["training"],
    )
    steps.advance("train")


def _assemble(
    task: Task, planned: _Planned, config: RunConfig, measured: _Measured, speed: Any
) -> RunResult:
    """The result record from the plan and what was measured (emissions added by the caller)."""
    from frugalbench.environment import capture_environment

    phases, evaluation, failure = measured.phases, measured.evaluation, measured.failure
    plan = measured.plans[-1] if measured.plans else None
    eval_set, train_set = planned.eval_set, planned.train_set
    notes = planned.notes + _phase_notes(phases, config)
    predictions = evaluation.predictions if evaluation else None
    return RunResult(
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
        model=planned.model_info,
        config=config,
        scores=_scores(task, eval_set, predictions, evaluation.outputs)
        if evaluation and predictions and not failure
        else None,
        phases=phases,
        per_1000_inputs=_per_1000(phases, len(eval_set), speed),
        environment={
            **capture_environment(),
            "worker_thread_settings": WORKER_ENV,
            "gpus": plan.gpus if plan else [],
        },
        meter={**(plan.describe() if plan else {}), "unavailable": unavailable_backends()},
        speed_index=speed.as_dict() if speed else None,
        notes=notes,
    )


def _per_1000(phases: dict[str, PhaseResult], n: int, speed: Any) -> PerThousand | None:
    """Inference per 1,000 inputs, and at the reference machine's speed when it was timed."""
    if "inference" not in phases:
        return None
    inf = phases["inference"]
    scale = 1000 / n
    return PerThousand(
        energy_j=inf.energy_j.scaled(scale),
        energy_band_j=inf.energy_band_j.scaled(scale) if inf.energy_band_j else None,
        duration_s=inf.duration_s.scaled(scale),
        energy_j_at_reference_speed=(
            inf.energy_j.median * scale * speed.speed_index if speed else None
        ),
    )


def _phase_notes(phases: dict[str, PhaseResult], config: RunConfig) -> list[str]:
    """What a reader must know about the phases' methods and their stability."""
    notes = []
    flags = sorted({f for p in phases.values() for meth in p.methods.values() for f in meth.flags})
    if flags:
        notes.append(f"method flags: {', '.join(flags)} (see README)")
    unstable = [name for name, p in phases.items() if "unstable" in p.flags]
    if unstable:
        notes.append(
            f"unstable: the CV of repeats exceeds {config.max_cv:.0%} in {', '.join(unstable)}"
        )
    return notes


@dataclass
class _Planned:
    train_set: Dataset | None
    eval_set: Dataset
    model_info: dict[str, Any]
    notes: list[str]
    model_dir: Path | None
    train_name: str = ""
    train_params: dict[str, Any] = field(default_factory=dict)


def _plan(
    task: Task,
    model: str,
    dataset: Dataset,
    config: RunConfig,
    data: str | None,
    holdout: bool | None,
    label_map: Path | None = None,
) -> _Planned:
    """What to train on, what to score on, and what the result says of the model."""
    from frugalbench.models.directory import read_manifest
    from frugalbench.models.extras import require_extra
    from frugalbench.models.references import parse_reference
    from frugalbench.models.registry import models

    name, params = parse_reference(model, task.input_kind, label_map)
    if name in models:
        check_model_task(models.get(name).task, task)
        require_extra(name, models.get(name).extra)
        train_set, eval_set = holdout_split(dataset, config)
        info: dict[str, Any] = {"reference": model, "model": name, "trained_by_harness": True}
        return _Planned(train_set, eval_set, info, [], None, name, params)
    model_dir = Path(model)
    if not model_dir.exists():
        raise UserError(unknown_model_message(model, task))
    manifest = read_manifest(model_dir)
    check_model_task(manifest.task, task)
    split = data is None if holdout is None else holdout
    eval_set = holdout_split(dataset, config)[1] if split else dataset
    info = {
        "reference": manifest.model,
        "model": manifest.model,
        "params": manifest.params,
        "directory": str(model_dir),
        "trained_by_harness": False,
        "training": manifest.training,
        "n_parameters": manifest.n_parameters,
    }
    return _Planned(
        None, eval_set, info, _contamination_notes(manifest.training, eval_set), model_dir
    )


def unknown_model_message(model: str, task: Task) -> str:
    """Neither a name nor a folder: the closest names, and the models of this task (not all)."""
    import difflib

    from frugalbench.models.registry import models

    own = [n for n in models.names() if models.get(n).task in ("", task.name)]
    close = difflib.get_close_matches(model, models.names(), n=2, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return (
        f"{model!r} is neither a model name nor a model directory{hint} "
        f"Models for {task.name}: {', '.join(own)} (or hf:..., sklearn:FILE, a model directory)"
    )


def _train_phase(
    config: RunConfig,
    model: str,
    params: dict[str, Any],
    train_set: Dataset,
    out: Path,
    deadline: float | None,
    plans: list[MeterPlan],
    progress: Progress = _no_progress,
) -> TrainOutcome:
    """A registered model trained in a local worker of its own (never in a job box)."""
    with WorkerClient(config.train_limit_s, deadline=deadline) as worker:
        plans.append(make_meter(config, worker.pid))
        return train_in_worker(worker, plans[-1], model, params, train_set, out, progress)


class Workers:
    """Starts the workers of one evaluation (boxed in ``job`` when sandboxed, under one deadline)
    and gives each a meter on what it runs: the job's cgroup where there is one, else its tree."""

    def __init__(
        self,
        config: RunConfig,
        job: JobBox | None,
        model_dir: str,
        deadline: float | None,
        log_path: Path | None,
        plans: list[MeterPlan],
    ) -> None:
        self.config = config
        self.job = job
        self.model_path = "/model" if job is not None else model_dir
        self.deadline = deadline
        self.log_path = log_path
        self.current: WorkerClient | None = None
        self.plans = plans  # every worker's meter, in order

    def start(self) -> tuple[WorkerClient, MeterPlan]:
        from frugalbench.measure.proctree import GroupTree

        self.close()
        worker = WorkerClient(self.config.timeout_s, self.job, self.deadline, self.log_path)
        self.current = worker.start()
        group = self.job.cgroup if self.job is not None else None
        self.plans.append(make_meter(self.config, worker.pid, GroupTree(group) if group else None))
        return worker, self.plans[-1]

    def check(self, phase: str) -> None:
        """A job whose processes the kernel killed for memory has no trustworthy result."""
        killed = self.job.oom_kills() if self.job is not None else 0
        if killed:
            limit = self.job.policy.memory_bytes if self.job is not None else None
            raise WorkerFailed(
                phase,
                f"the job went over its memory limit of {limit} bytes; the kernel killed "
                f"{killed} of its processes",
            )

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None


@dataclass
class Evaluation:
    predictions: list[str]
    outputs: dict[str, Any]
    stats: dict[str, Any]
    notes: list[str]


def _evaluate(
    workers: Workers,
    task: Task,
    eval_set: Dataset,
    config: RunConfig,
    advance: Callable[[str], None],
    phases: dict[str, PhaseResult],
) -> Evaluation:
    """Load, warm up and run the measured passes. Each pass's inputs go to the worker inside
    its window (encoded before it opens), so no model holds them before it is measured; under
    ``config.strict`` every pass has a worker of its own, loaded and warmed up afresh. Phases
    go into ``phases`` as they are measured, so a failure keeps what came before it."""
    from frugalbench.harness import wire
    from frugalbench.harness.wire import Op

    loads: list[Window] = []
    warmups: list[Window] = []
    warm = _warmup_inputs(task, eval_set, config)
    warm_message = wire.request(Op.PREDICT, warm)
    message = wire.request(Op.PREDICT, list(eval_set.inputs))

    def session() -> tuple[WorkerClient, MeterPlan]:
        worker, plan = workers.start()
        load = lambda: worker.load(workers.model_path)  # noqa: E731
        loads.append(measured_window(plan, "load", load))
        phases["load"] = _phase("load", loads, config)
        warm_up = _predict(worker, "warmup", warm_message, len(warm))
        warmups.append(measured_window(plan, "warmup", warm_up))
        phases["warmup"] = _phase("warmup", warmups, config, len(warm))
        workers.check("warmup")
        return worker, plan

    kept: list[Window] = []
    discarded: list[Window] = []
    attempt = 0
    worker, plan = session()
    advance("load")
    while len(kept) < config.repeats and attempt < config.repeats + config.max_reruns:
        if config.strict and attempt:
            worker, plan = session()
        n = len(eval_set)
        w = measured_window(
            plan, f"inference[{attempt}]", _predict(worker, "inference", message, n)
        )
        attempt += 1
        workers.check("inference")
        _check_predictions(w.value, n, task)
        (discarded if w.measurement.contaminated else kept).append(w)
        advance("inference")
    missing = config.repeats - len(kept)
    if missing > 0:
        kept += discarded[:missing]
        discarded = discarded[missing:]
    notes: list[str] = []
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
    stats, why = checked_stats(worker.stats(MAX_STATS_BYTES))
    notes += [why] if why else []
    outputs: dict[str, Any] = {}
    if task.extra_scorer is not None and eval_set.annotations:
        outputs = checked_outputs(worker.outputs(4096 + 128 * len(eval_set)), len(eval_set))
    phases["inference"] = _phase("inference", kept, config, len(eval_set), discarded)
    return Evaluation(predictions, outputs, stats, notes)


def _predict(worker: WorkerClient, phase: str, message: bytes, n: int) -> Callable[[], Any]:
    """One measured call: hand over the encoded inputs, wait for their answers."""
    return lambda: worker.receive(phase, worker.send(phase, message), 4096 + 256 * n)


def _warmup_inputs(task: Task, eval_set: Dataset, config: RunConfig) -> list[Any]:
    """The evaluation's first inputs; under ``strict``, the task's public bundled inputs, so
    that answers worked out during the warm-up are of no use in a measured pass."""
    if not config.strict:
        return list(eval_set.inputs[: config.warmup_inputs])
    return list(_public_inputs(task.name)[: config.warmup_inputs])


@functools.lru_cache(maxsize=4)
def _public_inputs(task_name: str) -> tuple[Any, ...]:
    from frugalbench.tasks import get_task

    return get_task(task_name).load(None).inputs


MAX_STATS_BYTES = 16 * 1024
MAX_STATS_KEYS = 32


def checked_stats(value: Any) -> tuple[dict[str, Any], str | None]:
    """A model's own figures, kept only as a small flat table of numbers and short words."""
    if not isinstance(value, dict):
        return {}, "inference_stats dropped: not a table"
    if len(value) > MAX_STATS_KEYS:
        return {}, f"inference_stats dropped: more than {MAX_STATS_KEYS} entries"
    for key, item in value.items():
        ok = isinstance(item, bool | int | float) or (isinstance(item, str) and len(item) <= 100)
        if len(key) > 64 or not ok:
            return {}, "inference_stats dropped: entries must be numbers or short words"
    return value, None


def checked_outputs(value: Any, n_inputs: int) -> dict[str, Any]:
    """Extra outputs the task scores (a smoke model's boxes): one box or none per input."""
    boxes = value.get("boxes") if isinstance(value, dict) else None
    if boxes is None:
        return {}
    if not isinstance(boxes, list) or len(boxes) != n_inputs:
        raise WorkerFailed("outputs", f"the model returned boxes that are not {n_inputs} boxes")
    for box in boxes:
        if box is not None and (
            not isinstance(box, list)
            or len(box) != 4
            or not all(isinstance(v, int | float) and 0 <= v <= 1 for v in box)
        ):
            raise WorkerFailed("outputs", "a box is not 4 numbers in [0, 1] (or null)")
    return {"boxes": [tuple(b) if b is not None else None for b in boxes]}


def unavailable_backends() -> dict[str, str]:
    from frugalbench.measure.backends import backend_report

    return {b.name: a.reason for b, a in backend_report() if not a}


def _check_predictions(out: Any, n_inputs: int, task: Task) -> None:
    if not isinstance(out, list) or len(out) != n_inputs:
        got = len(out) if isinstance(out, list) else type(out).__name__
        raise WorkerFailed(
            "inference", f"the model returned {got} predictions for {n_inputs} inputs"
        )
    known = set(task.labels)
    unknown = sorted({str(p)[:40] for p in out if not isinstance(p, str) or p not in known})
    if unknown:
        raise WorkerFailed("inference", f"the model returned unknown label(s) {unknown[:3]}")


def _overlap_notes(planned: _Planned) -> list[str]:
    """Rows of the evaluation data the model was trained on, found by content, whatever file
    they came in (the whole-file check below cannot see rows pasted into another file)."""
    from frugalbench.models.directory import read_digests
    from frugalbench.tasks.base import overlap_note

    if planned.train_set is not None:
        trained_on: set[bytes] | None = planned.train_set.digests()
    else:
        trained_on = read_digests(planned.model_dir) if planned.model_dir else None
    note = overlap_note(trained_on, planned.eval_set) if trained_on else None
    return [note] if note else []


def _contamination_notes(training: dict[str, Any] | None, eval_set: Dataset) -> list[str]:
    data = (training or {}).get("data") or {}
    if data.get("fingerprint") != eval_set.fingerprint:
        return []
    if data.get("split") == eval_set.split or "all" in (data.get("split"), eval_set.split):
        return [
            f"the model was trained on {data.get('split')} of the same data it is evaluated on "
            f"({eval_set.split}): {NOT_HELD_OUT}"
        ]
    return []
