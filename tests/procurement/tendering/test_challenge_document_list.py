"""A challenge's evidence is listed (name, size, date) on its page for those who may see the
challenge and downloaded through the private-document registry; the link to the organization's
challenge list is shown only to those for whom it works."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from core.documents import documents_of
from core.models import DocumentType
from procurement.tendering.services.clarifications import challenge_file
from procurement.tendering.services.documents import tender_document_upload
from procurement.tendering.services.tenders import tender_publish, tender_submit
from tests.factories import staff_user
from tests.orgs.factories import OrganizationFactory, member

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def challenge(tender, officer):
    tender_document_upload(
        actor=officer,
        tender=tender,
        file=SimpleUploadedFile("招标文件.pdf", PDF),
        document_type=DocumentType.BIDDING_DOCUMENTS,
    )
    tender_submit(actor=officer, tender=tender)
    tender_publish(actor=staff_user(Role.BUREAU_APPROVER), tender=tender)
    organization = OrganizationFactory()
    filer = member(organization)
    challenge = challenge_file(
        actor=filer, tender=tender, text="技术要求指向特定机构。", files=[SimpleUploadedFile("证据.pdf", PDF)]
    )
    challenge.filer = filer
    return challenge


def test_the_filer_sees_the_evidence_with_name_size_and_date_and_downloads_it(client, challenge):
    document = documents_of(challenge).get()
    client.force_login(challenge.filer)
    body = client.get(reverse("procurement:challenge_detail", args=[challenge.pk])).content.decode()
    assert "data-challenge-documents" in body
    assert reverse("core:document_download", args=[document.public_id]) in body
    assert "证据.pdf" in body and ("字节" in body or "bytes" in body)
    assert timezone.localtime(document.uploaded_at).strftime("%Y-%m-%d %H:%M") in body
    response = client.get(reverse("core:document_download", args=[document.public_id]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF


def test_the_officer_sees_the_evidence_on_the_challenge_page_and_the_admin_page(client, challenge, officer):
    document = documents_of(challenge).get()
    client.force_login(officer)
    link = reverse("core:document_download", args=[document.public_id])
    assert link in client.get(reverse("procurement:challenge_detail", args=[challenge.pk])).content.decode()
    assert link in client.get(reverse("procurement_challenge_detail", args=[challenge.pk])).content.decode()
    assert client.get(link).status_code == 200


def test_others_see_neither_the_challenge_nor_its_evidence(client, challenge):
    document = documents_of(challenge).get()
    client.force_login(member(OrganizationFactory()))
    assert client.get(reverse("procurement:challenge_detail", args=[challenge.pk])).status_code == 404
    assert client.get(reverse("core:document_download", args=[document.public_id])).status_code == 404


def test_the_organization_list_link_is_shown_to_members_only_and_works(client, challenge, officer):
    list_url = reverse("procurement:organization_challenges", args=[challenge.organization_id])
    detail = reverse("procurement:challenge_detail", args=[challenge.pk])
    client.force_login(challenge.filer)
    assert list_url in client.get(detail).content.decode()
    assert client.get(list_url).status_code == 200
    client.force_login(officer)
    body = client.get(detail).content.decode()
    assert challenge.organization.name in body and list_url not in body
    assert client.get(list_url).status_code == 404
