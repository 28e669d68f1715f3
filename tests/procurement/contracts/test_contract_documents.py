"""The signed contract copy, deliverables (milestone submissions) and progress-report attachments are
listed with name, size and date on the contract page (the organization's members and the staff) and
on the officer's decision pages, downloaded through the private-document registry; nobody else sees
them."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from core.documents import documents_of
from procurement.contracts.services.milestones import milestone_submit
from procurement.contracts.services.progress_reports import progress_report_submit
from tests.factories import UserFactory, staff_user
from tests.orgs.factories import OrganizationFactory, member
from tests.procurement.bidding import pdf_with
from tests.procurement.contracting import active_contract, published_award

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    award, officer, winner, others = published_award()
    contract = active_contract(award, officer, report_schedule="monthly")
    milestone = contract.milestones.order_by("number").first()
    submission = milestone_submit(
        actor=winner, milestone=milestone, text="阶段成果。", files=[pdf_with("成果", name="阶段成果.pdf")]
    )
    report = contract.progress_reports.order_by("number").first()
    progress_report_submit(
        actor=winner, report=report, work_done="走访 120 户。", files=[pdf_with("附件", name="走访台账.pdf")]
    )
    documents = {
        "signed": documents_of(contract).get(),
        "deliverable": documents_of(submission).get(),
        "report": documents_of(report).get(),
    }
    return contract, officer, winner, others, milestone, report, documents


def links(documents):
    return {name: reverse("core:document_download", args=[d.public_id]) for name, d in documents.items()}


@pytest.mark.parametrize("who", ["officer", "winner", "supervisor"])
def test_the_contract_page_lists_every_document_for_those_who_see_the_contract(client, setup, who):
    contract, officer, winner, _, _, _, documents = setup
    user = {"officer": officer, "winner": winner, "supervisor": staff_user(Role.SUPERVISOR)}[who]
    client.force_login(user)
    body = client.get(reverse("procurement:contract_detail", args=[contract.pk])).content.decode()
    for name, link in links(documents).items():
        assert link in body, name
        assert client.get(link).status_code == 200, name
    assert "contract.pdf" in body and "阶段成果.pdf" in body and "走访台账.pdf" in body
    assert timezone.localtime(documents["signed"].uploaded_at).strftime("%Y-%m-%d %H:%M") in body
    assert "data-contract-documents" in body and "data-submission-documents" in body
    assert "data-report-documents" in body


@pytest.mark.parametrize("who", ["other_member", "other_officer", "anonymous"])
def test_others_get_neither_the_page_nor_the_documents(client, setup, who):
    contract, _, _, _, _, _, documents = setup
    user = {
        "other_member": member(OrganizationFactory()),
        "other_officer": staff_user(Role.PROCUREMENT_OFFICER),
        "anonymous": None,
    }[who]
    if user:
        client.force_login(user)
    page = client.get(reverse("procurement:contract_detail", args=[contract.pk]))
    assert page.status_code in (302, 404)
    for name, link in links(documents).items():
        assert client.get(link).status_code == 404, name


def test_the_public_contract_page_lists_no_private_document(client, setup):
    contract, _, _, _, _, _, documents = setup
    body = client.get(reverse("procurement:contract_public_detail", args=[contract.pk])).content.decode()
    for link in links(documents).values():
        assert link not in body


def test_the_officer_sees_the_deliverable_files_on_the_decision_page(client, setup):
    _, officer, winner, _, milestone, _, documents = setup
    client.force_login(officer)
    body = client.get(reverse("procurement:milestone_decide", args=[milestone.pk])).content.decode()
    assert links(documents)["deliverable"] in body and "阶段成果.pdf" in body
    client.force_login(winner)
    assert client.get(reverse("procurement:milestone_decide", args=[milestone.pk])).status_code == 404


def test_the_officer_sees_the_report_attachments_on_the_review_page(client, setup):
    _, officer, _, _, _, report, documents = setup
    client.force_login(officer)
    body = client.get(reverse("procurement:progress_report_review", args=[report.pk])).content.decode()
    assert links(documents)["report"] in body and "走访台账.pdf" in body
    client.force_login(UserFactory())
    assert client.get(reverse("procurement:progress_report_review", args=[report.pk])).status_code == 404
