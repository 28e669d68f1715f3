"""Site pages of organizations: filing a challenge with documents, the organization's challenges
(its members only), asking a question for one's organization, and the public call documents whose
download is recorded so that amendments reach whoever fetched them (and nobody learns who)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from cms.calls import CallForBidsIndexPage, CallForBidsPage
from core.documents import documents_of
from core.models import DocumentType, Notification
from orgs.models import Membership
from procurement.models import Challenge, Clarification, TenderDocumentAccess
from procurement.tendering.events import AMENDED
from procurement.tendering.services.clarifications import challenge_file, clarification_answer
from procurement.tendering.services.documents import tender_document_upload, tender_documents
from procurement.tendering.services.tenders import tender_amend, tender_publish, tender_submit
from tests.factories import TEST_PASSWORD, UserFactory, staff_user
from tests.orgs.factories import OrganizationFactory, member

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


@pytest.fixture
def published(tender, officer):
    tender_document_upload(
        actor=officer,
        tender=tender,
        file=SimpleUploadedFile("招标文件.pdf", PDF),
        document_type=DocumentType.BIDDING_DOCUMENTS,
        title="招标文件",
    )
    tender_submit(actor=officer, tender=tender)
    tender_publish(actor=staff_user(Role.BUREAU_APPROVER), tender=tender)
    tender.refresh_from_db()
    # Its public call page, so the tests can read what the public sees.
    page = CallForBidsPage(title=tender.title, slug=f"call-{tender.pk}", tender=tender)
    CallForBidsIndexPage.objects.get().add_child(instance=page)
    page.save_revision().publish()
    return tender


def test_member_files_a_challenge_with_a_document_and_sees_it_on_the_organizations_page(client, published):
    organization = OrganizationFactory()
    filer = member(organization)
    response = login(client, filer).post(
        reverse("procurement:challenge_file", args=[published.pk]),
        {"text": "技术要求指向特定机构。", "files": [SimpleUploadedFile("质疑函.pdf", PDF)]},
    )
    assert response.status_code == 302
    challenge = Challenge.objects.get()
    assert challenge.organization == organization and documents_of(challenge).count() == 1
    body = client.get(reverse("procurement:organization_challenges", args=[organization.pk])).content.decode()
    assert reverse("procurement:challenge_detail", args=[challenge.pk]) in body
    assert "技术要求指向特定机构" in client.get(response.url).content.decode()


def test_a_member_of_another_organization_sees_nothing_of_a_challenge(client, published):
    organization = OrganizationFactory()
    challenge = challenge_file(
        actor=member(organization),
        tender=published,
        text="质疑内容",
        files=[SimpleUploadedFile("质疑函.pdf", PDF)],
    )
    document = documents_of(challenge).get()
    login(client, member(OrganizationFactory()))
    assert client.get(reverse("procurement:challenge_detail", args=[challenge.pk])).status_code == 404
    assert (
        client.get(reverse("procurement:organization_challenges", args=[organization.pk])).status_code == 404
    )
    assert client.get(document.get_absolute_url()).status_code == 404


def test_a_challenge_is_refused_after_bidding(client, tender):
    login(client, member(OrganizationFactory()))
    assert client.get(reverse("procurement:challenge_file", args=[tender.pk])).status_code == 404


def test_organization_challenges_page_has_an_empty_state_and_a_constant_query_count(client, published):
    organization = OrganizationFactory()
    filer = member(organization)
    path = reverse("procurement:organization_challenges", args=[organization.pk])
    body = login(client, filer).get(path).content.decode()
    assert 'class="empty"' in body
    challenge_file(actor=filer, tender=published, text="一")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    count()
    small = count()
    for n in range(5):
        challenge_file(actor=filer, tender=published, text=f"质疑{n}")
    assert count() == small


def test_a_member_of_several_organizations_chooses_the_one_asking(client, published):
    first, second = OrganizationFactory(), OrganizationFactory()
    asker = member(first)
    Membership.objects.create(user=asker, organization=second)
    login(client, asker)
    path = reverse("procurement:clarification_ask", args=[published.pk])
    assert client.post(path, {"question": "问题"}).status_code == 200
    assert client.post(path, {"question": "问题", "organization": second.pk}).status_code == 302
    clarification = Clarification.objects.get()
    assert clarification.asked_for == second
    clarification_answer(
        actor=staff_user(Role.PROCUREMENT_OFFICER, department=published.department),
        clarification=clarification,
        answer="答复",
    )
    # The public page (its eligibility box shows a signed-in member only their own organizations).
    client.logout()
    public_page = client.get(published.page.url).content.decode()
    assert "答复" in public_page
    assert second.name not in public_page and asker.username not in public_page


def test_downloading_a_call_document_records_the_member_who_then_gets_amendment_notices(
    client, published, officer, django_capture_on_commit_callbacks
):
    document = tender_documents(published).get(title="招标文件")
    organization = OrganizationFactory()
    fetcher = member(organization)
    bystander = member(OrganizationFactory())
    response = login(client, fetcher).get(
        reverse("procurement:tender_document", args=[published.pk, document.public_id])
    )
    assert response.status_code == 302
    assert client.get(response.url).status_code == 200  # the public file itself
    assert TenderDocumentAccess.objects.filter(tender=published, user=fetcher).exists()
    with django_capture_on_commit_callbacks(execute=True):
        tender_amend(
            actor=officer,
            tender=published,
            description="更正联系电话。",
            changes={"contact_phone": "025-83001111"},
        )
    notified = set(Notification.objects.filter(event=AMENDED).values_list("recipient_id", flat=True))
    assert notified == {fetcher.pk}
    assert bystander.pk not in notified
    # Nobody else learns who fetched the documents: not the notice, not the public page.
    text = " ".join(Notification.objects.values_list("body", flat=True))
    assert fetcher.username not in text and organization.name not in text


def test_an_anonymous_visitor_downloads_public_call_documents_without_being_recorded(client, published):
    document = tender_documents(published).get(title="招标文件")
    response = client.get(reverse("procurement:tender_document", args=[published.pk, document.public_id]))
    assert client.get(response.url).status_code == 200
    assert not TenderDocumentAccess.objects.exists()


def test_a_draft_call_document_is_not_served_to_anyone_but_the_department(client, tender, officer):
    tender_document_upload(
        actor=officer,
        tender=tender,
        file=SimpleUploadedFile("a.pdf", PDF),
        document_type=DocumentType.BIDDING_DOCUMENTS,
        title="a",
    )
    document = tender_documents(tender).get(title="a")
    assert client.get(document.get_absolute_url()).status_code == 404
    login(client, UserFactory())
    assert client.get(document.get_absolute_url()).status_code == 404
    assert (
        client.get(reverse("procurement:tender_document", args=[tender.pk, document.public_id])).status_code
        == 404
    )
    login(client, officer)
    assert client.get(document.get_absolute_url()).status_code == 200
