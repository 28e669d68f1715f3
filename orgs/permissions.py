"""Who may see and do what in the register. Checked on the server, per organization."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.roles import Role, is_active_user, user_has_role
from orgs.models import MemberRole, Organization

# Staff roles that may read the register's private fields (contacts, documents, masked ID).
REGISTER_READER_ROLES = (Role.REGISTRY_ADMIN, Role.SUPERVISOR, Role.BUREAU_APPROVER, Role.PROCUREMENT_OFFICER)


def is_registry_admin(user) -> bool:
    """Registry administrators (and superusers) keep the register and the credit lists."""
    return is_active_user(user) and (user.is_superuser or user_has_role(user, Role.REGISTRY_ADMIN))


def is_register_reader(user) -> bool:
    return is_active_user(user) and (
        user.is_superuser or any(user_has_role(user, r) for r in REGISTER_READER_ROLES)
    )


def membership_of(user, organization):
    if not is_active_user(user):
        return None
    cache = user.__dict__.setdefault("_orgs_membership_cache", {})
    if organization.pk not in cache:
        cache[organization.pk] = organization.memberships.filter(user=user).first()
    return cache[organization.pk]


def is_member(user, organization) -> bool:
    return membership_of(user, organization) is not None


def is_org_admin(user, organization) -> bool:
    membership = membership_of(user, organization)
    return membership is not None and membership.role == MemberRole.ADMIN


def can_view_private(user, organization) -> bool:
    """Contacts, documents, members, masked ID: the organization's own members and register staff."""
    return is_register_reader(user) or is_member(user, organization)


def can_manage_members(user, organization) -> bool:
    return is_registry_admin(user) or is_org_admin(user, organization)


def can_edit_profile(user, organization) -> bool:
    return is_org_admin(user, organization)


def can_view_document(user, document, owner) -> bool:
    """Asked by core's private-document view for documents owned by an organization."""
    return owner is not None and can_view_private(user, owner)


def get_organization_for_member(user, pk: int):
    """The organization `pk` if `user` is its member or a register reader; 404 otherwise, the same
    answer whether the organization exists or not (pending and rejected registrations are not
    public: a 403 would tell which ids exist)."""
    organization = get_object_or_404(Organization, pk=pk)
    if not (is_member(user, organization) or is_register_reader(user)):
        raise Http404(_("You are not a member of this organization."))
    return organization
