"""Journey: the purchasing plans and award notices lists with the demo data (1280 and 375 px): rows
listed, a sort chosen in the select gives a short address, downloads offered. Every page:
screenshot, axe-core, link check (the downloads too), CSP; no page wider than the screen."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.e2e.test_portal_lists import fits_the_screen, rows

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_plans_and_award_notices_lists_with_the_demo_data(page, journey):
    from io import StringIO

    from django.core.management import call_command

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

    page.goto("/award-notices/")
    assert rows(page), "the demo's award notices are listed"
    journey.step(page, "award notices")
    assert fits_the_screen(page)
