"""Journey: declining and withdrawing a referral (转介) ask for a confirmation and explain in Chinese,
at 1280 and 375 px: the organization must give a reason, the volunteer declines from her page after
a confirmation page, the volunteer centre withdraws after one and filters its list by status. In its
own module so that each journey keeps its screenshots."""

import datetime

import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.e2e.test_referral import fits_the_screen, scenario
from tests.factories import UserFactory
from tests.volunteers.factories import VolunteerFactory
from volunteers.models import ReferralStatus, TrainingRecord
from volunteers.services.referrals import referral_propose

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_declines_and_withdrawal_ask_for_confirmation_and_explain_in_chinese(new_page, login, journey):
    need, coordinator, trained, centre = scenario()
    other = VolunteerFactory(
        real_name="周志愿", user=UserFactory(username="zhou", display_name="周志愿", roles=[Role.VOLUNTEER])
    )
    TrainingRecord.objects.create(
        volunteer=other,
        course="失智老人照护培训",
        hours=8,
        taken_on=datetime.date(2026, 2, 1),
        issuer="市志愿服务指导中心",
    )
    third = VolunteerFactory(real_name="吴志愿")
    TrainingRecord.objects.create(
        volunteer=third,
        course="失智老人照护培训",
        hours=8,
        taken_on=datetime.date(2026, 2, 1),
        issuer="市志愿服务指导中心",
    )
    to_decline, to_refuse, to_withdraw = referral_propose(
        actor=centre, need=need, volunteers=[trained, other, third]
    )

    # the organization declines: the reason is required
    org_page = new_page()
    login(org_page, coordinator)
    org_page.goto(reverse("volunteers:referral_decline", args=[to_decline.pk]))
    with org_page.expect_navigation():
        org_page.get_by_role("button", name="拒绝").click()
    assert "请填写拒绝理由" in org_page.inner_text("main")
    journey.step(org_page, "decline needs a reason")
    org_page.fill("textarea[name=reason]", "该时段人员已满")
    with org_page.expect_navigation():
        org_page.get_by_role("button", name="拒绝").click()
    assert "已拒绝转介" in org_page.inner_text("main")
    to_decline.refresh_from_db()
    assert to_decline.status == ReferralStatus.DECLINED

    # the volunteer declines from her page, after a confirmation page
    vol_page = new_page()
    login(vol_page, other.user)
    vol_page.goto(reverse("volunteers:me"))
    with vol_page.expect_navigation():
        vol_page.locator("#my-referrals ~ div").get_by_role("link", name="谢绝").click()
    assert "谢绝转介" in vol_page.inner_text("main h1")
    journey.step(vol_page, "volunteer confirms the decline")
    assert fits_the_screen(vol_page)
    with vol_page.expect_navigation():
        vol_page.get_by_role("button", name="谢绝").click()
    to_refuse.refresh_from_db()
    assert to_refuse.status == ReferralStatus.VOLUNTEER_DECLINED

    # the centre withdraws, after a confirmation page, and filters its list
    page = new_page()
    login(page, centre)
    page.goto(reverse("volunteers:referral_withdraw", args=[to_withdraw.pk]))
    assert "撤回后不能恢复" in page.inner_text("main")
    journey.step(page, "centre confirms the withdrawal")
    with page.expect_navigation():
        page.get_by_role("button", name="撤回").click()
    to_withdraw.refresh_from_db()
    assert to_withdraw.status == ReferralStatus.WITHDRAWN
    page.goto(reverse("volunteers:referral_list") + "?status=declined")
    main = page.inner_text("main")
    assert "该时段人员已满" in main and "周志愿" not in main
    journey.step(page, "centre list filtered")
    assert fits_the_screen(page)
