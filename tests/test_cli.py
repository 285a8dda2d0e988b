"""The command line end to end, as a user runs it: real processes, the bundled data."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from frugalbench.measure.cpu_power import resolve_cpu_power
from frugalbench.results.files import load_any
from frugalbench.results.measure import MeasureRecord
from tests.conftest import cli

# spins on its own CPU time, not the clock: on a loaded machine the work stays the same
BUSY = "import time\nt=time.process_time()\nwhile time.process_time()-t<{s}: pass"


def test_quick_start_main_job(tmp_path: Path) -> None:
    """The README's main job: tfidf-linear on the bundled split, held-out accuracy >= 0.60."""
    out = tmp_path / "result.json"
    proc = cli("run", "climate-disinfo", "--model", "tfidf-linear", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "accuracy" in proc.stdout and "inference energy / 1,000 quotes" in proc.stdout
    assert "world average (no --country given)" in proc.stdout
    result = json.loads(out.read_text())
    assert result["status"] == "ok" and result["scores"]["accuracy"] >= 0.60
    assert result["task"]["data"]["n_inputs"] == 975
    per = result["per_1000_inputs"]
    assert per["energy_j"]["median"] > 0
    # this machine's family, how it was found, and the band beside the repeats' interval
    power = resolve_cpu_power()
    cpu = result["phases"]["inference"]["methods"]["cpu"]["parameters"]
    assert cpu["family"] == power.family and cpu["detected_by"] == power.detected_by
    assert cpu["w_per_thread_low"] <= cpu["w_per_thread"] <= cpu["w_per_thread_high"]
    assert per["energy_band_j"]["low"] <= per["energy_j"]["median"] <= per["energy_band_j"]["high"]
    assert "power model band" in proc.stdout and "repeats 95% CI" in proc.stdout
    assert result["emissions"]["per_1000_inputs_band_g"]["high"] > 0
    assert result["meter"]["cpu_power"]["family"] == power.family


def test_train_then_run_a_model_directory_on_a_file(tmp_path: Path, small_csv: Path) -> None:
    model_dir = tmp_path / "model"
    proc = cli("train", "climate-disinfo", "--model", "tfidf-linear", "--out", str(model_dir))
    assert proc.returncode == 0, proc.stderr
    assert (model_dir / "frugalbench-model.json").exists()
    out = tmp_path / "r.json"
    proc = cli(
        "run",
        "climate-disinfo",
        "--model",
        str(model_dir),
        "--data",
        str(small_csv),
        "--repeats",
        "2",
        "--country",
        "FR",
        "--json",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    assert result["task"]["data"]["n_inputs"] == 40
    assert result["config"]["repeats"] == 2
    for phase in ("load", "warmup", "inference"):
        assert result["phases"][phase]["energy_j"]["median"] >= 0
        assert result["phases"][phase]["duration_s"]["median"] > 0
    assert result["emissions"]["factors"]["grid"]["code"] == "FR"
    assert {"accuracy", "macro_f1"} <= set(result["scores"])
    assert result["model"]["training"]["energy_j"] > 0


def test_lists() -> None:
    assert "climate-disinfo" in cli("tasks").stdout
    models = cli("models").stdout
    assert all(name in models for name in ("random", "majority", "tfidf-linear"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("run", "climate-disinfo", "--model", "tfidf-lin"), "neither a model name"),
        (("run", "climate-disinfo", "--model", "majority", "--country", "XX"), "unknown country"),
        (("run", "climate-disinfo", "--model", "majority", "--data", "nope.csv"), "no such file"),
        (("run", "climate-diz", "--model", "majority"), "Did you mean 'climate-disinfo'"),
        (("measure", "--", "no-such-command-xyz"), "command not found"),
        (("run", "climate-disinfo", "--model", "majority", "--meter", "rap"), "unknown meter"),
        (("run", "climate-disinfo", "--model", "majority", "--timeout-s", "0"), "--timeout-s:"),
        (("run", "climate-disinfo", "--model", "majority", "--max-cv", "-1"), "--max-cv:"),
        (("bench", "climate-disinfo", "--country", "XX"), "--country: unknown country"),
        # where the results go, refused before any work (it used to end the run in a traceback)
        (("run", "climate-disinfo", "--model", "majority", "--json", "/tmp"), "is a folder"),
        (("run", "climate-disinfo", "--model", "majority", "--json", "/proc/x.json"), "cannot"),
        (("train", "climate-disinfo", "--model", "majority", "--out", "/proc/x"), "cannot write"),
        (("project", "README.md", "--requests-per-day", "9", "--plot", "x.jpg"), ".svg or .png"),
        (("bench", "climate-disinfo", "--out", "README.md"), "--out README.md: is a file"),
        (("measure", "--json", "/proc/m.json", "--", "true"), "cannot write there"),
    ],
)
def test_user_mistakes_get_one_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    proc = cli(*args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_failed_run_exits_1_and_is_written(tmp_path: Path, small_csv: Path, user_model_dir) -> None:
    out = tmp_path / "r.json"
    proc = cli(
        "run",
        "climate-disinfo",
        "--model",
        str(user_model_dir("Raises")),
        "--data",
        str(small_csv),
        "--json",
        str(out),
    )
    assert proc.returncode == 1
    result = json.loads(out.read_text())
    assert result["status"] == "failed" and "boom" in result["failure"]["reason"]


def _measure(tmp_path: Path, name: str, *command: str) -> dict[str, Any]:
    return _measure_with(tmp_path / name, (), *command)


@pytest.mark.slow
def test_measure_follows_the_work_not_the_clock(tmp_path: Path) -> None:
    """5 s of one busy core costs about twice 2.5 s; `sleep 5` costs (near) zero."""
    short = _measure(tmp_path, "short", sys.executable, "-c", BUSY.format(s=2.5))
    long = _measure(tmp_path, "long", sys.executable, "-c", BUSY.format(s=5))
    idle = _measure(tmp_path, "idle", "sleep", "5")
    assert long["energy_j"] / short["energy_j"] == pytest.approx(2.0, abs=0.1)
    assert idle["duration_s"] >= 5
    assert idle["energy_j"] < 0.01 * long["energy_j"]
    for key in ("energy_j", "duration_s", "components"):
        assert key in long
    assert long["schema_version"] == 2
    low, high = long["energy_band_j"]
    assert low <= long["energy_j"] <= high
    assert long["components"]["cpu"]["method"]["kind"] == "estimated"


def test_measure_propagates_the_exit_code(tmp_path: Path) -> None:
    proc = cli("measure", "--", sys.executable, "-c", "raise SystemExit(3)")
    assert proc.returncode == 3
    assert "total (marginal)" in proc.stderr


def test_meters_lists_backends_and_the_auto_choice() -> None:
    proc = cli("meters")
    assert proc.returncode == 0, proc.stderr
    for name in ("rapl", "nvml", "process", "codecarbon"):
        assert name in proc.stdout
    rows = {line.split("│")[2].strip(): line for line in proc.stdout.splitlines() if "│" in line}
    assert "estimate" in rows["process"] and "counter" in rows["rapl"]
    assert "comparison" in rows["codecarbon"]  # kind and the order auto tries them, shown
    assert rows["rapl"].split("│")[1].strip() == "1"
    assert "auto: cpu <-" in proc.stdout
    power = resolve_cpu_power()
    text = " ".join(proc.stdout.split())
    assert f"cpu power model: {power.family}, found by {power.detected_by}" in text
    assert "W per busy thread (band" in text and "basis: SPECpower" in text


def test_calibrate_without_counters_and_a_foreign_profile_are_one_line_errors(
    tmp_path: Path,
) -> None:
    from frugalbench.measure.rapl import rapl_availability

    if not rapl_availability():
        proc = cli("calibrate", "--out", str(tmp_path / "p.json"))
        assert proc.returncode == 2 and "calibrate needs readable energy counters" in proc.stderr
        assert "Traceback" not in proc.stderr
    profile = tmp_path / "other.json"
    profile.write_text(
        json.dumps(
            {
                "cpu_model": "Imaginary CPU 9000",
                "family": None,
                "w_per_thread": 2.0,
                "fit_error": 0.01,
                "low_w": 1.9,
                "high_w": 2.1,
                "idle_w": 40.0,
                "includes_dram": True,
                "domains": ["intel-rapl:0/package-0"],
                "created_at": "2026-12-01T00:00:00+00:00",
                "kernel": "6.1",
                "windows": [],
            }
        )
    )
    proc = cli("run", "climate-disinfo", "--model", "majority", "--power-profile", str(profile))
    assert proc.returncode == 2, proc.stderr
    assert "power profile is for 'Imaginary CPU 9000'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_forcing_an_unavailable_counter_says_why(tmp_path: Path) -> None:
    from frugalbench.measure.rapl import rapl_availability

    if rapl_availability():
        pytest.skip("this machine has readable RAPL counters")
    proc = cli("measure", "--meter", "rapl", "--", "true")
    assert proc.returncode == 2
    assert "meter 'rapl' cannot run: no RAPL counters" in proc.stderr


def test_measure_with_codecarbon_side_by_side(tmp_path: Path) -> None:
    pytest.importorskip("codecarbon")
    data = _measure_with(
        tmp_path, ("--meter", "codecarbon"), sys.executable, "-c", BUSY.format(s=1)
    )
    assert data["comparison"]["codecarbon"]["components"]["cpu"]["energy_j"] > 0
    assert data["energy_j"] > 0
    assert data["meter"]["comparison"] == "codecarbon"


def _measure_with(tmp_path: Path, options: tuple[str, ...], *command: str) -> dict[str, Any]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "m.json"
    proc = cli("measure", *options, "--json", str(out), "--", *command)
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(out.read_text())
    assert isinstance(load_any(out), MeasureRecord)
    return data


def test_bench_prints_the_table_and_writes_json_and_plot(tmp_path: Path, small_csv: Path) -> None:
    out = tmp_path / "bench"
    env_cache = {"FRUGALBENCH_MODEL_CACHE": str(tmp_path / "cache")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "frugalbench.cli",
            "bench",
            "climate-disinfo",
            "--data",
            str(small_csv),
            "--models",
            "majority",
            "--models",
            "hf-encoder-linear",  # the bundled MiniLM encoder and a trained head
            "--models",
            "tfidf-linear",
            "--repeats",
            "2",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "COLUMNS": "200", **env_cache},
    )
    assert proc.returncode == 0, proc.stderr
    assert "Pareto front" in proc.stdout and "tfidf-linear" in proc.stdout
    assert "hf-encoder-linear" in proc.stdout
    rows = json.loads((out / "results.json").read_text())["rows"]
    assert [r["model"] for r in rows] == ["majority", "hf-encoder-linear", "tfidf-linear"]
    assert all(r["result"]["status"] == "ok" for r in rows)
    assert (out / "pareto.png").exists()


def test_bench_smoke_ladder_on_the_bundled_frames(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    done = cli("bench", "smoke", "--models", "majority", "--models", "smoke-change-linear",
               "--repeats", "2", "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = json.loads((out / "results.json").read_text())["rows"]
    assert [r["model"] for r in rows] == ["majority", "smoke-change-linear"]
    assert all(r["result"]["status"] == "ok" for r in rows)
    assert rows[1]["result"]["task"]["data"]["n_groups"] == 1  # one camera held out per fold
    assert len(rows[1]["folds"]) == 1  # two cameras, two folds: each camera held out once
    assert set(rows[1]["by_group"]) == {"rm-w", "syp-w"}
    assert rows[1]["accuracy"][0] == pytest.approx(
        sum(g["accuracy"] for g in rows[1]["by_group"].values()) / 2  # equal-sized cameras
    )
    assert "per held-out group" in done.stdout and "spread" in done.stdout
    assert (out / "pareto.png").stat().st_size > 10_000
    assert "smoke" in cli("tasks").stdout


def test_every_command_answers_a_usage_mistake_in_one_line() -> None:
    import typer.main

    from frugalbench.cli import app

    group = typer.main.get_command(app)
    names = sorted(group.commands)  # type: ignore[attr-defined]
    assert {"run", "train", "bench", "measure", "calibrate", "report", "project"} <= set(names)
    for name in names:
        proc = cli(name, "--no-such-option")
        assert proc.returncode == 2, (name, proc.stderr)
        assert "Traceback" not in proc.stderr and "No such option" in proc.stderr, name


def test_brackets_in_messages_print_as_written() -> None:
    """Rich reads [...] as markup: an error naming `my[audio]model` must keep its brackets."""
    proc = cli("run", "climate-disinfo", "--model", "my[audio]model")
    assert proc.returncode == 2
    assert "my[audio]model" in proc.stderr and "Traceback" not in proc.stderr


def test_ctrl_c_during_train_leaves_nothing_half_done(tmp_path: Path) -> None:
    import signal
    import time

    out = tmp_path / "models" / "ft"
    proc = subprocess.Popen(
        [sys.executable, "-m", "frugalbench.cli", "train", "climate-disinfo", "--model",
         "minilm-finetuned", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    time.sleep(8)  # well inside the fine-tuning
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert not out.exists() and not list((tmp_path / "models").glob(".ft.partial-*"))


def test_every_command_takes_the_run_settings_defaults_from_run_config() -> None:
    """One default per setting (a call's time limit, the repeats, the meter...), whatever command
    sets it: `run` and `bench` used to stop a phase at 900 s and 3600 s."""
    import typer.main

    from frugalbench.cli.main import app
    from frugalbench.config import RunConfig

    fields = RunConfig.model_fields
    group = typer.main.get_command(app)
    checked = 0
    for name in ("train", "run", "bench", "detect"):
        command = group.get_command(None, name)  # type: ignore[attr-defined]
        for param in command.params:
            renamed = (name, param.name) == ("train", "timeout_s")  # train's only limit
            field = "train_timeout_s" if renamed else str(param.name)
            if field in fields and fields[field].default is not None:
                assert param.default == fields[field].default, (name, param.name)
                checked += 1
    assert checked >= 12


def test_a_result_that_cannot_be_written_at_the_end_goes_to_the_runs_folder(
    tmp_path: Path, small_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checked first, the path can still fail at the end (a folder removed during the run):
    the result is then written to the runs folder, and the user told where."""
    from rich.console import Console

    from frugalbench.cli import common
    from frugalbench.config import RunConfig
    from frugalbench.harness.runner import run
    from frugalbench.tasks import get_task

    config = RunConfig(repeats=1, idle_s=0.0, speed_index=False)
    result = run(get_task("climate-disinfo"), "majority", config, str(small_csv))
    gone = tmp_path / "removed" / "r.json"  # its folder does not exist, and cannot be made:
    (tmp_path / "removed").write_text("a file where the folder should be")
    log = io.StringIO()
    monkeypatch.setattr(common, "err", Console(file=log))
    saved = common.save_result(result, gone)
    assert saved != gone and saved.is_file() and saved.parent == tmp_path / "runs"
    assert f"could not write {gone}" in log.getvalue() and str(saved) in log.getvalue()


COMMANDS = ("tasks", "models", "train", "run", "bench", "detect", "meters", "calibrate",
            "measure", "report", "project", "serve", "worker", "submit", "leaderboard")  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
def test_help_reads_as_usage(command: str) -> None:
    """No `{task}` placeholders in the usage line and no `--help <bool>`."""
    proc = cli(command, "--help")
    assert proc.returncode == 0, proc.stderr
    usage = proc.stdout.splitlines()[0]
    assert usage.startswith(f"Usage: frugalbench {command} [OPTIONS]") and "{" not in usage
    assert "<bool>" not in proc.stdout


def test_version_and_the_measured_command_as_typed() -> None:
    from frugalbench import __version__

    version = cli("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"frugalbench {__version__}"
    measured = cli("measure", "--", sys.executable, "-c", "print('a b')")
    assert measured.returncode == 0
    assert f"{sys.executable} -c 'print('\"'\"'a b'\"'\"')'" in " ".join(measured.stderr.split())
