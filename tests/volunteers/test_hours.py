import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import UserFactory
from tests.volunteers.factories import NeedFactory, VolunteerFactory, social_worker
from volunteers.models import HourRecord, HourStatus, SignUpStatus
from volunteers.services.hours import (
    correction_request,
    correction_resolve,
    hours_check_in,
    hours_check_out,
    hours_close_forgotten,
    hours_manual_entry,
    hours_reject,
    hours_verify,
)
from volunteers.services.signups import signup_apply
from volunteers.services.social_workers import team_add_member, team_create

pytestmark = pytest.mark.django_db


def running_slot(**need_kwargs):
    """A need whose one 3-hour slot started an hour ago (sign-up was open when the volunteer joined)."""
    need = NeedFactory(**need_kwargs)
    slot = need.slots.get()
    volunteer = VolunteerFactory()
    signup = signup_apply(actor=volunteer.user, slot=slot)
    now = timezone.now()
    slot.starts_at, slot.ends_at = now - datetime.timedelta(hours=1), now + datetime.timedelta(hours=2)
    slot.save()
    return need, slot, volunteer, signup


def organizer_of(need):
    return UserFactory(department=need.project.department)


def test_check_in_and_out_with_the_slot_code_counts_served_minutes():
    _need, slot, volunteer, signup = running_slot()
    with pytest.raises(ValidationError):
        hours_check_in(
            actor=volunteer.user, slot=slot, code="000000" if slot.checkin_code != "000000" else "111111"
        )
    record = hours_check_in(actor=volunteer.user, slot=slot, code=slot.checkin_code)
    record.check_in_at = slot.starts_at + datetime.timedelta(minutes=10)
    record.save()
    record = hours_check_out(actor=volunteer.user, record=record)
    assert record.status == HourStatus.PENDING
    assert 49 <= record.minutes <= 51  # from 10 min after start until now (1 h after start)
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.ATTENDED


def test_risky_work_without_insurance_refuses_check_in():
    _need, slot, volunteer, _signup = running_slot(risk_level="high")
    with pytest.raises(ValidationError):
        hours_check_in(actor=volunteer.user, slot=slot, code=slot.checkin_code)


def test_manual_entry_is_flagged_and_capped_at_the_slot_length():
    need, _slot, _volunteer, signup = running_slot()
    organizer = organizer_of(need)
    with pytest.raises(ValidationError):
        hours_manual_entry(actor=organizer, signup=signup, minutes=181)
    with pytest.raises(PermissionDenied):
        hours_manual_entry(actor=UserFactory(), signup=signup, minutes=60)
    record = hours_manual_entry(actor=organizer, signup=signup, minutes=180)
    assert record.is_manual and record.method == "manual" and record.minutes == 180


def test_forgotten_check_out_is_closed_at_slot_end_and_flagged():
    _need, slot, volunteer, _signup = running_slot()
    record = hours_check_in(actor=volunteer.user, slot=slot, code=slot.checkin_code)
    after_end = slot.ends_at + datetime.timedelta(minutes=5)
    assert hours_close_forgotten(now=after_end) == 1
    assert hours_close_forgotten(now=after_end) == 0
    record.refresh_from_db()
    assert record.auto_closed and record.check_out_at == slot.ends_at
    assert record.status == HourStatus.PENDING


def test_confirmed_volunteers_without_hours_become_no_shows_after_the_slot():
    _need, slot, _volunteer, signup = running_slot()
    hours_close_forgotten(now=slot.ends_at + datetime.timedelta(minutes=1))
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.NO_SHOW


def test_only_verified_hours_count_and_stars_follow_thresholds(settings):
    settings.VOLUNTEER_STAR_THRESHOLDS = (1, 2, 3)
    need, _slot, volunteer, signup = running_slot()
    organizer = organizer_of(need)
    record = hours_manual_entry(actor=organizer, signup=signup, minutes=150)
    volunteer.refresh_from_db()
    assert volunteer.verified_minutes == 0 and volunteer.stars == 0
    hours_verify(actor=organizer, record=record)
    volunteer.refresh_from_db()
    assert volunteer.verified_minutes == 150 and volunteer.stars == 2
    with pytest.raises(ValidationError):
        hours_verify(actor=organizer, record=record)


