from django.contrib.auth import get_user_model
from django.db.models import Q
from wagtail.permission_policies.base import BasePermissionPolicy

from accounts.roles import Role, user_has_role

# Who may read the audit log: superusers, bureau admins and supervisors. Nobody may change it.
AUDIT_READER_ROLES = (Role.BUREAU_ADMIN, Role.SUPERVISOR)


def can_view_audit_log(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or any(user_has_role(user, role) for role in AUDIT_READER_ROLES))
    )


class AuditLogPermissionPolicy(BasePermissionPolicy):
    """Wagtail admin permissions for events: "view" for audit readers, nothing else for anyone."""

    def user_has_permission(self, user, action):
        return action == "view" and can_view_audit_log(user)

    def users_with_any_permission(self, actions):
        users = get_user_model().objects.filter(is_active=True)
        if "view" not in actions:
            return users.none()
        return users.filter(
            Q(is_superuser=True) | Q(groups__name__in=[role.value for role in AUDIT_READER_ROLES])
        ).distinct()
