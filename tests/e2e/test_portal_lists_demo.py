"""Journey: the purchasing plans and award notices lists with the demo data (1280 and 375 px): rows
listed, a sort chosen in the select gives a short address, downloads offered. Every page:
screenshot, axe-core, link check (the downloads too), CSP; no page wider than the screen."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.e2e.test_portal_lists import fits_the_screen, rows

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_plans_and_award_notices_lists_with_the_demo_data(page, journey, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    from cms import plans

    call_command("seed_demo", stdout=StringIO())
    page.goto("/purchasing-plans/")
    assert rows(page), "the demo's plans are listed"
    assert page.get_by_role("link", name="下载 Excel").count() == 1
    journey.step(page, "plans")
    assert fits_the_screen(page)
    page.select_option("select[name=sort]", label="预算从高到低")
    with page.expect_navigation():
        page.get_by_role("button", name="筛选").click()
    assert urlsplit(page.url).query == "sort=-budget"
    journey.step(page, "plans by budget")

    # A plan's page shows its purchase intentions a page at a time (50; 1 here, so that the demo's
    # plans run to several pages), with their number.
    monkeypatch.setattr(plans, "INTENTIONS_PAGE_SIZE", 1)
    with page.expect_navigation():
        page.locator("main table a").first.click()
    main = page.inner_text("main")
    assert "条采购意向" in main and "第 1 页" in main, main
    assert page.locator("main h1").inner_text().strip(), "the plan's title heads its page"
    journey.step(page, "a plan's intentions")
    assert fits_the_screen(page)
    with page.expect_navigation():
        page.locator("nav.pagination a", has_text="下一页").click()
    assert "第 2 页" in page.inner_text("main")
    journey.step(page, "a plan's intentions, page 2")

    page.goto("/award-notices/")
    assert rows(page), "the demo's award notices are listed"
    journey.step(page, "award notices")
    assert fits_the_screen(page)