@pytest.mark.parametrize(
    ("hours", "stars"), [(99, 0), (100, 1), (299, 1), (300, 2), (600, 3), (1000, 4), (1500, 5)]
)
def test_star_levels_at_100_300_600_1000_1500_verified_hours(hours, stars):
    assert VolunteerFactory.build(verified_minutes=hours * 60).stars == stars


def test_the_team_social_worker_verifies_but_strangers_and_the_volunteer_do_not():
    need, _slot, volunteer, signup = running_slot()
    record = hours_manual_entry(actor=organizer_of(need), signup=signup, minutes=60)
    with pytest.raises(PermissionDenied):
        hours_verify(actor=volunteer.user, record=record)
    worker = social_worker()
    with pytest.raises(PermissionDenied):
        hours_verify(actor=worker.user, record=record)
    team = team_create(actor=worker.user, name="一队", leader=worker)
    team_add_member(actor=worker.user, team=team, volunteer=volunteer)
    assert hours_verify(actor=worker.user, record=record).status == HourStatus.VERIFIED


def test_an_expired_social_worker_no_longer_verifies():
    need, _slot, volunteer, signup = running_slot()
    record = hours_manual_entry(actor=organizer_of(need), signup=signup, minutes=60)
    worker = social_worker()
    team = team_create(actor=worker.user, name="一队", leader=worker)
    team_add_member(actor=worker.user, team=team, volunteer=volunteer)
    worker.valid_until = timezone.localdate() - datetime.timedelta(days=1)
    worker.save()
    with pytest.raises(PermissionDenied):
        hours_verify(actor=worker.user, record=record)


def test_rejection_needs_a_reason_and_keeps_the_record():
    need, _slot, _volunteer, signup = running_slot()
    organizer = organizer_of(need)
    record = hours_manual_entry(actor=organizer, signup=signup, minutes=60)
    with pytest.raises(ValidationError):
        hours_reject(actor=organizer, record=record, reason=" ")
    hours_reject(actor=organizer, record=record, reason="未到岗")
    record.refresh_from_db()
    assert record.status == HourStatus.REJECTED and record.rejection_reason == "未到岗"


def test_hour_records_are_never_deleted():
    need, _slot, _volunteer, signup = running_slot()
    record = hours_manual_entry(actor=organizer_of(need), signup=signup, minutes=60)
    with pytest.raises(PermissionError):
        record.delete()
    with pytest.raises(PermissionError):
        HourRecord.objects.all().delete()
    assert HourRecord.objects.count() == 1


def test_a_correction_is_requested_by_the_volunteer_and_resolved_with_an_audit_trail():
    from audit.models import Event

    need, _slot, volunteer, signup = running_slot()
    organizer = organizer_of(need)
    record = hours_manual_entry(actor=organizer, signup=signup, minutes=60)
    hours_verify(actor=organizer, record=record)
    with pytest.raises(PermissionDenied):
        correction_request(actor=UserFactory(), record=record, minutes=90, reason="x")
    with pytest.raises(ValidationError):
        correction_request(actor=volunteer.user, record=record, minutes=500, reason="超过时段")
    correction = correction_request(actor=volunteer.user, record=record, minutes=120, reason="签退时漏记")
    with pytest.raises(ValidationError):
        correction_request(actor=volunteer.user, record=record, minutes=100, reason="again")
    correction_resolve(actor=organizer, correction=correction, accept=True, note="核实无误")
    record.refresh_from_db()
    volunteer.refresh_from_db()
    correction.refresh_from_db()
    assert record.minutes == 120 and volunteer.verified_minutes == 120
    assert correction.previous_minutes == 60 and correction.status == "accepted"
    event = Event.objects.filter(action="hours.correction_resolve").get()
    assert event.before["minutes"] == 60 and event.after["minutes"] == 120


def test_a_refused_correction_changes_nothing():
    need, _slot, volunteer, signup = running_slot()
    organizer = organizer_of(need)
    record = hours_manual_entry(actor=organizer, signup=signup, minutes=60)
    correction = correction_request(actor=volunteer.user, record=record, minutes=120, reason="x")
    correction_resolve(actor=organizer, correction=correction, accept=False, note="考勤表为1小时")
    record.refresh_from_db()
    assert record.minutes == 60 and record.status == HourStatus.PENDING
