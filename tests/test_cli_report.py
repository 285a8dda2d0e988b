"""``frugalbench report`` and ``project`` as a user runs them, including mistakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import cli


def test_report_writes_a_standalone_html_card(text_result_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "card.html"
    done = cli("report", str(text_result_file), "--out", str(out), "--country", "FR",
               "--facility", "hyperscale", "--resource-share", "0.0625")  # fmt: skip
    assert done.returncode == 0, done.stderr
    html = out.read_text()
    assert "France (FR)" in html and "hyperscale data centre" in html and "0.0625" in html


def test_report_with_a_profile_and_a_baseline(text_result_file: Path, tmp_path: Path) -> None:
    profile = tmp_path / "dc.toml"
    profile.write_text(
        'name = "paris-1"\npue = 1.25\nwue_l_per_kwh = 0.2\nrenewable_energy_factor = 0.7\n'
        'country = "FR"\n'
    )
    done = cli("report", str(text_result_file), "--profile", str(profile), "--format", "json",
               "--baseline", str(text_result_file), "--unit", "1 inference")  # fmt: skip
    assert done.returncode == 0, done.stderr
    card = json.loads(done.stdout)["cards"][0]
    assert card["scenario"]["facility"]["pue"]["value"] == 1.25
    assert card["scenario"]["facility"]["renewable_energy_factor"] == 0.7
    assert card["scenario"]["grid"]["where"] == "France (FR)"
    assert card["comparison"]["basis"].startswith("measured energy")
    assert card["sci"]["unit"]["n_inputs"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf"], "choose html, md, json"),
        (["--country", "XX"], "unknown country code"),
        (["--facility", "cloud"], "unknown facility type"),
        (["--unit", "1 hour of audio"], "functional unit"),
        (["--resource-share", "3"], "resource share"),
        (["--pue", "0.5"], "below 1.0"),
    ],
)
def test_report_mistakes_are_one_line_exit_2(
    text_result_file: Path, args: list[str], message: str
) -> None:
    done = cli("report", str(text_result_file), *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_report_of_a_missing_file(tmp_path: Path) -> None:
    done = cli("report", str(tmp_path / "nope.json"))
    assert done.returncode == 2 and "nope.json: no such file" in done.stderr


def test_project_france_against_a_coal_heavy_grid(text_result_file: Path, tmp_path: Path) -> None:
    svg, png, out = tmp_path / "p.svg", tmp_path / "p.png", tmp_path / "p.json"
    done = cli("project", str(text_result_file), "--requests-per-day", "1000000",
               "--country", "FR", "--country", "PL", "--years", "3", "--growth", "0.2",
               "--plot", str(svg), "--json", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "FR / average" in done.stdout and "PL / average" in done.stdout
    assert "IEA" in done.stdout and "Europe" in done.stdout
    data = json.loads(out.read_text())
    fr, pl = data["scenarios"]
    ratio = pl["years"][0]["operational_t"] / fr["years"][0]["operational_t"]
    assert ratio == pytest.approx(pl["scenario"]["grid"]["intensity_g_per_kwh"] / 56.0)
    assert fr["totals"]["facility_mwh"] == pytest.approx(
        sum(y["facility_mwh"] for y in fr["years"])
    )
    assert svg.read_text().count("<polyline") == 2
    again = cli("project", str(text_result_file), "--requests-per-day", "1000", "--facility",
                "average", "--facility", "hyperscale", "--plot", str(png))  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--requests-per-day", "0"], "positive"),
        (["--requests-per-day", "10", "--plot", "x.gif"], ".svg or .png"),
        (["--requests-per-day", "10", "--growth", "-2"], "growth"),
    ],
)
def test_project_mistakes(text_result_file: Path, args: list[str], message: str) -> None:
    done = cli("project", str(text_result_file), *args)
    assert done.returncode == 2 and message in done.stderr, done.stderr


def test_project_with_a_profile_beside_a_facility_type(
    text_result_file: Path, tmp_path: Path
) -> None:
    profile = tmp_path / "dc.json"
    profile.write_text(json.dumps({"name": "lyon-2", "pue": 1.2, "wue_l_per_kwh": 0.1}))
    out = tmp_path / "p.json"
    done = cli("project", str(text_result_file), "--requests-per-day", "1000", "--country",
               "FR", "--profile", str(profile), "--facility", "hyperscale", "--json",
               str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    scenarios = json.loads(out.read_text())["scenarios"]
    assert [s["scenario"]["name"] for s in scenarios] == ["FR / lyon-2", "FR / hyperscale"]
    assert all(len(s["years"]) == 1 for s in scenarios)  # no growth: not 3 identical years


def test_a_runs_own_pue_carries_into_report_and_projection(
    text_result_file: Path, tmp_path: Path
) -> None:
    from frugalbench.results import RunResult

    result = RunResult.load(text_result_file)
    desk = tmp_path / "desk.json"
    result.model_copy(update={"config": result.config.model_copy(update={"pue": 1.0})}).save(desk)
    card = json.loads(cli("report", str(desk), "--format", "json").stdout)["cards"][0]
    assert card["scenario"]["facility"]["pue"]["value"] == 1.0
    out = tmp_path / "p.json"
    assert cli("project", str(desk), "--requests-per-day", "10", "--json", str(out)).returncode == 0
    assert json.loads(out.read_text())["scenarios"][0]["scenario"]["facility"]["pue"] == 1.0
    again = json.loads(cli("report", str(desk), "--format", "json", "--pue", "1.3").stdout)
    assert again["cards"][0]["scenario"]["facility"]["pue"]["value"] == 1.3
