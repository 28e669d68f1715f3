"""Members and invitations. A membership decides the ORGANIZATION_MEMBER role: the group follows."""

from __future__ import annotations

import datetime
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

import audit
from accounts.roles import Role
from accounts.services import role_grant, role_revoke, user_signup
from core.site_url import absolute_url
from orgs import rules
from orgs.models import Invitation, MemberRole, Membership, Organization
from orgs.permissions import can_manage_members

_INVITATION_SALT = "orgs.invitation"


@transaction.atomic
def membership_add(*, actor, organization: Organization, user, role: str = MemberRole.STAFF) -> Membership:
    """Add `user` to `organization` (or change their role) and grant the member role.
    `actor=None` is the system acting for a registration or an accepted invitation."""
    if actor is not None and not can_manage_members(actor, organization):
        raise PermissionDenied(_("Only the organization's administrator may manage its members."))
    role = MemberRole(role)
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    before = {} if created else {"role": membership.role}
    role_grant(user=user, role=Role.ORGANIZATION_MEMBER, reason=f"member of organization {organization.pk}")
    user.__dict__.pop("_orgs_membership_cache", None)
    if not created and membership.role == role:
        return membership  # nothing changed (e.g. the demo seed run again)
    if not created:
        membership.role = role
        membership.save(update_fields=["role"])
    audit.record(
        actor=actor,
        action="membership.add" if created else "membership.update",
        target=membership,
        before=before,
        after={"user": user.pk, "organization": organization.pk, "role": membership.role},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor, membership: Membership) -> None:
    """Remove a member; the last administrator cannot be removed. The member role is revoked when
    the user has no membership left."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "organization")
        .get(pk=membership.pk)
    )
    organization, user = membership.organization, membership.user
    if not can_manage_members(actor, organization):
        raise PermissionDenied(_("Only the organization's administrator may manage its members."))
    if (
        membership.role == MemberRole.ADMIN
        and not organization.memberships.filter(role=MemberRole.ADMIN).exclude(pk=membership.pk).exists()
    ):
        raise ValidationError(_("An organization must keep at least one administrator."))
    before = {"user": user.pk, "organization": organization.pk, "role": membership.role}
    pk = membership.pk
    membership.delete()
    if not Membership.objects.filter(user=user).exists():
        role_revoke(user=user, role=Role.ORGANIZATION_MEMBER, reason="no organization membership left")
    user.__dict__.pop("_orgs_membership_cache", None)
    audit.record(
        actor=actor, action="membership.remove", object_type="orgs.membership", object_id=pk, before=before
    )


def invitation_token(invitation: Invitation) -> str:
    """The signed token carried by the invitation link."""
    return signing.dumps(str(invitation.token), salt=_INVITATION_SALT)


def invitation_from_token(signed: str) -> Invitation | None:
    try:
        token = signing.loads(signed, salt=_INVITATION_SALT)
    except signing.BadSignature:
        return None
    return Invitation.objects.select_related("organization").filter(token=token).first()


def _send_invitation(invitation_id: int, link: str) -> None:
    invitation = Invitation.objects.select_related("organization").get(pk=invitation_id)
    # The invitee may have no account and so no language: write in the site's language, not in
    # whatever language the inviting member's request happened to use.
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Invitation to join %(name)s") % {"name": invitation.organization.name}
        body = _(
            "You have been invited to join %(name)s on the platform. Open this link to accept "
            "(valid until %(until)s, single use):\n%(link)s"
        ) % {
            "name": invitation.organization.name,
            "until": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M"),
            "link": link,
        }
    send_mail(subject, body, None, [invitation.email])


@transaction.atomic
def invitation_create(
    *, actor, organization: Organization, email: str, role: str = MemberRole.STAFF
) -> Invitation:
    """The organization's administrator invites someone by email; the email carries a signed,
    single-use link."""
    if not can_manage_members(actor, organization):
        raise PermissionDenied(_("Only the organization's administrator may manage its members."))
    email = (email or "").strip().lower()
    if not email:
        raise ValidationError({"email": _("Enter an email address.")})
    if organization.memberships.filter(user__email__iexact=email).exists():
        raise ValidationError({"email": _("Someone with this email is already a member.")})
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=MemberRole(role),
        invited_by=actor,
        expires_at=timezone.now() + datetime.timedelta(days=rules.invitation_valid_days()),
    )
    link = absolute_url(reverse("orgs:invitation_accept", args=[invitation_token(invitation)]))
    # A plain email to an address that may have no account yet, not a notification event to users:
    # core.notifications.notify_on_commit cannot carry it, so it is deferred here.
    transaction.on_commit(partial(_send_invitation, invitation.pk, link))
    audit.record(
        actor=actor,
        action="invitation.create",
        target=invitation,
        after={"organization": organization.pk, "email": email, "role": invitation.role},
    )
    return invitation


@transaction.atomic
def invitation_accept(*, user, signed_token: str) -> Membership:
    """`user` accepts an invitation: checks signature, expiry, single use and that the invitation
    was sent to the user's email; creates the membership and grants the member role."""
    invitation = invitation_from_token(signed_token)
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid."))
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used."))
    if invitation.expires_at <= timezone.now():
        raise ValidationError(_("This invitation has expired. Ask the organization for a new one."))
    if (user.email or "").strip().lower() != invitation.email:
        raise ValidationError(_("This invitation was sent to another email address."))
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    membership = membership_add(
        actor=None, organization=invitation.organization, user=user, role=invitation.role
    )
    audit.record(
        actor=user, action="invitation.accept", target=invitation, after={"membership": membership.pk}
    )
    return membership


def user_create_for_organization(
    *, username: str, password: str, display_name: str, email: str, phone: str = ""
):
    """Create the site account of an organization's applicant or invitee."""
    return user_signup(
        username=username, password=password, display_name=display_name, email=email, phone=phone, via="orgs"
    )


@transaction.atomic
def invitation_signup(*, signed_token: str, username: str, display_name: str, password: str):
    """An invitee without an account creates one (with the invited email) and accepts at once."""
    invitation = invitation_from_token(signed_token)
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid."))
    user = user_create_for_organization(
        username=username, password=password, display_name=display_name, email=invitation.email
    )
    invitation_accept(user=user, signed_token=signed_token)
    return user
