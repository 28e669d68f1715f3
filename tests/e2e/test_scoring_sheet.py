"""Journey: an officer opens their draft call, starts its scoring sheet from a previous call's sheet,
adds a criterion, moves it up, removes one, watches the running total reach 100 as they type,
saves, and the tender's page shows the sheet in the new order. At 1280 and 375 px (the table
scrolls inside its box on a phone). Every page: screenshot, CSP, axe-core, link check."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from procurement.models import TenderStatus
from tests.factories import DepartmentFactory
from tests.procurement.factories import BudgetLineFactory, make_tender, officer_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PREVIOUS_SHEET = [
    {"name": "价格", "max_points": "30", "is_price": True, "is_objective": True},
    {"name": "服务方案与实施计划", "max_points": "35"},
    {"name": "项目团队与专业人员", "max_points": "20"},
    {"name": "同类项目业绩", "max_points": "15", "is_objective": True},
]
SETTLED = """() => document.getAnimations().every(
    a => a.playState !== 'running' || a.effect?.getComputedTiming().activeDuration > 2000)"""


def step(journey, page, name: str) -> None:
    page.wait_for_function(SETTLED)
    path = journey.step(page, name)
    width = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert width <= 0, f"{page.url} is {width} px wider than the screen (see {path.name})"


def row_names(page) -> list[str]:
    return page.eval_on_selector_all("tr[data-sheet-row] input.sheet-name", "els => els.map(e => e.value)")


def test_an_officer_builds_a_sheet_from_a_previous_call_and_saves_it_in_order(page, login, journey):
    department = DepartmentFactory(name="市民政局养老服务处")
    officer = officer_for(department, display_name="王经办")
    line = BudgetLineFactory(plan__department=department)
    previous = make_tender(
        officer=officer,
        budget_line=line,
        title="2025年社区助餐服务采购项目",
        reference="MZ-2025-00031",
        sheet=PREVIOUS_SHEET,
    )
    previous.status, previous.published_at = TenderStatus.AWARDED, timezone.now()
    previous.save(update_fields=["status", "published_at"])
    tender = make_tender(officer=officer, budget_line=line, title="2026年居家养老上门服务采购项目")

    login(page, officer)
    manage = reverse("procurement_tender_manage", args=[tender.pk])
    page.goto(manage)
    step(journey, page, "tender page before")
    with page.expect_navigation():
        page.click("main a:has-text('编辑评分标准')")
    assert re.search(r"/sheet/$", page.url)
    assert "合计为100分" in page.inner_text("[data-sheet-status]")
    step(journey, page, "sheet editor")

    # Start from the previous call's sheet (not saved yet).
    options = page.inner_text("select[name=template]")
    assert "MZ-2025-00031" in options and "共4项评审因素" in options
    page.select_option("select[name=template]", str(previous.lots.get().pk))
    with page.expect_navigation():
        page.click("button[value=load]")
    assert row_names(page) == ["价格", "服务方案与实施计划", "项目团队与专业人员", "同类项目业绩"]
    assert "保存评分标准后才生效" in page.inner_text("main")
    step(journey, page, "template loaded")

    # Add a criterion (in the page), type its points: the total runs past 100.
    page.click("[data-sheet-add]")
    new_row = page.locator("tr[data-sheet-row]").nth(4)
    new_row.locator("input.sheet-name").fill("社区资源整合能力")
    new_row.locator("[data-points]").fill("10")
    assert page.inner_text("[data-sheet-total]") == "110"
    assert "超出100分10分" in page.inner_text("[data-sheet-status]")

    # Move it up twice with the keyboard, then remove 同类项目业绩 (15) and make the plan 40.
    new_row.locator("[data-sheet-move=up]").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    assert row_names(page) == [
        "价格",
        "服务方案与实施计划",
        "社区资源整合能力",
        "项目团队与专业人员",
        "同类项目业绩",
    ]
    page.locator("tr[data-sheet-row]").nth(4).locator("[data-sheet-remove]").click()
    assert row_names(page) == ["价格", "服务方案与实施计划", "社区资源整合能力", "项目团队与专业人员"]
    assert page.inner_text("[data-sheet-total]") == "95"
    assert "还差5分" in page.inner_text("[data-sheet-status]")
    page.locator("tr[data-sheet-row]").nth(1).locator("[data-points]").fill("40")
    assert page.inner_text("[data-sheet-total]") == "100"
    assert "合计为100分" in page.inner_text("[data-sheet-status]")
    if journey.viewport == "375":
        box = page.locator(".sheet-table-box")
        assert box.evaluate("el => el.scrollWidth > el.clientWidth"), "the table scrolls inside its box"
    step(journey, page, "total reaches 100")

    with page.expect_navigation():
        page.click(".sheet-actions button[value=save]")
    assert page.url.endswith(manage)
    assert "评分标准已保存" in page.inner_text("main")
    sheet = page.locator("main table.listing").first
    names = sheet.locator("tbody tr td:first-child").all_inner_texts()
    assert names == ["价格", "服务方案与实施计划", "社区资源整合能力", "项目团队与专业人员"]
    assert [c.name for c in tender.lots.get().criteria.order_by("sort_order")] == names
    assert list(previous.lots.get().criteria.order_by("sort_order").values_list("name", flat=True)) == [
        c["name"] for c in PREVIOUS_SHEET
    ], "the previous call's sheet is untouched"
    step(journey, page, "tender page with the new sheet")
