import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import Notification
from tests.factories import UserFactory
from tests.volunteers.factories import NeedFactory, VolunteerFactory, birth_for_age, service_type
from volunteers.models import NeedStatus, RiskLevel, SignUpStatus
from volunteers.services.needs import need_close_signups, need_create, need_record_insurance
from volunteers.services.signups import signup_apply, signup_cancel, signup_decide, signups_remind

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["counselling", "community-corrections", "emergency-rescue"])
def test_needs_of_qualified_service_types_always_need_qualification_and_approval(bureau_admin, need, code):
    start = timezone.now() + datetime.timedelta(days=5)
    created = need_create(
        actor=bureau_admin,
        project=need.project,
        title="t",
        role="r",
        service_type=service_type(code),
        district=need.district,
        address="a",
        headcount=1,
        signup_closes_at=start - datetime.timedelta(days=1),
        slots=[(start, start + datetime.timedelta(hours=2))],
        requires_approval=False,
    )
    assert created.requires_qualification and created.requires_approval


def test_sign_up_must_close_before_the_first_slot(bureau_admin, need):
    start = timezone.now() + datetime.timedelta(days=5)
    with pytest.raises(ValidationError) as exc:
        need_create(
            actor=bureau_admin,
            project=need.project,
            title="t",
            role="r",
            service_type=service_type(),
            district=need.district,
            address="a",
            headcount=1,
            signup_closes_at=start + datetime.timedelta(hours=1),
            slots=[(start, start + datetime.timedelta(hours=2))],
        )
    assert "signup_closes_at" in exc.value.message_dict


def test_places_fill_then_the_waiting_list_moves_up_when_someone_cancels(slot, organizer):
    first, second, third = (VolunteerFactory() for _ in range(3))
    assert signup_apply(actor=first.user, slot=slot).status == SignUpStatus.CONFIRMED
    assert signup_apply(actor=second.user, slot=slot).status == SignUpStatus.CONFIRMED
    waiting = signup_apply(actor=third.user, slot=slot)
    assert waiting.status == SignUpStatus.WAITLISTED

    Notification.objects.all().delete()
    mine = first.signups.get()
    signup_cancel(actor=first.user, signup=mine)
    waiting.refresh_from_db()
    assert waiting.status == SignUpStatus.CONFIRMED
    notified = set(Notification.objects.values_list("recipient_id", "event"))
    # only those affected: the promoted volunteer and the organizers; not the other confirmed volunteer
    assert (third.user.pk, "volunteers.signup_promoted") in notified
    assert (organizer.pk, "volunteers.signup_cancelled") in notified
    assert all(user_id != second.user.pk for user_id, _event in notified)
    assert slot.signups.filter(status=SignUpStatus.CONFIRMED).count() == 2


def test_cancelling_a_waiting_place_notifies_nobody(slot):
    volunteers = [VolunteerFactory() for _ in range(3)]
    for volunteer in volunteers:
        signup_apply(actor=volunteer.user, slot=slot)
    Notification.objects.all().delete()
    signup_cancel(actor=volunteers[2].user, signup=volunteers[2].signups.get())
    assert not Notification.objects.exists()


def test_a_volunteer_signs_up_once_per_slot(slot):
    volunteer = VolunteerFactory()
    signup_apply(actor=volunteer.user, slot=slot)
    with pytest.raises(ValidationError):
        signup_apply(actor=volunteer.user, slot=slot)


def test_approval_needs_keep_sign_ups_pending_until_the_organizer_decides(organizer):
    need = NeedFactory(requires_approval=True, headcount=1)
    slot = need.slots.get()
    organizer.department = need.project.department
    organizer.save()
    a, b = VolunteerFactory(), VolunteerFactory()
    first = signup_apply(actor=a.user, slot=slot)
    second = signup_apply(actor=b.user, slot=slot)
    assert first.status == second.status == SignUpStatus.PENDING
    assert signup_decide(actor=organizer, signup=first, approve=True).status == SignUpStatus.CONFIRMED
    assert signup_decide(actor=organizer, signup=second, approve=True).status == SignUpStatus.WAITLISTED


def test_reminders_go_48_hours_before_and_only_once():
    soon = timezone.now() + datetime.timedelta(hours=30)
    need = NeedFactory(
        signup_closes_at=timezone.now() + datetime.timedelta(hours=1),
        slots=[(soon, soon + datetime.timedelta(hours=2))],
    )
    volunteer = VolunteerFactory()
    signup_apply(actor=volunteer.user, slot=need.slots.get())
    assert signups_remind() == 1
    assert signups_remind() == 0
    assert Notification.objects.filter(event="volunteers.slot_reminder").count() == 1


def test_a_later_slot_is_not_reminded_yet(slot):
    signup_apply(actor=VolunteerFactory().user, slot=slot)  # a week ahead
    assert signups_remind() == 0


def test_risky_need_without_insurance_is_cancelled_when_sign_up_closes(organizer):
    need = NeedFactory(risk_level=RiskLevel.HIGH)
    volunteer = VolunteerFactory()
    signup_apply(actor=volunteer.user, slot=need.slots.get())
    result = need_close_signups(need_id=need.pk, now=need.signup_closes_at + datetime.timedelta(minutes=1))
    need.refresh_from_db()
    assert result == "cancelled" and need.status == NeedStatus.CANCELLED
    assert volunteer.signups.get().status == SignUpStatus.CANCELLED
    assert Notification.objects.filter(recipient=volunteer.user, event="volunteers.need_cancelled").exists()


def test_risky_need_with_recorded_insurance_just_closes(bureau_admin):
    need = NeedFactory(risk_level=RiskLevel.MEDIUM)
    need_record_insurance(actor=bureau_admin, need=need, policy_no="PA-1", insurer="某保险公司")
    assert need_close_signups(need_id=need.pk, now=need.signup_closes_at) == "closed"
    assert need_close_signups(need_id=need.pk, now=need.signup_closes_at) == "unchanged"


def test_sign_up_is_refused_after_it_closes(need, slot):
    need.status = NeedStatus.CLOSED
    need.save()
    with pytest.raises(ValidationError):
        signup_apply(actor=VolunteerFactory().user, slot=slot)


def test_under_age_volunteer_cannot_sign_up(slot):
    young = VolunteerFactory(birth_date=birth_for_age(15), guardian_consent_at=timezone.now())
    with pytest.raises(ValidationError) as exc:
        signup_apply(actor=young.user, slot=slot)  # min_age 16
    assert "16" in exc.value.messages[0]


def test_a_non_volunteer_cannot_sign_up(slot):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        signup_apply(actor=UserFactory(), slot=slot)
