"""Loaders on good and bad files: every problem is one line naming the file, the row and the fix."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from frugalbench.errors import UserError
from frugalbench.tasks import get_task
from frugalbench.tasks.climate_disinfo import LABELS
from frugalbench.tasks.loaders import load_hub_rows
from tests.conftest import write_rows

TASK = get_task("climate-disinfo")


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_good_files_load(tmp_path: Path, small_rows: list[dict[str, object]], suffix: str) -> None:
    path = write_rows(tmp_path / f"data{suffix}", small_rows)
    data = TASK.load(str(path))
    assert len(data) == 40
    assert set(data.labels) == set(LABELS)
    assert data.inputs[0].startswith("Renewable energy")
    assert data.fingerprint.startswith("sha256:")


def test_labels_may_be_given_by_number(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "n.jsonl", [{"quote": "a", "label": 7}, {"quote": "b", "label": "0"}]
    )
    assert TASK.load(str(path)).labels == (LABELS[7], LABELS[0])


def _error(tmp_path: Path, name: str, rows: Sequence[Mapping[str, object]]) -> str:
    path = write_rows(tmp_path / name, rows)
    with pytest.raises(UserError) as info:
        TASK.load(str(path))
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    return message


def test_missing_column(tmp_path: Path) -> None:
    message = _error(tmp_path, "m.csv", [{"text": "a", "label": LABELS[0]}])
    assert "missing column(s) 'quote'" in message and "needs the columns quote, label" in message


def test_unknown_label_names_the_row(tmp_path: Path) -> None:
    rows = [{"quote": "a", "label": LABELS[0]}, {"quote": "b", "label": "9_aliens"}]
    message = _error(tmp_path, "u.csv", rows)
    assert "row 2" in message and "'9_aliens'" in message and "0_not_relevant" in message


def test_empty_quote(tmp_path: Path) -> None:
    message = _error(tmp_path, "e.csv", [{"quote": "  ", "label": LABELS[0]}])
    assert "row 1" in message and "empty" in message


def test_non_text_quote(tmp_path: Path) -> None:
    message = _error(tmp_path, "n.jsonl", [{"quote": "ok", "label": 0}, {"quote": 12, "label": 0}])
    assert "row 2" in message and "not text (int)" in message


def test_null_quote_in_parquet(tmp_path: Path) -> None:
    message = _error(
        tmp_path, "n.parquet", [{"quote": "ok", "label": "0"}, {"quote": None, "label": "0"}]
    )
    assert "row 2" in message and "missing" in message


def test_bad_json_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"quote": "a", "label": 0}\n{not json}\n')
    with pytest.raises(UserError, match=r"line 2 is not valid JSON"):
        TASK.load(str(path))


def test_damaged_parquet(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(UserError, match="not a readable parquet file"):
        TASK.load(str(path))


def test_missing_file_folder_and_unsupported_type(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file"):
        TASK.load(str(tmp_path / "nope.csv"))
    with pytest.raises(UserError, match="is a folder"):
        TASK.load(str(tmp_path))
    (tmp_path / "data.xlsx").write_text("x")
    with pytest.raises(UserError, match=r"unsupported file type '.xlsx'"):
        TASK.load(str(tmp_path / "data.xlsx"))


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("quote,label\n")
    with pytest.raises(UserError, match="no data rows"):
        TASK.load(str(tmp_path / "empty.csv"))


def test_hub_offline_fails_fast_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real `datasets` code path, with the hub unreachable (offline mode)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    # offline mode is read when huggingface_hub is imported; once another test has imported
    # it, the loader's deadline is what ends the wait: 3 s here, not the default 60
    monkeypatch.setenv("FRUGALBENCH_HUB_TIMEOUT_S", "3")
    started = time.monotonic()
    with pytest.raises(UserError) as info:
        TASK.load("hub:train")
    assert time.monotonic() - started < 30
    message = str(info.value)
    assert "QuotaClimat/frugalaichallenge-text-train" in message and "--data FILE" in message


def test_hub_that_does_not_answer_hits_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """A network that swallows requests must not hang a run: the deadline ends the wait."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens: retried by datasets
    started = time.monotonic()
    with pytest.raises(UserError, match=r"within 2 s|could not load"):
        load_hub_rows("QuotaClimat/frugalaichallenge-text-train", "train", ["quote"], timeout_s=2)
    assert time.monotonic() - started < 10
