"""Progress reports: submission by the organization with documents, review, and reminders before
and after the due date, each sent once even when the task runs twice."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import Notification
from procurement.contracts.events import REPORT_REMINDER
from procurement.contracts.services.progress_reports import (
    progress_report_review,
    progress_report_submit,
    progress_reports_send_reminders,
    report_periods,
)
from procurement.contracts.tasks import progress_report_reminders
from procurement.models import ProgressReportStatus
from tests.procurement.bidding import pdf_with
from tests.procurement.contracting import active_contract, published_award

pytestmark = pytest.mark.django_db


def test_monthly_periods_cover_the_term_and_end_on_its_last_day():
    periods = report_periods(starts_on=dt.date(2026, 1, 31), ends_on=dt.date(2026, 4, 15), schedule="monthly")
    assert periods[0] == (dt.date(2026, 1, 31), dt.date(2026, 2, 27))
    assert periods[-1][1] == dt.date(2026, 4, 15)
    assert len(periods) == 3
    assert report_periods(
        starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 6, 30), schedule="one_off"
    ) == [(dt.date(2026, 1, 1), dt.date(2026, 6, 30))]


@pytest.fixture
def setup():
    award, officer, winner, others = published_award()
    contract = active_contract(award, officer, report_schedule="monthly")
    return contract, officer, winner, others


def _reminders(report):
    return Notification.objects.filter(event=REPORT_REMINDER, object_id=str(report.pk))


def test_reminders_before_and_after_the_due_date_are_sent_once_even_when_the_task_runs_twice(setup, settings):
    contract, _officer, winner, _ = setup
    settings.CELERY_TASK_ALWAYS_EAGER = True
    report = contract.progress_reports.order_by("number").first()
    three_days_before = report.due_on - dt.timedelta(days=3)
    progress_reports_send_reminders(today=three_days_before - dt.timedelta(days=1))
    assert _reminders(report).count() == 0
    first = progress_reports_send_reminders(today=three_days_before)
    again = progress_reports_send_reminders(today=three_days_before)
    later = progress_reports_send_reminders(today=report.due_on)
    assert first["before"] == 1 and again["before"] == 0 and later["before"] == 0
    assert list(_reminders(report).values_list("recipient_id", "dedupe_key")) == [
        (winner.pk, f"before:{report.due_on.isoformat()}")
    ]
    day_after = report.due_on + dt.timedelta(days=1)
    progress_reports_send_reminders(today=day_after)
    progress_reports_send_reminders(today=day_after)
    progress_reports_send_reminders(today=day_after + dt.timedelta(days=5))
    assert _reminders(report).count() == 2
    assert _reminders(report).filter(dedupe_key=f"after:{report.due_on.isoformat()}").count() == 1


def test_the_daily_task_runs_the_reminders(setup):
    result = progress_report_reminders.run()
    assert set(result) == {"before", "after"}


def test_a_submitted_report_gets_no_reminder_and_cannot_be_submitted_twice(setup):
    contract, officer, winner, _ = setup
    report = contract.progress_reports.order_by("number").first()
    progress_report_submit(
        actor=winner, report=report, work_done="本月上门服务312人次", people_served=120,
        files=[pdf_with("report", name="report.pdf")],
    )  # fmt: skip
    report.refresh_from_db()
    assert report.status == ProgressReportStatus.SUBMITTED and report.submitted_at is not None
    progress_reports_send_reminders(today=report.due_on + dt.timedelta(days=2))
    assert _reminders(report).count() == 0
    with pytest.raises(ValidationError):
        progress_report_submit(actor=winner, report=report, work_done="再交一次")
    progress_report_review(actor=officer, report=report, note="已阅")
    report.refresh_from_db()
    assert report.status == ProgressReportStatus.REVIEWED


def test_only_the_organizations_members_submit_reports(setup):
    contract, _officer, _winner, others = setup
    with pytest.raises(PermissionDenied):
        progress_report_submit(actor=others[0], report=contract.progress_reports.first(), work_done="x")
