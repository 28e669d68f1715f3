"""Who may do what with plans and tenders. Checked on the server, per object, by every service."""

from __future__ import annotations

from accounts.roles import Role, user_has_role


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_procurement_staff(user) -> bool:
    return _active(user) and (user.is_superuser or user_has_role(user, Role.PROCUREMENT_OFFICER))


def can_manage_department(user, department_id) -> bool:
    """Procurement officers manage the plans and tenders of their own department."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    return user_has_role(user, Role.PROCUREMENT_OFFICER) and user.department_id == department_id


def can_manage_plan(user, plan) -> bool:
    return can_manage_department(user, plan.department_id)


def can_manage_tender(user, tender) -> bool:
    return can_manage_department(user, tender.department_id)


def can_approve_tender(user, tender) -> bool:
    """Bureau approvers approve publication (through the moderation workflow)."""
    return _active(user) and (user.is_superuser or user_has_role(user, Role.BUREAU_APPROVER))


def can_configure_methods(user) -> bool:
    return _active(user) and (user.is_superuser or user_has_role(user, Role.BUREAU_ADMIN))


def can_ask_question(user, tender) -> bool:
    """Organization members (and, until the register lands everywhere, any signed-in non-staff user
    with that role) may ask about a call that is open for bids."""
    return _active(user) and user_has_role(user, Role.ORGANIZATION_MEMBER)


def can_file_challenge(user, tender) -> bool:
    return can_ask_question(user, tender)


def is_procurement_reader(user) -> bool:
    """Bureau approvers and supervisors read every tender (read-only)."""
    return _active(user) and (
        user.is_superuser or user_has_role(user, Role.BUREAU_APPROVER) or user_has_role(user, Role.SUPERVISOR)
    )


def can_view_tender_staff(user, tender) -> bool:
    """The staff view of a tender: its department's officers, approvers and supervisors."""
    return can_manage_tender(user, tender) or is_procurement_reader(user)


def can_view_tender_document(user, document, owner) -> bool:
    """Non-public documents of a tender (core asks this; public ones are open to everyone): while
    the call is a draft only its department's officers; afterwards approvers and supervisors too."""
    from procurement.models import TenderStatus

    if owner is None:
        return False
    if owner.status == TenderStatus.DRAFT:
        return can_manage_tender(user, owner)
    return can_view_tender_staff(user, owner)


def is_member_of(user, organization) -> bool:
    if not (_active(user) and organization is not None):
        return False
    return organization.memberships.filter(user=user).exists()


def can_view_challenge(user, challenge) -> bool:
    """A challenge's text, documents and answer: the filing organization's members (or the filer),
    the tender's department officers, approvers and supervisors. Never other organizations."""
    if not _active(user):
        return False
    if challenge.filed_by_id == user.pk or is_member_of(user, challenge.organization):
        return True
    return can_view_tender_staff(user, challenge.tender)


def can_view_challenge_document(user, document, owner) -> bool:
    return owner is not None and can_view_challenge(user, owner)


def can_view_bid_counts(user, tender) -> bool:
    """Staff see how many bids a lot has (never more before opening) and the opening record."""
    return can_view_tender_staff(user, tender)


# --- experts, panels, evaluation and awards ------------------------------------------------------


def can_manage_experts(user) -> bool:
    """The expert pool is kept by procurement officers and bureau admins."""
    return _active(user) and (
        user.is_superuser
        or user_has_role(user, Role.PROCUREMENT_OFFICER)
        or user_has_role(user, Role.BUREAU_ADMIN)
    )


def is_active_expert(user) -> bool:
    """The expert role follows the profile's `active` flag (kept in sync by `expert_save`)."""
    return _active(user) and user_has_role(user, Role.EXPERT)


def member_may_see_bids(member) -> bool:
    """A panel member sees the bids only after declaring no conflict, and never before opening."""
    from procurement.models import MemberStatus, TenderStatus

    tender = member.panel.tender
    return (
        member.status == MemberStatus.ACTIVE
        and member.declared_at is not None
        and tender.status in (TenderStatus.OPENED, TenderStatus.EVALUATING, TenderStatus.AWARDED)
        and hasattr(tender, "opening")
    )


def can_see_panel_names(user, panel, *, notice_published: bool) -> bool:
    """Panel names are secret from bidders and the public until the lot's award notice is
    published; the department's officers, approvers and supervisors see them."""
    if notice_published:
        return True
    return can_view_tender_staff(user, panel.tender)


def can_view_recusal_document(user, document, owner) -> bool:
    """Documents of a recusal request: the requesting organization's members and the tender's
    staff (never the panel, nor other bidders)."""
    if owner is None or not _active(user):
        return False
    return is_member_of(user, owner.organization) or can_view_tender_staff(user, owner.panel.tender)


# --- supervision and public reports (投诉举报) ------------------------------------------------------


def can_supervise(user) -> bool:
    """The supervision board, the lights' history and the staff screens of public reports:
    supervisors and bureau admins (and superusers)."""
    return _active(user) and (
        user.is_superuser or user_has_role(user, Role.SUPERVISOR) or user_has_role(user, Role.BUREAU_ADMIN)
    )


def can_handle_public_report(user, report=None) -> bool:
    """Accept or decline a public report, assign its handler, record its outcome: supervisors (and
    superusers). A bureau admin reads them but does not decide."""
    return _active(user) and (user.is_superuser or user_has_role(user, Role.SUPERVISOR))


def can_view_public_report_document(user, document, owner) -> bool:
    """A public report's documents may identify the filer: supervisors (and bureau admins) only."""
    return owner is not None and can_supervise(user)


# --- contracts, payments, progress reports and performance evaluation ---------------------------


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
    from procurement.models import Contract, MilestoneSubmission, ProgressReport

    if isinstance(owner, Contract):
        contract = owner
    elif isinstance(owner, MilestoneSubmission):
        contract = owner.milestone.contract
    elif isinstance(owner, ProgressReport):
        contract = owner.contract
    else:
        return False
    return can_view_contract(user, contract)
