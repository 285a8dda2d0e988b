"""The web pages in a real browser (Debian's Chromium, driven by Playwright): submit through the
form, watch the job's live status, see the row and the plot appear."""

from __future__ import annotations

from pathlib import Path

from frugalbench.cli.server import pack
from tests.conftest import cli
from tests.web.test_cli_server import secret_file


def test_submit_in_the_browser_and_see_the_row(
    browser, server: str, tmp_path: Path, small_csv: Path
) -> None:
    admin = secret_file(tmp_path / "admin-token", "adm")
    token = cli("admin", "create-team", "kites", "--server", server, "--token-file", admin)
    team_token = token.stdout.strip().rsplit(" ", 1)[-1]
    made = cli("admin", "create-challenge", "web", "--task", "climate-disinfo",
               "--hidden-data", str(small_csv), "--server", server,
               "--token-file", admin)  # fmt: skip
    assert made.returncode == 0, made.stderr
    model = tmp_path / "model"
    assert cli("train", "climate-disinfo", "--model", "majority", "--out", str(model),
               "--idle-s", "0.2").returncode == 0  # fmt: skip
    archive = tmp_path / "model.tar.gz"
    archive.write_bytes(pack(model))

    page = browser.new_page()
    page.goto(f"{server}/challenges/web")
    assert "No evaluated submission yet" in page.inner_text("#leaderboard")
    page.click("text=Submit a model")
    page.fill("#token", team_token)
    page.fill("#name", "my majority")
    page.set_input_files("#archive", str(archive))
    page.click("button[type=submit]")
    page.wait_for_url("**/jobs/*")
    page.wait_for_function(
        "document.getElementById('status').textContent === 'ok'", timeout=120_000
    )
    page.click("#submission-link")
    assert "Energy per phase" in page.content() and page.locator("svg").count() >= 1
    assert "inference" in page.inner_text("#phases")
    assert "n_inputs" not in page.inner_text("table") and "hidden inputs" in page.content()
    assert "network" in page.inner_text("#sandbox") and "{" not in page.inner_text("#sandbox")
    page.goto(f"{server}/challenges/web")
    row = page.locator("#leaderboard tbody tr").first
    assert "kites" in row.inner_text() and "my majority" in row.inner_text()
    header = page.inner_text("#leaderboard thead")
    assert "energy / 1,000 inputs, " in header and "CO2e" in header  # one unit per column
    assert "(-" not in row.inner_text()  # no interval end below zero
    assert page.locator("figure svg circle").count() == 1
    page.screenshot(path=str(tmp_path / "leaderboard.png"), full_page=True)
    assert (tmp_path / "leaderboard.png").stat().st_size > 10_000


def test_a_bad_token_is_shown_on_the_form(
    browser, server: str, small_csv: Path, tmp_path: Path
) -> None:
    cli("admin", "create-challenge", "web2", "--task", "climate-disinfo",
        "--hidden-data", str(small_csv), "--server", server,
        "--token-file", secret_file(tmp_path / "admin-token", "adm"))  # fmt: skip
    archive = tmp_path / "x.tar.gz"
    archive.write_bytes(b"junk")
    page = browser.new_page()
    page.goto(f"{server}/challenges/web2/submit")
    page.fill("#token", "wrong")
    page.set_input_files("#archive", str(archive))
    page.click("button[type=submit]")
    page.wait_for_function("document.getElementById('message').textContent.includes('token')")
    assert "unknown or revoked token" in page.inner_text("#message")
