"""The register's notification events and who receives them. Registered from `OrgsConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role
from core.notifications import notify, register_event

SUBMITTED = "orgs.registration_submitted"
VERIFIED = "orgs.registration_verified"
REJECTED = "orgs.registration_rejected"
CREDIT_LISTED = "orgs.credit_listed"
CREDIT_REMOVED = "orgs.credit_removed"


def register_events() -> None:
    register_event(
        SUBMITTED,
        label=_("Organization registration submitted"),
        subject=_("Registration to verify: %(name)s"),
        body_template_or_text=_(
            "%(name)s (%(uscc)s) has submitted its registration for verification. Review it: %(url)s"
        ),
    )
    register_event(
        VERIFIED,
        label=_("Organization registration verified"),
        subject=_("Your organization %(name)s has been verified"),
        body_template_or_text=_(
            "The registry administrator has verified %(name)s. It can now take part in purchase of services."
        ),
    )
    register_event(
        REJECTED,
        label=_("Organization registration rejected"),
        subject=_("Your organization %(name)s needs corrections"),
        body_template_or_text=_(
            "The registry administrator could not verify %(name)s, for these reasons:\n%(reasons)s\n\n"
            "Correct the profile and submit it again: %(url)s"
        ),
    )
    register_event(
        CREDIT_LISTED,
        label=_("Organization placed on a credit list"),
        subject=_("%(name)s has been placed on the %(list)s"),
        body_template_or_text=_(
            "%(name)s has been placed on the %(list)s on %(date)s.\nReason: %(reason)s\n"
            "Deciding authority: %(authority)s"
        ),
    )
    register_event(
        CREDIT_REMOVED,
        label=_("Organization removed from a credit list"),
        subject=_("%(name)s has been removed from the %(list)s"),
        body_template_or_text=_(
            "%(name)s has been removed from the %(list)s on %(date)s.\nReason: %(reason)s"
        ),
    )


def organization_members(organization):
    return User.objects.filter(memberships__organization=organization, is_active=True)


def registry_admins():
    return User.objects.filter(groups__name=Role.REGISTRY_ADMIN.value, is_active=True)


def notify_members(event: str, organization, *, context: dict, dedupe_key: str = "", obj=None) -> None:
    notify(
        event,
        recipients=organization_members(organization),
        obj=obj or organization,
        context={"name": organization.name, **context},
        dedupe_key=dedupe_key,
    )


def notify_registry_admins(event: str, organization, *, context: dict, dedupe_key: str = "") -> None:
    notify(
        event,
        recipients=registry_admins(),
        obj=organization,
        context={"name": organization.name, "uscc": organization.uscc, **context},
        dedupe_key=dedupe_key,
    )
