"""Who may do what with tenders, questions, challenges to the call and bids. Checked on the server,
per object, by every service."""

from __future__ import annotations

from accounts.roles import Role, is_active_user, user_has_role
from orgs.permissions import is_member
from procurement.planning.permissions import (
    can_manage_department,
    is_procurement_reader,
    is_procurement_staff,
)
from procurement.tendering.models.tenders import ChallengeStatus, TenderStatus
from procurement.tendering.selectors import OPENED_STATES, PUBLIC_STATES, organizations_for_bidding
from procurement.tendering.transitions import BIDDING_STATES, EDITABLE_STATES, is_allowed


def can_manage_tender(user, tender) -> bool:
    return can_manage_department(user, tender.department_id)


def is_public_call(tender) -> bool:
    """The public side of a call (its documents, questions, the bid form): anyone, from publication
    on; a draft or a call awaiting approval does not exist for the public (404)."""
    return tender.status in PUBLIC_STATES


def can_change_call(user, tender) -> bool:
    """The call's documents and lots' scoring sheets: its officers, directly while it is a draft,
    by amendment while bidding runs; nobody afterwards."""
    return can_manage_tender(user, tender) and (tender.status in EDITABLE_STATES | BIDDING_STATES)


def can_suspend_tender(user, tender) -> bool:
    return can_manage_tender(user, tender) and is_allowed(tender.status, TenderStatus.SUSPENDED)


def can_approve_tender(user, tender) -> bool:
    """Bureau approvers approve publication (through the moderation workflow)."""
    return is_active_user(user) and (user.is_superuser or user_has_role(user, Role.BUREAU_APPROVER))


def can_ask_question(user, tender) -> bool:
    """Members of a registered organization (the organization-member role) may ask about a call;
    whether the call still takes questions is the service's check."""
    return is_active_user(user) and user_has_role(user, Role.ORGANIZATION_MEMBER)


def can_file_challenge(user, tender) -> bool:
    return can_ask_question(user, tender)


def can_submit_bid(user, tender) -> bool:
    """The bid button and form: members of a social organization (the bid view refuses anyone
    else); whether bidding still runs is the service's check (`bidding_refusal`)."""
    return is_active_user(user) and bool(organizations_for_bidding(user))


def can_view_opening_record(tender) -> bool:
    """The opening record (开标记录) is public from the opening on, for a public call."""
    return is_public_call(tender) and tender.status in OPENED_STATES


def can_view_tender_staff(user, tender) -> bool:
    """The staff view of a tender: its department's officers, approvers and supervisors."""
    return can_manage_tender(user, tender) or is_procurement_reader(user)


def can_view_tender_document(user, document, owner) -> bool:
    """Non-public documents of a tender (core asks this; public ones are open to everyone): while
    the call is a draft only its department's officers; afterwards approvers and supervisors too."""
    if owner is None:
        return False
    if owner.status == TenderStatus.DRAFT:
        return can_manage_tender(user, owner)
    return can_view_tender_staff(user, owner)


def is_member_of(user, organization) -> bool:
    if not (is_active_user(user) and organization is not None):
        return False
    return organization.memberships.filter(user=user).exists()


def can_view_challenge(user, challenge) -> bool:
    """A challenge's text, documents and answer: the filing organization's members (or the filer),
    the tender's department officers, approvers and supervisors. Never other organizations."""
    if not is_active_user(user):
        return False
    if challenge.filed_by_id == user.pk or is_member_of(user, challenge.organization):
        return True
    return can_view_tender_staff(user, challenge.tender)


def can_list_challenges_staff(user) -> bool:
    """The admin's list of challenges (officers see their department's, readers every one)."""
    return is_procurement_staff(user) or is_procurement_reader(user)


def can_view_challenge_staff(user, challenge) -> bool:
    """A challenge in the admin: staff who see its tender (never the filer through the admin)."""
    return can_view_tender_staff(user, challenge.tender) and can_view_challenge(user, challenge)


def can_answer_challenge(user, challenge) -> bool:
    """An open challenge is answered by the tender's officers (`challenge_answer` checks again)."""
    return can_manage_tender(user, challenge.tender) and challenge.status == ChallengeStatus.OPEN


def can_view_challenge_document(user, document, owner) -> bool:
    return owner is not None and can_view_challenge(user, owner)


def can_view_bid_counts(user, tender) -> bool:
    """Staff see how many bids a lot has (never more before opening) and the opening record."""
    return can_view_tender_staff(user, tender)


def can_read_own_bid(user, bid) -> bool:
    """A bid's page, receipt and sealed content: the members of the bidding organization only."""
    return is_member(user, bid.organization)
