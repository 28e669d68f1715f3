"""Public reports from every channel (来信、来访、来电、网络、明察暗访) and their transfer (转办) to the
department responsible: recording by supervisors (deadline from the day received, contact kept
private), transfer with its due date, the department's answer (its officers only, per object),
re-transfer, the daily reminder and one-time escalation with the red light, the reporter's status
page (status only), statistics by channel, the workbench section and the lists' query counts."""

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from audit.labels import has_label
from audit.models import Event
from cms.workbench import workbench_sections
from core.documents import documents_of
from core.models import DocumentVisibility, Notification
from procurement import rules
from procurement.models import TenderStatus
from procurement.supervision import tasks
from procurement.supervision.board import item_lights
from procurement.supervision.events import (
    PUBLIC_REPORT_TRANSFER_ANSWERED,
    PUBLIC_REPORT_TRANSFER_OVERDUE,
    PUBLIC_REPORT_TRANSFER_REMINDER,
    PUBLIC_REPORT_TRANSFERRED,
)
from procurement.supervision.lights import RED, annotate_public_reports, explain_public_report
from procurement.supervision.models import (
    LightKind,
    PublicReport,
    PublicReportChannel,
    PublicReportStatus,
    PublicReportTransfer,
)
from procurement.supervision.services.public_reports import (
    public_report_accept,
    public_report_conclude,
    public_report_record,
)
from procurement.supervision.services.transfers import (
    public_report_transfer,
    public_report_transfer_answer,
    public_report_transfers_daily,
)
from tests.factories import DepartmentFactory, UserFactory, staff_user
from tests.procurement.bidding import pdf_with
from tests.procurement.factories import TenderFactory
from tests.procurement.supervising import at, file_report

pytestmark = pytest.mark.django_db

NOTE = "请核查服务记录并约谈机构负责人【内部意见】"
ANSWER = "经核查，上门次数不足三次【部门答复】"
CONTACT = {
    "contact_name": "李来电",
    "contact_phone": "13700002222",
    "contact_email": "caller@example.com",
    "contact_address": "幸福路 88 号 3 单元",
}


@pytest.fixture
def tender():
    return TenderFactory(status=TenderStatus.PUBLISHED, reference="JB-2026-016")


@pytest.fixture
def supervisor():
    return staff_user(Role.SUPERVISOR)


@pytest.fixture
def department():
    return DepartmentFactory(name="区养老服务科")


@pytest.fixture
def officer(department):
    return staff_user(Role.PROCUREMENT_OFFICER, department=department)


def record(supervisor, tender, **kwargs):
    kwargs.setdefault("channel", PublicReportChannel.PHONE)
    kwargs.setdefault("received_on", dt.date.today())
    kwargs.setdefault("description", "来电反映：服务机构上门服务次数不足。")
    return public_report_record(actor=supervisor, target_kind="tender", tender=tender, **kwargs)


def accepted(supervisor, tender, **kwargs):
    report = record(supervisor, tender, **kwargs)
    return public_report_accept(actor=supervisor, report=report)


def test_rule_defaults_are_pinned():
    assert rules.public_report_transfer_working_days() == 10
    assert rules.public_report_transfer_reminder_working_days() == 2
    assert rules.public_report_received_max_age_days() == 90


def test_existing_and_web_reports_are_web_received_the_day_filed(tender):
    report = file_report(tender=tender)
    assert report.channel == PublicReportChannel.WEB
    assert report.received_on == report.filed_at.astimezone().date()
    assert report.recorded_by is None


def test_a_supervisor_records_a_phone_report_whose_acceptance_runs_from_the_day_received(tender, supervisor):
    # received the day before the National Day holiday (1–7 October 2026; 10 October is worked):
    # 5 working days are 30 Sep, 8, 9, 10 and 12 October
    with at(dt.date(2026, 10, 9)):
        report = record(supervisor, tender, received_on=dt.date(2026, 9, 29), **CONTACT)
    assert (report.channel, report.received_on, report.recorded_by) == (
        PublicReportChannel.PHONE,
        dt.date(2026, 9, 29),
        supervisor,
    )
    assert report.accept_due_on == dt.date(2026, 10, 12)
    assert report.status == PublicReportStatus.SUBMITTED and report.filed_by is None
    event = Event.objects.get(object_type="procurement.publicreport", object_id=str(report.pk))
    assert event.action == "public_report.record" and event.actor_id == supervisor.pk
    assert event.after["channel"] == "phone" and event.after["contact_given"] is True
    for value in CONTACT.values():
        assert value not in str(event.after)


