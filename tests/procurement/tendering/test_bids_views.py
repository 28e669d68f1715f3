"""Screens of sealed bids: submit (pre-filled, fill once), receipt, replace, withdraw with
confirmation, my bids (query count), staff counts, the call page before and after opening, and
the notification of a published call to organizations of its category."""

import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.views.debug import ExceptionReporter

from accounts.roles import Role
from cms.calls import CallForBidsIndexPage, CallForBidsPage
from core.documents import document_upload
from core.models import DocumentType, Notification
from orgs.models import QualificationDocument
from procurement.models import Bid, BidStatus
from procurement.tendering.services.bids import bid_read_own
from procurement.tendering.services.clarifications import tender_record_document_access
from procurement.tendering.views import bids as bid_views
from tests.factories import staff_user
from tests.orgs.factories import member
from tests.procurement.bidding import (
    MARKER_PRICE,
    bidder,
    close_and_open,
    pdf_with,
    published_tender,
    submit,
)
from tests.procurement.factories import BudgetLineFactory

pytestmark = pytest.mark.django_db


def _qualification(organization, title="登记证书"):
    document = document_upload(
        actor=None,
        owner=organization,
        file=pdf_with("qualification", "cert.pdf"),
        document_type=DocumentType.QUALIFICATION,
        title=title,
    )
    return QualificationDocument.objects.create(organization=organization, document=document)


def _page(tender):
    index = CallForBidsIndexPage.objects.get()
    page = CallForBidsPage(title=tender.title, slug=f"call-{tender.pk}", tender=tender)
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


