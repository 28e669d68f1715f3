"""Who may do what with contracts and their documents. Checked on the server, per object, by every
service."""

from __future__ import annotations

from procurement.planning.permissions import can_manage_department, is_procurement_reader
from procurement.tendering.permissions import is_member_of


def can_manage_contract(user, contract) -> bool:
    """The purchasing unit's officers manage its contracts (anything with a `department_id`)."""
    return can_manage_department(user, contract.department_id)


def is_contract_party(user, contract) -> bool:
    """Members of the contracted organization (they see only their own organization's contracts)."""
    return is_member_of(user, contract.organization)


def can_view_contract(user, contract) -> bool:
    """The full contract (personal data, documents, submissions, payments): its department's officers,
    approvers and supervisors, and the contracted organization's members."""
    return (
        can_manage_contract(user, contract)
        or is_procurement_reader(user)
        or is_contract_party(user, contract)
    )


def can_view_contract_document(user, document, owner) -> bool:
    """Documents of a contract, a deliverable submission or a progress report."""
    from procurement.contracts.models.contracts import Contract, MilestoneSubmission, ProgressReport

    if isinstance(owner, Contract):
        contract = owner
    elif isinstance(owner, MilestoneSubmission):
        contract = owner.milestone.contract
    elif isinstance(owner, ProgressReport):
        contract = owner.contract
    else:
        return False
    return can_view_contract(user, contract)
