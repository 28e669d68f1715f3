"""The daily snapshot (idempotent), "newly red" against the previous snapshot, and the escalation
of newly red items to the responsible officer and the department's approvers, once."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from core.models import Notification
from procurement.models import LightSnapshot, TenderStatus
from procurement.supervision.board import light_history, newly_red
from procurement.supervision.events import LIGHT_RED
from procurement.supervision.services import lights as lights_services
from procurement.supervision.services.lights import light_snapshot_take
from procurement.supervision.tasks import lights_daily
from tests.factories import staff_user
from tests.procurement.factories import TenderFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 10, 12)


def _tender(deadline_day, **kwargs):
    deadline = timezone.make_aware(dt.datetime.combine(deadline_day, dt.time(15)))
    return TenderFactory(status=TenderStatus.PUBLISHED, bid_deadline=deadline, **kwargs)


def test_snapshot_keeps_one_row_per_item_and_day_and_a_second_run_changes_nothing():
    _tender(TODAY - dt.timedelta(days=3))
    _tender(TODAY + dt.timedelta(days=30))
    TenderFactory()  # a draft is not supervised
    light_snapshot_take(today=TODAY)
    first = list(
        LightSnapshot.objects.values_list("date", "kind", "object_id", "colour").order_by("object_id")
    )
    light_snapshot_take(today=TODAY)
    again = list(
        LightSnapshot.objects.values_list("date", "kind", "object_id", "colour").order_by("object_id")
    )
    assert first == again
    assert sorted(colour for *_x, colour in first) == ["green", "red"]


def test_the_snapshot_costs_the_same_queries_for_2_and_12_items_and_the_board_counts_its_rows():
    """Set-based (issue 17): one INSERT … SELECT and one grouped count a kind, whatever the items;
    the board's counts of the day are this run's rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from procurement.supervision import summaries

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            light_snapshot_take(today=TODAY)
        return len(context.captured_queries)

    _tender(TODAY - dt.timedelta(days=3))
    _tender(TODAY + dt.timedelta(days=30))
    few = queries()
    for n in range(10):
        _tender(TODAY + dt.timedelta(days=1 if n % 2 else 30))
    assert queries() == few
    written = light_snapshot_take(today=TODAY)
    assert written["tender"] == 12
    counts = summaries.board_counts(today=TODAY)["tender"]
    assert (counts["red"], counts["yellow"], counts["green"]) == (1, 5, 6)
    rows = LightSnapshot.objects.filter(date=TODAY, kind="tender")
    assert rows.count() == 12 and all(row.label and row.department_id for row in rows)


def test_newly_red_means_red_today_and_not_red_in_the_previous_snapshot():
    late = _tender(TODAY + dt.timedelta(days=1))  # yellow the day before, red two days after
    always = _tender(TODAY - dt.timedelta(days=5))  # red in both
    light_snapshot_take(today=TODAY - dt.timedelta(days=1))
    light_snapshot_take(today=TODAY + dt.timedelta(days=2))
    newly = list(newly_red(TODAY + dt.timedelta(days=2)).values_list("object_id", flat=True))
    assert late.pk in newly
    assert always.pk not in newly
    history = list(light_history("tender", late.pk).values_list("colour", flat=True))
    assert history == ["red", "yellow"]


def test_escalation_tells_the_creator_and_the_departments_approver_once_even_if_the_task_runs_twice(
    django_capture_on_commit_callbacks,
):
    officer = staff_user(Role.PROCUREMENT_OFFICER)
    tender = _tender(TODAY - dt.timedelta(days=2), created_by=officer)
    officer.department = tender.department
    officer.save()
    approver = staff_user(Role.BUREAU_APPROVER, department=tender.department)
    other_approver = staff_user(Role.BUREAU_APPROVER)  # bureau-wide: only when the department has none
    light_snapshot_take(today=TODAY - dt.timedelta(days=10))
    LightSnapshot.objects.filter(object_id=tender.pk).update(colour="green")
    # The notifications are queued until each escalation commits.
    with django_capture_on_commit_callbacks(execute=True):
        lights_services.lights_daily(today=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        lights_services.lights_daily(today=TODAY)
    notified = list(Notification.objects.filter(event=LIGHT_RED).values_list("recipient_id", flat=True))
    assert sorted(notified) == sorted([officer.pk, approver.pk])
    assert other_approver.pk not in notified
    assert LightSnapshot.objects.filter(date=TODAY).count() == 1


def test_daily_task_runs_the_snapshot_and_the_escalation():
    _tender(timezone.localdate() - dt.timedelta(days=3))
    result = lights_daily.delay().get()
    assert result["snapshot"]["tender"] == 1
    assert result["escalated"] == 1
