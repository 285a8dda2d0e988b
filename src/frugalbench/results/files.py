"""The files around a run's result, typed: the bench file, the ``detect`` report, the server's
stored evaluation and the report's JSON; and ``load_any``, which reads every file frugalbench
writes (these, a run's result, a ``measure`` record, a projection and a model manifest).

Each kind is told by its shape, not by a new field, so that files written before this reader
existed load too; a version newer than this frugalbench reads is refused with the fix.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from frugalbench.errors import UserError, first_problem
from frugalbench.results.run import RunResult

BENCH_VERSION = 2  # 2: every fold's result, the summary and the groups
REPORT_VERSION = 1


class BenchRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    model: str
    pareto: bool = False
    cached_model: bool = False
    accuracy: tuple[float, float] | None = None  # mean and sd over the folds
    energy_per_1000_j: float | None = None
    by_group: dict[str, dict[str, Any]] = {}
    result: RunResult
    folds: list[RunResult] = []


class BenchFile(BaseModel):
    """``bench``'s ``results.json``: one row per model, its result and its other folds'."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = BENCH_VERSION
    rows: list[BenchRow]


class DetectFile(BaseModel):
    """``detect --json``: segments per recording, energy per hour of audio."""

    model_config = ConfigDict(frozen=True)

    positive: str
    audio_s: float
    wall_s: float
    energy_j: float
    energy_j_per_audio_hour: float | None
    load_energy_j: float
    method: str
    alarm: str = "1-of-1"
    recordings: list[dict[str, Any]]


class StoredEvaluation(RunResult):
    """A run's result as the server keeps it: the sandbox it ran in beside it."""

    sandbox: str | dict[str, Any]


class ReportFile(BaseModel):
    """``report --format json``: the cards, each figure with its source."""

    model_config = ConfigDict(frozen=True)

    report_version: int = REPORT_VERSION
    frugalbench: str
    cards: list[dict[str, Any]]


def _kind(data: dict[str, Any]) -> type[BaseModel]:
    """The record type a file's shape says it is."""
    from frugalbench.footprint.projection import Projection
    from frugalbench.models.directory import Manifest
    from frugalbench.results.measure import MeasureRecord

    if "run_id" in data and "phases" in data:
        return StoredEvaluation if "sandbox" in data else RunResult
    if isinstance(data.get("rows"), list):
        return BenchFile
    if "recordings" in data and "positive" in data:
        return DetectFile
    if "cards" in data and "report_version" in data:
        return ReportFile
    if "scenarios" in data and "per_request" in data:
        return Projection
    if data.get("format") == "frugalbench-model":
        return Manifest
    if "measurement" in data and ("command" in data or "block" in data):
        return MeasureRecord
    raise UserError(
        "not a file frugalbench writes (no result, bench, detect, measure, report, "
        "projection or model manifest shape)"
    )


def _version_ok(kind: type[BaseModel], data: dict[str, Any]) -> None:
    """Refuse a file newer than this frugalbench reads; older ones are read (and upgraded)."""
    from frugalbench.results.measure import RECORD_VERSION, MeasureRecord
    from frugalbench.results.run import SCHEMA_VERSION

    newest: dict[type[BaseModel], tuple[str, int]] = {
        RunResult: ("schema_version", SCHEMA_VERSION),
        StoredEvaluation: ("schema_version", SCHEMA_VERSION),
        BenchFile: ("schema_version", BENCH_VERSION),
        ReportFile: ("report_version", REPORT_VERSION),
        MeasureRecord: ("schema_version", RECORD_VERSION),
    }
    if kind not in newest:
        return
    key, limit = newest[kind]
    found = data.get(key)
    if isinstance(found, int) and found > limit:
        raise UserError(
            f"{key} {found} is newer than this frugalbench reads (up to {limit}); "
            "upgrade frugalbench"
        )


def load_any(path: Path) -> BaseModel:
    """Any file frugalbench writes, as its typed record; a bench folder reads its results.json."""
    if path.is_dir():
        path = path / "results.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not a JSON file ({exc})") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: not a file frugalbench writes (a JSON object is expected)")
    try:
        kind = _kind(data)
        _version_ok(kind, data)
    except UserError as exc:
        raise UserError(f"{path}: {exc}") from None
    if kind is RunResult:
        return RunResult.from_dict(data, str(path))
    try:
        return kind.model_validate(data)
    except ValidationError as exc:
        where, what = first_problem(exc)
        raise UserError(f"{path}: field {where!r}: {what}") from None
