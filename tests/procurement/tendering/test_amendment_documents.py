"""Amendments carry replacement documents: the officer's amendment form takes several files, the
amendment service stores them as public call documents linked to the amendment, and they appear on
the call (its public documents) and the officer's tender page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from accounts.roles import Role
from core.documents import can_view_document
from core.models import DocumentType, DocumentVisibility
from procurement.models import TenderAmendment
from procurement.tendering.selectors import tender_public_documents
from procurement.tendering.services.documents import (
    amendment_documents,
    tender_document_upload,
    tender_documents,
)
from procurement.tendering.services.tenders import tender_amend, tender_publish, tender_submit
from tests.factories import TEST_PASSWORD, UserFactory, staff_user

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf(name):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def published(tender, officer):
    tender_document_upload(
        actor=officer, tender=tender, file=pdf("采购文件.pdf"), document_type=DocumentType.BIDDING_DOCUMENTS
    )
    tender_submit(actor=officer, tender=tender)
    tender_publish(actor=staff_user(Role.BUREAU_APPROVER), tender=tender)
    tender.refresh_from_db()
    return tender


def test_amendment_files_are_stored_as_public_call_documents_linked_to_the_amendment(tender, officer):
    published(tender, officer)
    with translation.override("zh-hans"):
        amendment = tender_amend(
            actor=officer,
            tender=tender,
            description="更换采购文件第三章。",
            affects_bids=False,
            files=[pdf("更正后采购文件.pdf"), pdf("技术要求.pdf")],
        )
    documents = amendment_documents(amendment)
    assert [d.original_filename for d in documents] == ["更正后采购文件.pdf", "技术要求.pdf"]
    for document in documents:
        assert document.owner == tender
        assert document.visibility == DocumentVisibility.PUBLIC
        assert document.document_type == DocumentType.BIDDING_DOCUMENTS
        assert document.title.startswith("第 1 号更正公告")
        assert can_view_document(UserFactory(), document)
    assert amendment.changes["documents"][1][0]["name"] == "更正后采购文件.pdf"
    # They appear on the call with its other documents.
    assert {d.pk for d in documents} <= set(tender_public_documents(tender).values_list("pk", flat=True))


def test_an_amendment_without_files_stores_none(tender, officer):
    published(tender, officer)
    amendment = tender_amend(actor=officer, tender=tender, description="更正联系人。", affects_bids=False)
    assert amendment_documents(amendment) == []
    assert "documents" not in amendment.changes


def test_the_amendment_form_uploads_several_files_and_the_tender_page_lists_them(client, tender, officer):
    published(tender, officer)
    assert client.login(username=officer.username, password=TEST_PASSWORD)
    url = reverse("procurement_tender_amend", args=[tender.pk])
    body = client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in body and 'name="files"' in body and "multiple" in body
    data = {
        "description": "更换采购文件。", "title": tender.title,
        "service_description": tender.service_description, "location": tender.location,
        "min_years_registered": "1", "contact_name": tender.contact_name, "contact_phone": tender.contact_phone,
        "files": [pdf("更正后采购文件.pdf"), pdf("评分细则.pdf")],
        "document_type": DocumentType.TECHNICAL_SPECIFICATIONS,
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    amendment = TenderAmendment.objects.get(tender=tender)
    documents = amendment_documents(amendment)
    assert [d.original_filename for d in documents] == ["更正后采购文件.pdf", "评分细则.pdf"]
    assert {d.document_type for d in documents} == {DocumentType.TECHNICAL_SPECIFICATIONS}
    page = client.get(reverse("procurement_tender_manage", args=[tender.pk])).content.decode()
    assert "更正后采购文件" in page and "评分细则" in page


def test_a_fake_file_in_the_amendment_form_is_refused_and_nothing_is_stored(client, tender, officer):
    published(tender, officer)
    before = tender_documents(tender).count()
    assert client.login(username=officer.username, password=TEST_PASSWORD)
    data = {
        "description": "更换采购文件。", "title": tender.title,
        "service_description": tender.service_description, "location": tender.location,
        "min_years_registered": "1", "contact_name": tender.contact_name, "contact_phone": tender.contact_phone,
        "files": [SimpleUploadedFile("假文件.pdf", b"not a pdf at all", content_type="application/pdf")],
    }  # fmt: skip
    response = client.post(reverse("procurement_tender_amend", args=[tender.pk]), data)
    assert response.status_code == 200
    assert not TenderAmendment.objects.filter(tender=tender).exists()
    assert tender_documents(tender).count() == before
