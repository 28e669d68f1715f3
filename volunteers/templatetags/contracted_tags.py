"""The signed contracts of the user's organizations, with links to open volunteer projects under them
(on the organizer's project list; issue 15)."""

from __future__ import annotations

from django import template

from orgs.models import VerificationStatus
from procurement.models import Contract
from volunteers.permissions import organization_ids_of
from volunteers.services.contracted import OPEN_CONTRACT_STATUSES

register = template.Library()


@register.inclusion_tag("volunteers/projects/_contracts_panel.html")
def contracts_panel(user):
    """One query: the signed or active contracts of the verified organizations the user belongs to."""
    org_ids = organization_ids_of(user)
    contracts = (
        list(
            Contract.objects.filter(
                organization_id__in=org_ids,
                status__in=OPEN_CONTRACT_STATUSES,
                organization__verification_status=VerificationStatus.VERIFIED,
            ).order_by("-starts_on", "-pk")
        )
        if org_ids
        else []
    )
    return {"contracts": contracts}
