"""Journey: a citizen opens the calls for bids, filters them by service category and state, sorts
them by ceiling price, turns to the second page (the filters stay in the address), and downloads
the filtered list as CSV, which holds exactly the rows of both pages in the same order; at 1280
and 375 px; above the count cap the list says "more than". Then the open-data hub offers this year's files, and after the night's generation shows
their time and sizes and sends the stored Excel file. Every page: screenshot, axe-core, link
check, CSP; no page wider than the screen."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from cms.calls import CallForBidsIndexPage, CallForBidsPage
from core.models import ServiceCategory
from procurement.models import TenderStatus
from tests.procurement.factories import BudgetLineFactory, PlanFactory, TenderFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ELDERLY = "elderly"  # 老年人服务 (seeded service categories)


def call(reference: str, *, category_code: str, status=TenderStatus.PUBLISHED, ceiling: int, age_days: int):
    line = BudgetLineFactory(plan=PlanFactory(), category=ServiceCategory.objects.get(code=category_code))
    tender = TenderFactory(
        reference=reference,
        title=f"{reference} 居家养老上门服务采购项目",
        budget_line=line,
        status=status,
        ceiling=Decimal(ceiling),
        published_at=timezone.now() - dt.timedelta(days=age_days),
        bid_deadline=timezone.now() + dt.timedelta(days=10),
    )
    CallForBidsIndexPage.objects.get().add_child(
        instance=CallForBidsPage(title=tender.title, slug=f"call-{tender.pk}", tender=tender, live=True)
    )


def fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def rows(page) -> list[str]:
    return page.eval_on_selector_all("main tr[data-row]", "rows => rows.map(r => r.dataset.row)")


def test_a_citizen_filters_sorts_pages_and_downloads_the_calls(page, journey, tmp_path, settings):
    # 23 open elderly-care calls (two pages), and others the filters must leave out.
    for n in range(23):
        call(f"ZB-{n:02d}", category_code=ELDERLY, ceiling=100000 + 10000 * n, age_days=n)
    call("ZB-AWARDED", category_code=ELDERLY, status=TenderStatus.AWARDED, ceiling=9000000, age_days=40)
    call("ZB-YOUTH", category_code="youth", ceiling=8000000, age_days=1)

    page.goto("/calls-for-bids/")
    assert "共 25 条" in page.inner_text("main")
    journey.step(page, "calls")
    assert fits_the_screen(page)

    # Above the count cap (core/pagination.py; 1,000 by default, 20 here) the list says so and
    # pages through the first rows; its filters narrow it down.
    settings.PORTAL_LIST_COUNT_CAP = 20
    page.goto("/calls-for-bids/")
    assert "超过 20 条结果，可用筛选条件缩小范围。" in page.inner_text("main")
    journey.step(page, "calls above the count cap")
    assert fits_the_screen(page)
    del settings.PORTAL_LIST_COUNT_CAP

    page.select_option("select[name=category]", label="老年人服务")
    page.select_option("select[name=status]", label="正在招标")
    page.select_option("select[name=sort]", label="最高限价从高到低")
    with page.expect_navigation():
        page.get_by_role("button", name="筛选").click()
    # A short address to share: only the filters in use (static/js/portal-filters.js).
    assert urlsplit(page.url).query == "category=elderly&status=open&sort=-ceiling", page.url
    assert "共 23 条" in page.inner_text("main")
    first = rows(page)
    assert first == [f"ZB-{n:02d}" for n in range(22, 2, -1)]  # highest ceiling first, 20 a page
    assert page.input_value("select[name=status]") == "open"  # the form shows the filters in use
    journey.step(page, "filtered and sorted")
    assert fits_the_screen(page)

    with page.expect_navigation():
        page.locator("nav.pagination a", has_text="下一页").click()
    query = parse_qs(urlsplit(page.url).query)
    assert (query["page"], query["category"], query["status"], query["sort"]) == (
        ["2"],
        ["elderly"],
        ["open"],
        ["-ceiling"],
    )
    second = rows(page)
    assert second == ["ZB-02", "ZB-01", "ZB-00"]
    journey.step(page, "page 2")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载 CSV").click()
    download = download_info.value
    assert re.fullmatch(r"calls-for-bids-\d{8}\.csv", download.suggested_filename)
    target = tmp_path / download.suggested_filename
    download.save_as(str(target))
    text = target.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text[1:])))
    assert table[0][:2] == ["项目编号", "项目名称"]
    assert [row[0] for row in table[1:]] == first + second  # the same rows, the same order
    assert "ZB-AWARDED" not in text and "ZB-YOUTH" not in text

    # No match: the empty state says so and offers the whole list again.
    page.goto("/calls-for-bids/?category=youth&status=awarded")
    assert "没有符合筛选条件的采购公告" in page.inner_text("main")
    journey.step(page, "no match")

    page.goto("/open-data/")
    year = timezone.localdate().year
    assert page.locator(f"a[href='/open-data/{year}/calls.csv']").count() == 1
    journey.step(page, "open data")
    assert fits_the_screen(page)

    # The night's files (cms/opendata_files.py): the hub says when they were made and how large each
    # is, and the Excel link sends the stored file.
    from cms import opendata_files

    generation = opendata_files.generate()
    page.goto("/open-data/")
    assert "年度文件每晚生成" in page.inner_text("main")
    calls = page.locator("section[data-dataset='calls'] li", has_text=f"{year} 年")
    assert calls.locator(".opendata-size").count() == 2
    journey.step(page, "open data, nightly files")
    assert fits_the_screen(page)
    with page.expect_download() as download_info:
        calls.get_by_role("link", name="Excel").click()
    download = download_info.value
    assert download.suggested_filename == f"calls-{year}.xlsx"
    target = tmp_path / download.suggested_filename
    download.save_as(str(target))
    assert target.stat().st_size == generation.file("calls", year, "xlsx").size
