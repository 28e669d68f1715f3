"""Django model permissions of the reference data for the staff groups: Wagtail shows the
"基础数据" menu and its snippets by them. The tables of each role are `core.permissions.REFERENCE_EDITORS`,
which `can_edit_reference_data` reads too; the audited service (`core.services.reference_save`) still
checks it on every save."""

from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Permission

from accounts.roles import ensure_role_groups
from core.permissions import REFERENCE_EDITORS

ACTIONS = ("add", "change", "delete", "view")


def grant_staff_permissions() -> None:
    """Idempotent: each editing role gets add, change, delete and view of its tables."""
    groups = ensure_role_groups()
    perms = list(Permission.objects.filter(content_type__app_label="core").select_related("content_type"))
    for role, models in REFERENCE_EDITORS.items():
        groups[role.value].permissions.add(
            *[p for p in perms if p.content_type.model in models and p.codename.split("_", 1)[0] in ACTIONS]
        )


def grant_staff_permissions_after_migrate(sender, using="default", **kwargs) -> None:
    # Our receiver may run before auth's own for this app: make sure the permissions exist first.
    create_permissions(sender, verbosity=0, using=using)
    grant_staff_permissions()
