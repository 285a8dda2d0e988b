"""The report of a text model and an audio model, opened in headless Chromium."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import cli


def test_report_opens_offline_in_chromium_and_reads(
    browser, text_result_file: Path, audio_result_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    done = cli("report", str(text_result_file), str(audio_result_file), "--out", str(out),
               "--country", "FR")  # fmt: skip
    assert done.returncode == 0, done.stderr
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(out.as_uri())
    assert requested == [out.as_uri()]  # stands alone: nothing fetched but the page itself
    assert page.locator("h2").all_inner_texts()[:3] == [
        "Comparison", "climate-disinfo / tfidf-linear", "chainsaw / logmel-linear",
    ]  # fmt: skip
    assert page.locator(".verdict").count() == 2
    # the charts render with a size, and the reported model is marked on its front
    for svg in page.locator("svg").all():
        box = svg.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 40
    assert page.locator("circle[stroke='#4c8bf5']").count() == 2
    # the labels as the browser laid them out: no two overlap in any chart
    overlaps = page.evaluate(
        """Array.from(document.querySelectorAll('svg')).flatMap(svg => {
            const b = Array.from(svg.querySelectorAll('text.label')).map(t => t.getBBox());
            return b.flatMap((p, i) => b.slice(i + 1).filter(q => p.x < q.x + q.width &&
                q.x < p.x + p.width && p.y < q.y + q.height && q.y < p.y + p.height));
        }).length"""
    )
    assert page.locator("text.label").count() >= 4 and overlaps == 0
    # a number's reference leads to its source
    page.locator("sup a").first.click()
    assert page.evaluate("location.hash") == "#src1"
    assert "scores.accuracy" in page.inner_text("#src1")
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
