"""Who may do what with contracts and their documents. Checked on the server, per object, by every
service."""

from __future__ import annotations

from accounts.roles import Role, user_has_role
from procurement.contracts.models.contracts import Contract, MilestoneSubmission, ProgressReport
from procurement.planning.permissions import (
    can_manage_department,
    is_procurement_reader,
    is_procurement_staff,
)
from procurement.tendering.permissions import is_member_of


def can_manage_contract(user, contract) -> bool:
    """The purchasing unit's officers manage its contracts (anything with a `department_id`)."""
    return can_manage_department(user, contract.department_id)


def is_contract_party(user, contract) -> bool:
    """Members of the contracted organization (they see only their own organization's contracts)."""
    return is_member_of(user, contract.organization)


def can_keep_personnel(user, contract) -> bool:
    """The contract's personnel (项目团队): the supplier's members and the purchasing unit's
    procurement officers (whether the contract is still open is the service's check)."""
    return is_contract_party(user, contract) or can_manage_contract(user, contract)


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
    if isinstance(owner, Contract):
        contract = owner
    elif isinstance(owner, MilestoneSubmission):
        contract = owner.milestone.contract
    elif isinstance(owner, ProgressReport):
        contract = owner.contract
    else:
        return False
    return can_view_contract(user, contract)


def can_read_contract_as_staff(user, contract) -> bool:
    """The staff's view of a contract and its evaluations: its department's officers, approvers and
    supervisors (not the organization's members)."""
    return can_manage_contract(user, contract) or is_procurement_reader(user)


def can_list_staff_contracts(user) -> bool:
    """The staff's list of contracts: anyone of a department, superusers, procurement staff, approvers
    and supervisors (the list itself is filtered by `selectors.staff_contracts`)."""
    return (
        bool(user.department_id or user.is_superuser)
        or is_procurement_staff(user)
        or is_procurement_reader(user)
    )


def can_list_contract_awards(user) -> bool:
    """The awards to draft contracts from: anyone of a department, approvers and supervisors (the list
    is filtered by `selectors.awards_for_contracts`)."""
    return bool(user.department_id) or is_procurement_reader(user)


# The roles that see the contracts' listing in the admin (besides superusers).
ADMIN_READER_ROLES = (Role.PROCUREMENT_OFFICER, Role.BUREAU_APPROVER, Role.SUPERVISOR, Role.BUREAU_ADMIN)


def can_list_contracts(user) -> bool:
    """The contracts' listing in the admin (read only): procurement staff, approvers, supervisors and
    bureau admins."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (
            is_procurement_staff(user)
            or is_procurement_reader(user)
            or user_has_role(user, Role.BUREAU_ADMIN)
        )
    )
