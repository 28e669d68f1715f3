"""Contracts: drafted from a confirmed, published award (per lot), signed within the window after the
award notice (never while a challenge claiming the result is wrong is open), published within the
working-day rule after signing, amended only by new amendment rows, completed or terminated.
Milestones: the organization submits deliverables, the officer accepts or rejects them with reasons
(service recipients' opinions first where the contract requires them).

Due dates are stored here (`sign_due_on`, `publish_due_on`, milestone `due_on`, report `due_on`) for
the supervision lights."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from core.dates import add_months
from core.documents import document_upload
from core.models import DocumentType, DocumentVisibility
from core.workdays import add_working_days
from orgs.models import CreditRecordKind
from orgs.services import credit_record_append
from procurement import rules
from procurement._common import deny, refuse, summary
from procurement.contracts.events import contract_published, contract_signed
from procurement.contracts.models.contracts import (
    Contract,
    ContractStatus,
    ContractTarget,
    MilestoneStatus,
)
from procurement.contracts.permissions import can_manage_contract, is_contract_party
from procurement.contracts.plan_rules import (
    EDITABLE_FIELDS,
    as_decimal,
    is_due_within_term,
    share_in_range,
    shares_total_problems,
    target_problems,
    targets_problems,
    volunteer_hours_goal_or_none,
)
from procurement.contracts.services.personnel import personnel_from_bid
from procurement.contracts.services.progress_reports import progress_reports_schedule
from procurement.contracts.transitions import EDITABLE_STATES, check_contract_transition
from procurement.evaluation.models.awards import Award, AwardStatus
from procurement.evaluation.selectors import award_has_open_blocking_challenge
from procurement.planning.services import (
    budget_line_commit,
    budget_line_commit_change,
    budget_line_release,
)

MAX_DELIVERABLE_DOCUMENTS = 10


def require_contract_officer(actor, contract) -> None:
    if not can_manage_contract(actor, contract):
        deny(_("Only the procurement officers of the purchasing unit may do this."))


def lock_contract(contract) -> Contract:
    return Contract.objects.select_for_update().get(pk=contract.pk)


def term_problems(*, starts_on, ends_on, is_continuing_service: bool, continuing_reason: str) -> list[str]:
    """What is wrong with a term: order, ≤ 12 months (≤ 36 for continuing services, with a reason)."""
    problems = []
    if starts_on is None or ends_on is None:
        return [_("Give the start and end of the service.")]
    if ends_on < starts_on:
        problems.append(_("The service cannot end before it starts."))
    if is_continuing_service:
        months = rules.contract_continuing_max_term_months()
        if not (continuing_reason or "").strip():
            problems.append(_("A multi-year term for a continuing service needs a recorded reason."))
    else:
        months = rules.contract_max_term_months()
    if ends_on >= add_months(starts_on, months):
        problems.append(
            _("The term may be at most %(months)s months (until %(last)s).")
            % {"months": months, "last": (add_months(starts_on, months) - dt.timedelta(days=1)).isoformat()}
        )
    return problems


def is_multi_year(contract: Contract) -> bool:
    """A term longer than 12 months: it also gets a mid-term evaluation."""
    return contract.ends_on >= add_months(contract.starts_on, 12)


def share_problems(contract: Contract) -> list[str]:
    """The advance share plus the milestones' shares must sum to exactly 100%."""
    return shares_total_problems(
        contract.advance_share, contract.milestones.values_list("payment_share", flat=True)
    )


def signing_problems(contract: Contract) -> list[str]:
    """Every reason the contract cannot be signed yet (without the challenge check)."""
    problems = term_problems(
        starts_on=contract.starts_on,
        ends_on=contract.ends_on,
        is_continuing_service=contract.is_continuing_service,
        continuing_reason=contract.continuing_reason,
    )
    if not contract.service_standard.strip():
        problems.append(_("Describe the service standard."))
    problems += targets_problems(contract.targets.filter(retired_by__isnull=True).exists())
    if not contract.milestones.exists():
        problems.append(_("Add at least one milestone."))
    problems += share_problems(contract)
    due_dates = contract.milestones.values_list("due_on", flat=True)
    if not all(
        is_due_within_term(d, starts_on=contract.starts_on, ends_on=contract.ends_on) for d in due_dates
    ):
        problems.append(_("Every milestone must be due within the term of the contract."))
    return problems


