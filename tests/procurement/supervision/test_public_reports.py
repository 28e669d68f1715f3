"""Public reports (投诉举报): filing (anonymous allowed, documents restricted, rate-limited), the
tracking number and public status page without personal data, acceptance or decline by
supervisors only, handler and outcome, statistics, and the filer's email once per status."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import Event
from core.documents import can_view_document, documents_of
from procurement.models import PublicReport, PublicReportStatus, TenderStatus
from procurement.supervision.services.public_reports import (
    public_report_accept,
    public_report_conclude,
    public_report_decline,
    public_report_email_filer,
)
from tests.factories import UserFactory, staff_user
from tests.procurement.bidding import pdf_with
from tests.procurement.factories import TenderFactory
from tests.procurement.supervising import file_report

pytestmark = pytest.mark.django_db

FILE = reverse("procurement:public_report_file")
CONTACT = {"contact_name": "王举报", "contact_phone": "13900001111", "contact_email": "filer@example.com"}


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    # the rate-limit counters start empty (tests/conftest.py clears the cache, keeping the menu)
    yield
    cache.clear()


@pytest.fixture
def tender():
    return TenderFactory(status=TenderStatus.PUBLISHED, reference="JB-2026-001")


def _post(client, tender, **extra):
    data = {
        "target_kind": "tender",
        "target_reference": tender.reference,
        "description": "评审专家与投标人有利害关系。",
        **extra,
    }
    return client.post(FILE, data)


def test_anyone_files_a_report_and_gets_a_random_tracking_number(client, tender):
    response = _post(client, tender, **CONTACT)
    assert response.status_code == 302
    report = PublicReport.objects.get()
    assert report.filed_by is None and report.tender == tender
    filed = client.get(response.url)
    assert report.tracking_number in filed.content.decode()
    other = file_report(tender=tender)
    assert other.tracking_number != report.tracking_number
    assert report.tracking_number.startswith("JB") and len(report.tracking_number) == 14


def test_unknown_target_is_refused_with_a_form_error(client, tender):
    response = client.post(
        FILE,
        {"target_kind": "tender", "target_reference": "NOPE", "description": "x"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert response.context["form"].errors["target_reference"]
    assert not PublicReport.objects.exists()


def test_the_public_status_page_shows_no_personal_data(client, tender):
    report = file_report(tender=tender, **CONTACT)
    public_report_accept(actor=staff_user(Role.SUPERVISOR), report=report)
    page = client.get(reverse("procurement:public_report_status", args=[report.tracking_number.lower()]))
    body = page.content.decode()
    assert page.status_code == 200
    for secret in (*CONTACT.values(), report.description):
        assert secret not in body
    assert str(report.pk) not in page.context["report"].values()


def test_tracking_lookup_finds_the_report_and_refuses_unknown_numbers(client, tender):
    report = file_report(tender=tender)
    response = client.get(reverse("procurement:public_report_track"), {"number": report.tracking_number})
    assert response.status_code == 302
    response = client.get(reverse("procurement:public_report_track"), {"number": "JBXXXXXXXXXXXX"})
    assert response.status_code == 200 and response.context["form"].errors
    assert client.get(reverse("procurement:public_report_status", args=["JBXXXXXXXXXXXX"])).status_code == 404


def test_filing_is_rate_limited_per_session_with_a_clear_message(client, tender, settings):
    settings.PROCUREMENT_PUBLIC_REPORT_RATE_LIMIT = 2
    assert _post(client, tender).status_code == 302
    assert _post(client, tender).status_code == 302
    refused = _post(client, tender)
    assert refused.status_code == 429  # core.throttle: says when to try again
    [message] = refused.context["form"].non_field_errors()
    assert message.startswith("从这个网络连接提交的投诉举报过多。请于 ")
    assert PublicReport.objects.count() == 2


def test_filing_is_rate_limited_per_ip_across_sessions(client, tender, settings):
    settings.PROCUREMENT_PUBLIC_REPORT_RATE_LIMIT = 1
    assert _post(client, tender).status_code == 302
    assert _post(Client(), tender).status_code == 429  # same REMOTE_ADDR, new session
    assert PublicReport.objects.count() == 1


def test_signed_in_filer_may_stay_anonymous(client, tender):
    user = UserFactory()
    client.force_login(user)
    _post(client, tender, anonymous="on")
    anonymous_report = PublicReport.objects.get()
    assert anonymous_report.filed_by is None
    _post(client, tender)
    assert PublicReport.objects.filter(filed_by=user).count() == 1
    # The audit log keeps no trace of who filed anonymously: no actor and no client IP.
    filed = Event.objects.filter(action="public_report.file").order_by("seq")
    anonymous_event, named_event = filed[0], filed[1]
    assert anonymous_event.object_id == str(anonymous_report.pk)
    assert anonymous_event.actor is None and anonymous_event.ip_address is None
    assert named_event.actor == user and named_event.ip_address == "127.0.0.1"


def test_documents_are_seen_by_supervisors_only():
    tender = TenderFactory(status=TenderStatus.PUBLISHED)
    report = file_report(tender=tender, files=[pdf_with("证据")])
    document = documents_of(report).get()
    assert can_view_document(staff_user(Role.SUPERVISOR), document)
    for role in (Role.PROCUREMENT_OFFICER, Role.BUREAU_APPROVER, Role.REGISTRY_ADMIN):
        assert not can_view_document(staff_user(role), document)


@pytest.mark.parametrize("role", [Role.PROCUREMENT_OFFICER, Role.BUREAU_APPROVER, Role.BUREAU_ADMIN])
def test_only_supervisors_accept_or_decline(tender, role):
    report = file_report(tender=tender)
    with pytest.raises(PermissionDenied):
        public_report_accept(actor=staff_user(role), report=report)
    with pytest.raises(PermissionDenied):
        public_report_decline(actor=staff_user(role), report=report, reason="x")


def test_acceptance_sets_the_handler_and_a_due_date_15_working_days_later_and_is_audited(tender):
    supervisor, handler = staff_user(Role.SUPERVISOR), staff_user(Role.SUPERVISOR)
    report = file_report(tender=tender, **CONTACT)

    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 9, 30, 10)), tick=False):
        report = public_report_accept(actor=supervisor, report=report, handler=handler)
    assert (report.status, report.handler, report.due_on) == (
        PublicReportStatus.ACCEPTED,
        handler,
        dt.date(2026, 10, 27),
    )
    with pytest.raises(ValidationError):
        public_report_decline(actor=supervisor, report=report, reason="x")
    public_report_conclude(
        actor=supervisor, report=report, outcome="substantiated", summary="经查属实，已责令整改。"
    )
    actions = list(
        Event.objects.filter(object_type="procurement.publicreport").values_list("action", flat=True)
    )
    assert actions == ["public_report.file", "public_report.accept", "public_report.conclude"]
    for event in Event.objects.filter(object_type="procurement.publicreport"):
        assert "王举报" not in str(event.after) and "13900001111" not in str(event.after)


def test_decline_needs_a_reason_shown_on_the_status_page(client, tender):
    report = file_report(tender=tender)
    with pytest.raises(ValidationError):
        public_report_decline(actor=staff_user(Role.SUPERVISOR), report=report, reason=" ")
    public_report_decline(actor=staff_user(Role.SUPERVISOR), report=report, reason="不属于本局管辖。")
    page = client.get(reverse("procurement:public_report_status", args=[report.tracking_number]))
    assert "不属于本局管辖。" in page.content.decode()


def test_staff_screens_are_for_supervisors_and_bureau_admins(client, tender):
    report = file_report(tender=tender, **CONTACT)
    detail = reverse("procurement:public_report_staff_detail", args=[report.pk])
    for role, status in ((Role.SUPERVISOR, 200), (Role.BUREAU_ADMIN, 200), (Role.PROCUREMENT_OFFICER, 403)):
        client.force_login(staff_user(role))
        assert client.get(detail).status_code == status
        assert client.get(reverse("procurement:public_report_staff_list")).status_code == status
    client.force_login(staff_user(Role.BUREAU_ADMIN))
    assert client.post(detail, {"action": "decline", "decline-reason": "x"}).status_code == 403
    client.force_login(staff_user(Role.SUPERVISOR))
    response = client.post(detail, {"action": "decline", "decline-reason": "重复举报"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == PublicReportStatus.DECLINED


def test_staff_list_query_count_does_not_grow_with_reports(client, tender):
    client.force_login(staff_user(Role.SUPERVISOR))
    url = reverse("procurement:public_report_staff_list")
    for _ in range(3):
        file_report(tender=tender)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(15):
        file_report(tender=tender)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


def test_statistics_count_by_status_and_outcome_without_personal_data(client, tender):
    supervisor = staff_user(Role.SUPERVISOR)
    first = file_report(tender=tender, **CONTACT)
    public_report_accept(actor=supervisor, report=first)
    public_report_conclude(actor=supervisor, report=first, outcome="partly", summary="部分属实。")
    file_report(tender=tender)
    page = client.get(reverse("procurement:public_report_statistics"))
    assert page.status_code == 200
    assert page.context["total"] == 2
    assert dict(page.context["by_status"])[PublicReportStatus.CONCLUDED.label] == 1
    assert "王举报" not in page.content.decode() and first.tracking_number not in page.content.decode()


def test_statistics_are_read_from_a_summary_counted_once_per_change(client, tender):
    """Issue 17: the four counts are counted once and stored (`summaries.public_report_counts`); the
    next request reads the stored row instead of counting every report, and a new report counts."""
    url = reverse("procurement:public_report_statistics")
    file_report(tender=tender)
    assert client.get(url).context["total"] == 1
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    assert page.context["total"] == 1
    assert not [q["sql"] for q in queries.captured_queries if "procurement_publicreport" in q["sql"]]
    file_report(tender=tender)
    page = client.get(url)
    assert page.context["total"] == 2
    assert dict(page.context["by_status"])[PublicReportStatus.SUBMITTED.label] == 2


def test_filer_is_emailed_once_per_status_and_only_with_an_email(tender):
    with_email = file_report(tender=tender, **CONTACT)
    without = file_report(tender=tender)
    mail.outbox.clear()
    assert public_report_email_filer(report_id=with_email.pk)
    assert not public_report_email_filer(report_id=with_email.pk)
    assert not public_report_email_filer(report_id=without.pk)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["filer@example.com"] and with_email.tracking_number in mail.outbox[0].body


def test_evidence_is_listed_on_the_staff_detail_and_downloaded_by_supervisors_only(client, tender):
    report = file_report(tender=tender, files=[pdf_with("证据", name="现场照片.pdf")])
    document = documents_of(report).get()
    link = reverse("core:document_download", args=[document.public_id])
    detail = reverse("procurement:public_report_staff_detail", args=[report.pk])
    client.force_login(staff_user(Role.SUPERVISOR))
    body = client.get(detail).content.decode()
    assert "data-report-evidence" in body and link in body and "现场照片.pdf" in body
    assert timezone.localtime(document.uploaded_at).strftime("%Y-%m-%d %H:%M") in body
    assert client.get(link).status_code == 200
    client.force_login(staff_user(Role.PROCUREMENT_OFFICER))
    assert client.get(detail).status_code == 403
    assert client.get(link).status_code == 404
    status = client.get(reverse("procurement:public_report_status", args=[report.tracking_number]))
    assert link not in status.content.decode()
