"""The status machine of an organization's verification (Organization.verification_status): every
allowed transition, and the service in orgs.services.organizations that performs it.

pending → verified / rejected by a registry administrator; a pending or rejected registration the
organization corrects goes (back) to pending. An organization the registry enters itself starts
verified (a creation, not a transition)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from orgs.models import VerificationStatus as V

# (from, to) -> name of the service that performs it.
VERIFICATION_TRANSITIONS: dict[tuple[str, str], str] = {
    (V.PENDING, V.VERIFIED): "organization_verify",
    (V.PENDING, V.REJECTED): "organization_reject",
    # A correction while pending is a resubmission: it stays pending, with a new submission time.
    (V.PENDING, V.PENDING): "organization_profile_update",
    (V.REJECTED, V.PENDING): "organization_profile_update",
}


def is_allowed(current: str, target: str) -> bool:
    return (current, target) in VERIFICATION_TRANSITIONS


def check_verification_transition(current: str, target: str) -> None:
    """Raise a ValidationError (in Chinese) when `current → target` is not in the table."""
    if not is_allowed(current, target):
        raise ValidationError(
            _("This registration is %(status)s and cannot be changed this way.")
            % {"status": V(current).label},
            code="transition_not_allowed",
        )
