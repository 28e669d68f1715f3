"""Django model permissions for the staff groups (Wagtail's viewsets check them); the services
still check every object (department, status). Imported once the models are ready (by
`apps._setup_after_migrate`, after migrations), never while the app registry loads."""

from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Permission

from accounts.roles import Role, ensure_role_groups

OFFICER_MODELS = ("purchasingplan", "budgetline", "tender", "lot", "clarification")
VIEW_ONLY = {
    Role.PROCUREMENT_OFFICER: ("procurementmethod",),
    Role.BUREAU_APPROVER: ("purchasingplan", "budgetline", "tender", "procurementmethod"),
    Role.SUPERVISOR: ("purchasingplan", "budgetline", "tender", "procurementmethod", "clarification"),
}


def grant_staff_permissions() -> None:
    """Idempotent: officers add/change/view their procurement records; others view."""
    groups = ensure_role_groups()
    perms = Permission.objects.filter(content_type__app_label="procurement")

    def pick(models, actions):
        return [p for p in perms if p.content_type.model in models and p.codename.split("_", 1)[0] in actions]

    groups[Role.PROCUREMENT_OFFICER.value].permissions.add(*pick(OFFICER_MODELS, {"add", "change", "view"}))
    groups[Role.BUREAU_ADMIN.value].permissions.add(*pick(("procurementmethod",), {"change", "view"}))
    for role, models in VIEW_ONLY.items():
        groups[role.value].permissions.add(*pick(models, {"view"}))


def grant_staff_permissions_after_migrate(sender, using="default", **kwargs) -> None:
    create_permissions(sender, verbosity=0, using=using)
    grant_staff_permissions()
