"""Journey: a journalist opens the statistics (/statistics/) at 1280 and 375 px, first empty (each
chart says there is no data yet), then with data: every chart is drawn
by ECharts under the enforced Content-Security-Policy (a painted canvas in each chart's box, no
violation, a tooltip on hover), opens a chart's table, downloads its CSV, filters a year, and reads
the volunteer statistics. Every page: screenshot, axe-core, link check, nothing wider than the
screen."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.cache import cache

from cms import statistics
from tests.cms.statistics_data import procurement_data, volunteer_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Non-transparent pixels of each chart's canvases (ECharts draws into one canvas per chart).
PAINTED = """els => els.map(el => {
    const canvases = Array.from(el.querySelectorAll('canvas'));
    let painted = 0;
    for (const canvas of canvases) {
        if (!canvas.width || !canvas.height) continue;
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < data.length; i += 4 * 7) { if (data[i] > 0) painted++; }
    }
    return {id: el.getAttribute('data-chart'), canvases: canvases.length, painted: painted,
            width: el.clientWidth, height: el.clientHeight};
})"""


def fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def charts_drawn(page, expected: int) -> list[dict]:
    page.wait_for_function(
        "n => document.querySelectorAll('[data-chart-drawn]').length === n", arg=expected, timeout=15_000
    )
    page.wait_for_timeout(1200)  # the first animation
    drawn = page.eval_on_selector_all("[data-chart]", PAINTED)
    assert len(drawn) == expected
    width = page.evaluate("() => document.querySelector('main').clientWidth")
    for chart in drawn:
        assert chart["canvases"] >= 1, chart
        assert chart["painted"] > 100, f"nothing painted in {chart['id']}"
        assert 0 < chart["width"] <= width and chart["height"] >= 200, chart
    return drawn


def test_a_journalist_reads_the_charts_their_tables_and_data(page, journey, viewport, tmp_path: Path):
    # Nothing published yet: each chart says so (no empty drawing, no download).
    page.goto("/statistics/")
    assert page.locator("[data-chart]").count() == 0
    assert page.locator("main .stat-chart .empty").count() == len(statistics.PROCUREMENT_CHARTS)
    assert "暂无数据" in page.inner_text("main")
    journey.step(page, "empty")
    page.goto("/statistics/volunteers/")
    assert page.locator("main .stat-chart .empty").count() == len(statistics.VOLUNTEER_CHARTS)
    journey.step(page, "empty volunteers")

    known = procurement_data()
    volunteer_data()
    cache.clear()  # rows written directly (no audited service): the portal cache is not told

    page.goto("/statistics/")
    assert page.inner_text("main h1") == "数据统计"
    charts_drawn(page, len(statistics.PROCUREMENT_CHARTS))
    assert fits_the_screen(page)
    journey.step(page, "charts")

    # The tooltip (DOM nodes built by charts.js): shown on hover, without any CSP violation.
    box = page.locator("#spending-by-year [data-chart]")
    box.scroll_into_view_if_needed()
    size = box.bounding_box()
    page.mouse.move(size["x"] + size["width"] * 0.3, size["y"] + size["height"] * 0.6)
    page.mouse.move(size["x"] + size["width"] * 0.35, size["y"] + size["height"] * 0.6)
    tip = box.locator(".chart-tip")
    tip.wait_for(state="visible", timeout=5_000)
    assert "合同金额（元）" in tip.inner_text()

    # The table alternative of the category chart opens and shows the figures drawn.
    section = page.locator("#spending-by-category")
    table = section.locator("table")
    assert not table.is_visible()
    section.locator("summary").click()
    assert table.is_visible()
    assert known.categories[0].name in table.inner_text() and "180,000.50" in table.inner_text()
    table.scroll_into_view_if_needed()
    journey.step(page, "table opened")

    # Its data downloads as CSV (UTF-8 with BOM, Chinese headers, plain decimals).
    with page.expect_download() as download_info:
        section.get_by_role("link", name="下载“按服务类别统计的支出”的数据（CSV）").click()
    download = download_info.value
    assert download.suggested_filename == "spending-by-category.csv"
    target = tmp_path / download.suggested_filename
    download.save_as(str(target))
    text = target.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == ["服务类别", "发布合同数", "合同金额（元）", "已支付金额（元）"]
    assert rows[1] == [known.categories[0].name, "2", "180000.50", "50000.25"]

    # A year: the charts drawn again for 2025 (the year chart keeps every year).
    page.select_option("#id_year", "2025")
    with page.expect_navigation():
        page.get_by_role("button", name="查看").click()
    assert page.url.endswith("?year=2025")
    charts_drawn(page, len(statistics.PROCUREMENT_CHARTS))
    months = page.locator("#bids-per-call tbody th").all_text_contents()
    assert months == ["2025-11"]
    journey.step(page, "year 2025")

    # Volunteer statistics.
    with page.expect_navigation():
        page.get_by_role("link", name="志愿服务统计", exact=True).first.click()
    assert page.inner_text("main h1") == "志愿服务统计"
    assert page.inner_text("[data-figure=hours]") == "4.25"
    charts_drawn(page, len(statistics.VOLUNTEER_CHARTS))
    assert fits_the_screen(page)
    journey.step(page, "volunteers")
