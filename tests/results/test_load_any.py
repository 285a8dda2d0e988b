"""``load_any`` reads every file frugalbench writes, each made here by the code that writes it
(the bench, detect and measure files are checked where their tests write them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frugalbench.errors import UserError
from frugalbench.footprint.projection import Projection
from frugalbench.models.directory import MANIFEST, Manifest
from frugalbench.results import RunResult
from frugalbench.results.files import ReportFile, StoredEvaluation, load_any
from tests.conftest import cli


def test_a_run_result_and_the_server_copy_of_it(text_result_file: Path, tmp_path: Path) -> None:
    result = load_any(text_result_file)
    assert isinstance(result, RunResult) and result.status == "ok"
    stored = json.loads(text_result_file.read_text()) | {"sandbox": {"cpu_s": 3600}}
    path = tmp_path / "stored.json"
    path.write_text(json.dumps(stored))
    loaded = load_any(path)
    assert isinstance(loaded, StoredEvaluation) and loaded.run_id == result.run_id


def test_a_report_a_projection_and_a_model_manifest(text_result_file: Path, tmp_path: Path) -> None:
    report, projection, model = tmp_path / "r.json", tmp_path / "p.json", tmp_path / "model"
    done = cli("report", str(text_result_file), "--format", "json", "--out", str(report))
    assert done.returncode == 0, done.stderr
    done = cli("project", str(text_result_file), "--requests-per-day", "1000", "--json",
               str(projection))  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = cli("train", "climate-disinfo", "--model", "majority", "--out", str(model))
    assert done.returncode == 0, done.stderr
    assert isinstance(load_any(report), ReportFile)
    assert isinstance(load_any(projection), Projection)
    manifest = load_any(model / MANIFEST)
    assert isinstance(manifest, Manifest) and manifest.model == "majority"


def test_what_is_not_ours_or_too_new_is_refused_with_the_fix(
    text_result_file: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"name": "a package.json"}')
    with pytest.raises(UserError, match="not a file frugalbench writes"):
        load_any(other)
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(json.loads(text_result_file.read_text()) | {"schema_version": 99}))
    with pytest.raises(UserError, match="upgrade frugalbench"):
        load_any(newer)
    with pytest.raises(UserError, match="no such file"):
        load_any(tmp_path / "missing.json")
