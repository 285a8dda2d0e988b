"""The README's "Bring your own model" examples, run as a user would copy them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import tiny_text_classifier, write_rows

README = Path(__file__).resolve().parents[1] / "README.md"
BIN = Path(sys.executable).parent


def blocks(language: str) -> list[str]:
    text = README.read_text()
    start = text.index("### Bring your own model")
    section = text[start : text.index("\n## ", start)]
    return re.findall(rf"```{language}\n(.*?)```", section, re.DOTALL)


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        command, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_the_hf_example_runs(tmp_path: Path) -> None:
    from frugalbench.tasks.climate_disinfo import LABELS

    tiny_text_classifier(tmp_path / "my-classifier", [label.split("_", 1)[1] for label in LABELS])
    [command] = blocks("bash")
    proc = shell(command.strip(), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "accuracy" in proc.stdout and "power model band" in " ".join(proc.stdout.split())


def test_the_sklearn_and_track_examples_run(
    tmp_path: Path, small_rows: list[dict[str, object]]
) -> None:
    sklearn_example, track_example = blocks("python")
    proc = subprocess.run(
        [sys.executable, "-c", sklearn_example], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    write_rows(tmp_path / "my_test.csv", small_rows)
    then = re.search(r"# then: (.*)", sklearn_example)
    assert then is not None
    proc = shell(then.group(1), tmp_path)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run(
        [sys.executable, "-c", track_example], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert "frugalbench: epoch:" in proc.stderr
    record = json.loads((tmp_path / "epoch.json").read_text())
    assert record["block"] == "epoch" and record["energy_j"] > 0
