"""The referral pages: the centre searches volunteers who fit a need, picks several, confirms; its
list filters by status and pages; the organization accepts (choosing the slot) or declines with a
reason; the volunteer sees "my referrals" and declines; everyone else gets 404; the lists' queries
do not grow with their rows; the public statistics count referrals by state."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.factories import UserFactory, staff_user
from tests.volunteers.factories import NeedFactory, VolunteerFactory
from tests.volunteers.referral_helpers import centre_user, org_need
from tests.volunteers.test_views import login
from volunteers.models import Referral, ReferralStatus, SignUp, SignUpStatus, TrainingRecord
from volunteers.services.needs import need_cancel
from volunteers.services.referrals import referral_accept, referral_decline, referral_propose

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_centre_finds_fitting_volunteers_picks_two_confirms_and_sees_them_listed(client):
    need, _org_member = org_need(required_training="助老服务培训")
    trained = [VolunteerFactory(real_name=f"培训志愿者{i}") for i in range(2)]
    for volunteer in trained:
        TrainingRecord.objects.create(
            volunteer=volunteer,
            course="助老服务培训",
            hours=6,
            taken_on="2026-02-01",
            issuer="市志愿服务中心",
        )
    untrained = VolunteerFactory(real_name="未培训志愿者")
    centre = centre_user()
    login(client, centre)
    url = reverse("volunteers:referral_create", args=[need.pk])
    page = _html(client.get(url))
    assert "培训志愿者0" in page and "培训志愿者1" in page
    assert "未培训志愿者" not in page  # the training requirement filters in the database
    assert "助老服务培训" in page
    # searching by name narrows
    page = _html(client.get(url, {"q": "培训志愿者1"}))
    assert "培训志愿者1" in page and "培训志愿者0" not in page
    # first post: a confirmation, nothing written
    data = {"volunteers": [v.pk for v in trained], "note": "两位都有助老经验"}
    page = _html(client.post(url, data))
    assert "确认转介" in page and not Referral.objects.exists()
    # confirmed: two referrals in one batch, then the centre's list
    response = client.post(url, {**data, "confirmed": "on"})
    assert response.status_code == 302 and response.url == reverse("volunteers:referral_list")
    referrals = list(Referral.objects.all())
    assert len(referrals) == 2 and len({r.batch for r in referrals}) == 1
    page = _html(client.get(response.url))
    assert "培训志愿者0" in page and "待机构答复" in page and "撤回" in page
    # the untrained volunteer posted by hand is refused with a Chinese message
    page = _html(client.post(url, {"volunteers": [untrained.pk], "confirmed": "on"}))
    assert Referral.objects.count() == 2
    assert "不在可用的选项中" in page


def test_the_centre_must_pick_someone(client):
    need, _member = org_need()
    VolunteerFactory()
    login(client, centre_user())
    page = _html(client.post(reverse("volunteers:referral_create", args=[need.pk]), {"note": "x"}))
    assert "请至少选择一名志愿者" in page


def test_the_centre_list_filters_by_status_and_pages(client):
    need, org_member = org_need()
    centre = centre_user()
    volunteers = [VolunteerFactory() for _ in range(22)]
    referrals = referral_propose(actor=centre, need=need, volunteers=volunteers)
    referral_decline(actor=org_member, referral=referrals[0], reason="人数已够")
    login(client, centre)
    url = reverse("volunteers:referral_list")
    page = _html(client.get(url, {"status": ReferralStatus.DECLINED}))
    assert "人数已够" in page and page.count("待机构答复") <= 1  # the option only, no row
    page = _html(client.get(url))
    assert 'class="pagination"' in page
    page = _html(client.get(url, {"page": 2}))
    assert "待机构答复" in page
    # the organization cancels the need: the centre sees the unanswered referrals closed, nothing
    # left to withdraw
    need_cancel(actor=org_member, need=need, reason="场地临时关闭")
    page = _html(client.get(url, {"status": ReferralStatus.NEED_CANCELLED}))
    assert page.count("需求已取消") == 21  # the first page's 20 rows and the filter's option
    assert page.count("待机构答复") == 1  # the option only
    assert reverse("volunteers:referral_withdraw", args=[referrals[1].pk]) not in page
    page = _html(client.get(url, {"status": ReferralStatus.PROPOSED}))
    assert "没有该状态的转介" in page


def test_the_organization_accepts_choosing_the_slot_and_declines_with_a_reason(client):
    need, org_member = org_need()
    centre = centre_user()
    first, second = VolunteerFactory(real_name="甲志愿者"), VolunteerFactory(real_name="乙志愿者")
    r1, r2 = referral_propose(actor=centre, need=need, volunteers=[first, second], note="请安排")
    login(client, org_member)
    page = _html(client.get(reverse("volunteers:referral_incoming")))
    assert "甲志愿者" in page and "请安排" in page and 'name="slot"' in page
    slot = need.slots.get()
    response = client.post(reverse("volunteers:referral_accept", args=[r1.pk]), {"slot": slot.pk})
    assert response.status_code == 302
    r1.refresh_from_db()
    assert r1.status == ReferralStatus.ACCEPTED
    assert SignUp.objects.get(volunteer=first, slot=slot).status == SignUpStatus.CONFIRMED
    # decline: a confirmation page with a required reason
    url = reverse("volunteers:referral_decline", args=[r2.pk])
    assert "拒绝理由" in _html(client.get(url))
    assert "请填写拒绝理由" in _html(client.post(url, {"reason": ""}))
    r2.refresh_from_db()
    assert r2.status == ReferralStatus.PROPOSED
    assert client.post(url, {"reason": "该时段已满"}).status_code == 302
    r2.refresh_from_db()
    assert r2.status == ReferralStatus.DECLINED and r2.decline_reason == "该时段已满"


def test_the_volunteer_sees_my_referrals_and_declines_after_a_confirmation(client):
    need, org_member = org_need()
    volunteer = VolunteerFactory()
    (referral,) = referral_propose(actor=centre_user(), need=need, volunteers=[volunteer])
    referral_accept(actor=org_member, referral=referral, slot=need.slots.get())
    login(client, volunteer.user)
    page = _html(client.get(reverse("volunteers:me")))
    assert "我的转介" in page and need.title in page and "机构已接受" in page
    url = reverse("volunteers:referral_volunteer_decline", args=[referral.pk])
    assert "取消您在该时段的报名" in _html(client.get(url))
    assert client.post(url, {"reason": "临时有事"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.VOLUNTEER_DECLINED
    assert referral.signup.status == SignUpStatus.CANCELLED


def test_an_accepted_referral_of_a_cancelled_need_shows_closed_to_the_volunteer_and_the_centre(client):
    need, org_member = org_need()
    volunteer = VolunteerFactory()
    centre = centre_user()
    (referral,) = referral_propose(actor=centre, need=need, volunteers=[volunteer])
    referral_accept(actor=org_member, referral=referral, slot=need.slots.get())
    need_cancel(actor=org_member, need=need, reason="场地临时关闭")
    decline_url = reverse("volunteers:referral_volunteer_decline", args=[referral.pk])
    # the volunteer: closed, its sign-up cancelled, nothing left to decline
    login(client, volunteer.user)
    page = _html(client.get(reverse("volunteers:me")))
    assert "我的转介" in page and "需求已取消 · 已取消" in page and "机构已接受" not in page
    assert decline_url not in page
    assert "该转介已不能谢绝" in _html(client.post(decline_url, {"reason": "临时有事"}))
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.NEED_CANCELLED
    # the centre: listed under the closed status, no longer under the accepted one
    login(client, centre)
    url = reverse("volunteers:referral_list")
    page = _html(client.get(url, {"status": ReferralStatus.NEED_CANCELLED}))
    assert volunteer.real_name in page and "需求已取消 · 已取消" in page
    page = _html(client.get(url, {"status": ReferralStatus.ACCEPTED}))
    assert volunteer.real_name not in page and "没有该状态的转介" in page


def test_the_need_page_shows_the_training_requirement(client):
    need, _member = org_need(required_training="防溺水救援培训")
    page = _html(client.get(reverse("volunteers:need_detail", args=[need.pk])))
    assert "培训要求" in page and "防溺水救援培训" in page


@pytest.mark.parametrize(
    "who", ["anonymous", "volunteer", "org_member", "bureau_admin", "supervisor", "centre"]
)
def test_who_may_open_each_referral_page(client, who):
    need, org_member = org_need()
    volunteer = VolunteerFactory()
    centre = centre_user()
    (referral,) = referral_propose(actor=centre, need=need, volunteers=[volunteer])
    users = {
        "anonymous": None,
        "volunteer": UserFactory(roles=[Role.VOLUNTEER]),
        "org_member": org_member,
        "bureau_admin": staff_user(Role.BUREAU_ADMIN),
        "supervisor": staff_user(Role.SUPERVISOR),
        "centre": centre,
    }
    if users[who] is not None:
        login(client, users[who])
    centre_pages = [
        reverse("volunteers:referral_list"),
        reverse("volunteers:referral_need_pick"),
        reverse("volunteers:referral_create", args=[need.pk]),
        reverse("volunteers:referral_withdraw", args=[referral.pk]),
    ]
    org_pages = [reverse("volunteers:referral_decline", args=[referral.pk])]
    for url in centre_pages:
        status = client.get(url).status_code
        if who == "anonymous":
            assert status == 302, url
        else:
            assert status == (200 if who == "centre" else 404), (who, url)
    for url in org_pages:
        status = client.get(url).status_code
        expected = 302 if who == "anonymous" else 200 if who in ("org_member", "bureau_admin") else 404
        assert status == expected, (who, url)
    # the referred volunteer's own page: nobody else
    status = client.get(reverse("volunteers:referral_volunteer_decline", args=[referral.pk])).status_code
    assert status == (302 if who == "anonymous" else 404)
    # accepting is POST only and refused to strangers
    response = client.post(
        reverse("volunteers:referral_accept", args=[referral.pk]), {"slot": need.slots.get().pk}
    )
    referral.refresh_from_db()
    if who in ("org_member", "bureau_admin"):
        assert referral.status == ReferralStatus.ACCEPTED
    else:
        assert referral.status == ReferralStatus.PROPOSED
        assert response.status_code in (302, 404)


def _count_queries(client, url, _unused=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_referral_lists_run_a_constant_number_of_queries(client, django_assert_max_num_queries):
    need, org_member = org_need()
    centre = centre_user()
    referral_propose(actor=centre, need=need, volunteers=[VolunteerFactory() for _ in range(2)])
    counts = {}
    for user, url in ((centre, "volunteers:referral_list"), (org_member, "volunteers:referral_incoming")):
        client.force_login(user)
        client.get(reverse(url))  # the first request after a log-in also writes the session
        counts[url] = _count_queries(client, reverse(url), django_assert_max_num_queries)
    other = NeedFactory(project=need.project)
    referral_propose(actor=centre, need=other, volunteers=[VolunteerFactory() for _ in range(8)])
    more = referral_propose(actor=centre, need=need, volunteers=[VolunteerFactory() for _ in range(6)])
    referral_accept(actor=org_member, referral=more[0], slot=need.slots.get())
    for user, url in ((centre, "volunteers:referral_list"), (org_member, "volunteers:referral_incoming")):
        client.force_login(user)
        client.get(reverse(url))
        assert _count_queries(client, reverse(url), django_assert_max_num_queries) == counts[url], url


def test_the_public_statistics_count_referrals_by_state(client):
    need, org_member = org_need()
    centre = centre_user()
    a, b, c = referral_propose(actor=centre, need=need, volunteers=[VolunteerFactory() for _ in range(3)])
    referral_decline(actor=org_member, referral=a, reason="不合适")
    referral_accept(actor=org_member, referral=b, slot=need.slots.get())
    for url in (reverse("volunteers:statistics"), reverse("statistics:volunteers")):
        page = _html(client.get(url))
        assert "志愿服务中心转介" in page
        for label in ("待机构答复", "机构已接受", "机构已拒绝", "志愿者已谢绝", "已撤回", "需求已取消"):
            assert label in page, (url, label)
        assert c.volunteer.real_name not in page  # figures only
        assert 'data-figure="referrals-all">1<' in page


def test_the_cancel_page_says_how_many_referrals_cancelling_closes(client):
    need, org_member = org_need()
    url = reverse("volunteers:need_cancel", args=[need.pk])
    login(client, org_member)
    assert "条转介将一并关闭" not in _html(client.get(url))  # none: nothing said
    centre = centre_user()
    first, second, served = VolunteerFactory(), VolunteerFactory(), VolunteerFactory()
    referral_propose(actor=centre, need=need, volunteers=[first])
    (accepted,) = referral_propose(actor=centre, need=need, volunteers=[second])
    referral_accept(actor=org_member, referral=accepted, slot=need.slots.get())
    (came,) = referral_propose(actor=centre, need=need, volunteers=[served])
    referral_accept(actor=org_member, referral=came, slot=need.slots.get())
    came.refresh_from_db()
    SignUp.objects.filter(pk=came.signup_id).update(status=SignUpStatus.ATTENDED)
    # the unanswered one and the accepted one close; the one whose volunteer came stays accepted
    assert "志愿服务中心的 2 条转介将一并关闭，并通知志愿服务中心。" in _html(client.get(url))
