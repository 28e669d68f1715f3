"""The contract's personnel (项目团队): copied from the winning bid's team when the contract is made,
then kept by the supplier (its members) and by the contract's procurement officers while the
contract is not closed (completed or terminated). Only active members of the supplier may be named;
a person leaves by `removed_at`, never by deletion. Every change is audited.

The social workers among the personnel lead the volunteer teams of the contract's projects (the
volunteers app reads `selectors.personnel_user_ids`)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from orgs.models import Membership
from procurement._common import deny, refuse
from procurement.contracts.models.contracts import (
    Contract,
    ContractPersonnel,
    ContractStatus,
    PersonnelRole,
)
from procurement.contracts.permissions import can_keep_personnel

CLOSED = (ContractStatus.COMPLETED, ContractStatus.TERMINATED)


def _row(person: ContractPersonnel) -> dict:
    return {"person": person.pk, "user": person.user_id, "name": person.name, "role": person.role}


def _active_member(contract: Contract, user_id):
    membership = (
        Membership.objects.filter(
            organization_id=contract.organization_id, user_id=user_id, user__is_active=True
        )
        .select_related("user")
        .first()
    )
    return membership.user if membership else None


def personnel_from_bid(*, contract: Contract, team) -> list[ContractPersonnel]:
    """Copy the winning bid's team (`Bid.team`, written at the opening) into the contract's
    personnel, `from_bid`. Called by `contract_create` inside its transaction (audited there). A
    person named in the bid who is no longer an active member of the supplier keeps the name and
    role but not the account (a removed account leads no volunteer team)."""
    entries = [e for e in team or () if e.get("role") in PersonnelRole.values]
    ids = {int(e["user"]) for e in entries if e.get("user")}
    active = set(
        Membership.objects.filter(
            organization_id=contract.organization_id, user_id__in=ids, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    seen: set[int] = set()
    rows = []
    for entry in entries:
        user_id = int(entry["user"]) if entry.get("user") else None
        if user_id in seen:
            continue
        if user_id:
            seen.add(user_id)
        rows.append(
            ContractPersonnel(
                contract=contract,
                user_id=user_id if user_id in active else None,
                name=str(entry.get("name") or "")[:50] or "—",
                role=entry["role"],
                from_bid=True,
                added_by=contract.created_by,
            )
        )
    return ContractPersonnel.objects.bulk_create(rows)


def _check(actor, contract: Contract) -> None:
    if not can_keep_personnel(actor, contract):
        deny(_("Only the supplier's members and the contract's procurement officers may keep its personnel."))
    if contract.status in CLOSED:
        refuse(_("The personnel of a closed contract can no longer change."), code="closed")


@transaction.atomic
def personnel_add(actor, contract: Contract, user, role: str) -> ContractPersonnel:
    """Name an active member of the supplier on the contract with a role (once at a time)."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    _check(actor, contract)
    if role not in PersonnelRole.values:
        refuse(_("Choose a role on the contract."), code="role")
    user_id = getattr(user, "pk", user)
    member = _active_member(contract, user_id)
    if member is None:
        refuse(_("Only active members of the supplier can be named on the contract."), code="not_member")
    if ContractPersonnel.objects.filter(contract=contract, user=member, removed_at__isnull=True).exists():
        refuse(_("This person is already on the contract."), code="duplicate")
    person = ContractPersonnel.objects.create(
        contract=contract, user=member, name=str(member)[:50], role=role, added_by=actor
    )
    audit.record(actor=actor, action="contract.personnel_add", target=contract, after=_row(person))
    return person


@transaction.atomic
def personnel_remove(actor, person: ContractPersonnel) -> ContractPersonnel:
    """Take a person off the contract (`removed_at`; the row stays)."""
    person = ContractPersonnel.objects.select_for_update().select_related("contract").get(pk=person.pk)
    contract = person.contract
    _check(actor, contract)
    if person.removed_at is not None:
        refuse(_("This person is no longer on the contract."), code="removed")
    person.removed_at = timezone.now()
    person.save(update_fields=["removed_at"])
    audit.record(
        actor=actor,
        action="contract.personnel_remove",
        target=contract,
        before=_row(person),
        after={"person": person.pk, "removed_at": str(person.removed_at)},
    )
    return person
