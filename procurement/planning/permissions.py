"""Who may do what with plans and methods, and who counts as procurement staff or reader. Checked on
the server, per object, by every service."""

from __future__ import annotations

from accounts.roles import Role, is_active_user, user_has_role


def is_procurement_staff(user) -> bool:
    return is_active_user(user) and (user.is_superuser or user_has_role(user, Role.PROCUREMENT_OFFICER))


def can_manage_department(user, department_id) -> bool:
    """Procurement officers manage the plans and tenders of their own department."""
    if not is_active_user(user):
        return False
    if user.is_superuser:
        return True
    return user_has_role(user, Role.PROCUREMENT_OFFICER) and user.department_id == department_id


def can_manage_plan(user, plan) -> bool:
    return can_manage_department(user, plan.department_id)


def can_configure_methods(user) -> bool:
    return is_active_user(user) and (user.is_superuser or user_has_role(user, Role.BUREAU_ADMIN))


def is_procurement_reader(user) -> bool:
    """Bureau approvers and supervisors read every tender (read-only)."""
    return is_active_user(user) and (
        user.is_superuser or user_has_role(user, Role.BUREAU_APPROVER) or user_has_role(user, Role.SUPERVISOR)
    )