def test_the_reporter_is_emailed_the_tracking_number_when_an_email_was_given(
    tender, supervisor, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report = record(supervisor, tender, **CONTACT)
    to_reporter = [m for m in mail.outbox if m.to == ["caller@example.com"]]
    assert len(to_reporter) == 1 and report.tracking_number in to_reporter[0].body
    # the supervisors are told as of a web report (the reporter's contact is not in their email)
    assert all("13700002222" not in m.body for m in mail.outbox if m not in to_reporter)


@pytest.mark.parametrize("role", [Role.BUREAU_ADMIN, Role.PROCUREMENT_OFFICER, Role.BUREAU_APPROVER])
def test_only_supervisors_record(tender, role):
    with pytest.raises(PermissionDenied):
        record(staff_user(role), tender)


@pytest.mark.parametrize(
    "changes",
    [
        {"channel": PublicReportChannel.WEB},
        {"channel": "fax"},
        {"received_on": dt.date.today() + dt.timedelta(days=1)},
        {"received_on": dt.date.today() - dt.timedelta(days=91)},
    ],
)
def test_recording_refuses_the_web_channel_and_impossible_dates(tender, supervisor, changes):
    with pytest.raises(ValidationError):
        record(supervisor, tender, **changes)
    assert not PublicReport.objects.exists()


def test_the_recording_page_gives_the_tracking_number_and_keeps_scans_restricted(client, tender, supervisor):
    url = reverse("procurement:public_report_record")
    for role, status in ((Role.BUREAU_ADMIN, 403), (Role.PROCUREMENT_OFFICER, 403)):
        client.force_login(staff_user(role))
        assert client.get(url).status_code == status
    client.force_login(supervisor)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "channel": "letter",
            "received_on": dt.date.today().isoformat(),
            "target_kind": "tender",
            "target_reference": tender.reference,
            "description": "来信反映评审现场有人打招呼。",
            "contact_name": "张来信",
            "contact_address": "人民路 1 号",
            "files": [pdf_with("来信扫描件", name="来信.pdf")],
        },
        follow=True,
    )
    report = PublicReport.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "procurement:public_report_staff_detail", args=[report.pk]
    )
    body = response.content.decode()
    assert report.tracking_number in body and "人民路 1 号" in body
    assert report.channel == PublicReportChannel.LETTER and report.contact_address == "人民路 1 号"
    document = documents_of(report).get()
    assert document.visibility == DocumentVisibility.RESTRICTED


