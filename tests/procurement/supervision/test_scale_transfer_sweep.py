"""Issue 17: the daily public-report transfer sweep is set-based. The reminders and the escalations
each select the open transfers still without their marker, read their recipients once (every
department's officers in one query; the supervisors and bureau admins once), write the notifications
together (`core.notifications.notify_many`) and set the markers in one update, in one transaction
with the audit events: one per transfer reminded or escalated, on its report's history, written
together (`audit.record_many`). No query, the audit log's included, grows with the transfers."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from audit import selectors
from audit.models import Event
from core.models import Notification
from procurement.models import TenderStatus
from procurement.supervision.events import PUBLIC_REPORT_TRANSFER_OVERDUE, PUBLIC_REPORT_TRANSFER_REMINDER
from procurement.supervision.models import PublicReportTransfer
from procurement.supervision.services.public_reports import public_report_accept, public_report_record
from procurement.supervision.services.transfers import public_report_transfer, public_report_transfers_daily
from tests.factories import DepartmentFactory, staff_user
from tests.procurement.factories import TenderFactory
from tests.procurement.supervising import at

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 11, 2)
TODAY = dt.date(2026, 11, 16)  # a Monday: due within two working days is due by Wednesday


def _transfers(n: int, supervisor, departments, tender) -> list[PublicReportTransfer]:
    """`n` transfers due tomorrow and `n` due last Friday, spread over `departments`."""
    made = []
    with at(MONDAY):
        for i in range(2 * n):
            report = public_report_record(
                actor=supervisor,
                channel="phone",
                received_on=MONDAY,
                target_kind="tender",
                tender=tender,
                description="来电反映服务不到位。",
            )
            report = public_report_accept(actor=supervisor, report=report)
            due_on = TODAY + dt.timedelta(days=1) if i < n else TODAY - dt.timedelta(days=3)
            made.append(
                public_report_transfer(
                    actor=supervisor,
                    report=report,
                    department=departments[i % len(departments)],
                    due_on=due_on,
                )
            )
    return made


def _sweep() -> tuple[int, dict]:
    """Every query of the sweep (the audit log's chain lock, newest link and insert included)."""
    ContentType.objects.clear_cache()  # every run starts cold
    with at(TODAY), CaptureQueriesContext(connection) as captured:
        result = public_report_transfers_daily()
    audit_inserts = [q for q in captured.captured_queries if q["sql"].startswith('INSERT INTO "audit_event"')]
    assert len(audit_inserts) == 2  # the reminders' events, the escalations' events
    return len(captured.captured_queries), result


def test_the_transfer_sweep_takes_as_many_queries_audit_included_for_9_transfers_as_for_3_and_tells_each_once(
    tmp_path,
):
    supervisor = staff_user(Role.SUPERVISOR)
    bureau_admin = staff_user(Role.BUREAU_ADMIN)
    departments = [DepartmentFactory() for _ in range(3)]
    officers = {
        department.pk: [staff_user(Role.PROCUREMENT_OFFICER, department=department) for _ in range(2)]
        for department in departments
    }
    tender = TenderFactory(status=TenderStatus.PUBLISHED)
    _transfers(3, supervisor, departments, tender)
    few, result = _sweep()
    assert result == {"reminded": 3, "escalated": 3}
    # Three times as many: the markers and notifications of the first run cleared.
    Notification.objects.all().delete()
    PublicReportTransfer.objects.update(reminded_at=None, escalated_at=None)
    _transfers(6, supervisor, departments, tender)
    many, result = _sweep()
    assert result == {"reminded": 9, "escalated": 9}
    assert many == few, (few, many)

    transfers = list(PublicReportTransfer.objects.select_related("report"))
    reminded = Notification.objects.filter(event=PUBLIC_REPORT_TRANSFER_REMINDER)
    escalated = Notification.objects.filter(event=PUBLIC_REPORT_TRANSFER_OVERDUE)
    for transfer in transfers:
        told = reminded.filter(object_id=str(transfer.pk))
        raised = escalated.filter(object_id=str(transfer.pk))
        if transfer.due_on > TODAY:  # due soon: its department's officers reminded, once
            assert sorted(told.values_list("recipient_id", flat=True)) == sorted(
                user.pk for user in officers[transfer.department_id]
            )
            assert not raised.exists() and transfer.reminded_at and transfer.escalated_at is None
            assert transfer.report.tracking_number in told.first().subject
        else:  # overdue: the supervisors and bureau admins, once
            assert sorted(raised.values_list("recipient_id", flat=True)) == sorted(
                [supervisor.pk, bureau_admin.pk]
            )
            assert not told.exists() and transfer.escalated_at and transfer.reminded_at is None
    # One audit event per transfer reminded or escalated (the first run's three of each too).
    for action, count in (
        ("public_report.transfer_remind", 3 + 9),
        ("public_report.transfer_escalate", 3 + 9),
    ):
        events = Event.objects.filter(action=action)
        assert events.count() == count
        assert {int(event.after["transfer"]) for event in events} >= {
            t.pk for t in transfers if (t.due_on > TODAY) == (action == "public_report.transfer_remind")
        }

    assert selectors.verify_chain(
        anchor_file=tmp_path / "anchors.log", require_anchor=False
    ).ok  # the batches continue the chain

    # A second run the same day tells nobody again.
    with at(TODAY):
        assert public_report_transfers_daily() == {"reminded": 0, "escalated": 0}
    assert reminded.count() == 9 * 2 and escalated.count() == 9 * 2


def test_transfers_answered_or_of_a_concluded_report_are_left_alone_and_a_rolled_back_sweep_leaves_no_marker(
    monkeypatch,
):
    supervisor = staff_user(Role.SUPERVISOR)
    department = DepartmentFactory()
    officer = staff_user(Role.PROCUREMENT_OFFICER, department=department)
    due_soon, overdue = _transfers(1, supervisor, [department], TenderFactory(status=TenderStatus.PUBLISHED))
    PublicReportTransfer.objects.filter(pk=due_soon.pk).update(
        answered_at=due_soon.transferred_at, answer="已答复"
    )

    # A sweep that fails while telling (after its markers' update) leaves everything as it was.
    from procurement.supervision.services import transfers as service

    def broken(transfers):
        raise RuntimeError("mail server down")

    monkeypatch.setattr(service, "public_report_transfers_overdue", broken)
    with at(TODAY), pytest.raises(RuntimeError):
        public_report_transfers_daily()
    overdue.refresh_from_db()
    assert overdue.escalated_at is None
    assert not Event.objects.filter(action="public_report.transfer_escalate").exists()
    monkeypatch.undo()

    with at(TODAY):
        assert public_report_transfers_daily() == {"reminded": 0, "escalated": 1}
    assert not Notification.objects.filter(event=PUBLIC_REPORT_TRANSFER_REMINDER, recipient=officer).exists()
    assert Notification.objects.filter(
        event=PUBLIC_REPORT_TRANSFER_OVERDUE, object_id=str(overdue.pk)
    ).exists()
