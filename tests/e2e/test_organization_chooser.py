"""Journey (issue 17): the registry administrator records an evaluation grade. From the grades list
they open the form, choose the organization in the chooser by typing part of its name (the register
is too large for a drop-down), and save; the grade is in the list. In Chinese at 1280 and 375 px."""

import pytest

from orgs.models import EvaluationGrade
from tests.orgs.factories import OrganizationFactory, registry_admin

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_the_registry_admin_chooses_the_organization_of_a_grade_by_searching(page, login, journey):
    registry = registry_admin()
    sunny = OrganizationFactory(name="阳光养老服务中心")
    for n in range(25):
        OrganizationFactory(name=f"彩虹社区服务社{n:02d}")
    login(page, registry)

    page.goto("/cms-admin/orgs/grades/")
    page.get_by_role("link", name="添加 评估等级").first.click()
    page.wait_for_load_state()
    assert page.locator("select[name=organization]").count() == 0
    page.get_by_role("button", name="选择社会组织").click()
    modal = page.locator(".modal-content")
    modal.locator("input[name=q]").wait_for()
    assert modal.locator("a[data-chooser-modal-choice]").count() == 20  # a page, not the register
    modal.locator("input[name=q]").fill("养老")
    modal.get_by_role("link", name="阳光养老服务中心").wait_for()
    assert modal.locator("a[data-chooser-modal-choice]").count() == 1
    journey.step(page, "chooser found by name")
    modal.get_by_role("link", name="阳光养老服务中心").click()
    modal.wait_for(state="detached")
    assert "阳光养老服务中心" in page.locator("[data-chooser-title]").inner_text()

    page.select_option("select[name=grade]", "4")
    page.fill("input[name=granted_on]", "2026-03-01")
    page.fill("input[name=certificate_no]", "ZS-2026-018")
    journey.step(page, "form with the organization chosen")
    assert fits_the_screen(page)
    with page.expect_navigation():
        page.get_by_role("button", name="创建").click()
    assert EvaluationGrade.objects.filter(organization=sunny, grade=4, certificate_no="ZS-2026-018").exists()
    assert "阳光养老服务中心" in page.inner_text("main")
    # Wagtail's message slides in: read it once its animation has ended
    page.locator(".messages li.success").wait_for()
    page.wait_for_function(
        "() => document.querySelector('.messages').getAnimations({subtree: true})"
        ".every((a) => a.playState !== 'running')"
    )
    assert "评估等级" in page.locator(".messages li.success").inner_text()
    journey.step(page, "grade listed")