def test_transfer_with_default_due_date_then_answer_then_retransfer_then_conclude(
    tender, supervisor, department, officer, django_capture_on_commit_callbacks
):
    with at(dt.date(2026, 9, 29)):
        report = accepted(supervisor, tender)
        with django_capture_on_commit_callbacks(execute=True):
            transfer = public_report_transfer(
                actor=supervisor, report=report, department=department, note=NOTE
            )
        # 10 working days from 29 September over the holiday: 30 Sep, 8, 9, 10, 12–16, 19 October
        assert transfer.due_on == dt.date(2026, 10, 19)
        with pytest.raises(ValidationError):  # one open transfer at a time
            public_report_transfer(actor=supervisor, report=report, department=DepartmentFactory())
    told = Notification.objects.filter(event=PUBLIC_REPORT_TRANSFERRED)
    assert list(told.values_list("recipient_id", flat=True)) == [officer.pk]

    with django_capture_on_commit_callbacks(execute=True):
        public_report_transfer_answer(actor=officer, transfer=transfer, answer=ANSWER)
    transfer.refresh_from_db()
    assert (transfer.answer, transfer.answered_by) == (ANSWER, officer) and transfer.answered_at
    answered = Notification.objects.filter(event=PUBLIC_REPORT_TRANSFER_ANSWERED)
    assert list(answered.values_list("recipient_id", flat=True)) == [supervisor.pk]
    with pytest.raises(ValidationError):
        public_report_transfer_answer(actor=officer, transfer=transfer, answer="再答一次")

    # the answer is not enough: sent back to the same department with a date of the supervisor's
    again = public_report_transfer(
        actor=supervisor, report=report, department=department, due_on=dt.date.today() + dt.timedelta(days=3)
    )
    assert again.pk != transfer.pk and again.is_open
    public_report_transfer_answer(actor=officer, transfer=again, answer="已补充核查材料。")
    public_report_conclude(
        actor=supervisor, report=report, outcome="substantiated", summary="经查属实，已整改。"
    )
    actions = list(
        Event.objects.filter(object_type="procurement.publicreport", object_id=str(report.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "public_report.record",
        "public_report.accept",
        "public_report.transfer",
        "public_report.transfer_answer",
        "public_report.transfer",
        "public_report.transfer_answer",
        "public_report.conclude",
    ]
    assert all(has_label(action) for action in actions)
    assert NOTE not in str(list(Event.objects.values_list("after", flat=True)))


def test_only_supervisors_transfer_and_only_accepted_reports(tender, supervisor, department):
    report = record(supervisor, tender)
    with pytest.raises(ValidationError):
        public_report_transfer(actor=supervisor, report=report, department=department)
    report = public_report_accept(actor=supervisor, report=report)
    for role in (Role.BUREAU_ADMIN, Role.PROCUREMENT_OFFICER):
        with pytest.raises(PermissionDenied):
            public_report_transfer(actor=staff_user(role), report=report, department=department)
    with pytest.raises(ValidationError):
        public_report_transfer(
            actor=supervisor,
            report=report,
            department=department,
            due_on=dt.date.today() - dt.timedelta(days=1),
        )


def test_only_officers_of_the_department_answer_on_the_server(
    client, tender, supervisor, department, officer
):
    transfer = public_report_transfer(
        actor=supervisor, report=accepted(supervisor, tender), department=department
    )
    other_department_officer = staff_user(Role.PROCUREMENT_OFFICER, department=DepartmentFactory())
    same_department_reader = staff_user(Role.BUREAU_APPROVER, department=department)
    for user in (other_department_officer, same_department_reader, supervisor):
        with pytest.raises(PermissionDenied):
            public_report_transfer_answer(actor=user, transfer=transfer, answer="越权答复")

    detail = reverse("procurement:public_report_transfer_detail", args=[transfer.pk])
    listing = reverse("procurement:public_report_transfer_list")
    for user in (other_department_officer, same_department_reader, UserFactory(roles=[Role.VOLUNTEER])):
        client.force_login(user)
        assert client.get(detail).status_code == 403
        assert client.post(detail, {"answer": "越权答复"}).status_code == 403
    client.force_login(other_department_officer)
    assert transfer.report.tracking_number not in client.get(listing).content.decode()
    client.force_login(supervisor)  # reads it, does not answer it
    page = client.get(detail)
    assert page.status_code == 200 and NOTE not in page.content.decode()
    assert client.post(detail, {"answer": "监督答复"}).status_code == 403

    client.force_login(officer)
    assert transfer.report.tracking_number in client.get(listing).content.decode()
    page = client.get(detail).content.decode()
    assert "13700002222" not in page  # the department never sees the reporter's contact
    response = client.post(detail, {"answer": ANSWER})
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.answer == ANSWER and transfer.answered_by == officer
    assert PublicReportTransfer.objects.get().answered_at is not None


def test_the_supervisor_transfers_on_the_report_page(client, tender, supervisor, department):
    report = accepted(supervisor, tender)
    client.force_login(supervisor)
    url = reverse("procurement:public_report_staff_detail", args=[report.pk])
    response = client.post(
        url, {"action": "transfer", "transfer-department": department.pk, "transfer-note": NOTE}
    )
    assert response.status_code == 302
    transfer = PublicReportTransfer.objects.get()
    assert (transfer.department, transfer.note, transfer.transferred_by) == (department, NOTE, supervisor)
    body = client.get(url).content.decode()
    assert "data-report-transfers" in body and NOTE in body
    client.force_login(staff_user(Role.BUREAU_ADMIN))
    assert client.post(url, {"action": "transfer", "transfer-department": department.pk}).status_code == 403


def test_reminder_once_before_the_due_date_and_escalation_once_when_overdue(
    tender, supervisor, department, officer, django_capture_on_commit_callbacks
):
    bureau_admin = staff_user(Role.BUREAU_ADMIN)
    with at(dt.date(2026, 11, 2)):  # a Monday
        report = accepted(supervisor, tender)
        transfer = public_report_transfer(
            actor=supervisor, report=report, department=department, due_on=dt.date(2026, 11, 5)
        )
        quiet = public_report_transfer(
            actor=supervisor,
            report=accepted(supervisor, tender),
            department=department,
            due_on=dt.date(2026, 12, 1),
        )
    with at(dt.date(2026, 11, 3)), django_capture_on_commit_callbacks(execute=True):
        assert public_report_transfers_daily() == {"reminded": 1, "escalated": 0}
        assert public_report_transfers_daily() == {"reminded": 0, "escalated": 0}
    reminded = Notification.objects.filter(event=PUBLIC_REPORT_TRANSFER_REMINDER)
    assert list(reminded.values_list("recipient_id", flat=True)) == [officer.pk]
    with at(dt.date(2026, 11, 5)):
        assert explain_public_report(report, dt.date(2026, 11, 5)).colour != RED

    with at(dt.date(2026, 11, 6)), django_capture_on_commit_callbacks(execute=True):
        # through the Celery task (eager in tests), as the beat schedule runs it
        assert tasks.public_report_transfers_daily.delay().get() == {"reminded": 0, "escalated": 1}
        assert tasks.public_report_transfers_daily.delay().get() == {"reminded": 0, "escalated": 0}
    transfer.refresh_from_db()
    quiet.refresh_from_db()
    assert transfer.escalated_at is not None and quiet.escalated_at is None and quiet.reminded_at is None
    escalated = Notification.objects.filter(event=PUBLIC_REPORT_TRANSFER_OVERDUE)
    assert set(escalated.values_list("recipient_id", flat=True)) == {supervisor.pk, bureau_admin.pk}
    actions = list(
        Event.objects.filter(object_id=str(report.pk), action__startswith="public_report.transfer_")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["public_report.transfer_remind", "public_report.transfer_escalate"]
    beat = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "procurement.public_report_transfers_daily" in beat


def test_an_overdue_transfer_turns_the_light_red_on_the_board_and_on_the_item(
    tender, supervisor, department, officer
):
    with at(dt.date(2026, 11, 2)):
        report = accepted(supervisor, tender)  # its own answer is due in 15 working days: green
        transfer = public_report_transfer(
            actor=supervisor, report=report, department=department, due_on=dt.date(2026, 11, 3)
        )
    later = dt.date(2026, 11, 4)
    light = explain_public_report(PublicReport.objects.get(pk=report.pk), later)
    assert (light.colour, light.cause, light.due) == (RED, "transfer_answer", dt.date(2026, 11, 3))
    annotated = annotate_public_reports(PublicReport.objects.filter(pk=report.pk), later).get()
    assert annotated.light == RED
    assert explain_public_report(annotated, later).colour == RED
    assert item_lights(LightKind.PUBLIC_REPORT, [annotated], later)[0].colour == RED
    # answered: the report's own due date decides again
    public_report_transfer_answer(actor=officer, transfer=transfer, answer=ANSWER)
    assert annotate_public_reports(PublicReport.objects.filter(pk=report.pk), later).get().light != RED
    assert explain_public_report(PublicReport.objects.get(pk=report.pk), later).colour != RED


def test_the_status_page_says_transferred_but_shows_no_internal_detail(
    client, tender, supervisor, department, officer
):
    report = accepted(supervisor, tender, **CONTACT)
    transfer = public_report_transfer(actor=supervisor, report=report, department=department, note=NOTE)
    status = reverse("procurement:public_report_status", args=[report.tracking_number])
    client.force_login(UserFactory(roles=[Role.VOLUNTEER]))
    body = client.get(status, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "转办处理中" in body and "来电" in body
    public_report_transfer_answer(actor=officer, transfer=transfer, answer=ANSWER)
    client.logout()
    body = client.get(status).content.decode()
    assert "转办处理中" not in body
    for private in (NOTE, ANSWER, department.name, supervisor.username, officer.username, *CONTACT.values()):
        assert private not in body


def test_statistics_count_by_channel_without_personal_data(client, tender, supervisor):
    file_report(tender=tender)
    record(supervisor, tender, **CONTACT)
    record(supervisor, tender, channel=PublicReportChannel.INSPECTION)
    page = client.get(reverse("procurement:public_report_statistics"))
    by_channel = dict(page.context["by_channel"])
    assert by_channel[PublicReportChannel.WEB.label] == 1
    assert by_channel[PublicReportChannel.PHONE.label] == 1
    assert by_channel[PublicReportChannel.INSPECTION.label] == 1
    assert by_channel[PublicReportChannel.LETTER.label] == 0
    body = page.content.decode()
    assert "data-by-channel" in body
    for value in CONTACT.values():
        assert value not in body


def test_the_workbench_shows_transfers_to_department_officers_only(tender, supervisor, department, officer):
    public_report_transfer(actor=supervisor, report=accepted(supervisor, tender), department=department)
    url = reverse("procurement:public_report_transfer_list")

    def links(user):
        return [link for section in workbench_sections(user) for link in section.links if link.url == url]

    [link] = links(officer)
    assert "1" in str(link.label)
    assert links(staff_user(Role.PROCUREMENT_OFFICER, department=DepartmentFactory()))[0].label != link.label
    assert links(staff_user(Role.PROCUREMENT_OFFICER, department=None)) == []
    assert links(staff_user(Role.BUREAU_APPROVER, department=department)) == []
    assert links(UserFactory(roles=[Role.VOLUNTEER])) == []


def test_transfer_list_query_count_does_not_grow_with_transfers(
    client, tender, supervisor, department, officer
):
    url = reverse("procurement:public_report_transfer_list")

    def transfers(n):
        for _ in range(n):
            public_report_transfer(
                actor=supervisor, report=accepted(supervisor, tender), department=department
            )

    for user in (officer, supervisor):
        PublicReportTransfer.objects.all().delete()
        transfers(2)
        client.force_login(user)
        with CaptureQueriesContext(connection) as few:
            assert client.get(url).status_code == 200
        transfers(12)
        with CaptureQueriesContext(connection) as many:
            assert client.get(url).status_code == 200
        assert len(many) == len(few)


def test_staff_list_query_count_stays_the_same_with_recorded_reports(client, tender, supervisor):
    client.force_login(supervisor)
    url = reverse("procurement:public_report_staff_list")
    record(supervisor, tender)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for channel in ("letter", "visit", "phone", "inspection") * 3:
        record(supervisor, tender, channel=channel)
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()
    assert len(many) == len(few)
    assert "明察暗访" in body or "Inspection" in body


def test_concluding_a_report_closes_its_unanswered_transfer_for_the_department(
    client, tender, supervisor, department, officer
):
    report = accepted(supervisor, tender)
    transfer = public_report_transfer(actor=supervisor, report=report, department=department)
    public_report_conclude(actor=supervisor, report=report, outcome="unsubstantiated", summary="经查不属实。")
    assert not PublicReportTransfer.objects.open().exists()
    with pytest.raises(ValidationError):
        public_report_transfer_answer(actor=officer, transfer=transfer, answer=ANSWER)
    assert public_report_transfers_daily(dt.date.today() + dt.timedelta(days=60)) == {
        "reminded": 0,
        "escalated": 0,
    }
    client.force_login(officer)
    listing = reverse("procurement:public_report_transfer_list")
    assert report.tracking_number not in client.get(listing).content.decode()
    assert report.tracking_number in client.get(listing + "?state=all").content.decode()
    assert report.tracking_number not in client.get(listing + "?state=answered").content.decode()
    page = client.get(reverse("procurement:public_report_transfer_detail", args=[transfer.pk]))
    assert page.status_code == 200 and page.context["may_answer"] is False
