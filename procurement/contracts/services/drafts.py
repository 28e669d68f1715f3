"""The draft contract's plan: its targets and milestones edited together on the officer's page
(shares plus any advance sum to 100%)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

import audit
from procurement._common import refuse, summary
from procurement.contracts.models.contracts import (
    Contract,
    ContractTarget,
    Milestone,
)
from procurement.contracts.plan_rules import (
    as_decimal,
    due_within_term_problems,
    share_in_range,
    shares_total_problems,
    target_problems,
    targets_problems,
    volunteer_hours_goal_or_none,
)
from procurement.contracts.services.contracts import (
    contract_update,
    lock_contract,
    require_contract_officer,
    supplier_signature_withdraw,
)
from procurement.contracts.transitions import EDITABLE_STATES

TARGET_SUMMARY = ["name", "measure", "weight", "volunteer_hours_goal"]


@transaction.atomic
def contract_draft_save(
    *, actor, contract: Contract, fields: dict | None = None, targets: list[dict], milestones: list[dict]
) -> Contract:
    """Save a draft with its whole plan at once (the officer's page): the contract's fields, then its
    measurable targets and milestones as given — rows left out are removed (a draft only: nothing of
    it is signed or public yet), the others updated in place, new ones added. Refused as a whole
    (nothing written) unless every target and milestone is complete, every milestone is due within
    the term and the advance plus the milestones' shares sum to exactly 100%.

    `targets`: [{"pk": id or None, "name", "measure", "weight", "volunteer_hours_goal" (optional)}];
    `milestones`: [{"pk": id or None, "deliverable", "due_on", "payment_share"}]."""
    contract = lock_contract(contract)
    require_contract_officer(actor, contract)
    if contract.status not in EDITABLE_STATES:
        refuse(_("A signed contract is changed only by an amendment."), code="wrong_state")
    if fields:
        contract_update(actor=actor, contract=contract, **fields)
        contract = lock_contract(contract)
    before = {
        "targets": [summary(t, TARGET_SUMMARY) for t in contract.targets.all()],
        "milestones": [
            summary(m, ["deliverable", "due_on", "payment_share"]) for m in contract.milestones.all()
        ],
    }
    problems = targets_problems(bool(targets))
    for spec in targets:
        problems += target_problems(
            name=spec.get("name"),
            measure=spec.get("measure"),
            weight=spec.get("weight"),
            volunteer_hours_goal=spec.get("volunteer_hours_goal"),
        )
    if not milestones:
        problems.append(_("Add at least one milestone."))
    shares = [as_decimal(spec.get("payment_share")) for spec in milestones]
    for spec in milestones:
        if not share_in_range(spec.get("payment_share")):
            problems.append(_("A payment share is between 0 and 100%."))
        if not (spec.get("deliverable") or "").strip():
            problems.append(_("Describe the deliverable."))
        problems += due_within_term_problems(
            spec.get("due_on"), starts_on=contract.starts_on, ends_on=contract.ends_on
        )
    if all(share_in_range(share) for share in shares):
        problems += shares_total_problems(contract.advance_share, shares)
    if problems:
        refuse(list(dict.fromkeys(problems)), code="invalid_plan")
    existing_targets = {t.pk: t for t in contract.targets.all()}
    keep = {spec["pk"] for spec in targets if spec.get("pk") in existing_targets}
    ContractTarget.objects.filter(contract=contract).exclude(pk__in=keep).delete()
    for order, spec in enumerate(targets):
        target = existing_targets.get(spec.get("pk")) or ContractTarget(contract=contract)
        target.name = spec["name"].strip()
        target.measure = spec["measure"].strip()
        target.weight = as_decimal(spec["weight"])
        target.volunteer_hours_goal = volunteer_hours_goal_or_none(spec.get("volunteer_hours_goal"))
        target.sort_order = order
        target.save()
    existing = {m.pk: m for m in contract.milestones.all()}
    keep = {spec["pk"] for spec in milestones if spec.get("pk") in existing}
    Milestone.objects.filter(contract=contract).exclude(pk__in=keep).delete()
    # Renumber by due date: first out of the way of the unique (contract, number), then in order.
    for offset, pk in enumerate(keep, start=1000):
        Milestone.objects.filter(pk=pk).update(number=offset)
    ordered = sorted(milestones, key=lambda spec: spec["due_on"])
    for number, spec in enumerate(ordered, start=1):
        milestone = existing.get(spec.get("pk")) or Milestone(contract=contract)
        milestone.number = number
        milestone.deliverable = spec["deliverable"].strip()
        milestone.due_on = spec["due_on"]
        milestone.payment_share = as_decimal(spec["payment_share"])
        milestone.save()
    after = {
        "targets": [summary(t, TARGET_SUMMARY) for t in contract.targets.all()],
        "milestones": [
            summary(m, ["deliverable", "due_on", "payment_share"]) for m in contract.milestones.all()
        ],
    }
    if after != before:
        supplier_signature_withdraw(actor=actor, contract=contract)
    audit.record(actor=actor, action="contract.plan_save", target=contract, before=before, after=after)
    return contract
