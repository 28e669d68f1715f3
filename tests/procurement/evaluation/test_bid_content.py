"""The opened bid's content pages: the proposal and files are read by the tender's officers and the
panel members who declared no conflict (PDF and images inline, other files as downloads), linked
from the scoring and lot evaluation pages; everyone else gets a 404; every reading is audited
(never the content itself); the page's queries do not grow with the number of files."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from audit.models import Event
from core.documents import can_view_document, documents_of
from core.models import Document, DocumentType
from procurement.evaluation.services.panels import panel_create, panel_draw, panel_member_declare
from procurement.models import Bid, MemberStatus
from tests.factories import TEST_PASSWORD, staff_user
from tests.procurement.bidding import bidder, close_and_open, docx_with, pdf_with, published_tender, submit
from tests.procurement.evaluating import make_expert

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PROPOSAL = "服务方案：每周上门三次。\n配备持证社工两名。"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)


def png_file(name="site.png"):
    return SimpleUploadedFile(name, PNG + b"\x00" * 64, content_type="image/png")


@pytest.fixture
def opened():
    """An opened tender: the first bid has a proposal, a PDF, a Word file and an image; a drawn
    panel whose first member declared no conflict, the second not."""
    tender, officer = published_tender()
    organization, user = bidder()
    bid = submit(
        tender, organization, user, proposal=PROPOSAL, files=[pdf_with("甲"), docx_with("乙"), png_file()]
    )
    others = []
    for price in ("500000", "550000"):
        other, other_user = bidder()
        others.append(submit(tender, other, other_user, price=price, files=[pdf_with("丙")]))
    close_and_open(tender)
    for _n in range(5):
        make_expert(officer)
    panel = panel_create(actor=officer, lot=tender.lots.get(), size=3, external_count=3)
    panel_draw(actor=officer, panel=panel)
    invited = list(panel.members.filter(status=MemberStatus.INVITED).order_by("pk"))
    panel_member_declare(actor=invited[0].user, member=invited[0])
    bid.refresh_from_db()
    documents = {d.original_filename: d for d in documents_of(bid)}
    return {
        "tender": tender,
        "officer": officer,
        "bid": bid,
        "others": others,
        "bidder": user,
        "seat": invited[0],
        "declared": invited[0].user,
        "undeclared": invited[1].user,
        "documents": documents,
    }


def _client(client, user):
    if user is not None:
        assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def _page(bid):
    return reverse("procurement:bid_content", args=[bid.pk])


def _file(bid, document):
    return reverse("procurement:bid_content_file", args=[bid.pk, document.public_id])


@pytest.mark.parametrize("who", ["officer", "declared"])
def test_officer_and_declared_member_read_the_proposal_and_the_files(client, opened, who):
    client = _client(client, opened[who])
    bid, documents = opened["bid"], opened["documents"]
    page = client.get(_page(bid))
    assert page.status_code == 200
    html = page.content.decode()
    assert "服务方案：每周上门三次。" in html and "配备持证社工两名。" in html
    for name in ("proposal.pdf", "plan.docx", "site.png"):
        assert _file(bid, documents[name]) in html
    pdf = client.get(_file(bid, documents["proposal.pdf"]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("inline")
    assert "甲".encode() in b"".join(pdf.streaming_content)
    image = client.get(_file(bid, documents["site.png"]))
    assert image["Content-Type"] == "image/png" and image["Content-Disposition"].startswith("inline")
    word = client.get(_file(bid, documents["plan.docx"]))
    assert word["Content-Disposition"].startswith("attachment")
    assert word["Content-Type"] == DOCX


@pytest.mark.parametrize(
    "who", ["undeclared", "other_organization", "public", "other_unit_officer", "supervisor"]
)
def test_everyone_else_gets_a_404_for_the_page_and_the_files(client, opened, who):
    users = {
        "undeclared": opened["undeclared"],
        "other_organization": bidder()[1],
        "public": None,
        "other_unit_officer": staff_user(Role.PROCUREMENT_OFFICER),
        "supervisor": staff_user(Role.SUPERVISOR),
    }
    client = _client(client, users[who])
    bid, document = opened["bid"], opened["documents"]["proposal.pdf"]
    assert client.get(_page(bid)).status_code == 404
    assert client.get(_file(bid, document)).status_code == 404
    assert not Event.objects.filter(action__in=["bid.view_content", "bid.view_file"]).exists()


def test_a_document_of_another_bid_is_not_served_under_this_bid(client, opened):
    client = _client(client, opened["officer"])
    other_document = (
        documents_of(opened["others"][0]).filter(document_type=DocumentType.SUBMISSION_DOCUMENTS).get()
    )
    assert client.get(_file(opened["bid"], other_document)).status_code == 404


def test_the_generic_document_download_serves_bid_content_to_nobody(client, opened):
    """Only the audited bid pages serve it: the registry refuses even the readers."""
    document = opened["documents"]["proposal.pdf"]
    for user in (opened["officer"], opened["declared"], opened["undeclared"], opened["bidder"]):
        assert not can_view_document(user, document)
    client = _client(client, opened["officer"])
    assert client.get(reverse("core:document_download", args=[document.public_id])).status_code == 404


def test_every_reading_is_audited_without_the_content(client, opened):
    client = _client(client, opened["declared"])
    bid, document = opened["bid"], opened["documents"]["proposal.pdf"]
    for _n in range(2):
        client.get(_page(bid))
        b"".join(client.get(_file(bid, document)).streaming_content)
    pages = Event.objects.filter(action="bid.view_content", object_id=str(bid.pk))
    files = Event.objects.filter(action="bid.view_file", object_id=str(bid.pk))
    assert pages.count() == 2 and files.count() == 2
    assert {e.actor_id for e in [*pages, *files]} == {opened["declared"].pk}
    assert files.first().after["document"] == str(document.public_id)
    for event in [*pages, *files]:
        assert "服务方案" not in str(event.after) and "甲" not in str(event.after)


def test_the_scoring_pages_and_the_lot_page_link_to_each_bid(client, opened):
    bid, seat = opened["bid"], opened["seat"]
    expert = _client(client, opened["declared"])
    overview = expert.get(reverse("procurement:expert_scoring", args=[seat.pk])).content.decode()
    for each in (bid, *opened["others"]):
        assert _page(each) in overview
    scoring = expert.get(reverse("procurement:expert_score_bid", args=[seat.pk, bid.pk])).content.decode()
    assert _page(bid) in scoring
    expert.logout()
    officer = _client(client, opened["officer"])
    lot_page = officer.get(reverse("procurement:evaluation_lot", args=[bid.lot_id])).content.decode()
    for each in (bid, *opened["others"]):
        assert _page(each) in lot_page


def test_the_lot_page_shows_no_link_to_staff_who_may_not_read_bids(client, opened):
    supervisor = _client(client, staff_user(Role.SUPERVISOR))
    response = supervisor.get(reverse("procurement:evaluation_lot", args=[opened["bid"].lot_id]))
    assert response.status_code == 200
    assert _page(opened["bid"]) not in response.content.decode()


def test_the_content_page_queries_do_not_grow_with_the_files(client, opened, django_assert_max_num_queries):
    client = _client(client, opened["officer"])
    few = opened["others"][0]  # one file
    many = opened["bid"]  # proposal and three files
    with CaptureQueriesContext(connection) as one:
        assert client.get(_page(few)).status_code == 200
    with CaptureQueriesContext(connection) as three:
        assert client.get(_page(many)).status_code == 200
    assert len(one) == len(three)
    with django_assert_max_num_queries(len(three)):
        client.get(_page(many))


def test_bid_documents_exist_only_for_opened_bids():
    tender, _officer = published_tender()
    organization, user = bidder()
    submit(tender, organization, user, files=[pdf_with()])
    assert not Document.objects.filter(owner_content_type=ContentType.objects.get_for_model(Bid)).exists()
