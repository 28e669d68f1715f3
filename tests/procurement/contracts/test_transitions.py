"""The status machines of contracts (procurement/contracts/transitions.py): every allowed transition
of each table passes its check, a sample of forbidden ones is refused, and a service asked for a
forbidden transition refuses it and writes nothing."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError

from audit.models import Event
from procurement.contracts.models.contracts import (
    ContractStatus,
    MilestoneStatus,
    ProgressReportStatus,
)
from procurement.contracts.models.performance import PerformanceEvaluationStatus
from procurement.contracts.services import contracts as contract_services
from procurement.contracts.services import milestones as milestone_services
from procurement.contracts.services import payments as payment_services
from procurement.contracts.services import performance as performance_services
from procurement.contracts.services import progress_reports as progress_report_services
from procurement.contracts.transitions import (
    CONTRACT_TRANSITIONS,
    EVALUATION_TRANSITIONS,
    MILESTONE_TRANSITIONS,
    PROGRESS_REPORT_TRANSITIONS,
    check_contract_transition,
    check_evaluation_transition,
    check_milestone_transition,
    check_progress_report_transition,
)
from tests.procurement.contracting import active_contract, draft_contract, published_award

TABLES = [
    (CONTRACT_TRANSITIONS, check_contract_transition, ContractStatus),
    (MILESTONE_TRANSITIONS, check_milestone_transition, MilestoneStatus),
    (PROGRESS_REPORT_TRANSITIONS, check_progress_report_transition, ProgressReportStatus),
    (EVALUATION_TRANSITIONS, check_evaluation_transition, PerformanceEvaluationStatus),
]

ALLOWED = [
    pytest.param(check, current, target, id=f"{check.__name__}:{current}->{target}")
    for table, check, _choices in TABLES
    for current, target in table
]

FORBIDDEN_SAMPLE = [
    (check_contract_transition, ContractStatus.DRAFT, ContractStatus.ACTIVE),
    (check_contract_transition, ContractStatus.DRAFT, ContractStatus.COMPLETED),
    (check_contract_transition, ContractStatus.SIGNED, ContractStatus.COMPLETED),
    (check_contract_transition, ContractStatus.COMPLETED, ContractStatus.TERMINATED),
    (check_contract_transition, ContractStatus.TERMINATED, ContractStatus.ACTIVE),
    (check_contract_transition, ContractStatus.ACTIVE, ContractStatus.DRAFT),
    (check_milestone_transition, MilestoneStatus.SCHEDULED, MilestoneStatus.ACCEPTED),
    (check_milestone_transition, MilestoneStatus.SUBMITTED, MilestoneStatus.SUBMITTED),
    (check_milestone_transition, MilestoneStatus.SUBMITTED, MilestoneStatus.MET),
    (check_milestone_transition, MilestoneStatus.MET, MilestoneStatus.SUBMITTED),
    (check_milestone_transition, MilestoneStatus.ACCEPTED, MilestoneStatus.REJECTED),
    (check_progress_report_transition, ProgressReportStatus.DUE, ProgressReportStatus.REVIEWED),
    (check_progress_report_transition, ProgressReportStatus.REVIEWED, ProgressReportStatus.DUE),
    (check_progress_report_transition, ProgressReportStatus.REVIEWED, ProgressReportStatus.SUBMITTED),
    (check_evaluation_transition, PerformanceEvaluationStatus.PUBLISHED, PerformanceEvaluationStatus.OPEN),
    (
        check_evaluation_transition,
        PerformanceEvaluationStatus.PUBLISHED,
        PerformanceEvaluationStatus.PUBLISHED,
    ),
]


@pytest.mark.parametrize(("check", "current", "target"), ALLOWED)
def test_every_allowed_transition_passes_its_check(check, current, target):
    check(current, target, message="refused")


@pytest.mark.parametrize(
    ("check", "current", "target"),
    [pytest.param(*row, id=f"{row[0].__name__}:{row[1]}->{row[2]}") for row in FORBIDDEN_SAMPLE],
)
def test_a_forbidden_transition_is_refused_with_the_services_message(check, current, target):
    with pytest.raises(ValidationError) as refused:
        check(current, target, message="refused")
    assert refused.value.messages == ["refused"]
    assert refused.value.code == "wrong_state"


@pytest.mark.parametrize(("table", "check", "choices"), TABLES, ids=lambda v: getattr(v, "__name__", ""))
def test_every_pair_outside_the_table_is_refused(table, check, choices):
    """The check is exactly the table: no pair outside it passes (staying in the same state neither)."""
    for current, target in itertools.product(choices.values, repeat=2):
        if (current, target) in table:
            continue
        with pytest.raises(ValidationError):
            check(current, target, message="refused")


def test_every_transition_names_a_service_that_exists():
    modules = (
        contract_services,
        milestone_services,
        payment_services,
        progress_report_services,
        performance_services,
    )
    names = {name for table, _check, _choices in TABLES for name in table.values()}
    missing = {name for name in names if not any(callable(getattr(m, name, None)) for m in modules)}
    assert not missing


@pytest.mark.django_db
def test_completing_a_draft_is_refused_by_the_service_and_writes_nothing():
    award, officer, _winner, _others = published_award()
    contract = draft_contract(award, officer)
    events_before = Event.objects.count()
    with pytest.raises(ValidationError) as refused:
        contract_services.contract_complete(actor=officer, contract=contract)
    assert refused.value.code == "wrong_state"
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT
    assert contract.completed_at is None
    assert Event.objects.count() == events_before


@pytest.mark.django_db
def test_reviewing_a_report_still_due_is_refused_by_the_service_and_writes_nothing():
    award, officer, _winner, _others = published_award()
    contract = active_contract(award, officer)
    report = contract.progress_reports.order_by("number").first()
    events_before = Event.objects.count()
    with pytest.raises(ValidationError):
        progress_report_services.progress_report_review(actor=officer, report=report, note="看过")
    report.refresh_from_db()
    assert report.status == ProgressReportStatus.DUE
    assert report.reviewed_at is None
    assert Event.objects.count() == events_before
