"""Journey: referral (转介) by the volunteer centre, in a real browser at 1280 and 375 px, in Chinese.
The centre's officer (a staff role: password and second factor) starts at the workbench, picks an
open need that requires a training, sees only the trained volunteer among those who fit, picks her,
writes a note, confirms; the organization's coordinator finds the referral under "Referred
volunteers", accepts it choosing the time slot; the volunteer sees the referral accepted and her
sign-up on her volunteer page; the organization cancels the need and the volunteer and the centre
see the referral closed (需求已取消). Every page: screenshot, axe-core, link check; nothing wider than the
screen."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from tests.factories import UserFactory, staff_user
from tests.orgs.factories import OrganizationFactory, member
from tests.volunteers.factories import VolunteerFactory, service_type
from volunteers.models import Referral, ReferralStatus, SignUp, SignUpStatus, TrainingRecord
from volunteers.services.needs import need_create, project_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def no_english(text: str) -> None:
    for word in ("Referral", "Volunteer", "Accept", "Decline", "proposed", "accepted", "None"):
        assert word not in text, word


def scenario():
    organization = OrganizationFactory(name="鼓楼区阳光社工服务中心")
    coordinator = member(organization, display_name="王协调", username="coordinator")
    project = project_create(
        actor=coordinator,
        title="2026年失智老人关爱项目",
        responsible_person="王协调",
        contact_phone="025-83000000",
        organization=organization,
    )
    day = timezone.localdate() + datetime.timedelta(days=9)
    at = lambda hour: timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))  # noqa: E731
    need = need_create(
        actor=coordinator,
        project=project,
        title="失智老人居家陪伴",
        role="陪伴",
        service_type=service_type("disability-elderly"),
        district=organization.district,
        address="鼓楼区中山路1号",
        headcount=3,
        signup_closes_at=at(8) - datetime.timedelta(days=1),
        slots=[(at(9), at(12)), (at(14), at(17))],
        min_age=18,
        required_training="失智老人照护培训",
    )
    trained = VolunteerFactory(
        real_name="李晓梅",
        user=UserFactory(username="xiaomei", display_name="李晓梅", roles=[Role.VOLUNTEER]),
    )
    TrainingRecord.objects.create(
        volunteer=trained,
        course="失智老人照护培训",
        hours=12,
        taken_on=datetime.date(2026, 3, 1),
        issuer="市志愿服务指导中心",
    )
    VolunteerFactory(real_name="赵未培")  # fits everything but the training
    centre = staff_user(Role.VOLUNTEER_CENTRE, username="centre-officer", display_name="何宁")
    return need, coordinator, trained, centre


def test_the_centre_refers_a_trained_volunteer_the_organization_accepts_she_sees_it(new_page, login, journey):
    _need, coordinator, trained, centre = scenario()

    # the volunteer centre
    page = new_page()
    login(page, centre)
    page.goto(reverse("cms:workbench"))
    assert "志愿服务中心" in page.inner_text("main")
    journey.step(page, "centre workbench")
    with page.expect_navigation():
        page.get_by_role("link", name="向需求转介志愿者").first.click()
    journey.step(page, "centre picks a need")
    assert fits_the_screen(page)
    with page.expect_navigation():
        page.get_by_role("link", name="转介志愿者").first.click()
    main = page.inner_text("main")
    assert "失智老人照护培训" in main and "李晓梅" in main and "赵未培" not in main
    no_english(main)
    journey.step(page, "volunteers who fit")
    assert fits_the_screen(page)
    page.check(f"#pick-{trained.pk}")
    page.fill("textarea[name=note]", "已完成照护培训，家住附近")
    with page.expect_navigation():
        page.get_by_role("button", name="下一步：确认").click()
    assert "确认转介" in page.inner_text("main")
    journey.step(page, "confirm")
    with page.expect_navigation():
        page.get_by_role("button", name="确认转介").click()
    main = page.inner_text("main")
    assert "待机构答复" in main and "李晓梅" in main
    journey.step(page, "centre list")
    assert fits_the_screen(page)
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.PROPOSED

    # the organization
    org_page = new_page()
    login(org_page, coordinator)
    org_page.goto(reverse("cms:workbench"))
    assert "待您答复的转介：1" in org_page.inner_text("main")
    journey.step(org_page, "org workbench")
    with org_page.expect_navigation():
        org_page.get_by_role("link", name=re.compile("待您答复的转介")).click()
    main = org_page.inner_text("main")
    assert "李晓梅" in main and "已完成照护培训，家住附近" in main
    no_english(main)
    journey.step(org_page, "org incoming")
    assert fits_the_screen(org_page)
    org_page.select_option(f"#slot-{referral.pk}", index=1)
    with org_page.expect_navigation():
        org_page.get_by_role("button", name="接受").click()
    assert "已接受转介" in org_page.inner_text("main")
    journey.step(org_page, "org accepted")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert SignUp.objects.get(volunteer=trained).status == SignUpStatus.CONFIRMED

    # the volunteer
    vol_page = new_page()
    login(vol_page, trained.user)
    vol_page.goto(reverse("volunteers:me"))
    main = vol_page.inner_text("main")
    assert "我的转介" in main and "机构已接受" in main and "失智老人居家陪伴" in main
    no_english(main)
    vol_page.locator("#my-referrals").scroll_into_view_if_needed()
    journey.step(vol_page, "volunteer sees the referral")
    assert fits_the_screen(vol_page)

    # the organization cancels the need: the accepted referral is closed, not left "accepted"
    org_page.goto(reverse("volunteers:need_cancel", args=[referral.need_id]))
    org_page.fill("textarea[name=reason]", "场地临时关闭")
    org_page.check("input[name=confirm]")
    # before confirming, the page says the centre's referral will be closed and the centre told
    assert "志愿服务中心的 1 条转介将一并关闭，并通知志愿服务中心。" in org_page.inner_text("main")
    journey.step(org_page, "org confirms the cancellation")
    assert fits_the_screen(org_page)
    with org_page.expect_navigation():
        org_page.get_by_role("button", name="取消需求").click()
    journey.step(org_page, "org cancelled the need")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.NEED_CANCELLED and referral.closed_at is not None
    vol_page.goto(reverse("volunteers:me"))
    referrals = vol_page.inner_text("#my-referrals + *")
    assert "需求已取消 · 已取消" in referrals and "机构已接受" not in referrals
    assert vol_page.locator("#my-referrals + * a", has_text="谢绝").count() == 0
    vol_page.locator("#my-referrals").scroll_into_view_if_needed()
    journey.step(vol_page, "volunteer sees the referral closed")
    assert fits_the_screen(vol_page)
    page.goto(reverse("volunteers:referral_list"))
    main = page.inner_text("main")
    assert "需求已取消 · 已取消" in main and "机构已接受 ·" not in main
    journey.step(page, "centre sees the referral closed")
    assert fits_the_screen(page)

    # anyone: the public volunteer statistics count the referrals by state, figures only
    public = new_page()
    public.goto(reverse("statistics:volunteers"))
    section = public.inner_text("section.referral-figures")
    assert (
        "志愿服务中心转介" in section
        and "需求已取消" in section
        and "李晓梅" not in public.inner_text("main")
    )
    public.locator("section.referral-figures").scroll_into_view_if_needed()
    journey.step(public, "public statistics")
    assert fits_the_screen(public)
