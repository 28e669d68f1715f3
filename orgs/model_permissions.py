"""Django model permissions of the register for staff groups (Wagtail's viewsets check them).
Registry administrators keep the register; supervisors, approvers and officers may only view it."""

from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

from accounts.roles import Role, ensure_role_groups

MODELS = ("organization", "evaluationgrade", "annualreport", "creditlistentry", "creditrecord", "membership")
EDITOR_ROLES = (Role.REGISTRY_ADMIN,)
VIEWER_ROLES = (Role.SUPERVISOR, Role.BUREAU_APPROVER, Role.PROCUREMENT_OFFICER)


def grant_staff_permissions() -> None:
    """Idempotent: give each staff group exactly the register permissions its role implies."""
    groups = ensure_role_groups()
    perms = Permission.objects.filter(content_type__app_label="orgs", content_type__model__in=MODELS)
    by_action = {}
    for perm in perms:
        by_action.setdefault(perm.codename.split("_", 1)[0], []).append(perm)
    editor = by_action.get("add", []) + by_action.get("change", []) + by_action.get("view", [])
    for role in EDITOR_ROLES:
        groups[role.value].permissions.add(*editor)
        groups[role.value].permissions.add(
            *Permission.objects.filter(content_type__app_label="orgs", codename="reveal_legal_rep_id")
        )
    for role in VIEWER_ROLES:
        group: Group = groups[role.value]
        group.permissions.add(*by_action.get("view", []))
        group.permissions.remove(*by_action.get("add", []), *by_action.get("change", []))


def grant_staff_permissions_after_migrate(sender, using="default", **kwargs) -> None:
    # Our receiver may run before auth's own for this app: make sure the permissions exist first.
    create_permissions(sender, verbosity=0, using=using)
    grant_staff_permissions()
