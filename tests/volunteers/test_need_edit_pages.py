"""The need's edit page: reached by "编辑" on the organizer's need page while the need can change,
prefilled, a refused value shown in Chinese with nothing saved, who may sign up read-only once a
volunteer has signed up, 404 for everyone but the need's organizers."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Event
from tests.factories import UserFactory
from tests.orgs.factories import OrganizationFactory, member
from tests.volunteers.factories import VolunteerFactory
from tests.volunteers.test_views import login
from volunteers.models import RiskLevel
from volunteers.services.needs import need_cancel, need_close_signups
from volunteers.services.signups import signup_apply

pytestmark = pytest.mark.django_db


def edit_url(need) -> str:
    return reverse("volunteers:need_edit", args=[need.pk])


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def posted(need, *, eligibility=True, **overrides) -> dict:
    """What the browser posts for the page as shown: the closing time to the minute."""
    data = {
        "title": need.title,
        "role": need.role,
        "description": need.description,
        "skills": "",
        "address": need.address,
        "headcount": str(need.headcount),
        "signup_closes_at": f"{timezone.localtime(need.signup_closes_at):%Y-%m-%dT%H:%M}",
    }
    if eligibility:
        data |= {
            "eligibility": "shown",
            "min_age": str(need.min_age),
            "risk_level": need.risk_level,
            "required_training": need.required_training,
        }
        data |= {
            name: "on" for name in ("requires_qualification", "requires_approval") if getattr(need, name)
        }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_organizer_finds_edit_on_the_need_page_and_the_form_shows_the_need(client, need, organizer):
    login(client, organizer)
    need_page = page(client, reverse("volunteers:manage_need", args=[need.pk]))
    assert f'href="{edit_url(need)}"' in need_page and "编辑" in need_page
    html = page(client, edit_url(need))
    assert "编辑需求" in html and f'value="{need.title}"' in html and f'value="{need.address}"' in html
    assert need.service_type.name in html and "服务类别、所在区和时段不在本页修改" in html
    assert 'name="service_type"' not in html and 'name="slots"' not in html
    assert 'name="min_age"' in html and 'name="eligibility" value="shown"' in html


def test_a_valid_change_is_saved_and_shown_on_the_need_page(client, need, organizer):
    login(client, organizer)
    response = client.post(edit_url(need), posted(need, title="周末助老（更正）", address="幸福路9号"))
    assert response.status_code == 302 and response.url == reverse("volunteers:manage_need", args=[need.pk])
    html = page(client, response.url)
    assert "周末助老（更正）" in html and "需求的修改已保存" in html
    need.refresh_from_db()
    assert need.address == "幸福路9号"
    event = Event.objects.get(action="volunteer_need.update")
    assert set(event.after) == {"title", "address"}


def test_the_page_as_shown_posted_back_changes_nothing(client, need, organizer):
    login(client, organizer)
    response = client.post(edit_url(need), posted(need), follow=True)
    assert "没有修改，未保存任何内容" in response.content.decode()
    assert not Event.objects.filter(action="volunteer_need.update").exists()


def test_a_headcount_below_the_places_taken_is_a_chinese_error_and_nothing_is_saved(
    client, need, slot, organizer
):
    for _ in range(2):
        signup_apply(actor=VolunteerFactory().user, slot=slot)
    login(client, organizer)
    old_title = need.title
    response = client.post(edit_url(need), posted(need, eligibility=False, title="新标题", headcount="1"))
    assert response.status_code == 200
    assert response.context["form"].errors["headcount"] == [
        "每个时段至少需要 2 名志愿者：尚未开始的时段中已有 2 人报名成功或待审核。"
    ]
    html = response.content.decode()
    assert 'value="新标题"' in html  # what was typed is kept on the form
    need.refresh_from_db()
    assert (need.title, need.headcount) == (old_title, 2)


@pytest.mark.parametrize(
    "overrides",
    [
        {"headcount": "abc"},
        {"headcount": "0"},
        {"headcount": "99999"},
        {"min_age": "-5"},
        {"title": "长" * 300},
        {"signup_closes_at": "明天"},
        {"risk_level": "extreme"},
    ],
)
def test_typed_nonsense_is_a_form_error_never_a_server_error(client, need, organizer, overrides):
    login(client, organizer)
    response = client.post(edit_url(need), posted(need, **overrides))
    assert response.status_code == 200 and response.context["form"].errors
    assert not Event.objects.filter(action="volunteer_need.update").exists()


def test_once_a_volunteer_signed_up_who_may_sign_up_is_read_only(client, need, slot, organizer):
    signup_apply(actor=VolunteerFactory().user, slot=slot)
    login(client, organizer)
    html = page(client, edit_url(need))
    assert "报名条件" in html and "已有志愿者按以下条件报名，报名条件不能再修改。" in html
    assert 'name="min_age"' not in html and 'name="eligibility"' not in html
    # the page as shown: the details change, the rules are not posted
    response = client.post(edit_url(need), posted(need, eligibility=False, role="引导员"))
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.role == "引导员"
    # a page shown before the sign-up posts the rules: a change is refused, in Chinese
    response = client.post(edit_url(need), posted(need, min_age="40"))
    assert response.status_code == 200
    assert response.context["form"].errors["min_age"] == ["已有志愿者报名，报名条件不能再修改。"]
    need.refresh_from_db()
    assert need.min_age == 16


def test_raising_the_risk_level_warns_to_record_the_insurance(client, need, organizer):
    login(client, organizer)
    response = client.post(edit_url(need), posted(need, risk_level=RiskLevel.HIGH), follow=True)
    html = response.content.decode()
    assert "需求的修改已保存" in html and "意外保险" in html
    need.refresh_from_db()
    assert need.risk_level == RiskLevel.HIGH


def test_after_sign_up_closed_the_closing_time_is_shown_not_edited(client, need, organizer):
    need_close_signups(need_id=need.pk, now=need.signup_closes_at)
    login(client, organizer)
    html = page(client, edit_url(need))
    assert 'name="signup_closes_at"' not in html and "报名已截止，截止时间不能再修改。" in html
    response = client.post(edit_url(need), posted(need, title="截止后更正", signup_closes_at=None))
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.title == "截止后更正"


def test_the_edit_link_shows_only_while_the_need_can_change(client, need, slot, organizer):
    login(client, organizer)
    manage = reverse("volunteers:manage_need", args=[need.pk])
    slot.starts_at = timezone.now() - datetime.timedelta(minutes=5)
    slot.save(update_fields=["starts_at"])
    assert edit_url(need) not in page(client, manage)
    response = client.get(edit_url(need))
    assert response.status_code == 302 and response.url == manage
    slot.starts_at = timezone.now() + datetime.timedelta(days=5)
    slot.save(update_fields=["starts_at"])
    assert edit_url(need) in page(client, manage)
    need_cancel(actor=organizer, need=need, reason="天气")
    assert edit_url(need) not in page(client, manage)
    response = client.post(edit_url(need), posted(need, title="取消后修改"), follow=True)
    assert "该需求已不能修改" in response.content.decode()
    need.refresh_from_db()
    assert need.title != "取消后修改"


def test_only_the_needs_organizers_open_the_edit_page(client, need):
    url = edit_url(need)
    response = client.get(url)
    assert response.status_code == 302 and reverse("accounts:login") in response.url
    for stranger in (UserFactory(), member(OrganizationFactory()), VolunteerFactory().user):
        client.force_login(stranger)
        assert client.get(url).status_code == 404
        assert client.post(url, posted(need, title="冒名修改")).status_code == 404
    need.refresh_from_db()
    assert need.title != "冒名修改"
