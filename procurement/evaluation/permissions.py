"""Who may do what with the expert pool, panels, scores and recusals. Checked on the server, per
object, by every service."""

from __future__ import annotations

from accounts.roles import Role, is_active_user, user_has_role
from procurement.evaluation.models.panels import MemberStatus, PanelMember
from procurement.tendering.models.tenders import TenderStatus
from procurement.tendering.permissions import can_manage_tender, can_view_tender_staff, is_member_of


def can_manage_experts(user) -> bool:
    """The expert pool is kept by procurement officers and bureau admins."""
    return is_active_user(user) and (
        user.is_superuser
        or user_has_role(user, Role.PROCUREMENT_OFFICER)
        or user_has_role(user, Role.BUREAU_ADMIN)
    )


def is_active_expert(user) -> bool:
    """The expert role follows the profile's `active` flag (kept in sync by `expert_save`)."""
    return is_active_user(user) and user_has_role(user, Role.EXPERT)


def is_own_seat(user, member) -> bool:
    """A panel seat's pages (declaration, scoring, signature) are its member's only."""
    return is_active_user(user) and member.user_id == user.pk


def member_may_see_bids(member) -> bool:
    """A panel member sees the bids only after declaring no conflict, and never before opening."""
    tender = member.panel.tender
    return (
        member.status == MemberStatus.ACTIVE
        and member.declared_at is not None
        and tender.status in (TenderStatus.OPENED, TenderStatus.EVALUATING, TenderStatus.AWARDED)
        and hasattr(tender, "opening")
    )


def can_read_opened_bid(user, bid) -> bool:
    """A bid's proposal and files, once opened: the tender's officers, and the members of the lot's
    panel who declared no conflict (`member_may_see_bids`). Nobody before the opening; never other
    organizations nor the public (the bidder reads its own bid through tendering's `bid_read_own`)."""
    if bid.opened_at is None or not is_active_user(user):
        return False
    if can_manage_tender(user, bid.tender):
        return True
    seat = (
        PanelMember.objects.filter(panel__lot_id=bid.lot_id, user=user, status=MemberStatus.ACTIVE)
        .select_related("panel__tender__opening")
        .first()
    )
    return seat is not None and member_may_see_bids(seat)


def can_see_panel_names(user, panel, *, notice_published: bool) -> bool:
    """Panel names are secret from bidders and the public until the lot's award notice is
    published; the department's officers, approvers and supervisors see them."""
    if notice_published:
        return True
    return can_view_tender_staff(user, panel.tender)


def can_view_recusal_document(user, document, owner) -> bool:
    """Documents of a recusal request: the requesting organization's members and the tender's
    staff (never the panel, nor other bidders)."""
    if owner is None or not is_active_user(user):
        return False
    return is_member_of(user, owner.organization) or can_view_tender_staff(user, owner.panel.tender)
