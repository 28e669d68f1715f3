"""Issue 17: the daily lights sweep (snapshot, then the escalation of newly red items) runs a fixed
number of queries whatever the number of items: one query per kind for the colours, batched
upserts, and every escalation's notifications written together (`core.notifications.notify_many`)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import Role
from core.models import Notification
from procurement.models import TenderStatus
from procurement.supervision.events import LIGHT_RED
from procurement.supervision.services.lights import lights_daily
from tests.factories import DepartmentFactory, staff_user
from tests.procurement.factories import TenderFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 10, 12)


def _red_tenders(n: int, department, officer):
    deadline = timezone.make_aware(dt.datetime.combine(TODAY - dt.timedelta(days=3), dt.time(15)))
    return [
        TenderFactory(
            status=TenderStatus.PUBLISHED,
            bid_deadline=deadline,
            department=department,
            created_by=officer,
        )
        for _ in range(n)
    ]


def _sweep(django_capture_on_commit_callbacks) -> int:
    with CaptureQueriesContext(connection) as captured:
        with django_capture_on_commit_callbacks(execute=True):
            result = lights_daily(today=TODAY)
    assert result["escalated"] > 0
    return len(captured)


def test_the_lights_sweep_runs_as_many_queries_for_3_as_for_30_newly_red_items(
    django_capture_on_commit_callbacks,
):
    department = DepartmentFactory()
    # Without an e-mail address: each e-mail is its own task (run by a worker in production, here
    # eagerly inside the sweep), not a part of the sweep's queries.
    officer = staff_user(Role.PROCUREMENT_OFFICER, department=department, email="")
    approver = staff_user(Role.BUREAU_APPROVER, department=department, email="")
    few = _red_tenders(3, department, officer)
    small = _sweep(django_capture_on_commit_callbacks)
    Notification.objects.all().delete()
    from procurement.models import LightSnapshot

    LightSnapshot.objects.all().delete()
    many = few + _red_tenders(27, department, officer)  # 60 notifications: one INSERT on SQLite too
    assert _sweep(django_capture_on_commit_callbacks) == small
    # Each newly red item told its creator and its department's approver, once.
    told = Notification.objects.filter(event=LIGHT_RED)
    assert told.filter(recipient=officer).count() == len(many)
    assert told.filter(recipient=approver).count() == len(many)
    # A second run the same day tells nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        assert lights_daily(today=TODAY)["escalated"] == 30
    assert Notification.objects.filter(event=LIGHT_RED).count() == 2 * len(many)
