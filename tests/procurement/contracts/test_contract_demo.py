"""The contracts of the demo: one in every state, built through the services, with milestones whose
lights are green, yellow and red, the advance and milestone payments, progress reports submitted and
late, a final evaluation graded 优秀 and one graded 不合格 that excludes its organization; the demo
pages of the officer open."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from orgs.models import CreditRecord, CreditRecordKind
from procurement.models import Contract, Milestone, Payment, PerformanceEvaluation, ProgressReport
from procurement.supervision.lights import light_for_milestone, light_for_progress_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=StringIO())


def test_the_demo_has_a_contract_in_every_state(demo):
    states = set(Contract.objects.values_list("status", flat=True))
    assert states == {"draft", "signed", "active", "completed", "terminated"}
    assert (
        Payment.objects.filter(kind="advance").exists() and Payment.objects.filter(kind="milestone").exists()
    )
    assert Contract.objects.get(status="terminated").termination_reason


def test_the_demo_milestones_and_reports_light_up_in_every_colour(demo):
    today = timezone.localdate()
    active = Milestone.objects.filter(contract__status="active")
    colours = {light_for_milestone(m, today) for m in active}
    assert colours == {"green", "yellow", "red"}
    reports = ProgressReport.objects.filter(contract__status="active")
    assert reports.filter(status="reviewed").exists()
    assert "yellow" in {light_for_progress_report(r, today) for r in reports}


def test_the_demo_evaluations_grade_excellent_and_failed_with_an_exclusion(demo):
    grades = dict(PerformanceEvaluation.objects.values_list("grade", "contract__organization_id"))
    assert set(grades) == {"excellent", "failed"}
    assert CreditRecord.objects.filter(
        organization_id=grades["failed"], kind=CreditRecordKind.EXCLUSION
    ).exists()


def test_the_officer_opens_the_demo_contract_pages(client, demo):
    client.force_login(User.objects.get(username="officer"))
    assert client.get(reverse("procurement:staff_awards")).status_code == 200
    for contract in Contract.objects.all():
        assert client.get(reverse("procurement:contract_detail", args=[contract.pk])).status_code == 200
    for evaluation in PerformanceEvaluation.objects.all():
        assert client.get(reverse("procurement:evaluation_detail", args=[evaluation.pk])).status_code == 200
    draft = Contract.objects.get(status="draft")
    assert client.get(reverse("procurement:contract_edit", args=[draft.pk])).status_code == 200


def test_the_demo_contracts_are_signed_before_their_service_starts(demo):
    """The issue saw signing deadlines after the service had started: each demo contract's tender
    and award come before its signing deadline, which comes before the service starts; a contract
    is signed after its notice and before its service starts, published after it is signed, and its
    advance paid after the signing."""
    contracts = Contract.objects.select_related("award", "tender")
    assert contracts.count() >= 5
    for contract in contracts:
        notice = timezone.localdate(contract.award.notice_published_at)
        assert contract.tender.bid_deadline < contract.award.notice_published_at, contract
        assert notice < contract.sign_due_on <= contract.starts_on, contract
        if contract.signed_at is not None:
            signed = timezone.localdate(contract.signed_at)
            assert notice <= signed <= contract.starts_on, contract
        if contract.published_at is not None:
            assert contract.published_at > contract.signed_at, contract
        for payment in contract.payments.all():
            assert payment.paid_on >= timezone.localdate(contract.signed_at), contract
