"""Django model permissions of volunteering for staff groups (Wagtail's viewsets check them). Every
bureau staff role may view volunteering in the admin; bureau admins also record social workers
(through the service)."""

from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Permission

from accounts.roles import STAFF_ROLES, Role, ensure_role_groups

VIEW_MODELS = ("volunteer", "socialworker", "need", "hourrecord", "certificate")
ADD_MODELS = {Role.BUREAU_ADMIN: ("socialworker",)}


def grant_staff_permissions() -> None:
    """Idempotent: give each staff group the view permissions of volunteering (and bureau admins
    the permission to record social workers)."""
    groups = ensure_role_groups()
    view = list(
        Permission.objects.filter(
            content_type__app_label="volunteers",
            content_type__model__in=VIEW_MODELS,
            codename__startswith="view_",
        )
    )
    for role in STAFF_ROLES:
        groups[role.value].permissions.add(*view)
    for role, models in ADD_MODELS.items():
        groups[role.value].permissions.add(
            *Permission.objects.filter(
                content_type__app_label="volunteers", codename__in=[f"add_{m}" for m in models]
            )
        )


def grant_staff_permissions_after_migrate(sender, using="default", **kwargs) -> None:
    # Our receiver may run before auth's own for this app: make sure the permissions exist first.
    create_permissions(sender, verbosity=0, using=using)
    grant_staff_permissions()
