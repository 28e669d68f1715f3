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
from core.workdays import add_working_days
from orgs.rules import add_months
from procurement import notifications, rules
from procurement.models import (
    Award,
    AwardStatus,
    Contract,
    ContractAmendment,
    ContractStatus,
    ContractTarget,
    Milestone,
    MilestoneStatus,
    MilestoneSubmission,
    RecipientOpinion,
    SubmissionDecision,
)
from procurement.permissions import can_manage_contract, is_contract_party
from procurement.services._common import deny, refuse, summary

HUNDRED = Decimal("100")
EDITABLE_FIELDS = (
    "title",
    "advance_share",
    "starts_on",
    "ends_on",
    "is_continuing_service",
    "continuing_reason",
    "service_standard",
    "report_schedule",
    "requires_recipient_opinion",
    "purchaser_signatory",
    "supplier_signatory",
    "contact_phone",
)
MAX_DELIVERABLE_DOCUMENTS = 10


def _officer(actor, contract) -> None:
    if not can_manage_contract(actor, contract):
        deny(_("Only the procurement officers of the purchasing unit may do this."))


def _lock(contract) -> Contract:
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
    shares = list(contract.milestones.values_list("payment_share", flat=True))
    total = contract.advance_share + sum(shares, Decimal("0"))
    if total != HUNDRED:
        return [
            _("The advance and the milestones' payment shares sum to %(total)s%%, not 100%%.")
            % {"total": format(total.normalize(), "f")}
        ]
    return []


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
    if not contract.targets.filter(retired_by__isnull=True).exists():
        problems.append(_("Add at least one measurable performance target."))
    if not contract.milestones.exists():
        problems.append(_("Add at least one milestone."))
    problems += share_problems(contract)
    late = contract.milestones.filter(due_on__gt=contract.ends_on).exists()
    if late:
        problems.append(_("Every milestone must be due within the term of the contract."))
    return problems


@transaction.atomic
def contract_create(*, actor, award: Award, **fields) -> Contract:
    """Draft the contract of a confirmed award whose notice is out: the parties and the amount come
    from the award; `sign_due_on` is the notice date + `rules.contract_sign_days()` calendar days."""
    award = Award.objects.select_for_update(of=("self",)).select_related("tender", "lot").get(pk=award.pk)
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
    audit.record(actor=actor, action="contract.create", target=contract, after=summary(contract))
    return contract


def _check_advance(share) -> None:
    if share is None or Decimal(share) < 0 or Decimal(share) > HUNDRED:
        refuse({"advance_share": _("The advance share must be between 0 and 100%.")}, code="invalid")


@transaction.atomic
def contract_update(*, actor, contract: Contract, **fields) -> Contract:
    """Change a draft (after signing only an amendment changes the contract)."""
    contract = _lock(contract)
    _officer(actor, contract)
    if contract.status != ContractStatus.DRAFT:
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
    audit.record(
        actor=actor,
        action="contract.update",
        target=contract,
        before=before,
        after=summary(contract, list(fields)),
    )
    return contract


@transaction.atomic
def contract_target_add(*, actor, contract: Contract, name: str, measure: str, weight=Decimal("10")):
    """A measurable target of a draft (after signing, targets change only by amendment)."""
    contract = _lock(contract)
    _officer(actor, contract)
    if contract.status != ContractStatus.DRAFT:
        refuse(_("A signed contract is changed only by an amendment."), code="wrong_state")
    target = _target_create(contract, name=name, measure=measure, weight=weight)
    audit.record(actor=actor, action="contract.target_add", target=contract, after=summary(target))
    return target


def _target_create(contract, *, name, measure, weight, amendment=None) -> ContractTarget:
    if not (name or "").strip() or not (measure or "").strip():
        refuse(_("A target needs a name and a measurable indicator."))
    if Decimal(weight) <= 0:
        refuse(_("A target's weight must be greater than zero."))
    order = contract.targets.count()
    return ContractTarget.objects.create(
        contract=contract,
        name=name.strip(),
        measure=measure.strip(),
        weight=Decimal(weight),
        sort_order=order,
        added_by=amendment,
    )


