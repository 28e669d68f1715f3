"""Django model permissions of the reference data for the staff groups: Wagtail shows the
"基础数据" menu and its snippets by them. They follow `core.permissions.can_edit_reference_data`
(bureau admins keep every reference table, registry admins the categories and volunteer service
types), which the audited service (`core.services.reference_save`) still checks on every save."""

from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Permission

from accounts.roles import Role, ensure_role_groups

ACTIONS = ("add", "change", "delete", "view")
EDITORS = {
    Role.BUREAU_ADMIN: (
        "department",
        "district",
        "servicecategory",
        "volunteerservicetype",
        "calendaroverride",
    ),
    Role.REGISTRY_ADMIN: ("servicecategory", "volunteerservicetype"),
}


def grant_staff_permissions() -> None:
    """Idempotent: each editing role gets add, change, delete and view of its tables."""
    groups = ensure_role_groups()
    perms = list(Permission.objects.filter(content_type__app_label="core").select_related("content_type"))
    for role, models in EDITORS.items():
        groups[role.value].permissions.add(
            *[p for p in perms if p.content_type.model in models and p.codename.split("_", 1)[0] in ACTIONS]
        )


def grant_staff_permissions_after_migrate(sender, using="default", **kwargs) -> None:
    # Our receiver may run before auth's own for this app: make sure the permissions exist first.
    create_permissions(sender, verbosity=0, using=using)
    grant_staff_permissions()
