"""Milestones of a contract: deliverables submitted by the organization, recipients' opinions, the
officer's acceptance or rejection (resubmit)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from core.documents import document_upload
from core.models import DocumentType
from procurement._common import deny, refuse, summary
from procurement.contracts.events import milestone_decided, milestone_submitted
from procurement.contracts.models.contracts import (
    Contract,
    Milestone,
    MilestoneStatus,
    MilestoneSubmission,
    RecipientOpinion,
    SubmissionDecision,
)
from procurement.contracts.permissions import is_contract_party
from procurement.contracts.plan_rules import due_within_term_problems, share_in_range
from procurement.contracts.services.contracts import (
    MAX_DELIVERABLE_DOCUMENTS,
    lock_contract,
    require_contract_officer,
    supplier_signature_withdraw,
)
from procurement.contracts.transitions import (
    EDITABLE_STATES,
    PERFORMING_STATES,
    check_milestone_transition,
)


@transaction.atomic
def milestone_add(
    *, actor, contract: Contract, deliverable: str, due_on: dt.date, payment_share
) -> Milestone:
    """Add a milestone to a draft: deliverable, due date and payment share (% of the amount)."""
    contract = lock_contract(contract)
    require_contract_officer(actor, contract)
    if contract.status not in EDITABLE_STATES:
        refuse(_("A signed contract is changed only by an amendment."), code="wrong_state")
    if not share_in_range(payment_share):
        refuse({"payment_share": _("A payment share is between 0 and 100%.")})
    share = Decimal(payment_share)
    if not (deliverable or "").strip():
        refuse({"deliverable": _("Describe the deliverable.")})
    late = due_within_term_problems(due_on, starts_on=contract.starts_on, ends_on=contract.ends_on)
    if late:
        refuse({"due_on": late})
    number = (contract.milestones.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    milestone = Milestone.objects.create(
        contract=contract, number=number, deliverable=deliverable.strip(), due_on=due_on, payment_share=share
    )
    supplier_signature_withdraw(actor=actor, contract=contract)
    audit.record(actor=actor, action="milestone.add", target=milestone, after=summary(milestone))
    return milestone


def _lock_milestone(milestone) -> Milestone:
    return Milestone.objects.select_for_update(of=("self",)).select_related("contract").get(pk=milestone.pk)


@transaction.atomic
def milestone_submit(*, actor, milestone: Milestone, text: str, files=()) -> MilestoneSubmission:
    """The organization submits the deliverable (text and documents); again after a rejection."""
    milestone = _lock_milestone(milestone)
    contract = milestone.contract
    if not is_contract_party(actor, contract):
        deny(_("Only members of the contracted organization may submit deliverables."))
    if contract.status not in PERFORMING_STATES:
        refuse(_("Deliverables are submitted while the contract is in performance."), code="wrong_state")
    check_milestone_transition(
        milestone.status,
        MilestoneStatus.SUBMITTED,
        message=_("This milestone is not waiting for a deliverable."),
    )
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
    milestone_submitted(milestone=milestone)
    return submission


@transaction.atomic
def recipient_opinion_record(
    *, actor, milestone: Milestone, recipient: str, opinion: str, satisfied: bool = True
) -> RecipientOpinion:
    """The officer records a service recipient's opinion on a submitted deliverable (no name)."""
    milestone = _lock_milestone(milestone)
    require_contract_officer(actor, milestone.contract)
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
    require_contract_officer(actor, milestone.contract)
    submission = _pending_submission(milestone)
    check_milestone_transition(
        milestone.status,
        MilestoneStatus.ACCEPTED,
        message=_("This milestone has no deliverable awaiting a decision."),
    )
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
    milestone_decided(milestone=milestone, submission=submission)
    return milestone


@transaction.atomic
def milestone_reject(*, actor, milestone: Milestone, reason: str) -> Milestone:
    """Reject the submitted deliverable with reasons; the organization may resubmit."""
    milestone = _lock_milestone(milestone)
    require_contract_officer(actor, milestone.contract)
    submission = _pending_submission(milestone)
    check_milestone_transition(
        milestone.status,
        MilestoneStatus.REJECTED,
        message=_("This milestone has no deliverable awaiting a decision."),
    )
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
    milestone_decided(milestone=milestone, submission=submission)
    return milestone
