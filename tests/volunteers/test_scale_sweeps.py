"""The volunteer sweeps are set-based: the same number of queries for 5 rows and for 50 (issue 17),
with the same effects as before (each row changed once, an audit event per batch with the count,
the notification as the record of a reminder)."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, user_has_role
from accounts.services import role_grant
from audit.models import Event
from core.models import Notification, TaskOutbox
from tests.factories import UserFactory
from tests.volunteers.factories import NeedFactory, VolunteerFactory, social_worker
from volunteers.models import (
    ContinuingEducation,
    HourMethod,
    HourRecord,
    HourStatus,
    Need,
    NeedStatus,
    RiskLevel,
    SignUp,
    SignUpStatus,
)
from volunteers.tasks import (
    close_due_signups,
    close_forgotten_hours,
    send_slot_reminders,
    social_worker_daily,
)

pytestmark = pytest.mark.django_db


def queries(run) -> tuple[int, object]:
    ContentType.objects.clear_cache()  # both runs start cold (the audit log looks content types up)
    with CaptureQueriesContext(connection) as captured:
        result = run()
    return len(captured.captured_queries), result


def confirmed_signups(n: int, slot) -> list[SignUp]:
    return [
        SignUp.objects.create(slot=slot, volunteer=VolunteerFactory(), status=SignUpStatus.CONFIRMED)
        for _ in range(n)
    ]


def soon_slot(hours_ahead: int):
    start = timezone.now() + datetime.timedelta(hours=hours_ahead)
    need = NeedFactory(
        headcount=100,
        signup_closes_at=timezone.now() + datetime.timedelta(hours=1),
        slots=[(start, start + datetime.timedelta(hours=2))],
    )
    return need.slots.get()


def test_slot_reminders_take_the_same_queries_for_5_and_50_and_remind_each_once():
    confirmed_signups(5, soon_slot(30))
    small, sent_small = queries(send_slot_reminders)
    later = confirmed_signups(50, soon_slot(20))
    large, sent_large = queries(send_slot_reminders)
    assert (sent_small, sent_large) == (5, 50)
    assert small == large
    reminders = Notification.objects.filter(event="volunteers.slot_reminder")
    assert reminders.count() == 55
    assert set(reminders.values_list("object_id", flat=True)) >= {str(s.pk) for s in later}
    # Each e-mail is queued through the task outbox, as notify() does.
    assert TaskOutbox.objects.filter(task_name="core.send_notification_email").count() == 55
    assert not SignUp.objects.filter(reminded_at__isnull=True).exists()
    assert send_slot_reminders() == 0
    assert reminders.count() == 55


def ended_slot_with_open_records(n: int):
    start = timezone.now() - datetime.timedelta(hours=5)
    need = NeedFactory(
        headcount=200,
        signup_closes_at=start - datetime.timedelta(days=1),
        slots=[(start, start + datetime.timedelta(hours=3))],
    )
    slot = need.slots.get()
    for signup in confirmed_signups(n, slot):
        HourRecord.objects.create(
            signup=signup,
            volunteer=signup.volunteer,
            slot=slot,
            method=HourMethod.CHECKIN,
            check_in_at=start + datetime.timedelta(minutes=30),
            recorded_by=signup.volunteer.user,
        )
    no_shows = confirmed_signups(n, slot)
    return slot, no_shows


def test_forgotten_hours_take_the_same_queries_for_5_and_50_with_one_audit_event_per_batch():
    ended_slot_with_open_records(5)
    small, closed_small = queries(close_forgotten_hours)
    slot, no_shows = ended_slot_with_open_records(50)
    large, closed_large = queries(close_forgotten_hours)
    assert (closed_small, closed_large) == (5, 50)
    assert small == large
    records = HourRecord.objects.filter(slot=slot)
    assert set(records.values_list("status", "auto_closed", "minutes", "check_out_at")) == {
        (HourStatus.PENDING, True, 150, slot.ends_at)
    }
    assert set(SignUp.objects.filter(pk__in=[s.pk for s in no_shows]).values_list("status", flat=True)) == {
        SignUpStatus.NO_SHOW
    }
    closes = Event.objects.filter(action="hours.auto_close").order_by("pk")
    assert [event.after["count"] for event in closes] == [5, 50]
    assert set(closes.last().after["minutes"]) == {str(pk) for pk in records.values_list("pk", flat=True)}
    assert [e.after["count"] for e in Event.objects.filter(action="signup.no_show").order_by("pk")] == [5, 50]
    assert close_forgotten_hours() == 0


def due_needs(n: int) -> list[Need]:
    return [NeedFactory(signup_closes_at=timezone.now() - datetime.timedelta(minutes=5)) for _ in range(n)]


def test_due_sign_ups_close_in_the_same_queries_for_5_and_50_and_risky_uninsured_needs_are_cancelled():
    due_needs(5)
    small, closed_small = queries(close_due_signups)
    plain = due_needs(50)
    risky = NeedFactory(
        signup_closes_at=timezone.now() - datetime.timedelta(minutes=5), risk_level=RiskLevel.HIGH
    )
    assert close_due_signups() == 51  # the risky one is cancelled on its own (need_cancel)
    more = due_needs(50)
    large, closed_large = queries(close_due_signups)
    assert (closed_small, closed_large) == (5, 50)
    assert small == large
    assert set(Need.objects.filter(pk__in=[n.pk for n in plain + more]).values_list("status", flat=True)) == {
        NeedStatus.CLOSED
    }
    risky.refresh_from_db()
    assert risky.status == NeedStatus.CANCELLED
    closes = Event.objects.filter(action="volunteer_need.close").order_by("pk")
    assert [event.after["count"] for event in closes] == [5, 50, 50]
    assert sorted(closes.last().after["needs"]) == sorted(n.pk for n in more)
    assert close_due_signups() == 0


def workers_due(n: int, today: datetime.date) -> None:
    """`n` registrations expired before `today` (still holding the role) and `n` expiring in 30 days
    with some continuing education."""
    for _ in range(n):
        expired = social_worker(registered_on=today - datetime.timedelta(days=3 * 365 + 10))
        role_grant(user=expired.user, role=Role.SOCIAL_WORKER, reason="test: held when it expired")
        worker = social_worker(registered_on=today.replace(year=today.year - 3) + datetime.timedelta(days=31))
        ContinuingEducation.objects.create(
            social_worker=worker, course="继续教育", hours=12, taken_on=today, issuer="培训中心"
        )


def test_the_social_worker_sweep_takes_the_same_queries_for_5_and_50():
    today = timezone.localdate()
    workers_due(5, today)
    small, result_small = queries(social_worker_daily)
    workers_due(50, today)
    large, result_large = queries(social_worker_daily)
    assert result_small == {"expired": 5, "reminded": 5}
    assert result_large == {"expired": 50, "reminded": 50}
    assert small == large
    expired = User.objects.filter(social_worker__valid_until__lt=today)
    assert expired.count() == 55
    assert not any(user_has_role(user, Role.SOCIAL_WORKER) for user in expired)
    assert [e.after["count"] for e in Event.objects.filter(action="social_worker.expire").order_by("pk")] == [
        5,
        50,
    ]
    reminders = Notification.objects.filter(event="volunteers.social_worker_expiry")
    assert reminders.count() == 55
    assert all("12" in body for body in reminders.values_list("body", flat=True))  # the hours taken
    assert social_worker_daily() == {"expired": 0, "reminded": 0}


def test_reminders_respect_preferences_inactive_users_and_the_daily_cap(settings):
    settings.NOTIFY_DAILY_CAP = 1
    slot = soon_slot(30)
    busy, inactive = VolunteerFactory(), VolunteerFactory(user=UserFactory(is_active=False))
    Notification.objects.create(
        recipient=busy.user,
        event="x",
        subject="s",
        email_status="queued",
        send_id="0" * 32,
        object_id="1",
    )
    for volunteer in (busy, inactive):
        SignUp.objects.create(slot=slot, volunteer=volunteer, status=SignUpStatus.CONFIRMED)
    assert send_slot_reminders() == 1
    reminder = Notification.objects.get(event="volunteers.slot_reminder")
    assert reminder.recipient == busy.user and reminder.email_status == "skipped_cap"