@transaction.atomic
def contract_create(*, actor, award: Award, **fields) -> Contract:
    """Draft the contract of a confirmed award whose notice is out: the parties and the amount come
    from the award; `sign_due_on` is the notice date + `rules.contract_sign_days()` calendar days."""
    award = (
        Award.objects.select_for_update(of=("self",)).select_related("tender", "lot", "bid").get(pk=award.pk)
    )
    tender = award.tender
    if not can_manage_contract(actor, tender):
        deny(_("Only the procurement officers of the purchasing unit may do this."))
    if award.status != AwardStatus.CONFIRMED or award.notice_published_at is None:
        refuse(
            _("A contract is drafted only from a confirmed award whose notice is published."),
            code="wrong_state",
        )
    if Contract.objects.filter(award=award).exists():
        refuse(_("This award already has a contract."), code="exists")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown contract fields: {sorted(unknown)}")
    fields.setdefault("advance_share", rules.contract_default_advance_share())
    # The call's service period, or (a call without one) a year from today: the draft page edits it.
    fields.setdefault("starts_on", tender.service_period_start or timezone.localdate())
    fields.setdefault(
        "ends_on",
        tender.service_period_end
        or add_months(fields["starts_on"], rules.contract_max_term_months()) - dt.timedelta(days=1),
    )
    fields.setdefault(
        "title", (f"{tender.title} {award.lot}" if tender.lots.count() > 1 else tender.title)[:200]
    )
    fields.setdefault("service_standard", tender.service_description)
    problems = term_problems(
        starts_on=fields["starts_on"],
        ends_on=fields["ends_on"],
        is_continuing_service=fields.get("is_continuing_service", False),
        continuing_reason=fields.get("continuing_reason", ""),
    )
    if problems:
        refuse(problems, code="term")
    _check_advance(fields["advance_share"])
    notice_day = timezone.localdate(award.notice_published_at)
    contract = Contract.objects.create(
        award=award,
        tender=tender,
        lot=award.lot,
        department_id=tender.department_id,
        organization_id=award.organization_id,
        reference=f"{tender.reference}-HT{award.lot.number}",
        original_amount=award.amount,
        amount=award.amount,
        sign_due_on=notice_day + dt.timedelta(days=rules.contract_sign_days()),
        created_by=actor,
        **fields,
    )
    # The winning bid's proposed team becomes the contract's personnel (issue 15).
    personnel = personnel_from_bid(contract=contract, team=award.bid.team if award.bid_id else [])
    after = summary(contract)
    if personnel:
        after["personnel"] = [
            {"user": p.user_id, "name": p.name, "role": p.role, "from_bid": True} for p in personnel
        ]
    audit.record(actor=actor, action="contract.create", target=contract, after=after)
    return contract


def _check_advance(share) -> None:
    if not share_in_range(share):
        refuse({"advance_share": _("The advance share must be between 0 and 100%.")}, code="invalid")


@transaction.atomic
def contract_update(*, actor, contract: Contract, **fields) -> Contract:
    """Change a draft (after signing only an amendment changes the contract)."""
    contract = lock_contract(contract)
    require_contract_officer(actor, contract)
    if contract.status not in EDITABLE_STATES:
        refuse(_("A signed contract is changed only by an amendment."), code="wrong_state")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown contract fields: {sorted(unknown)}")
    before = summary(contract, list(fields))
    for name, value in fields.items():
        setattr(contract, name, value)
    problems = term_problems(
        starts_on=contract.starts_on,
        ends_on=contract.ends_on,
        is_continuing_service=contract.is_continuing_service,
        continuing_reason=contract.continuing_reason,
    )
    if problems:
        refuse(problems, code="term")
    _check_advance(contract.advance_share)
    contract.save()
    if before != summary(contract, list(fields)):
        supplier_signature_withdraw(actor=actor, contract=contract)
    audit.record(
        actor=actor,
        action="contract.update",
        target=contract,
        before=before,
        after=summary(contract, list(fields)),
    )
    return contract


@transaction.atomic
def contract_target_add(
    *, actor, contract: Contract, name: str, measure: str, weight=Decimal("10"), volunteer_hours_goal=None
):
    """A measurable target of a draft (after signing, targets change only by amendment). A target
    measured in volunteer hours has a `volunteer_hours_goal`."""
    contract = lock_contract(contract)
    require_contract_officer(actor, contract)
    if contract.status not in EDITABLE_STATES:
        refuse(_("A signed contract is changed only by an amendment."), code="wrong_state")
    target = target_create(
        contract, name=name, measure=measure, weight=weight, volunteer_hours_goal=volunteer_hours_goal
    )
    supplier_signature_withdraw(actor=actor, contract=contract)
    audit.record(actor=actor, action="contract.target_add", target=contract, after=summary(target))
    return target


def target_create(
    contract, *, name, measure, weight, amendment=None, volunteer_hours_goal=None
) -> ContractTarget:
    problems = target_problems(
        name=name, measure=measure, weight=weight, volunteer_hours_goal=volunteer_hours_goal
    )
    if problems:
        refuse(problems)
    order = contract.targets.count()
    return ContractTarget.objects.create(
        contract=contract,
        name=name.strip(),
        measure=measure.strip(),
        weight=as_decimal(weight),
        volunteer_hours_goal=volunteer_hours_goal_or_none(volunteer_hours_goal),
        sort_order=order,
        added_by=amendment,
    )


