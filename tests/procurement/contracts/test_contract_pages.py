"""Contract pages: the public sees published contracts only and no personal data; an organization sees
only its own contracts; the contract page reads the same number of queries with 5 and 50 milestones,
payments and reports; the survey page refuses a used link; the QR page is for officers."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from procurement.contracts.services.performance import evaluation_open, survey_tokens_issue
from procurement.models import Contract, Milestone, Payment, PaymentKind, ProgressReport
from tests.procurement.contracting import active_contract, draft_contract, published_award

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    award, officer, winner, others = published_award()
    contract = active_contract(
        award, officer, purchaser_signatory="王签字", supplier_signatory="李签字", contact_phone="13800001111"
    )
    return contract, officer, winner, others


def test_public_sees_published_contracts_without_personal_data(client, setup):
    contract, *_ = setup
    listing = client.get(reverse("procurement:contract_public_list"))
    assert listing.status_code == 200 and contract.reference in listing.content.decode()
    page = client.get(reverse("procurement:contract_public_detail", args=[contract.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and contract.organization.name in body
    for private in ("王签字", "李签字", "13800001111"):
        assert private not in body
    report_link = f"{reverse('procurement:public_report_file')}?contract={contract.pk}"
    assert report_link in body
    assert client.get(report_link).status_code == 200


def test_a_draft_contract_is_not_public(client):
    award, officer, *_ = published_award()
    contract = draft_contract(award, officer)
    assert client.get(reverse("procurement:contract_public_detail", args=[contract.pk])).status_code == 404
    assert contract.reference not in client.get(reverse("procurement:contract_public_list")).content.decode()


def test_an_organization_sees_only_its_own_contracts(client, setup):
    contract, _officer, winner, others = setup
    client.force_login(winner)
    assert contract.reference in client.get(reverse("procurement:my_contracts")).content.decode()
    assert client.get(reverse("procurement:contract_detail", args=[contract.pk])).status_code == 200
    client.force_login(others[0])
    assert contract.reference not in client.get(reverse("procurement:my_contracts")).content.decode()
    assert client.get(reverse("procurement:contract_detail", args=[contract.pk])).status_code == 404
    milestone = contract.milestones.first()
    assert client.get(reverse("procurement:milestone_submit", args=[milestone.pk])).status_code == 404
    assert client.post(reverse("procurement:milestone_decide", args=[milestone.pk])).status_code == 404


def test_the_organization_submits_a_deliverable_and_the_officer_decides_on_the_site(client, setup):
    contract, officer, winner, _ = setup
    milestone = contract.milestones.order_by("number").first()
    client.force_login(winner)
    response = client.post(reverse("procurement:milestone_submit", args=[milestone.pk]), {"text": "阶段成果"})
    assert response.status_code == 302
    client.force_login(officer)
    response = client.post(
        reverse("procurement:milestone_decide", args=[milestone.pk]), {"decision": "reject", "reason": ""}
    )
    assert response.status_code == 200  # the reason is required: the form shows the error
    response = client.post(
        reverse("procurement:milestone_decide", args=[milestone.pk]), {"decision": "accept", "reason": "合格"}
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == "accepted"


def _grow(contract, n):
    """Add rows straight to the tables (the page's reads are what is measured)."""
    start = Milestone.objects.filter(contract=contract).count()
    for i in range(n):
        m = Milestone.objects.create(
            contract=contract, number=start + i + 1, deliverable=f"成果{i}", due_on=contract.ends_on,
            payment_share=D("0"), status="accepted", accepted_at=timezone.now(),
        )  # fmt: skip
        Payment.objects.create(
            contract=contract, kind=PaymentKind.MILESTONE, milestone=m, amount=D("1"),
            treasury_reference=f"GK{i}", paid_on=dt.date.today(), recorded_by=contract.created_by,
        )  # fmt: skip
    reports = ProgressReport.objects.filter(contract=contract).count()
    for i in range(n):
        ProgressReport.objects.create(
            contract=contract, number=reports + i + 1, period_start=contract.starts_on,
            period_end=contract.ends_on, due_on=contract.ends_on,
        )  # fmt: skip


@pytest.mark.parametrize("who", ["officer", "winner", "public"])
def test_contract_page_query_count_does_not_grow_with_rows(client, setup, who):
    contract, officer, winner, _ = setup
    user = {"officer": officer, "winner": winner, "public": None}[who]
    url = (
        reverse("procurement:contract_public_detail", args=[contract.pk])
        if who == "public"
        else reverse("procurement:contract_detail", args=[contract.pk])
    )
    if user:
        client.force_login(user)
    _grow(contract, 5)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(contract, 45)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(small) == len(large)


def test_contract_lists_query_count_does_not_grow(client):
    award, officer, *_ = published_award()
    active_contract(award, officer)
    client.force_login(officer)
    urls = [reverse("procurement:staff_contracts"), reverse("procurement:contract_public_list")]
    for url in urls:
        client.get(url)
    counts_one = []
    for url in urls:
        with CaptureQueriesContext(connection) as one:
            assert client.get(url).status_code == 200
        counts_one.append(len(one))
    award2, officer2, *_ = published_award()
    second = active_contract(award2, officer2)
    Contract.objects.filter(pk=second.pk).update(department=award.tender.department)
    for url in urls:
        client.get(
            url
        )  # the new rows moved the remembered values' generations (core/remembered.py): warm them again
    counts_two = []
    for url in urls:
        with CaptureQueriesContext(connection) as two:
            response = client.get(url)
        assert response.content.decode().count("data-contract=") == 2
        counts_two.append(len(two))
    assert counts_one == counts_two


def test_survey_link_answers_once_then_says_it_was_used(client, setup):
    contract, officer, *_ = setup
    evaluation = evaluation_open(actor=officer, contract=contract)
    token = survey_tokens_issue(actor=officer, evaluation=evaluation, count=1)[0].token
    url = reverse("procurement:survey", args=[token])
    assert client.get(url).status_code == 200
    response = client.post(url, {"overall": "5", "timeliness": "4", "attitude": "5", "comment": ""})
    assert response.status_code == 200 and b"data-survey-thanks" in response.content
    again = client.get(url)
    assert again.status_code == 410 and b"data-survey-problem" in again.content
    assert client.get(reverse("procurement:survey", args=["nope"])).status_code == 404


def test_the_qr_page_is_for_the_officers_only(client, setup):
    contract, officer, winner, _ = setup
    evaluation = evaluation_open(actor=officer, contract=contract)
    url = reverse("procurement:survey_tokens", args=[evaluation.pk])
    client.force_login(winner)
    assert client.get(url).status_code == 404
    client.force_login(officer)
    response = client.post(url, {"count": "3"})
    assert response.status_code == 200  # the links are shown once, on the answer to the issuing request
    assert response.content.decode().count("data-survey-card") == 3 and b"<svg" in response.content
    page = client.get(url)
    assert page.content.decode().count("data-survey-card") == 0


def test_an_overdue_milestone_shows_as_overdue_to_the_organization(client, setup):
    contract, _officer, winner, _ = setup
    milestone = contract.milestones.order_by("number").first()
    Milestone.objects.filter(pk=milestone.pk).update(due_on=timezone.localdate() - dt.timedelta(days=3))
    client.force_login(winner)
    page = client.get(reverse("procurement:contract_detail", args=[contract.pk])).content.decode()
    assert page.count("data-overdue") == 1
    assert "逾期" in page


def test_the_contract_light_and_amounts_show_on_the_contract_page(client, setup):
    """Staff see the supervision light with its reason; the organization does not (the reason may
    name an accepted public report about it). Amounts carry separators and the capitals."""
    contract, officer, winner, _ = setup
    client.force_login(officer)
    page = client.get(reverse("procurement:contract_detail", args=[contract.pk])).content.decode()
    assert "data-light" in page and "lamp__label" in page
    assert f"{contract.amount:,.2f}" in page and "元" in page
    client.force_login(winner)
    page = client.get(reverse("procurement:contract_detail", args=[contract.pk])).content.decode()
    assert "data-light" not in page and "lamp__label" not in page
