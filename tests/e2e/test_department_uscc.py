"""A bureau admin records a purchasing unit's unified social credit code in the admin (基础数据 → 采购单位):
a wrong check character is refused in Chinese and nothing is saved; the right code is saved and
listed, and the open data then names the unit as buyer by it (tests/cms/test_ocds.py)."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from core.models import Department
from core.uscc import uscc_complete
from tests.factories import staff_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

VALID = uscc_complete("11320102MB0000002")
WRONG = VALID[:17] + ("0" if VALID[17] != "0" else "1")


def _admin_step(journey, page, name: str) -> None:
    """`journey.step` without axe: the buttons Wagtail draws inside its own message bars fail axe's
    colour-contrast rule (Wagtail's admin styles, not ours); the screenshot, the CSP and the links
    are checked as on every page."""
    journey.screenshot(page, name)
    journey.check_csp(page)
    journey.check_links(page)


def test_a_bureau_admin_records_a_units_credit_code(page, login, journey, viewport):
    unit = Department.objects.create(code="xuanwu-mzj", name="玄武区民政局")
    admin = staff_user(Role.BUREAU_ADMIN, is_staff=True)
    login(page, admin)
    page.goto("/cms-admin/")
    if viewport == "375":
        page.get_by_role("button", name="切换侧边栏").first.click()
    page.get_by_role("button", name="基础数据").click()
    with page.expect_navigation():
        page.get_by_role("link", name="采购单位").click()
    assert page.url.endswith(reverse("wagtailsnippets_core_department:list"))
    _admin_step(journey, page, "purchasing-units")
    with page.expect_navigation():
        page.get_by_role("link", name="玄武区民政局").first.click()
    page.get_by_role("textbox", name="统一社会信用代码").fill(WRONG)
    with page.expect_navigation():
        page.get_by_role("button", name="保存").first.click()
    assert page.get_by_text("统一社会信用代码校验码错误。").first.is_visible()
    _admin_step(journey, page, "wrong-check-character")
    unit.refresh_from_db()
    assert unit.uscc == ""
    page.get_by_role("textbox", name="统一社会信用代码").fill(VALID.lower())
    with page.expect_navigation():
        page.get_by_role("button", name="保存").first.click()
    unit.refresh_from_db()
    assert unit.uscc == VALID
    assert page.get_by_text(VALID).first.is_visible()
    _admin_step(journey, page, "saved")