def supplier_signature_withdraw(*, actor, contract: Contract) -> None:
    """A change to a draft the supplier has signed withdraws its signature: it signed another text
    and signs again (its signed copy stays among the contract's documents). Called by every service
    that changes a draft, inside its transaction, with the contract locked."""
    if contract.supplier_signed_at is None:
        return
    before = {"supplier_signed_at": contract.supplier_signed_at.isoformat()}
    contract.supplier_signed_at = None
    contract.supplier_signed_by = None
    contract.save(update_fields=["supplier_signed_at", "supplier_signed_by"])
    audit.record(
        actor=actor,
        action="contract.supplier_sign_withdraw",
        target=contract,
        before=before,
        after={"supplier_signed_at": None},
    )


def supplier_signing_problems(contract: Contract) -> list[str]:
    """Every reason the supplier cannot sign the draft yet (the draft must be ready to sign)."""
    if contract.status != ContractStatus.DRAFT:
        return [_("This contract is already signed.")]
    if contract.supplier_signed_at is not None:
        return [_("Your organization has already signed this contract.")]
    problems = signing_problems(contract)
    if problems:
        return [_("The purchasing unit has not finished the contract yet.")]
    return []


@transaction.atomic
def contract_supplier_sign(
    *, actor, contract: Contract, signed_copy, at: dt.datetime | None = None
) -> Contract:
    """A member of the contracted organization signs the finished draft for it, with the copy
    bearing the organization's seal (refused while a challenge claiming the result is wrong is
    open). The contract stays a draft until the officer records the signing."""
    contract = lock_contract(contract)
    if not is_contract_party(actor, contract):
        deny(_("Only the members of the contracted organization may sign for it."))
    problems = supplier_signing_problems(contract)
    if problems:
        refuse(problems, code="wrong_state")
    award = Award.objects.get(pk=contract.award_id)
    if award.status != AwardStatus.CONFIRMED:
        refuse(_("The award of this contract is no longer valid."), code="wrong_state")
    if award_has_open_blocking_challenge(award):
        refuse(
            _(
                "A challenge claiming the result is wrong is still open: the contract can be signed only after it is answered."
            ),
            code="challenge_open",
        )
    if signed_copy is None:
        refuse({"signed_copy": _("Attach the signed copy of the contract.")}, code="incomplete")
    at = at or timezone.now()
    contract.supplier_signed_at = at
    contract.supplier_signed_by = actor
    contract.save(update_fields=["supplier_signed_at", "supplier_signed_by"])
    document_upload(
        actor=actor,
        owner=contract,
        file=signed_copy,
        document_type=DocumentType.CONTRACT_SIGNED,
        title=_("Contract %(reference)s signed by the supplier") % {"reference": contract.reference},
        visibility=DocumentVisibility.OWNER_AND_STAFF,
    )
    audit.record(
        actor=actor,
        action="contract.supplier_sign",
        target=contract,
        after={"supplier_signed_at": at.isoformat(), "late": timezone.localdate(at) > contract.sign_due_on},
    )
    return contract


@transaction.atomic
def contract_sign(*, actor, contract: Contract, signed_copy, at: dt.datetime | None = None) -> Contract:
    """Record the signing with the signed copy: refused while a challenge that claims the award is
    wrong is open, or while the contract is incomplete (term, targets, shares summing to 100%). The
    contract amount is committed on the budget line; publication is due within
    `rules.contract_publish_working_days()`."""
    contract = lock_contract(contract)
    require_contract_officer(actor, contract)
    check_contract_transition(
        contract.status, ContractStatus.SIGNED, message=_("This contract is already signed.")
    )
    award = Award.objects.get(pk=contract.award_id)
    if award.status != AwardStatus.CONFIRMED:
        refuse(_("The award of this contract is no longer valid."), code="wrong_state")
    if award_has_open_blocking_challenge(award):
        refuse(
            _(
                "A challenge claiming the result is wrong is still open: the contract can be signed only after it is answered."
            ),
            code="challenge_open",
        )
    problems = signing_problems(contract)
    if problems:
        refuse(problems, code="incomplete")
    if signed_copy is None:
        refuse({"signed_copy": _("Attach the signed copy of the contract.")}, code="incomplete")
    at = at or timezone.now()
    day = timezone.localdate(at)
    contract.status = ContractStatus.SIGNED
    contract.signed_at = at
    contract.signed_by = actor
    contract.publish_due_on = add_working_days(day, rules.contract_publish_working_days())
    contract.save(update_fields=["status", "signed_at", "signed_by", "publish_due_on"])
    document_upload(
        actor=actor,
        owner=contract,
        file=signed_copy,
        document_type=DocumentType.CONTRACT_SIGNED,
        title=_("Signed contract %(reference)s") % {"reference": contract.reference},
        visibility=DocumentVisibility.OWNER_AND_STAFF,
    )
    budget_line_commit(actor=actor, lot=contract.lot, amount=contract.amount)
    audit.record(
        actor=actor,
        action="contract.sign",
        target=contract,
        before={"status": ContractStatus.DRAFT},
        after={
            "status": contract.status,
            "signed_at": at.isoformat(),
            "publish_due_on": contract.publish_due_on.isoformat(),
            "late": day > contract.sign_due_on,
        },
    )
    contract_signed(contract=contract)
    return contract


