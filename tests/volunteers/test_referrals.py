"""Referrals (转介) through the services: the centre refers one volunteer or a group, the organization
accepts (a sign-up through the sign-up service) or declines with a reason, the volunteer declines
(cancelling an accepted sign-up), the centre withdraws; who may do each; the transition table; the
audit log and the notifications (e-mails on commit)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from audit.models import Event
from core.models import EmailStatus, Notification
from tests.factories import UserFactory, staff_user
from tests.volunteers.factories import VolunteerFactory, next_weekday_at
from tests.volunteers.referral_helpers import centre_user, org_need
from volunteers import notifications as events
from volunteers.models import (
    OPEN_REFERRAL_STATUSES,
    NeedStatus,
    Referral,
    ReferralStatus,
    SignUp,
    SignUpStatus,
    TrainingRecord,
)
from volunteers.selectors_referrals import matching_volunteers
from volunteers.services import referrals as referral_services
from volunteers.services.needs import need_cancel
from volunteers.services.referrals import (
    referral_accept,
    referral_decline,
    referral_propose,
    referral_volunteer_decline,
    referral_withdraw,
)
from volunteers.services.signups import signup_apply
from volunteers.transitions import REFERRAL_TRANSITIONS, check_referral_transition

pytestmark = pytest.mark.django_db

R = ReferralStatus


def _proposed(**need_kwargs):
    need, org_member = org_need(**need_kwargs)
    centre = centre_user()
    volunteer = VolunteerFactory()
    (referral,) = referral_propose(actor=centre, need=need, volunteers=[volunteer], note="擅长陪伴老人")
    return referral, need, org_member, centre, volunteer


# --- the transition table -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "target", "service"),
    [(c, t, s) for (c, t), names in sorted(REFERRAL_TRANSITIONS.items()) for s in names],
)
def test_every_allowed_referral_transition_passes(current, target, service):
    check_referral_transition(current, target, by=service)


def test_every_pair_not_in_the_table_is_refused_for_every_service():
    services = {s for names in REFERRAL_TRANSITIONS.values() for s in names}
    for current in R:
        for target in R:
            for service in services:
                allowed = service in REFERRAL_TRANSITIONS.get((current, target), ())
                if allowed:
                    check_referral_transition(current, target, by=service)
                    continue
                with pytest.raises(ValidationError) as excinfo:
                    check_referral_transition(current, target, by=service)
                assert excinfo.value.code == "transition_not_allowed"


def test_every_transition_names_an_existing_service():
    for names in REFERRAL_TRANSITIONS.values():
        for name in names:
            assert callable(getattr(referral_services, name, None)), name


def test_withdrawing_an_accepted_referral_raises_and_writes_nothing():
    referral, _need, org_member, centre, _volunteer = _proposed()
    referral_accept(actor=org_member, referral=referral, slot=referral.need.slots.get())
    events_before, notes_before = Event.objects.count(), Notification.objects.count()
    with pytest.raises(ValidationError):
        referral_withdraw(actor=centre, referral=referral)
    referral.refresh_from_db()
    assert referral.status == R.ACCEPTED
    assert Event.objects.count() == events_before
    assert Notification.objects.count() == notes_before


# --- proposing ------------------------------------------------------------------------------------


def test_the_centre_refers_a_group_sharing_one_batch_and_everyone_is_told():
    need, org_member = org_need()
    centre = centre_user()
    group = [VolunteerFactory() for _ in range(3)]
    referrals = referral_propose(actor=centre, need=need, volunteers=group, note="社区推荐")
    assert len(referrals) == 3
    assert len({r.batch for r in referrals}) == 1
    assert {r.status for r in referrals} == {R.PROPOSED}
    assert Event.objects.filter(action="referral.propose").count() == 3
    for volunteer in group:
        assert Notification.objects.filter(
            recipient=volunteer.user, event=events.REFERRAL_TO_VOLUNTEER
        ).exists()
    # the organization is told once for the batch
    assert Notification.objects.filter(recipient=org_member, event=events.REFERRAL_PROPOSED).count() == 1


def test_only_the_centre_refers():
    need, org_member = org_need()
    volunteer = VolunteerFactory()
    for actor in (org_member, staff_user(Role.BUREAU_ADMIN), staff_user(Role.SUPERVISOR), volunteer.user):
        with pytest.raises(PermissionDenied):
            referral_propose(actor=actor, need=need, volunteers=[volunteer])
    assert not Referral.objects.exists()


def test_a_batch_is_all_or_nothing_and_names_every_problem():
    need, _member = org_need()
    centre = centre_user()
    fine = VolunteerFactory()
    referral_propose(actor=centre, need=need, volunteers=[fine])
    too_young = VolunteerFactory(birth_date=need.slots.get().starts_at.date().replace(year=2015))
    fresh = VolunteerFactory()
    with pytest.raises(ValidationError) as excinfo:
        referral_propose(actor=centre, need=need, volunteers=[fine, too_young, fresh])
    text = " ".join(excinfo.value.messages)
    assert fine.real_name in text and "已被转介" in text
    assert too_young.real_name in text
    assert Referral.objects.count() == 1


def test_a_closed_need_takes_no_referral():
    need, _member = org_need()
    need.status = NeedStatus.CLOSED
    need.save()
    with pytest.raises(ValidationError):
        referral_propose(actor=centre_user(), need=need, volunteers=[VolunteerFactory()])


def test_a_volunteer_without_the_required_training_is_not_referred():
    need, _member = org_need(required_training="失智老人照护")
    trained, untrained = VolunteerFactory(), VolunteerFactory()
    TrainingRecord.objects.create(
        volunteer=trained, course="失智老人照护", hours=4, taken_on="2026-01-05", issuer="市红十字会"
    )
    centre = centre_user()
    with pytest.raises(ValidationError) as excinfo:
        referral_propose(actor=centre, need=need, volunteers=[untrained])
    assert "失智老人照护" in " ".join(excinfo.value.messages)
    assert len(referral_propose(actor=centre, need=need, volunteers=[trained])) == 1


# --- the organization decides ----------------------------------------------------------------------


def test_accepting_signs_the_volunteer_up_through_the_sign_up_service(django_capture_on_commit_callbacks):
    referral, need, org_member, centre, volunteer = _proposed()
    slot = need.slots.get()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        referral = referral_accept(actor=org_member, referral=referral, slot=slot)
    assert referral.status == R.ACCEPTED
    signup = SignUp.objects.get(volunteer=volunteer, slot=slot)
    assert referral.signup == signup and signup.status == SignUpStatus.CONFIRMED
    assert Event.objects.filter(action="signup.apply", object_id=str(signup.pk)).exists()
    event = Event.objects.get(action="referral.accept")
    assert event.after["signup"] == signup.pk
    assert Notification.objects.filter(recipient=volunteer.user, event=events.REFERRAL_ACCEPTED).exists()
    assert Notification.objects.filter(recipient=centre, event=events.REFERRAL_ACCEPTED).exists()
    # the e-mails wait for the commit
    assert callbacks


def test_accepting_respects_capacity_the_waiting_list_takes_the_rest():
    referral, need, org_member, _centre, _volunteer = _proposed(headcount=1)
    slot = need.slots.get()
    slot.headcount = 1
    slot.save()
    signup_apply(actor=VolunteerFactory().user, slot=slot)
    referral = referral_accept(actor=org_member, referral=referral, slot=slot)
    assert referral.signup.status == SignUpStatus.WAITLISTED


def test_accepting_on_a_need_that_wants_approval_approves_at_once():
    referral, need, org_member, _centre, _volunteer = _proposed(requires_approval=True)
    referral = referral_accept(actor=org_member, referral=referral, slot=need.slots.get())
    assert referral.signup.status == SignUpStatus.CONFIRMED
    assert Event.objects.filter(action="signup.decide", actor=org_member).exists()


def test_accepting_without_a_slot_asks_for_one():
    referral, _need, org_member, _centre, _volunteer = _proposed()
    with pytest.raises(ValidationError) as excinfo:
        referral_accept(actor=org_member, referral=referral)
    assert "时段" in " ".join(excinfo.value.messages)
    referral.refresh_from_db()
    assert referral.status == R.PROPOSED


def test_only_the_organizer_of_the_need_decides():
    referral, _need, _org_member, centre, volunteer = _proposed()
    _other_need, stranger = org_need()
    for actor in (centre, stranger, volunteer.user, UserFactory()):
        with pytest.raises(PermissionDenied):
            referral_accept(actor=actor, referral=referral, slot=referral.need.slots.get())
        with pytest.raises(PermissionDenied):
            referral_decline(actor=actor, referral=referral, reason="不需要")
    referral.refresh_from_db()
    assert referral.status == R.PROPOSED


def test_declining_needs_a_reason_that_the_volunteer_and_centre_read():
    referral, _need, org_member, centre, volunteer = _proposed()
    with pytest.raises(ValidationError) as excinfo:
        referral_decline(actor=org_member, referral=referral, reason="  ")
    assert "理由" in " ".join(excinfo.value.messages)
    referral = referral_decline(actor=org_member, referral=referral, reason="本期名额已满")
    assert referral.status == R.DECLINED and referral.decline_reason == "本期名额已满"
    note = Notification.objects.get(recipient=volunteer.user, event=events.REFERRAL_DECLINED)
    assert "本期名额已满" in note.body
    assert Notification.objects.filter(recipient=centre, event=events.REFERRAL_DECLINED).exists()
    assert Event.objects.get(action="referral.decline").after["reason"] == "本期名额已满"


# --- the volunteer declines, the centre withdraws ---------------------------------------------------


def test_the_volunteer_declines_a_proposed_referral():
    referral, _need, org_member, centre, volunteer = _proposed()
    referral = referral_volunteer_decline(actor=volunteer.user, referral=referral, reason="时间冲突")
    assert referral.status == R.VOLUNTEER_DECLINED
    assert Notification.objects.filter(recipient=centre, event=events.REFERRAL_VOLUNTEER_DECLINED).exists()
    assert Notification.objects.filter(
        recipient=org_member, event=events.REFERRAL_VOLUNTEER_DECLINED
    ).exists()
    assert Event.objects.filter(action="referral.volunteer_decline").exists()


def test_declining_an_accepted_referral_cancels_the_sign_up_and_the_waiting_list_moves_up():
    referral, need, org_member, _centre, volunteer = _proposed()
    slot = need.slots.get()
    slot.headcount = 1
    slot.save()
    referral = referral_accept(actor=org_member, referral=referral, slot=slot)
    waiting = signup_apply(actor=VolunteerFactory().user, slot=slot)
    assert waiting.status == SignUpStatus.WAITLISTED
    referral_volunteer_decline(actor=volunteer.user, referral=referral)
    assert SignUp.objects.get(pk=referral.signup_id).status == SignUpStatus.CANCELLED
    assert SignUp.objects.get(pk=waiting.pk).status == SignUpStatus.CONFIRMED
    assert Event.objects.filter(action="signup.cancel", actor=volunteer.user).exists()


def test_only_the_referred_volunteer_declines_as_the_volunteer():
    referral, _need, org_member, centre, _volunteer = _proposed()
    for actor in (org_member, centre, VolunteerFactory().user):
        with pytest.raises(PermissionDenied):
            referral_volunteer_decline(actor=actor, referral=referral)


def test_the_centre_withdraws_a_proposed_referral_and_nobody_else_may():
    referral, _need, org_member, centre, volunteer = _proposed()
    for actor in (org_member, volunteer.user, staff_user(Role.BUREAU_ADMIN)):
        with pytest.raises(PermissionDenied):
            referral_withdraw(actor=actor, referral=referral)
    referral = referral_withdraw(actor=centre, referral=referral)
    assert referral.status == R.WITHDRAWN
    assert Notification.objects.filter(recipient=volunteer.user, event=events.REFERRAL_WITHDRAWN).exists()
    # withdrawn: the volunteer may be referred to the need again
    assert referral_propose(actor=centre, need=referral.need, volunteers=[volunteer])


def test_cancelling_the_need_closes_its_unanswered_referrals_and_tells_the_centre():
    need, org_member = org_need()
    centre, other_centre = centre_user(), centre_user()
    waiting = referral_propose(actor=centre, need=need, volunteers=[VolunteerFactory() for _ in range(2)])
    waiting += referral_propose(actor=other_centre, need=need, volunteers=[VolunteerFactory()])
    (accepted,) = referral_propose(actor=centre, need=need, volunteers=[VolunteerFactory()])
    accepted = referral_accept(actor=org_member, referral=accepted, slot=need.slots.get())
    (declined,) = referral_propose(actor=centre, need=need, volunteers=[VolunteerFactory()])
    referral_decline(actor=org_member, referral=declined, reason="人数已够")
    other_need, _other_member = org_need()
    (elsewhere,) = referral_propose(actor=centre, need=other_need, volunteers=[VolunteerFactory()])

    need_cancel(actor=org_member, need=need, reason="场地临时关闭")

    for referral in waiting:
        referral.refresh_from_db()
        assert referral.status == R.NEED_CANCELLED and referral.closed_at is not None
    statuses = dict(Referral.objects.values_list("pk", "status"))
    assert (statuses[accepted.pk], statuses[declined.pk], statuses[elsewhere.pk]) == (
        R.NEED_CANCELLED,  # closed too: its sign-up is cancelled with the need
        R.DECLINED,
        R.PROPOSED,
    )
    assert SignUp.objects.get(pk=accepted.signup_id).status == SignUpStatus.CANCELLED
    # recorded in the cancellation's audit entry, not as a withdrawal by the centre
    event = Event.objects.get(action="volunteer_need.cancel")
    assert event.after["referrals_closed"] == sorted(r.pk for r in waiting)
    assert event.after["accepted_referrals_closed"] == [accepted.pk]
    assert not Event.objects.filter(action="referral.withdraw").exists()
    # each centre user who referred one is told once, in Chinese, linked to the centre's list
    notices = Notification.objects.filter(event=events.REFERRAL_NEED_CANCELLED)
    assert sorted(notices.values_list("recipient_id", flat=True)) == sorted([centre.pk, other_centre.pk])
    notice = notices.get(recipient=centre)
    assert notice.subject == f"需求已取消，转介已关闭：{need.title}"
    assert "场地临时关闭" in notice.body and "尚未答复 3 条，已接受 1 条" in notice.body
    assert notice.url == reverse("volunteers:referral_list")
    # nothing is left open on this need
    assert not Referral.objects.filter(need=need, status__in=OPEN_REFERRAL_STATUSES).exists()
    # the referred volunteers, told of the referral, are told of the cancellation too (once each);
    # the volunteer of the accepted referral as a volunteer signed up to the need
    told = Notification.objects.filter(event=events.NEED_CANCELLED)
    waiting_users = [r.volunteer.user_id for r in waiting]
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(
        [*waiting_users, accepted.volunteer.user_id]
    )
    assert all("场地临时关闭" in body for body in told.values_list("body", flat=True))
    assert not told.filter(recipient__in=[declined.volunteer.user_id, elsewhere.volunteer.user_id]).exists()


def test_closing_the_referrals_of_a_cancelled_need_takes_the_same_queries_for_2_and_12():
    """Set-based, whatever the number of referrals, unanswered or accepted (both closed by the same
    select and update); only the e-mails telling each volunteer are queued one outbox row each, as
    every e-mail of the platform is (core.queueing)."""

    def cancel_with(n):
        need, org_member = org_need(headcount=n)
        centre = centre_user()
        referral_propose(actor=centre, need=need, volunteers=[VolunteerFactory() for _ in range(n)])
        for referral in referral_propose(
            actor=centre, need=need, volunteers=[VolunteerFactory() for _ in range(n)]
        ):
            referral_accept(actor=org_member, referral=referral, slot=need.slots.get())
        with CaptureQueriesContext(connection) as captured:
            need_cancel(actor=org_member, need=need, reason="天气原因")
        assert Referral.objects.filter(need=need, status=R.NEED_CANCELLED).count() == 2 * n
        queued = [q for q in captured.captured_queries if 'INSERT INTO "core_taskoutbox"' in q["sql"]]
        assert (
            len(queued)
            == Notification.objects.filter(
                event__in=[events.NEED_CANCELLED, events.REFERRAL_NEED_CANCELLED],
                object_id=str(need.pk),
                email_status=EmailStatus.QUEUED,
            ).count()
        )
        return len(captured.captured_queries) - len(queued)

    cancel_with(1)  # warm what the process remembers
    assert cancel_with(2) == cancel_with(12)


def test_an_accepted_referral_of_a_cancelled_need_is_closed_and_the_volunteer_may_be_referred_again():
    referral, need, org_member, centre, volunteer = _proposed()
    referral = referral_accept(actor=org_member, referral=referral, slot=need.slots.get())
    other_need, _other_member = org_need()  # at the same time: the accepted sign-up books the volunteer
    assert volunteer not in matching_volunteers(other_need)

    need_cancel(actor=org_member, need=need, reason="场地临时关闭")

    referral.refresh_from_db()
    assert referral.status == R.NEED_CANCELLED and referral.closed_at is not None
    assert referral.status not in OPEN_REFERRAL_STATUSES
    assert referral.signup.status == SignUpStatus.CANCELLED
    event = Event.objects.get(action="volunteer_need.cancel", object_id=str(need.pk))
    assert event.after["referrals_closed"] == []
    assert event.after["accepted_referrals_closed"] == [referral.pk]
    # the volunteer is told once, as a volunteer signed up to the need; the centre once
    assert Notification.objects.filter(recipient=volunteer.user, event=events.NEED_CANCELLED).count() == 1
    assert not Notification.objects.filter(
        recipient=volunteer.user, event=events.REFERRAL_NEED_CANCELLED
    ).exists()
    notice = Notification.objects.get(recipient=centre, event=events.REFERRAL_NEED_CANCELLED)
    assert "尚未答复 0 条，已接受 1 条" in notice.body
    # no longer an open referral: the volunteer may be referred again, here to another need
    assert volunteer in matching_volunteers(other_need)
    (again,) = referral_propose(actor=centre, need=other_need, volunteers=[volunteer])
    assert again.status == R.PROPOSED
    # and the volunteer may not decline a closed referral any more
    with pytest.raises(ValidationError):
        referral_volunteer_decline(actor=volunteer.user, referral=referral)


def test_a_volunteer_signed_up_and_referred_to_the_cancelled_need_is_told_once():
    morning, afternoon = (next_weekday_at(9), next_weekday_at(12)), (next_weekday_at(14), next_weekday_at(17))
    need, org_member = org_need(slots=[morning, afternoon])
    volunteer = VolunteerFactory()
    signup_apply(actor=volunteer.user, slot=need.slots.get(starts_at=morning[0]))
    (referral,) = referral_propose(actor=centre_user(), need=need, volunteers=[volunteer])
    need_cancel(actor=org_member, need=need, reason="场地临时关闭")
    referral.refresh_from_db()
    assert referral.status == R.NEED_CANCELLED
    assert Event.objects.get(action="volunteer_need.cancel").after["referrals_closed"] == [referral.pk]
    assert Notification.objects.filter(recipient=volunteer.user, event=events.NEED_CANCELLED).count() == 1


def test_cancelling_a_need_leaves_an_accepted_referral_whose_volunteer_served():
    referral, need, org_member, _centre, volunteer = _proposed()
    referral = referral_accept(actor=org_member, referral=referral, slot=need.slots.get())
    SignUp.objects.filter(pk=referral.signup_id).update(status=SignUpStatus.ATTENDED)
    need_cancel(actor=org_member, need=need, reason="项目提前结束")
    referral.refresh_from_db()
    assert referral.status == R.ACCEPTED
    assert Event.objects.get(action="volunteer_need.cancel").after["accepted_referrals_closed"] == []
    assert not Notification.objects.filter(event=events.REFERRAL_NEED_CANCELLED).exists()
    assert not Notification.objects.filter(recipient=volunteer.user, event=events.NEED_CANCELLED).exists()


def test_a_notification_about_a_referral_rolls_back_with_it():
    need, _member = org_need()
    volunteer = VolunteerFactory()
    with pytest.raises(ValidationError):
        referral_propose(actor=centre_user(), need=need, volunteers=[volunteer], note="长" * 2000)
    assert not Notification.objects.filter(recipient=volunteer.user).exists()
    assert not Event.objects.filter(action__startswith="referral.").exists()


# --- the role -------------------------------------------------------------------------------------


def test_the_volunteer_centre_is_a_staff_role_a_system_administrator_assigns():
    from accounts import services as account_services
    from accounts.forms import STAFF_ROLE_CHOICES
    from accounts.roles import STAFF_ROLES, role_label
    from accounts.second_factor import requires_second_factor
    from tests.factories import DepartmentFactory

    assert Role.VOLUNTEER_CENTRE in STAFF_ROLES
    assert role_label(Role.VOLUNTEER_CENTRE) == "志愿服务中心"
    assert Role.VOLUNTEER_CENTRE.value in dict(STAFF_ROLE_CHOICES)
    user = account_services.staff_create(
        actor=staff_user(Role.BUREAU_ADMIN),
        username="centre-officer",
        display_name="何宁",
        email="centre@example.org",
        password="Xm-centre-2026!",
        department=DepartmentFactory(),
        roles=[Role.VOLUNTEER_CENTRE.value],
    )
    assert list(user.groups.values_list("name", flat=True)) == ["volunteer_centre"]
    assert referral_services.is_volunteer_centre(user)
    assert requires_second_factor(user)
    assert user.groups.get().permissions.filter(codename="access_admin").exists()