@transaction.atomic
def milestone_add(
    *, actor, contract: Contract, deliverable: str, due_on: dt.date, payment_share
) -> Milestone:
    """Add a milestone to a draft: deliverable, due date and payment share (% of the amount)."""
    contract = _lock(contract)
    _officer(actor, contract)
    if contract.status != ContractStatus.DRAFT:
        refuse(_("A signed contract is changed only by an amendment."), code="wrong_state")
    share = Decimal(payment_share)
    if share < 0 or share > HUNDRED:
        refuse({"payment_share": _("A payment share is between 0 and 100%.")})
    if not (deliverable or "").strip():
        refuse({"deliverable": _("Describe the deliverable.")})
    if due_on < contract.starts_on or due_on > contract.ends_on:
        refuse({"due_on": _("The milestone must be due within the term of the contract.")})
    number = (contract.milestones.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    milestone = Milestone.objects.create(
        contract=contract, number=number, deliverable=deliverable.strip(), due_on=due_on, payment_share=share
    )
    audit.record(actor=actor, action="milestone.add", target=milestone, after=summary(milestone))
    return milestone


@transaction.atomic
def contract_sign(*, actor, contract: Contract, signed_copy, at: dt.datetime | None = None) -> Contract:
    """Record the signing with the signed copy: refused while a challenge that claims the award is
    wrong is open, or while the contract is incomplete (term, targets, shares summing to 100%). The
    contract amount is committed on the budget line; publication is due within
    `rules.contract_publish_working_days()`."""
    from core.documents import document_upload
    from core.models import DocumentType, DocumentVisibility
    from procurement.selectors_awards import award_has_open_blocking_challenge
    from procurement.services.budget import budget_line_commit

    contract = _lock(contract)
    _officer(actor, contract)
    if contract.status != ContractStatus.DRAFT:
        refuse(_("This contract is already signed."), code="wrong_state")
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
    notifications.contract_signed(contract=contract)
    return contract


@transaction.atomic
def contract_publish(*, actor, contract: Contract, at: dt.datetime | None = None) -> Contract:
    """Publish a signed contract (its public fields appear on the site); the progress reports of its
    schedule are created with their due dates. Publishing twice does nothing."""
    from procurement.services.reports_progress import progress_reports_schedule

    contract = _lock(contract)
    if actor is not None:
        _officer(actor, contract)
    if contract.published_at is not None:
        return contract
    if contract.status != ContractStatus.SIGNED:
        refuse(_("Only a signed contract is published."), code="wrong_state")
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
    notifications.contract_published(contract=contract)
    return contract


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
    from procurement.services.budget import budget_line_commit_change

    contract = _lock(contract)
    _officer(actor, contract)
    if contract.status not in (ContractStatus.SIGNED, ContractStatus.ACTIVE):
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
        _target_create(
            contract,
            name=spec.get("name", ""),
            measure=spec.get("measure", ""),
            weight=spec.get("weight", Decimal("10")),
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
        from procurement.services.reports_progress import progress_reports_schedule

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


@transaction.atomic
def contract_complete(*, actor, contract: Contract, at: dt.datetime | None = None) -> Contract:
    """The service is complete: every milestone accepted. Recorded in the organization's credit record."""
    from orgs.models import CreditRecordKind
    from orgs.services import credit_record_append

    contract = _lock(contract)
    _officer(actor, contract)
    if contract.status != ContractStatus.ACTIVE:
        refuse(_("Only a published contract in performance is completed."), code="wrong_state")
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
    from procurement.services.budget import budget_line_commit_change, budget_line_release

    contract = _lock(contract)
    _officer(actor, contract)
    if contract.status in (ContractStatus.COMPLETED, ContractStatus.TERMINATED):
        refuse(_("This contract has already ended."), code="wrong_state")
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


# --- milestones -----------------------------------------------------------------------------------


def _lock_milestone(milestone) -> Milestone:
    return Milestone.objects.select_for_update(of=("self",)).select_related("contract").get(pk=milestone.pk)


@transaction.atomic
def milestone_submit(*, actor, milestone: Milestone, text: str, files=()) -> MilestoneSubmission:
    """The organization submits the deliverable (text and documents); again after a rejection."""
    from core.documents import document_upload
    from core.models import DocumentType

    milestone = _lock_milestone(milestone)
    contract = milestone.contract
    if not is_contract_party(actor, contract):
        deny(_("Only members of the contracted organization may submit deliverables."))
    if contract.status != ContractStatus.ACTIVE:
        refuse(_("Deliverables are submitted while the contract is in performance."), code="wrong_state")
    if milestone.status not in (MilestoneStatus.SCHEDULED, MilestoneStatus.REJECTED):
        refuse(_("This milestone is not waiting for a deliverable."), code="wrong_state")
    text = (text or "").strip()
    if not text:
        refuse({"text": _("Describe the deliverable.")})
    files = list(files or ())
    if len(files) > MAX_DELIVERABLE_DOCUMENTS:
        refuse({"files": _("At most %(n)s documents.") % {"n": MAX_DELIVERABLE_DOCUMENTS}})
    now = timezone.now()
    submission = MilestoneSubmission.objects.create(
        milestone=milestone, text=text, submitted_by=actor, submitted_at=now
    )
    for file in files:
        document_upload(actor=actor, owner=submission, file=file, document_type=DocumentType.DELIVERABLE)
    before = {"status": milestone.status}
    milestone.status = MilestoneStatus.SUBMITTED
    milestone.submitted_at = now
    milestone.save(update_fields=["status", "submitted_at"])
    audit.record(
        actor=actor, action="milestone.submit", target=milestone, before=before,
        after={"status": milestone.status, "submission": submission.pk, "documents": len(files),
               "late": timezone.localdate(now) > milestone.due_on},
    )  # fmt: skip
    notifications.milestone_submitted(milestone=milestone)
    return submission


@transaction.atomic
def recipient_opinion_record(
    *, actor, milestone: Milestone, recipient: str, opinion: str, satisfied: bool = True
) -> RecipientOpinion:
    """The officer records a service recipient's opinion on a submitted deliverable (no name)."""
    milestone = _lock_milestone(milestone)
    _officer(actor, milestone.contract)
    if milestone.status != MilestoneStatus.SUBMITTED:
        refuse(_("Opinions are collected on a submitted deliverable."), code="wrong_state")
    if not (recipient or "").strip() or not (opinion or "").strip():
        refuse(_("Describe the recipient and their opinion."))
    row = RecipientOpinion.objects.create(
        milestone=milestone,
        recipient=recipient.strip(),
        opinion=opinion.strip(),
        satisfied=satisfied,
        recorded_by=actor,
    )
    audit.record(actor=actor, action="milestone.opinion", target=milestone, after=summary(row))
    return row


def _pending_submission(milestone) -> MilestoneSubmission:
    submission = milestone.submissions.select_for_update().filter(decision=SubmissionDecision.PENDING).first()
    if milestone.status != MilestoneStatus.SUBMITTED or submission is None:
        refuse(_("This milestone has no deliverable awaiting a decision."), code="wrong_state")
    return submission


@transaction.atomic
def milestone_accept(
    *, actor, milestone: Milestone, reason: str = "", at: dt.datetime | None = None
) -> Milestone:
    """Accept the submitted deliverable (where the contract requires it, after at least one service
    recipient's opinion). Its payment may then be recorded."""
    milestone = _lock_milestone(milestone)
    _officer(actor, milestone.contract)
    submission = _pending_submission(milestone)
    if milestone.contract.requires_recipient_opinion and not milestone.opinions.exists():
        refuse(
            _("This contract requires service recipients' opinions: record at least one before accepting."),
            code="opinion_required",
        )
    at = at or timezone.now()
    submission.decision = SubmissionDecision.ACCEPTED
    submission.decision_reason = (reason or "").strip()
    submission.decided_at = at
    submission.decided_by = actor
    submission.save(update_fields=["decision", "decision_reason", "decided_at", "decided_by"])
    milestone.status = MilestoneStatus.ACCEPTED
    milestone.accepted_at = at
    milestone.accepted_by = actor
    milestone.save(update_fields=["status", "accepted_at", "accepted_by"])
    audit.record(
        actor=actor, action="milestone.accept", target=milestone, before={"status": MilestoneStatus.SUBMITTED},
        after={"status": milestone.status, "submission": submission.pk, "late": timezone.localdate(at) > milestone.due_on},
    )  # fmt: skip
    notifications.milestone_decided(milestone=milestone, submission=submission)
    return milestone


@transaction.atomic
def milestone_reject(*, actor, milestone: Milestone, reason: str) -> Milestone:
    """Reject the submitted deliverable with reasons; the organization may resubmit."""
    milestone = _lock_milestone(milestone)
    _officer(actor, milestone.contract)
    submission = _pending_submission(milestone)
    reason = (reason or "").strip()
    if not reason:
        refuse({"reason": _("Give the reasons for rejecting the deliverable.")}, code="reason_required")
    submission.decision = SubmissionDecision.REJECTED
    submission.decision_reason = reason
    submission.decided_at = timezone.now()
    submission.decided_by = actor
    submission.save(update_fields=["decision", "decision_reason", "decided_at", "decided_by"])
    milestone.status = MilestoneStatus.REJECTED
    milestone.save(update_fields=["status"])
    audit.record(
        actor=actor, action="milestone.reject", target=milestone, before={"status": MilestoneStatus.SUBMITTED},
        after={"status": milestone.status, "submission": submission.pk, "reason": reason},
    )  # fmt: skip
    notifications.milestone_decided(milestone=milestone, submission=submission)
    return milestone


# --- the draft's plan (targets and milestones edited together on the officer's page) ----------------


def _share(value) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return Decimal("-1")


@transaction.atomic
def contract_draft_save(
    *, actor, contract: Contract, fields: dict | None = None, targets: list[dict], milestones: list[dict]
) -> Contract:
    """Save a draft with its whole plan at once (the officer's page): the contract's fields, then its
    measurable targets and milestones as given — rows left out are removed (a draft only: nothing of
    it is signed or public yet), the others updated in place, new ones added. Refused as a whole
    (nothing written) unless every target and milestone is complete, every milestone is due within
    the term and the advance plus the milestones' shares sum to exactly 100%.

    `targets`: [{"pk": id or None, "name", "measure", "weight"}];
    `milestones`: [{"pk": id or None, "deliverable", "due_on", "payment_share"}]."""
    contract = _lock(contract)
    _officer(actor, contract)
    if contract.status != ContractStatus.DRAFT:
        refuse(_("A signed contract is changed only by an amendment."), code="wrong_state")
    if fields:
        contract_update(actor=actor, contract=contract, **fields)
        contract = _lock(contract)
    before = {
        "targets": [summary(t, ["name", "measure", "weight"]) for t in contract.targets.all()],
        "milestones": [
            summary(m, ["deliverable", "due_on", "payment_share"]) for m in contract.milestones.all()
        ],
    }
    problems = []
    if not targets:
        problems.append(_("Add at least one measurable performance target."))
    for spec in targets:
        if not (spec.get("name") or "").strip() or not (spec.get("measure") or "").strip():
            problems.append(_("A target needs a name and a measurable indicator."))
        if _share(spec.get("weight")) <= 0:
            problems.append(_("A target's weight must be greater than zero."))
    if not milestones:
        problems.append(_("Add at least one milestone."))
    total, bad_share = Decimal(contract.advance_share), False
    for spec in milestones:
        share = _share(spec.get("payment_share"))
        if share < 0 or share > HUNDRED:
            problems.append(_("A payment share is between 0 and 100%."))
            bad_share = True
        else:
            total += share
        if not (spec.get("deliverable") or "").strip():
            problems.append(_("Describe the deliverable."))
        due_on = spec.get("due_on")
        if due_on is None or due_on < contract.starts_on or due_on > contract.ends_on:
            problems.append(_("The milestone must be due within the term of the contract."))
    if total != HUNDRED and not bad_share:
        problems.append(
            _("The advance and the milestones' payment shares sum to %(total)s%%, not 100%%.")
            % {"total": format(total.normalize(), "f")}
        )
    if problems:
        refuse(list(dict.fromkeys(problems)), code="invalid_plan")
    existing_targets = {t.pk: t for t in contract.targets.all()}
    keep = {spec["pk"] for spec in targets if spec.get("pk") in existing_targets}
    ContractTarget.objects.filter(contract=contract).exclude(pk__in=keep).delete()
    for order, spec in enumerate(targets):
        target = existing_targets.get(spec.get("pk")) or ContractTarget(contract=contract)
        target.name = spec["name"].strip()
        target.measure = spec["measure"].strip()
        target.weight = _share(spec["weight"])
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
        milestone.payment_share = _share(spec["payment_share"])
        milestone.save()
    audit.record(
        actor=actor,
        action="contract.plan_save",
        target=contract,
        before=before,
        after={
            "targets": [summary(t, ["name", "measure", "weight"]) for t in contract.targets.all()],
            "milestones": [
                summary(m, ["deliverable", "due_on", "payment_share"]) for m in contract.milestones.all()
            ],
        },
    )
    return contract
