"""Journey: a journalist opens the red-flag page (1280 and 375 px), reads what red flags are, filters
by flag type and by purchasing unit (the flags the nightly refresh stored), follows a process to its call page and finds the flag there
with its explanation. Every page visited: screenshot, axe-core, link check; no page wider than the
screen."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cms.calls import CallForBidsIndexPage, CallForBidsPage
from procurement.supervision.services.red_flags import red_flags_refresh
from tests.factories import DepartmentFactory
from tests.procurement.flagging import open_bids, public_call

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def live_page(tender):
    index = CallForBidsIndexPage.objects.get()
    page = CallForBidsPage(title=tender.title, slug=f"call-{tender.pk}", tender=tender)
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


def fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_a_journalist_filters_the_red_flags_and_reads_one_on_the_call_page(page, journey):
    gulou = DepartmentFactory(name="鼓楼区民政局")
    xuanwu = DepartmentFactory(name="玄武区民政局")
    published = timezone.now() - dt.timedelta(days=40)
    single = public_call(title="鼓楼区残疾人居家托养服务项目", department=gulou, published_at=published)
    open_bids(single, ["486000"])
    short = public_call(title="玄武区社区养老助餐服务项目", department=xuanwu, published_at=published, days=6)
    live_page(single)
    live_page(short)
    red_flags_refresh()  # what the nightly task does: the list reads the stored flags

    page.goto(reverse("procurement:red_flag_list"))
    main = page.inner_text("main")
    assert "每晚重新计算" in main
    assert "风险信号" in page.inner_text("main h1")
    assert "不是对违法违规行为的认定" in main
    assert "鼓楼区残疾人居家托养服务项目" in main and "玄武区社区养老助餐服务项目" in main
    journey.step(page, "red flags")
    assert fits_the_screen(page)

    page.get_by_text("各类风险信号的含义").click()
    assert page.get_by_text("某一采购包只收到一份投标").is_visible()

    page.select_option("select[name=flag]", label="仅一份投标")
    with page.expect_navigation():
        page.get_by_role("button", name="筛选").click()
    main = page.inner_text("main")
    assert "鼓楼区残疾人居家托养服务项目" in main and "玄武区社区养老助餐服务项目" not in main
    assert "共 1 个项目带有风险信号" in main
    assert "flag=single_bid" in page.url  # a shareable address
    journey.step(page, "filtered by type")
    assert fits_the_screen(page)

    page.select_option("select[name=flag]", label="全部风险信号")
    page.select_option("select[name=department]", label="玄武区民政局")
    with page.expect_navigation():
        page.get_by_role("button", name="筛选").click()
    main = page.inner_text("main")
    assert "玄武区社区养老助餐服务项目" in main and "鼓楼区残疾人居家托养服务项目" not in main
    assert "投标期限过短" in main
    journey.step(page, "filtered by unit")

    page.select_option("select[name=department]", label="鼓楼区民政局")
    with page.expect_navigation():
        page.get_by_role("button", name="筛选").click()
    with page.expect_navigation():
        page.get_by_role("link", name="鼓楼区残疾人居家托养服务项目").click()
    assert "鼓楼区残疾人居家托养服务项目" in page.inner_text("main h1")
    box = page.locator("[data-red-flags]")
    assert box.is_visible()
    text = box.inner_text()
    assert (
        "仅一份投标" in text and "开标时只收到 1 份投标" in text and "竞争性磋商至少需要 2 份有效投标" in text
    )
    assert "不是对违法违规行为的认定" in text
    journey.step(page, "call page")
    assert fits_the_screen(page)
