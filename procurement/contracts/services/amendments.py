"""Contract amendments (变更): amount, term, targets and milestones, each kept as a row with its reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

import audit
from procurement._common import refuse
from procurement.contracts.models.contracts import (
    Contract,
    ContractAmendment,
    ContractStatus,
    ContractTarget,
)
from procurement.contracts.services.contracts import (
    lock_contract,
    require_contract_officer,
    target_create,
    term_problems,
)
from procurement.contracts.services.progress_reports import progress_reports_schedule
from procurement.contracts.transitions import AMENDABLE_STATES
from procurement.planning.services import budget_line_commit_change


@transaction.atomic
def contract_amend(
    *,
    actor,
    contract: Contract,
    reason: str,
    amount: Decimal | None = None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    targets_change: str = "",
    add_targets: list[dict] | tuple = (),
    retire_targets: list[ContractTarget] | tuple = (),
) -> ContractAmendment:
    """Record an amendment (a new row, never an edit): the contract's current amount and dates follow
    it, retired targets stay as records next to their replacements, the committed amount on the
    budget line changes by the difference. The amount may not fall below what is already paid."""
    contract = lock_contract(contract)
    require_contract_officer(actor, contract)
    if contract.status not in AMENDABLE_STATES:
        refuse(_("Only a signed contract in performance is amended."), code="wrong_state")
    reason = (reason or "").strip()
    if not reason:
        refuse({"reason": _("Give the reason for the amendment.")}, code="reason_required")
    new_amount = Decimal(amount) if amount is not None else contract.amount
    new_start = starts_on or contract.starts_on
    new_end = ends_on or contract.ends_on
    if new_amount <= 0:
        refuse({"amount": _("The amount must be greater than zero.")})
    if new_amount < contract.amount_paid:
        refuse(
            {
                "amount": _("The amount cannot fall below what is already paid (%(paid)s).")
                % {"paid": contract.amount_paid}
            },
            code="below_paid",
        )
    problems = term_problems(
        starts_on=new_start,
        ends_on=new_end,
        is_continuing_service=contract.is_continuing_service,
        continuing_reason=contract.continuing_reason,
    )
    if problems:
        refuse(problems, code="term")
    retire = [t for t in retire_targets if t.contract_id == contract.pk and t.retired_by_id is None]
    if (
        new_amount == contract.amount
        and new_start == contract.starts_on
        and new_end == contract.ends_on
        and not add_targets
        and not retire
        and not targets_change.strip()
    ):
        refuse(_("The amendment changes nothing."), code="no_change")
    number = (contract.amendments.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    amendment = ContractAmendment.objects.create(
        contract=contract,
        number=number,
        reason=reason,
        amount_before=contract.amount,
        amount_after=new_amount,
        starts_on_before=contract.starts_on,
        starts_on_after=new_start,
        ends_on_before=contract.ends_on,
        ends_on_after=new_end,
        targets_change=targets_change.strip(),
        created_by=actor,
    )
    delta = new_amount - contract.amount
    if delta:
        budget_line_commit_change(
            actor=actor,
            line_id=contract.tender.budget_line_id,
            delta=delta,
            reason=f"contract {contract.reference} amendment {number}",
        )
    for target in retire:
        target.retired_by = amendment
        target.save(update_fields=["retired_by"])
    for spec in add_targets:
        target_create(
            contract,
            name=spec.get("name", ""),
            measure=spec.get("measure", ""),
            weight=spec.get("weight", Decimal("10")),
            volunteer_hours_goal=spec.get("volunteer_hours_goal"),
            amendment=amendment,
        )
    before = {
        "amount": str(contract.amount),
        "starts_on": str(contract.starts_on),
        "ends_on": str(contract.ends_on),
    }
    contract.amount = new_amount
    contract.starts_on = new_start
    contract.ends_on = new_end
    contract.save(update_fields=["amount", "starts_on", "ends_on"])
    if contract.status == ContractStatus.ACTIVE and new_end != amendment.ends_on_before:
        progress_reports_schedule(contract=contract)
    audit.record(
        actor=actor,
        action="contract.amend",
        target=contract,
        before=before,
        after={
            "amendment": number,
            "reason": reason,
            "amount": str(new_amount),
            "starts_on": str(new_start),
            "ends_on": str(new_end),
            "targets_added": len(add_targets),
            "targets_retired": [t.pk for t in retire],
        },
    )
    return amendment
