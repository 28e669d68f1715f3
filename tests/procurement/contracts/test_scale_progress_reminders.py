"""Issue 17: the daily progress-report reminders are set-based. Each of the two reminders (before
the due date, after it) selects the reports still needing it by its marker, reads the organizations'
members in one query, writes the notifications together (`core.notifications.notify_many`) and sets
the markers in one update: the same number of queries for 3 contracts as for 9, each organization's
members told once per report and reminder, nothing again on a second run."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import EmailStatus, Notification, TaskOutbox
from procurement.contracts.events import REPORT_REMINDER
from procurement.contracts.services.progress_reports import progress_reports_send_reminders
from procurement.models import ContractStatus, ProgressReport, ProgressReportStatus
from tests.cms.statistics_data import contract_row
from tests.factories import DepartmentFactory, UserFactory
from tests.orgs.factories import member
from tests.procurement.factories import top_category

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 16)


def _report(contract, number, due_on, **fields):
    return ProgressReport.objects.create(
        contract=contract,
        number=number,
        period_start=due_on - dt.timedelta(days=40),
        period_end=due_on - dt.timedelta(days=10),
        due_on=due_on,
        **fields,
    )


def _contracts(n: int, department) -> list:
    """`n` running contracts of their own organizations, each with two members (one without an
    e-mail address) and four reports: due in two days, three days late, submitted late, due in ten
    days."""
    made = []
    for _ in range(n):
        contract = contract_row(department=department, category=top_category(), amount=Decimal("100000"))
        member(contract.organization, email=f"org{contract.organization_id}@example.org")
        member(contract.organization, email="")
        _report(contract, 1, TODAY + dt.timedelta(days=2))
        _report(contract, 2, TODAY - dt.timedelta(days=3))
        _report(
            contract,
            3,
            TODAY - dt.timedelta(days=5),
            status=ProgressReportStatus.SUBMITTED,
            submitted_at=timezone.now(),
        )
        _report(contract, 4, TODAY + dt.timedelta(days=10))
        made.append(contract)
    return made


def _sweep() -> tuple[int, dict]:
    ContentType.objects.clear_cache()  # every run starts cold
    with CaptureQueriesContext(connection) as captured:
        result = progress_reports_send_reminders(today=TODAY)
    return len(captured.captured_queries), result


def test_the_reminders_take_as_many_queries_for_9_contracts_as_for_3_and_remind_each_once():
    department = DepartmentFactory()
    _contracts(3, department)
    few, result = _sweep()
    assert result == {"before": 3 * 2, "after": 3 * 2}
    # The same reports again, three times as many: markers and notifications cleared.
    Notification.objects.all().delete()
    TaskOutbox.objects.all().delete()
    ProgressReport.objects.update(reminded_before_at=None, reminded_after_at=None)
    _contracts(6, department)
    many, result = _sweep()
    assert result == {"before": 9 * 2, "after": 9 * 2}
    assert many == few, (few, many)

    reminders = Notification.objects.filter(event=REPORT_REMINDER)
    assert reminders.count() == 9 * 2 * 2
    for report in ProgressReport.objects.select_related("contract__organization"):
        keys = sorted(
            reminders.filter(object_id=str(report.pk)).values_list("recipient_id", "dedupe_key").distinct()
        )
        members = sorted(report.contract.organization.memberships.values_list("user_id", flat=True))
        if report.number == 1:
            assert keys == [(pk, f"before:{report.due_on.isoformat()}") for pk in members]
            assert report.reminded_before_at is not None and report.reminded_after_at is None
        elif report.number == 2:
            assert keys == [(pk, f"after:{report.due_on.isoformat()}") for pk in members]
            assert report.reminded_after_at is not None and report.reminded_before_at is None
        else:
            assert keys == []
            assert report.reminded_before_at is None and report.reminded_after_at is None
    # One e-mail per member with an address, queued through the task outbox as notify() does.
    queued = reminders.filter(email_status=EmailStatus.QUEUED)
    assert (
        queued.count() == 9 * 2 == TaskOutbox.objects.filter(task_name="core.send_notification_email").count()
    )

    # A second run the same day, and the days after, send nothing new.
    assert progress_reports_send_reminders(today=TODAY) == {"before": 0, "after": 0}
    assert progress_reports_send_reminders(today=TODAY + dt.timedelta(days=3)) == {
        "before": 0,
        "after": 9 * 2,
    }
    assert reminders.count() == 9 * 2 * 3  # report 1 is now late: its 'after' reminder


def test_only_running_contracts_and_active_members_are_reminded_a_member_of_two_organizations_for_each():
    department = DepartmentFactory()
    running, other = _contracts(2, department)
    ended = contract_row(
        department=department,
        category=top_category(),
        amount=Decimal("100000"),
        status=ContractStatus.TERMINATED,
    )
    member(ended.organization)
    _report(ended, 1, TODAY + dt.timedelta(days=1))
    gone = member(running.organization, is_active=False)
    both = UserFactory()
    for contract in (running, other):
        contract.organization.memberships.create(user=both)

    assert progress_reports_send_reminders(today=TODAY) == {"before": 2 * 3, "after": 2 * 3}
    reminders = Notification.objects.filter(event=REPORT_REMINDER)
    assert not reminders.filter(recipient=gone).exists()
    assert not reminders.filter(
        object_id__in=[str(pk) for pk in ended.progress_reports.values_list("pk", flat=True)]
    )
    # one reminder of each kind for each of the two organizations' reports
    assert sorted(reminders.filter(recipient=both).values_list("dedupe_key", flat=True)) == sorted(
        f"{when}:{(TODAY + dt.timedelta(days=days)).isoformat()}"
        for when, days in (("before", 2), ("after", -3))
        for _ in range(2)
    )
    told = reminders.get(recipient=both, object_id=str(running.progress_reports.get(number=1).pk))
    assert running.reference in told.subject and (TODAY + dt.timedelta(days=2)).isoformat() in told.subject


def test_reports_reminded_before_the_markers_existed_are_not_reminded_again():
    """Deployment: reports reminded by the earlier sweep have no marker yet; the first set-based
    sweep selects them, sends nothing again (the notification's key) and marks them."""
    department = DepartmentFactory()
    (contract,) = _contracts(1, department)
    assert progress_reports_send_reminders(today=TODAY) == {"before": 2, "after": 2}
    ProgressReport.objects.update(reminded_before_at=None, reminded_after_at=None)
    assert progress_reports_send_reminders(today=TODAY) == {"before": 0, "after": 0}
    assert Notification.objects.filter(event=REPORT_REMINDER).count() == 4
    assert not contract.progress_reports.filter(
        number__in=[1, 2], reminded_before_at=None, reminded_after_at=None
    )
