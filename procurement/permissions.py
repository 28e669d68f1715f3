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