@transaction.atomic
def contract_publish(*, actor, contract: Contract, at: dt.datetime | None = None) -> Contract:
    """Publish a signed contract (its public fields appear on the site); the progress reports of its
    schedule are created with their due dates. Publishing twice does nothing."""
    contract = lock_contract(contract)
    if actor is not None:
        require_contract_officer(actor, contract)
    if contract.published_at is not None:
        return contract
    check_contract_transition(
        contract.status, ContractStatus.ACTIVE, message=_("Only a signed contract is published.")
    )
    at = at or timezone.now()
    contract.status = ContractStatus.ACTIVE
    contract.published_at = at
    contract.save(update_fields=["status", "published_at"])
    created = progress_reports_schedule(contract=contract)
    audit.record(
        actor=actor,
        action="contract.publish",
        target=contract,
        before={"status": ContractStatus.SIGNED},
        after={
            "status": contract.status,
            "published_at": at.isoformat(),
            "late": timezone.localdate(at) > contract.publish_due_on,
            "progress_reports": len(created),
        },
    )
    contract_published(contract=contract)
    return contract


@transaction.atomic
def contract_complete(*, actor, contract: Contract, at: dt.datetime | None = None) -> Contract:
    """The service is complete: every milestone accepted. Recorded in the organization's credit record."""
    contract = lock_contract(contract)
    require_contract_officer(actor, contract)
    check_contract_transition(
        contract.status,
        ContractStatus.COMPLETED,
        message=_("Only a published contract in performance is completed."),
    )
    open_milestones = contract.milestones.exclude(status__in=[MilestoneStatus.ACCEPTED, MilestoneStatus.MET])
    if open_milestones.exists():
        refuse(
            _("Every milestone must be accepted before the contract is completed."), code="milestones_open"
        )
    at = at or timezone.now()
    contract.status = ContractStatus.COMPLETED
    contract.completed_at = at
    contract.save(update_fields=["status", "completed_at"])
    credit_record_append(
        actor=actor,
        organization=contract.organization,
        kind=CreditRecordKind.CONTRACT_COMPLETED,
        occurred_on=timezone.localdate(at),
        title=f"{contract.reference} {contract.title}"[:200],
        source_key=f"procurement.contract:{contract.pk}",
        amount=contract.amount,
    )
    audit.record(
        actor=actor, action="contract.complete", target=contract, before={"status": ContractStatus.ACTIVE},
        after={"status": contract.status, "completed_at": at.isoformat()},
    )  # fmt: skip
    return contract


@transaction.atomic
def contract_terminate(*, actor, contract: Contract, reason: str) -> Contract:
    """End a contract early with a reason. What is committed and not paid returns to the budget line
    (a draft gives back the award's reservation)."""
    contract = lock_contract(contract)
    require_contract_officer(actor, contract)
    check_contract_transition(
        contract.status, ContractStatus.TERMINATED, message=_("This contract has already ended.")
    )
    reason = (reason or "").strip()
    if not reason:
        refuse({"reason": _("Give the reason for terminating the contract.")}, code="reason_required")
    before = {"status": contract.status}
    if contract.status == ContractStatus.DRAFT:
        budget_line_release(actor=actor, tender=contract.tender, lots=[contract.lot])
    else:
        unpaid = contract.amount - contract.amount_paid
        if unpaid:
            budget_line_commit_change(
                actor=actor,
                line_id=contract.tender.budget_line_id,
                delta=-unpaid,
                reason=f"contract {contract.reference} terminated",
            )
    contract.status = ContractStatus.TERMINATED
    contract.terminated_at = timezone.now()
    contract.termination_reason = reason
    contract.save(update_fields=["status", "terminated_at", "termination_reason"])
    audit.record(
        actor=actor, action="contract.terminate", target=contract, before=before,
        after={"status": contract.status, "reason": reason},
    )  # fmt: skip
    return contract
