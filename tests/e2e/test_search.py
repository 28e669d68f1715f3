"""Journey: a citizen types 养老 into the header's search box (from the home page, at 1280 and
375 px), sees the results grouped by type with the word highlighted, and reaches the call's page.
Every page visited: screenshot, axe-core, link check; no page wider than the screen."""

import re

import pytest
from django.utils import timezone

from cms.calls import CallForBidsIndexPage, CallForBidsPage
from procurement.models import TenderStatus
from tests.orgs.factories import OrganizationFactory
from tests.procurement.factories import TenderFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def live_call(title: str):
    tender = TenderFactory(title=title, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    index = CallForBidsIndexPage.objects.get()
    page = CallForBidsPage(title=title, slug=f"call-{tender.pk}", tender=tender)
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


def fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_a_citizen_searches_from_the_header_and_reaches_the_call(page, journey):
    call = live_call("社区居家养老服务项目")
    OrganizationFactory(name="阳光养老服务中心", business_scope="为老年人提供居家养老服务")

    page.goto("/")
    box = page.locator("header input[name=q]")
    assert box.is_visible(), "the header's search box is visible without opening the menu"
    journey.step(page, "home")
    assert fits_the_screen(page)

    box.fill("养老")
    with page.expect_navigation():
        box.press("Enter")
    assert re.search(r"/search/\?q=", page.url), page.url
    main = page.inner_text("main")
    assert "采购公告" in main and "社会组织" in main
    assert page.locator("main mark", has_text="养老").count() >= 2
    assert page.input_value("header input[name=q]") == "养老"
    journey.step(page, "results")
    assert fits_the_screen(page)

    with page.expect_navigation():
        page.click(f"main a[href='{call.url}']")
    assert page.url.endswith(call.url)
    assert "社区居家养老服务项目" in page.inner_text("main h1")
    journey.step(page, "call page")


def test_empty_and_refused_queries_are_explained(page, journey):
    page.goto("/search/?q=")
    assert "输入要搜索的词" in page.inner_text("main")
    journey.step(page, "empty")
    page.goto("/search/?q=" + "养" * 200)
    assert "搜索内容过长" in page.inner_text("main")
    journey.step(page, "too long")
    assert fits_the_screen(page)
