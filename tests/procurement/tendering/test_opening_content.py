"""The opening keeps each opened bid's proposal and files in clear as restricted documents owned by
the bid (so that the panel and the officers can read them); nothing of the kind exists before the
opening, and opening twice stores nothing twice."""

import pytest
from django.contrib.contenttypes.models import ContentType

from core.documents import documents_of
from core.models import Document, DocumentType, DocumentVisibility
from procurement.models import Bid
from procurement.tendering.services.opening import proposal_docx, proposal_text, tender_open_bids
from tests.procurement.bidding import bidder, close_and_open, docx_with, pdf_with, published_tender, submit

pytestmark = pytest.mark.django_db

PROPOSAL = "服务方案：每周上门三次。\n第二行 <b>&amp; 原样</b>"


def _bid_documents():
    return Document.objects.filter(owner_content_type=ContentType.objects.get_for_model(Bid))


@pytest.fixture
def tender_with_bids():
    tender, officer = published_tender()
    organization, user = bidder()
    bid = submit(tender, organization, user, proposal=PROPOSAL, files=[pdf_with("甲"), docx_with("乙")])
    for price in ("500000", "550000"):
        other, other_user = bidder()
        submit(tender, other, other_user, price=price)
    return tender, officer, bid


def test_no_bid_document_exists_before_the_opening(tender_with_bids):
    assert not _bid_documents().exists()


def test_opening_keeps_the_proposal_and_each_file_as_restricted_documents_of_the_bid(tender_with_bids):
    tender, _officer, bid = tender_with_bids
    close_and_open(tender)
    documents = list(documents_of(bid).order_by("pk"))
    assert [d.document_type for d in documents] == [
        DocumentType.BID_PROPOSAL,
        DocumentType.SUBMISSION_DOCUMENTS,
        DocumentType.SUBMISSION_DOCUMENTS,
    ]
    assert {d.visibility for d in documents} == {DocumentVisibility.RESTRICTED}
    assert [d.original_filename for d in documents[1:]] == ["proposal.pdf", "plan.docx"]
    with documents[0].file.open("rb") as handle:
        assert proposal_text(handle.read()) == PROPOSAL
    with documents[1].file.open("rb") as handle:
        assert "甲".encode() in handle.read()
    # The other bids had a proposal and no file.
    assert _bid_documents().count() == 3 + 2


def test_opening_twice_stores_nothing_twice(tender_with_bids):
    tender, _officer, _bid = tender_with_bids
    close_and_open(tender)
    count = _bid_documents().count()
    tender_open_bids(actor=None, tender=tender)
    close_and_open(tender)
    assert _bid_documents().count() == count


def test_the_proposal_document_reads_back_exactly():
    text = '第一段\r\n第二段 <tag> & "引号"\n\n空行之后'
    assert proposal_text(proposal_docx(text)) == text.replace("\r\n", "\n")
    assert proposal_text(b"not a zip") == ""
