"""A call goes to approval only with its bidding documents (采购文件): `tender_submit` refuses
without them, and the publication checks the approval task runs name them."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from core.models import DocumentType
from procurement.models import TenderStatus
from procurement.tendering.checks import tender_publication_problems
from procurement.tendering.services.documents import tender_document_upload
from procurement.tendering.services.tenders import tender_submit
from tests.procurement.factories import make_tender

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def tender():
    return make_tender(bidding_documents=False)


def upload(officer, tender, kind):
    return tender_document_upload(
        actor=officer,
        tender=tender,
        file=SimpleUploadedFile("文件.pdf", PDF, content_type="application/pdf"),
        document_type=kind,
    )


def test_submit_is_refused_without_bidding_documents_with_a_chinese_message(tender, officer):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        tender_submit(actor=officer, tender=tender)
    assert any("尚未上传采购文件" in message for message in refused.value.messages)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.DRAFT


def test_other_call_documents_do_not_replace_the_bidding_documents(tender, officer):
    upload(officer, tender, DocumentType.TECHNICAL_SPECIFICATIONS)
    with pytest.raises(ValidationError):
        tender_submit(actor=officer, tender=tender)


def test_submit_is_accepted_with_bidding_documents(tender, officer):
    upload(officer, tender, DocumentType.BIDDING_DOCUMENTS)
    tender_submit(actor=officer, tender=tender)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PENDING_APPROVAL


def test_the_publication_checks_name_the_missing_bidding_documents(tender, officer):
    with translation.override("zh-hans"):
        assert any("采购文件" in problem for problem in tender_publication_problems(tender))
        upload(officer, tender, DocumentType.BIDDING_DOCUMENTS)
        assert not any("采购文件" in problem for problem in tender_publication_problems(tender))
