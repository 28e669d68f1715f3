"""The personnel section of the contract page (`procurement/contracts/includes/personnel.html`):
the contract's active personnel and, for those who keep it while the contract is open, the members of
the supplier who may still be named. Two queries whatever the number of people."""

from __future__ import annotations

from django import template

from procurement.contracts.models.contracts import PersonnelRole
from procurement.contracts.permissions import can_keep_personnel
from procurement.contracts.selectors import contract_personnel, personnel_candidates
from procurement.contracts.services.personnel import CLOSED

register = template.Library()


@register.simple_tag(takes_context=True)
def personnel_section(context, contract) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    personnel = contract_personnel(contract)
    may_keep = bool(user) and contract.status not in CLOSED and can_keep_personnel(user, contract)
    named = {p.user_id for p in personnel if p.user_id}
    candidates = (
        [m for m in personnel_candidates(contract.organization_id) if m.user_id not in named]
        if may_keep
        else []
    )
    return {
        "personnel": personnel,
        "may_keep": may_keep,
        "candidates": candidates,
        "roles": PersonnelRole.choices,
    }
