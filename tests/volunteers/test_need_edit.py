"""Correcting a need (`needs.need_update`): who may, while when, the headcount with its floor and the
waiting list, who may sign up fixed once someone has, the closing time, the insurance flow of a risky
need, one audit entry of the changed fields, the volunteers told."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from audit.models import Event
from core.models import Notification
from procurement.models import Contract
from tests.factories import UserFactory
from tests.orgs.factories import OrganizationFactory, member
from tests.volunteers.contracted_helpers import contracted, in_term, project_of
from tests.volunteers.factories import NeedFactory, VolunteerFactory, next_weekday_at, service_type
from tests.volunteers.test_contracted_project_pages import need_on
from volunteers import notifications as events
from volunteers.models import NeedStatus, RiskLevel, SignUp, SignUpStatus, Skill
from volunteers.services.needs import need_cancel, need_close_signups, need_update
from volunteers.services.signups import signup_apply, signup_cancel

pytestmark = pytest.mark.django_db


def sign_up(slot, n=1):
    return [signup_apply(actor=VolunteerFactory().user, slot=slot) for _ in range(n)]


def start_in_the_past(slot, hours=1):
    now = timezone.now()
    slot.starts_at, slot.ends_at = now - datetime.timedelta(hours=hours), now + datetime.timedelta(hours=2)
    slot.save(update_fields=["starts_at", "ends_at"])


def updates():
    return Event.objects.filter(action="volunteer_need.update")


def changed_notices():
    return Notification.objects.filter(event=events.NEED_CHANGED)


# --- who and when ----------------------------------------------------------------------------------


def test_someone_who_does_not_organize_the_need_may_not_change_it(need):
    for stranger in (UserFactory(), member(OrganizationFactory()), VolunteerFactory().user):
        with pytest.raises(PermissionDenied):
            need_update(actor=stranger, need=need, title="冒名修改")
    need.refresh_from_db()
    assert need.title != "冒名修改" and not updates().exists()


def test_a_cancelled_need_or_one_whose_slots_have_all_started_cannot_be_changed(organizer):
    started = NeedFactory(project__department=organizer.department)
    start_in_the_past(started.slots.get())
    cancelled = NeedFactory(project__department=organizer.department)
    need_cancel(actor=organizer, need=cancelled, reason="天气")
    for need in (started, cancelled):
        with pytest.raises(ValidationError), translation.override("zh-hans"):
            need_update(actor=organizer, need=need, title="新标题")
        need.refresh_from_db()
        assert need.title != "新标题"
    assert not updates().exists()


# --- details and the audit entry ------------------------------------------------------------------


def test_the_organizer_corrects_the_details_and_one_entry_holds_only_what_changed(need, organizer):
    skills = [Skill.objects.create(name="陪伴"), Skill.objects.create(name="聊天")]
    old_title, old_role = need.title, need.role
    _need, changed = need_update(
        actor=organizer,
        need=need,
        title="  周末助老（更正）  ",
        role=old_role,
        address="幸福路2号",
        description="",
        skills=skills,
    )
    assert changed == ["title", "skills", "address"]
    need.refresh_from_db()
    assert (need.title, need.address) == ("周末助老（更正）", "幸福路2号")
    assert set(need.skills.values_list("name", flat=True)) == {"陪伴", "聊天"}
    event = updates().get()
    assert event.before == {"title": old_title, "skills": [], "address": "测试街道1号"}
    assert event.after == {"title": "周末助老（更正）", "skills": ["聊天", "陪伴"], "address": "幸福路2号"}


def test_saving_the_same_values_writes_nothing_and_tells_nobody(need, slot, organizer):
    sign_up(slot)
    _need, changed = need_update(
        actor=organizer,
        need=need,
        title=need.title,
        address=f" {need.address} ",
        headcount=need.headcount,
        signup_closes_at=need.signup_closes_at,
        min_age=need.min_age,
        skills=[],
    )
    assert changed == []
    assert not updates().exists() and not changed_notices().exists()


def test_a_blank_title_is_refused_field_by_field(need, organizer):
    with pytest.raises(ValidationError) as exc, translation.override("zh-hans"):
        need_update(actor=organizer, need=need, title="  ", address="")
    assert exc.value.message_dict == {"title": ["此项为必填项。"], "address": ["此项为必填项。"]}


# --- the headcount --------------------------------------------------------------------------------


def test_the_headcount_may_not_go_below_the_places_held_in_a_slot_not_yet_started(organizer):
    need = NeedFactory(project__department=organizer.department, headcount=5, requires_approval=True)
    slot = need.slots.get()
    held = sign_up(slot, 3)  # pending: the need wants every match approved
    assert {s.status for s in held} == {SignUpStatus.PENDING}
    with pytest.raises(ValidationError) as exc, translation.override("zh-hans"):
        need_update(actor=organizer, need=need, headcount=2)
    assert exc.value.message_dict["headcount"] == [
        "每个时段至少需要 3 名志愿者：尚未开始的时段中已有 3 人报名成功或待审核。"
    ]
    need.refresh_from_db()
    slot.refresh_from_db()
    assert need.headcount == slot.headcount == 5 and not updates().exists()
    _need, changed = need_update(actor=organizer, need=need, headcount=3)
    assert changed == ["headcount"]
    slot.refresh_from_db()
    assert slot.headcount == 3


def test_the_future_slots_follow_the_headcount_and_a_started_slot_keeps_its_own(organizer):
    need = NeedFactory(
        project__department=organizer.department,
        headcount=3,
        slots=[(next_weekday_at(9), next_weekday_at(12)), (next_weekday_at(14), next_weekday_at(17))],
    )
    started, later = need.slots.order_by("starts_at")
    sign_up(started, 3)
    start_in_the_past(started)
    need_update(actor=organizer, need=need, headcount=1)  # the started slot's 3 do not count
    started.refresh_from_db()
    later.refresh_from_db()
    assert (started.headcount, later.headcount) == (3, 1)


def test_a_higher_headcount_moves_the_waiting_list_up_first_come_first_served(need, slot, organizer):
    confirmed = sign_up(slot, 2)
    first_waiting, second_waiting, third_waiting = sign_up(slot, 3)
    assert {s.status for s in confirmed} == {SignUpStatus.CONFIRMED}
    # the waiting list is served by the time each joined it, not by id
    SignUp.objects.filter(pk=third_waiting.pk).update(
        waitlisted_at=first_waiting.waitlisted_at - datetime.timedelta(minutes=5)
    )
    need_update(actor=organizer, need=need, headcount=4)
    statuses = dict(SignUp.objects.values_list("pk", "status"))
    assert statuses[third_waiting.pk] == statuses[first_waiting.pk] == SignUpStatus.CONFIRMED
    assert statuses[second_waiting.pk] == SignUpStatus.WAITLISTED
    promoted = Notification.objects.filter(event=events.SIGNUP_PROMOTED)
    assert set(promoted.values_list("recipient_id", flat=True)) == {
        third_waiting.volunteer.user_id,
        first_waiting.volunteer.user_id,
    }
    assert Event.objects.filter(action="signup.promote").count() == 2
    event = updates().get()
    assert (event.before, event.after) == ({"headcount": 2}, {"headcount": 4})


# --- who may sign up ------------------------------------------------------------------------------


def test_who_may_sign_up_is_fixed_once_a_volunteer_holds_a_sign_up(need, slot, organizer):
    _need, changed = need_update(actor=organizer, need=need, min_age=20, required_training=" 急救  培训 ")
    assert changed == ["min_age", "required_training"]
    need.refresh_from_db()
    assert (need.min_age, need.required_training) == (20, "急救 培训")
    need_update(actor=organizer, need=need, required_training="")
    (signup,) = sign_up(slot)
    with pytest.raises(ValidationError) as exc, translation.override("zh-hans"):
        need_update(actor=organizer, need=need, min_age=30, district_required=True, title="新标题")
    assert exc.value.message_dict == {
        "min_age": ["已有志愿者报名，报名条件不能再修改。"],
        "district_required": ["已有志愿者报名，报名条件不能再修改。"],
    }
    need.refresh_from_db()
    assert (need.min_age, need.district_required, need.title) == (20, False, need.title)
    # the same values are no change; the details still change
    assert need_update(actor=organizer, need=need, min_age=20, title="新标题")[1] == ["title"]
    # once nobody holds a sign-up any more, the rules may change again
    signup_cancel(actor=signup.volunteer.user, signup=signup)
    assert need_update(actor=organizer, need=need, min_age=30)[1] == ["min_age"]


def test_a_counselling_need_keeps_requiring_a_qualification_and_approval(organizer):
    need = NeedFactory(
        project__department=organizer.department,
        service_type=service_type("counselling"),
        requires_qualification=True,
        requires_approval=True,
    )
    _need, changed = need_update(
        actor=organizer, need=need, requires_qualification=False, requires_approval=False
    )
    need.refresh_from_db()
    assert changed == [] and need.requires_qualification and need.requires_approval
    plain = NeedFactory(project__department=organizer.department)
    _need, changed = need_update(actor=organizer, need=plain, requires_qualification=True)
    plain.refresh_from_db()
    assert changed == ["requires_qualification", "requires_approval"]
    assert plain.requires_qualification and plain.requires_approval


def test_a_need_raised_to_risky_work_without_insurance_is_cancelled_when_sign_up_closes(need, organizer):
    need_update(actor=organizer, need=need, risk_level=RiskLevel.HIGH)
    need.refresh_from_db()
    assert need.is_risky and not need.has_insurance and need.status == NeedStatus.OPEN
    # as a risky need posted without insurance: cancelled at closing
    assert need_close_signups(need_id=need.pk, now=need.signup_closes_at) == "cancelled"


def test_after_sign_up_closed_risky_work_needs_the_insurance_first(need, organizer):
    need_close_signups(need_id=need.pk, now=need.signup_closes_at)
    need.refresh_from_db()
    assert need.status == NeedStatus.CLOSED
    with pytest.raises(ValidationError) as exc, translation.override("zh-hans"):
        need_update(actor=organizer, need=need, risk_level=RiskLevel.MEDIUM)
    assert exc.value.message_dict["risk_level"] == ["报名已截止：请先登记意外保险，再提高风险等级。"]
    need.refresh_from_db()
    assert need.risk_level == RiskLevel.LOW


# --- the sign-up closing time ---------------------------------------------------------------------


def test_the_closing_time_stays_in_the_future_and_before_the_next_slot(need, slot, organizer):
    now = timezone.now()
    start = f"{timezone.localtime(slot.starts_at):%Y-%m-%d %H:%M}"
    refused = {
        now - datetime.timedelta(minutes=1): "报名截止时间须晚于当前时间。",
        slot.starts_at
        + datetime.timedelta(minutes=1): f"报名截止时间须早于下一个时段的开始时间（{start}）。",
    }
    for closes, message in refused.items():
        with pytest.raises(ValidationError) as exc, translation.override("zh-hans"):
            need_update(actor=organizer, need=need, signup_closes_at=closes)
        assert exc.value.message_dict["signup_closes_at"] == [message]
    closes = slot.starts_at - datetime.timedelta(hours=1)
    assert need_update(actor=organizer, need=need, signup_closes_at=closes)[1] == ["signup_closes_at"]
    need.refresh_from_db()
    assert need.signup_closes_at == closes


def test_a_closed_sign_up_is_not_reopened(need, organizer):
    need_close_signups(need_id=need.pk, now=need.signup_closes_at)
    with pytest.raises(ValidationError) as exc:
        need_update(actor=organizer, need=need, signup_closes_at=timezone.now() + datetime.timedelta(days=1))
    assert "signup_closes_at" in exc.value.message_dict
    need.refresh_from_db()
    assert need.status == NeedStatus.CLOSED


def test_a_contracted_need_closes_within_the_contract_term():
    s = contracted()
    project = project_of(s)
    need = need_on(s, project)  # sign-up closes in 2 days, the slot is in 7
    Contract.objects.filter(pk=s.contract.pk).update(
        starts_on=timezone.localdate() + datetime.timedelta(days=3)
    )
    with pytest.raises(ValidationError) as exc, translation.override("zh-hans"):
        need_update(actor=s.supplier, need=need, signup_closes_at=in_term(1))
    assert exc.value.message_dict["signup_closes_at"][0].startswith("报名截止时间须在合同服务期内")
    assert need_update(actor=s.supplier, need=need, signup_closes_at=in_term(4))[1] == ["signup_closes_at"]


# --- who is told ----------------------------------------------------------------------------------


def test_the_volunteers_holding_a_sign_up_are_told_of_a_new_title_address_or_closing_time(
    need, slot, organizer
):
    confirmed = sign_up(slot, 2)
    (waiting,) = sign_up(slot)
    (gone,) = sign_up(slot)
    signup_cancel(actor=gone.volunteer.user, signup=gone)
    other = NeedFactory()
    bystander = signup_apply(actor=VolunteerFactory().user, slot=other.slots.get())
    need_update(actor=organizer, need=need, role="新角色", description="补充说明")
    assert not changed_notices().exists()  # neither the role nor the description is told
    need_update(actor=organizer, need=need, address="幸福路8号")
    told = {s.volunteer.user_id for s in (*confirmed, waiting)}
    assert set(changed_notices().values_list("recipient_id", flat=True)) == told
    assert gone.volunteer.user_id not in told and bystander.volunteer.user_id not in told
    notice = changed_notices().first()
    assert notice.subject == f"需求有变更：{need.title}"
    assert "地点" in notice.body and "幸福路8号" in notice.body
    # a second change is told again (one notice per change, not per need)
    need_update(actor=organizer, need=need, title="新标题", signup_closes_at=slot.starts_at)
    latest = changed_notices().filter(recipient_id=waiting.volunteer.user_id).order_by("-pk").first()
    assert changed_notices().count() == 6
    assert "组织方修改了“新标题”的标题、报名截止时间。" in latest.body
