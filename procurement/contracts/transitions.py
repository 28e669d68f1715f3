"""The status machines of contracts, as data: for each model with a status, every allowed
(from, to) with the name of the one service that performs it, and a check each of those services
calls before changing the status.

Contract: draft → signed → active (published) → completed; draft, signed or active → terminated.
Milestone: scheduled → submitted → accepted → met (paid); submitted → rejected → submitted.
Progress report: due → submitted → reviewed; submitted → due (returned for revision).
Performance evaluation: open → published.
A payment has no status (a row is a payment made), so it has no table."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from procurement.contracts.models.contracts import ContractStatus as C
from procurement.contracts.models.contracts import MilestoneStatus as M
from procurement.contracts.models.contracts import ProgressReportStatus as R
from procurement.contracts.models.performance import PerformanceEvaluationStatus as E

# (from, to) -> name of the service that performs it.
CONTRACT_TRANSITIONS: dict[tuple[str, str], str] = {
    (C.DRAFT, C.SIGNED): "contract_sign",
    (C.SIGNED, C.ACTIVE): "contract_publish",
    (C.ACTIVE, C.COMPLETED): "contract_complete",
    (C.DRAFT, C.TERMINATED): "contract_terminate",
    (C.SIGNED, C.TERMINATED): "contract_terminate",
    (C.ACTIVE, C.TERMINATED): "contract_terminate",
}

MILESTONE_TRANSITIONS: dict[tuple[str, str], str] = {
    (M.SCHEDULED, M.SUBMITTED): "milestone_submit",
    (M.REJECTED, M.SUBMITTED): "milestone_submit",
    (M.SUBMITTED, M.ACCEPTED): "milestone_accept",
    (M.SUBMITTED, M.REJECTED): "milestone_reject",
    (M.ACCEPTED, M.MET): "payment_record",
}

PROGRESS_REPORT_TRANSITIONS: dict[tuple[str, str], str] = {
    (R.DUE, R.SUBMITTED): "progress_report_submit",
    (R.SUBMITTED, R.REVIEWED): "progress_report_review",
    (R.SUBMITTED, R.DUE): "progress_report_return",
}

EVALUATION_TRANSITIONS: dict[tuple[str, str], str] = {
    (E.OPEN, E.PUBLISHED): "evaluation_publish",
}

# States of a contract whose plan (fields, targets, milestones) may still be edited directly.
EDITABLE_STATES = frozenset({C.DRAFT})
# States in which the milestones are performed: deliverables submitted and decided.
PERFORMING_STATES = frozenset({C.ACTIVE})
# States in which the contract is amended (a new amendment row).
AMENDABLE_STATES = frozenset({C.SIGNED, C.ACTIVE})
# States in which progress reports are submitted and reminded, and performance evaluated.
REPORTING_STATES = frozenset({C.ACTIVE, C.COMPLETED})
EVALUABLE_STATES = frozenset({C.ACTIVE, C.COMPLETED})
# States in which the supervision lights watch the milestones (signed, or published and performed).
SUPERVISED_STATES = frozenset({C.SIGNED, C.ACTIVE})
# States in which payments are recorded.
PAYABLE_STATES = frozenset({C.SIGNED, C.ACTIVE, C.COMPLETED})
# States in which the contract has ended.
ENDED_STATES = frozenset({C.COMPLETED, C.TERMINATED})


def contract_may_become(current: str, target: str) -> bool:
    return (current, target) in CONTRACT_TRANSITIONS


def milestone_may_become(current: str, target: str) -> bool:
    return (current, target) in MILESTONE_TRANSITIONS


def progress_report_may_become(current: str, target: str) -> bool:
    return (current, target) in PROGRESS_REPORT_TRANSITIONS


def _check(table, current, target, message, code) -> None:
    if (current, target) not in table:
        raise ValidationError(message, code=code)


# Each service passes the refusal its users already know ("This contract is already signed."), so
# the check adds no message of its own.


def check_contract_transition(current: str, target: str, *, message, code: str = "wrong_state") -> None:
    """Raise a ValidationError with `message` unless `current → target` is in CONTRACT_TRANSITIONS."""
    _check(CONTRACT_TRANSITIONS, current, target, message, code)


def check_milestone_transition(current: str, target: str, *, message, code: str = "wrong_state") -> None:
    """Raise a ValidationError with `message` unless `current → target` is in MILESTONE_TRANSITIONS."""
    _check(MILESTONE_TRANSITIONS, current, target, message, code)


def check_progress_report_transition(
    current: str, target: str, *, message, code: str = "wrong_state"
) -> None:
    """Raise a ValidationError with `message` unless `current → target` is in
    PROGRESS_REPORT_TRANSITIONS."""
    _check(PROGRESS_REPORT_TRANSITIONS, current, target, message, code)


def check_evaluation_transition(current: str, target: str, *, message, code: str = "wrong_state") -> None:
    """Raise a ValidationError with `message` unless `current → target` is in EVALUATION_TRANSITIONS."""
    _check(EVALUATION_TRANSITIONS, current, target, message, code)
