"""Roles are Django groups. Staff roles are assigned by a bureau admin; the others follow profiles
(an active expert, an organization membership, a volunteer or social-worker registration) and are
kept in sync by the services of the app that owns the profile."""

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    BUREAU_ADMIN = "bureau_admin", _("System administrator")
    PROCUREMENT_OFFICER = "procurement_officer", _("Procurement officer")
    REGISTRY_ADMIN = "registry_admin", _("Registry administrator")
    BUREAU_APPROVER = "bureau_approver", _("Bureau approver")
    SUPERVISOR = "supervisor", _("Supervisor")
    EXPERT = "expert", _("Expert")
    ORGANIZATION_MEMBER = "organization_member", _("Organization member")
    VOLUNTEER = "volunteer", _("Volunteer")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    # The bureau's volunteer service centre (志愿服务中心): registers, trains and refers (转介)
    # volunteers to the organizations that need them (issue 15).
    VOLUNTEER_CENTRE = "volunteer_centre", _("Volunteer centre")


# Roles a bureau admin assigns directly on a staff account. The rest are derived from profiles.
STAFF_ROLES = frozenset(
    {
        Role.BUREAU_ADMIN,
        Role.PROCUREMENT_OFFICER,
        Role.REGISTRY_ADMIN,
        Role.BUREAU_APPROVER,
        Role.SUPERVISOR,
        Role.VOLUNTEER_CENTRE,
    }
)
PROFILE_ROLES = frozenset(set(Role) - STAFF_ROLES)

# Staff roles may open the Wagtail admin; nobody else ever gets this permission.
ADMIN_ACCESS_PERMISSION = ("wagtailadmin", "access_admin")


def role_label(name: Role | str) -> str:
    """The translated label of a role ("bureau_admin" → 系统管理员); any other group name as it is."""
    try:
        return str(Role(name).label)
    except ValueError:
        return str(name)


def group_name(role: Role | str) -> str:
    return Role(role).value


def ensure_role_groups() -> dict[str, "object"]:
    """Create the role groups (idempotent) and give staff roles access to the Wagtail admin."""
    groups = {}
    admin_perm = Permission.objects.filter(
        content_type__app_label=ADMIN_ACCESS_PERMISSION[0], codename=ADMIN_ACCESS_PERMISSION[1]
    ).first()
    for role in Role:
        group, _created = Group.objects.get_or_create(name=group_name(role))
        if admin_perm is not None:
            if role in STAFF_ROLES:
                group.permissions.add(admin_perm)
            else:
                group.permissions.remove(admin_perm)
        groups[role.value] = group
    return groups


def ensure_role_groups_after_migrate(sender, using="default", **kwargs) -> None:
    # Wagtail's admin permission is created by its own post_migrate; run once it exists.
    if Permission.objects.using(using).filter(codename=ADMIN_ACCESS_PERMISSION[1]).exists():
        ensure_role_groups()


def is_active_user(user) -> bool:
    """A signed-in, active account: the first condition of every role check."""
    return bool(user and user.is_authenticated and user.is_active)


def user_has_role(user, role: Role | str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    cache = getattr(user, "_role_names_cache", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._role_names_cache = cache
    return group_name(role) in cache