def test_bid_form_is_prefilled_from_the_profile_and_stored_qualifications(client):
    tender, _officer = published_tender()
    organization, user = bidder(contact_name="王芳", contact_phone="025-88889999")
    qualification = _qualification(organization)
    client.force_login(user)
    response = client.get(reverse("procurement:bid_submit", args=[tender.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["contact_name"] == "王芳"
    assert form.initial["contact_phone"] == "025-88889999"
    assert form.initial["qualification_documents"] == [qualification.pk]


def test_submit_through_the_form_seals_and_shows_the_receipt(client):
    tender, _officer = published_tender()
    organization, user = bidder()
    qualification = _qualification(organization)
    client.force_login(user)
    response = client.post(
        reverse("procurement:bid_submit", args=[tender.pk]),
        {
            "organization": organization.pk,
            "lot": tender.lots.get().pk,
            "price": "450000.00",
            "proposal": "上门服务方案",
            "contact_name": "王芳",
            "contact_phone": "13800138123",
            "qualification_documents": [qualification.pk],
            "files": [pdf_with()],
        },
    )
    bid = Bid.objects.get()
    assert response.status_code == 302 and response.url == reverse("procurement:bid_detail", args=[bid.pk])
    page = client.get(response.url)
    body = page.content.decode()
    assert bid.receipt_hash in body and "450,000.00" in body and "proposal.pdf" in body
    assert timezone.localtime(bid.submitted_at).strftime("%Y-%m-%d %H:%M:%S") in body
    file_id = page.context["content"].files[0].id
    download = client.get(reverse("procurement:bid_file", args=[bid.pk, file_id]))
    assert download.status_code == 200 and b"SEALED-MARKER" in download.content


def test_upload_never_leaves_a_temporary_file(client, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # anything would go to a temporary file by default
    temp_dir = Path(tempfile.mkdtemp())
    settings.FILE_UPLOAD_TEMP_DIR = str(temp_dir)
    tender, _officer = published_tender()
    organization, user = bidder()
    client.force_login(user)
    response = client.post(
        reverse("procurement:bid_submit", args=[tender.pk]),
        {
            "organization": organization.pk,
            "lot": tender.lots.get().pk,
            "price": "450000.00",
            "proposal": "方案",
            "files": [pdf_with("x" * 5000)],
        },
    )
    assert response.status_code == 302
    assert list(temp_dir.iterdir()) == []


def test_too_large_upload_is_refused_without_reading_it(client, settings):
    settings.BID_UPLOAD_MAX_BYTES = 100
    tender, _officer = published_tender()
    organization, user = bidder()
    client.force_login(user)
    response = client.post(
        reverse("procurement:bid_submit", args=[tender.pk]),
        {"organization": organization.pk, "lot": tender.lots.get().pk, "price": "1", "proposal": "x",
         "files": [pdf_with("y" * 2_000_000)]},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Bid.objects.exists()


def test_form_errors_are_shown_not_500(client):
    tender, _officer = published_tender()
    organization, user = bidder()
    client.force_login(user)
    response = client.post(
        reverse("procurement:bid_submit", args=[tender.pk]),
        {"organization": organization.pk, "lot": tender.lots.get().pk, "price": "abc", "proposal": "x"},
    )
    assert response.status_code == 200 and response.context["form"].errors["price"]


def test_replace_and_withdraw_through_the_screens(client):
    tender, _officer = published_tender()
    organization, user = bidder()
    bid = submit(tender, organization, user, price="400000", files=[pdf_with("OLD")])
    client.force_login(user)
    assert client.get(reverse("procurement:bid_submit", args=[tender.pk])).url == reverse(
        "procurement:bid_replace", args=[bid.pk]
    )
    form_page = client.get(reverse("procurement:bid_replace", args=[bid.pk]))
    assert form_page.context["form"].initial["price"] == Decimal("400000.00")  # pre-filled from the own view
    content = bid_read_own(actor=user, bid=bid)
    response = client.post(
        reverse("procurement:bid_replace", args=[bid.pk]),
        {"organization": organization.pk, "lot": bid.lot_id, "price": "390000", "proposal": "新方案",
         "keep_files": [content.files[0].id]},
    )  # fmt: skip
    new = Bid.objects.get(status=BidStatus.SUBMITTED)
    assert response.url == reverse("procurement:bid_detail", args=[new.pk])
    assert [f.name for f in bid_read_own(actor=user, bid=new).files] == ["proposal.pdf"]
    confirm = client.get(reverse("procurement:bid_withdraw", args=[new.pk]))
    assert confirm.status_code == 200 and Bid.objects.get(pk=new.pk).status == BidStatus.SUBMITTED
    client.post(reverse("procurement:bid_withdraw", args=[new.pk]))
    assert Bid.objects.get(pk=new.pk).status == BidStatus.WITHDRAWN


@pytest.mark.parametrize("name", ["bid_detail", "bid_replace", "bid_withdraw"])
def test_other_organizations_and_staff_get_404_for_a_bid(client, name):
    tender, officer = published_tender()
    organization, user = bidder()
    bid = submit(tender, organization, user)
    for other in (bidder()[1], officer, staff_user(Role.SUPERVISOR)):
        client.force_login(other)
        assert client.get(reverse(f"procurement:{name}", args=[bid.pk])).status_code == 404


def test_my_bids_query_count_is_independent_of_rows(client):
    organization, user = bidder()
    client.force_login(user)
    tender, _officer = published_tender()
    submit(tender, organization, user)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("procurement:my_bids")).status_code == 200
        return len(ctx.captured_queries)

    count()
    small = count()
    for _ in range(4):
        other, _o = published_tender()
        submit(other, organization, user)
    assert count() == small


def test_staff_see_only_the_count_before_opening_then_the_record(client):
    tender, officer = published_tender()
    for price in ("300000", str(MARKER_PRICE)):
        organization, user = bidder()
        submit(tender, organization, user, price=price)
    client.force_login(officer)
    url = reverse("procurement:tender_bids_staff", args=[tender.pk])
    body = client.get(url).content.decode()
    assert "7654321" not in body and "300000" not in body and "测试社会组织" not in body
    assert client.get(url).context["summary"].total == 2
    close_and_open(tender)
    body = client.get(url).content.decode()
    assert "7,654,321.09" in body and "300,000.00" in body


def test_call_page_shows_nothing_about_bidders_before_opening_and_all_after(client):
    tender, _officer = published_tender()
    page = _page(tender)
    names = []
    for price in ("300000", "310000"):
        organization, user = bidder()
        names.append(organization.name)
        submit(tender, organization, user, price=price)
    body = client.get(page.url).content.decode()
    assert not any(name in body for name in names)
    assert "300000" not in body and "Bids received" not in body and "份投标" not in body
    close_and_open(tender)
    body = client.get(page.url).content.decode()
    assert all(name in body for name in names)
    assert "300,000.00" in body and "310,000.00" in body


def test_published_call_notifies_organizations_of_its_category(django_capture_on_commit_callbacks):
    line = BudgetLineFactory(amount="20000000")
    interested, interested_user = bidder()
    interested.service_categories.add(line.category)
    _other, other_user = bidder()
    with django_capture_on_commit_callbacks(execute=True):
        published_tender(budget_line=line)
    assert Notification.objects.filter(recipient=interested_user, event="procurement.call_published").exists()
    assert not Notification.objects.filter(recipient=other_user, event="procurement.call_published").exists()


def test_downloaders_are_never_shown_to_other_organizations_or_the_public(client):
    tender, _officer = published_tender()
    page = _page(tender)
    organization, downloader = bidder()
    downloader.display_name = "下载者甲某"
    downloader.save()
    tender_record_document_access(actor=downloader, tender=tender)
    rival = member(bidder()[0])
    for viewer in (None, rival):
        if viewer is None:
            client.logout()
        else:
            client.force_login(viewer)
        for url in (page.url, reverse("procurement:my_bids") if viewer else page.url):
            body = client.get(url).content.decode()
            assert (
                downloader.username not in body and "下载者甲某" not in body and organization.name not in body
            )
    assert not Notification.objects.filter(body__contains=downloader.username).exists()


def test_an_error_report_of_the_submit_view_hides_the_price_and_proposal(rf, monkeypatch):
    """Error emails (`sensitive_post_parameters`, `sensitive_variables`) never carry a sealed bid."""
    tender, _officer = published_tender()
    organization, user = bidder()

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(bid_views.bids_services, "bid_submit", broken)
    data = {"organization": organization.pk, "lot": tender.lots.get().pk, "price": str(MARKER_PRICE),
            "proposal": "SEALED-MARKER-b7e1c9d4"}  # fmt: skip
    request = rf.post(reverse("procurement:bid_submit", args=[tender.pk]), data)
    request.user = user
    request._dont_enforce_csrf_checks = True
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    with pytest.raises(RuntimeError) as excinfo:
        bid_views.bid_submit(request, tender_id=tender.pk)
    # From the view's frame down (the test's own frame holds the posted data).
    report = ExceptionReporter(request, excinfo.type, excinfo.value, excinfo.tb.tb_next, is_email=True)
    text = report.get_traceback_text() + report.get_traceback_html()
    assert "7654321" not in text and "SEALED-MARKER" not in text
    assert "boom" in text and "bid_submit" in text  # the frames are there, their secrets are not


def test_staff_bid_page_query_count_is_independent_of_bids(client):
    tender, officer = published_tender()
    client.force_login(officer)
    url = reverse("procurement:tender_bids_staff", args=[tender.pk])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    organization, user = bidder()
    submit(tender, organization, user)
    count()
    small = count()
    for _ in range(4):
        organization, user = bidder()
        submit(tender, organization, user)
    assert count() == small
