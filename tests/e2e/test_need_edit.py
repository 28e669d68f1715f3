"""Journey: an organization's coordinator corrects a volunteer need, in a real browser at 1280 and 375
px, in Chinese. From the need's page she clicks 编辑, lowers the headcount below the two volunteers
already signed up and is told so in Chinese (what she typed kept), raises it instead and corrects the
title, and finds both on the need's page. Every page: screenshot, axe-core, link check; nothing
wider than the screen."""

import pytest
from django.urls import reverse

from tests.e2e.test_referral import fits_the_screen
from tests.orgs.factories import OrganizationFactory, member
from tests.volunteers.factories import NeedFactory, ProjectFactory, VolunteerFactory
from volunteers.models import Need
from volunteers.services.signups import signup_apply

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def no_english(text: str) -> None:
    for word in ("Edit", "Title", "Headcount", "Volunteers per", "Save", "None", "Who may sign up"):
        assert word not in text, word


def scenario():
    """A need of an organization's project with two volunteers signed up to its one time slot."""
    organization = OrganizationFactory(name="玄武区邻里互助会")
    coordinator = member(organization, display_name="林协调", username="linxie")
    project = ProjectFactory(title="2026年社区助老项目", organization=organization, department=None)
    need = NeedFactory(
        project=project, title="周末助老陪伴（草稿）", role="陪伴", address="玄武区珠江路1号", min_age=18
    )
    for name in ("周敏", "吴刚"):
        signup_apply(actor=VolunteerFactory(real_name=name).user, slot=need.slots.get())
    return need, coordinator


def test_the_coordinator_corrects_a_need_after_a_refused_headcount(page, login, journey):
    need, coordinator = scenario()
    login(page, coordinator)
    page.goto(reverse("volunteers:manage_need", args=[need.pk]))
    journey.step(page, "need page")
    assert fits_the_screen(page)
    with page.expect_navigation():
        page.get_by_role("link", name="编辑", exact=True).click()
    main = page.inner_text("main")
    assert "编辑需求" in main and "报名条件" in main and "服务类别、所在区和时段不在本页修改" in main
    no_english(main)
    journey.step(page, "edit form")
    assert fits_the_screen(page)

    page.fill("input[name=title]", "周末助老陪伴")
    page.fill("input[name=headcount]", "1")
    with page.expect_navigation():
        page.get_by_role("button", name="保存修改").click()
    error = page.inner_text(".field.has-error")
    assert "每个时段至少需要 2 名志愿者" in error
    assert page.input_value("input[name=title]") == "周末助老陪伴"  # what she typed is kept
    page.locator(".field.has-error").scroll_into_view_if_needed()
    journey.step(page, "headcount refused")
    assert fits_the_screen(page)
    assert Need.objects.get(pk=need.pk).title == "周末助老陪伴（草稿）"

    page.fill("input[name=headcount]", "4")
    with page.expect_navigation():
        page.get_by_role("button", name="保存修改").click()
    main = page.inner_text("main")
    assert "需求的修改已保存" in main and "周末助老陪伴" in page.inner_text("h1")
    assert "2 / 4" in main
    no_english(main)
    journey.step(page, "need page after the change")
    assert fits_the_screen(page)
    need.refresh_from_db()
    assert (need.title, need.headcount) == ("周末助老陪伴", 4)
