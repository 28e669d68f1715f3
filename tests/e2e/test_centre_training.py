"""Journey: the volunteer centre records a training it ran, in a real browser at 1280 and 375 px, in
Chinese. The centre's officer (a staff role: password and second factor) opens its referrals, follows
a referred volunteer's name to her profile, records the first-aid training she took at the centre and
sees it listed; the honours stay read-only for the centre. On a phone her qualifications read as one
card a row, nothing scrolling sideways. Every page: screenshot, axe-core, link
check; nothing wider than the screen."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.e2e.test_referral import fits_the_screen, scenario
from tests.volunteers.factories import service_type
from volunteers.models import TrainingRecord
from volunteers.services.referrals import referral_propose
from volunteers.services.registration import qualification_record

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_centre_records_a_training_on_a_referred_volunteers_profile(page, login, journey, viewport):
    need, _coordinator, trained, centre = scenario()
    qualification_record(
        actor=trained.user,
        volunteer=trained,
        service_type=service_type("counselling"),
        title="国家二级心理咨询师（心理咨询师职业资格证书）",
        valid_until=timezone.localdate().replace(year=timezone.localdate().year + 3),
    )
    referral_propose(actor=centre, need=need, volunteers=[trained])
    login(page, centre)
    page.goto(reverse("volunteers:referral_list"))
    journey.step(page, "centre list")
    with page.expect_navigation():
        page.get_by_role("link", name="李晓梅").click()
    main = page.inner_text("main")
    assert "李晓梅" in main and "失智老人照护培训" in main
    assert "登记培训" in main and "登记表彰" not in main  # honours are not the centre's to record
    assert "国家二级心理咨询师" in main
    qualifications = page.locator("h2:has-text('资质') + .table-wrap")
    qualifications.scroll_into_view_if_needed()
    journey.step(page, "volunteer profile")
    assert fits_the_screen(page)
    # the qualifications table: no box of its own scrolling sideways, inside the screen
    box = qualifications.evaluate(
        """wrap => ({wrap: wrap.scrollWidth - wrap.clientWidth,
                    right: wrap.querySelector('table').getBoundingClientRect().right,
                    page: document.documentElement.scrollWidth, screen: window.innerWidth})"""
    )
    assert box["wrap"] <= 0 and box["right"] <= box["screen"], box
    if viewport == "375":
        assert box["page"] <= 375, box

    page.get_by_text("登记培训").click()
    page.fill("#id_training-course", "应急救护培训")
    page.fill("#id_training-hours", "4")
    page.fill("#id_training-taken_on", timezone.localdate().isoformat())
    page.fill("#id_training-issuer", "市志愿服务中心")
    journey.step(page, "training form")
    with page.expect_navigation():
        page.locator("form:has(input[name=kind][value=training])").get_by_role("button", name="保存").click()
    main = page.inner_text("main")
    assert "培训已登记" in main and "应急救护培训" in main and "Training" not in main
    journey.step(page, "training recorded")
    assert fits_the_screen(page)
    assert TrainingRecord.objects.filter(volunteer=trained, course="应急救护培训").exists()
