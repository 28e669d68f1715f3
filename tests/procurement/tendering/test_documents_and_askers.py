"""Call documents (private while the call is a draft, public from publication), the organization a
question or a challenge is made for, and challenge documents visible only to the filing
organization and the purchaser's staff."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Role
from core.documents import can_view_document, documents_of
from core.models import DocumentType, DocumentVisibility
from orgs.models import Membership
from procurement.models import Clarification
from procurement.tendering.services.clarifications import challenge_file, clarification_ask
from procurement.tendering.services.documents import tender_document_upload, tender_documents
from procurement.tendering.services.tenders import tender_publish, tender_submit
from tests.factories import UserFactory, staff_user
from tests.orgs.factories import OrganizationFactory, member
from tests.procurement.factories import make_tender, officer_for

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf(name="招标文件.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def publish(tender, officer):
    tender_submit(actor=officer, tender=tender)
    tender_publish(actor=staff_user(Role.BUREAU_APPROVER), tender=tender)
    tender.refresh_from_db()
    return tender


def upload(officer, tender, kind=DocumentType.BIDDING_DOCUMENTS, name="招标文件.pdf"):
    return tender_document_upload(
        actor=officer, tender=tender, file=pdf(name), document_type=kind, title="招标文件"
    )


def test_draft_call_documents_are_seen_only_by_the_department_officers(tender, officer):
    document = upload(officer, tender)
    assert document.visibility != DocumentVisibility.PUBLIC
    assert can_view_document(officer, document)
    other_officer = officer_for(make_tender().department)
    org_member = member(OrganizationFactory())
    for user in (other_officer, org_member, staff_user(Role.SUPERVISOR), staff_user(Role.BUREAU_APPROVER)):
        assert not can_view_document(user, document), user


def test_call_documents_become_public_at_publication(tender, officer):
    document = upload(officer, tender)
    publish(tender, officer)
    document.refresh_from_db()
    assert document.visibility == DocumentVisibility.PUBLIC
    assert can_view_document(UserFactory(), document)


def test_another_departments_officer_cannot_upload_call_documents(tender):
    before = tender_documents(tender).count()
    with pytest.raises(PermissionDenied):
        upload(officer_for(make_tender().department), tender)
    assert tender_documents(tender).count() == before


def test_after_publication_only_clarification_documents_are_added_and_public_at_once(tender, officer):
    publish(tender, officer)
    with pytest.raises(ValidationError):
        upload(officer, tender, DocumentType.TECHNICAL_SPECIFICATIONS)
    document = upload(officer, tender, DocumentType.CLARIFICATIONS, "澄清.pdf")
    assert document.visibility == DocumentVisibility.PUBLIC


def test_a_question_records_the_organization_of_its_only_membership(tender, officer):
    publish(tender, officer)
    organization = OrganizationFactory()
    asker = member(organization)
    clarification = clarification_ask(actor=asker, tender=tender, question="服务人数如何计算？")
    assert clarification.asked_for == organization


def test_a_member_of_several_organizations_must_choose_and_only_their_own(tender, officer):
    publish(tender, officer)
    first, second, foreign = OrganizationFactory(), OrganizationFactory(), OrganizationFactory()
    asker = member(first)
    Membership.objects.create(user=asker, organization=second)
    with pytest.raises(ValidationError):
        clarification_ask(actor=asker, tender=tender, question="问题")
    with pytest.raises(PermissionDenied):
        clarification_ask(actor=asker, tender=tender, question="问题", organization=foreign)
    clarification_ask(actor=asker, tender=tender, question="问题", organization=second)
    assert Clarification.objects.get().asked_for == second


def test_challenge_documents_are_private_to_the_filing_organization_and_the_purchaser(tender, officer):
    publish(tender, officer)
    organization = OrganizationFactory()
    filer = member(organization)
    colleague = member(organization)
    challenge = challenge_file(
        actor=filer, tender=tender, text="评分标准存在倾向性。", files=[pdf("质疑函.pdf")]
    )
    assert challenge.organization == organization
    document = documents_of(challenge).get()
    for user in (filer, colleague, officer, staff_user(Role.SUPERVISOR)):
        assert can_view_document(user, document), user
    for user in (member(OrganizationFactory()), officer_for(make_tender().department), UserFactory()):
        assert not can_view_document(user, document), user


def test_a_challenge_with_a_bad_file_stores_nothing(tender, officer):
    publish(tender, officer)
    filer = member(OrganizationFactory())
    bad = SimpleUploadedFile("质疑函.pdf", b"\x7fELF not a pdf")
    with pytest.raises(ValidationError):
        challenge_file(actor=filer, tender=tender, text="质疑", files=[pdf("a.pdf"), bad])
    assert not tender.challenges.exists()
