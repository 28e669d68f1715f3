"""Challenges (质疑) to a result and supplier complaints (投诉).

A bidder challenges an award within `rules.challenge_working_days()` of its notice (refused after,
with the deadline shown); the department answers within `rules.challenge_answer_working_days()`
and records the outcome, which may cancel the award and re-rank, re-evaluate or fail the tender.
While a challenge claiming the result is wrong is open, the contract cannot be signed
(`procurement.evaluation.selectors.award_has_open_blocking_challenge`). Complaints to the finance
department are tracked with their dates, not decided here."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from core.workdays import add_working_days
from procurement import rules
from procurement._common import deny, refuse
from procurement.evaluation.events import result_challenge_filed
from procurement.evaluation.models.awards import (
    Award,
    AwardStatus,
    ChallengeOutcome,
    ComplaintStatus,
    ResultChallenge,
    SupplierComplaint,
)
from procurement.evaluation.models.panels import MemberStatus, PanelStatus
from procurement.evaluation.services.awards import award_cancel, award_propose
from procurement.evaluation.transitions import (
    COMPLAINT_TRANSITIONS,
    check_panel_transition,
    check_result_challenge_transition,
)
from procurement.tendering.models.bids import Bid, BidStatus
from procurement.tendering.models.tenders import Challenge, ChallengeStage, ChallengeStatus, TenderStatus
from procurement.tendering.permissions import can_manage_tender, is_member_of
from procurement.tendering.services.clarifications import (
    acting_organization,
    challenge_answer,
    challenge_file,
)
from procurement.tendering.services.tenders import tender_fail, tender_reopen_evaluation


@transaction.atomic
def result_challenge_file(
    *,
    actor,
    award: Award,
    text: str,
    organization=None,
    claims_result_wrong: bool = True,
    files=(),
    on: dt.date | None = None,
) -> ResultChallenge:
    """A bidder on the lot challenges its award's result, within the window after the notice."""
    award = Award.objects.select_for_update(of=("self",)).select_related("tender", "lot").get(pk=award.pk)
    organization = acting_organization(actor, organization)
    if organization is None or not is_member_of(actor, organization):
        deny(_("Only a bidder on this lot may challenge its result."))
    if not Bid.objects.filter(lot=award.lot, organization=organization, status=BidStatus.SUBMITTED).exists():
        deny(_("Only a bidder on this lot may challenge its result."))
    if award.notice_published_at is None:
        refuse(_("The result has not been published yet."), code="not_published")
    on = on or timezone.localdate()
    if award.challenge_window_ends_on and on > award.challenge_window_ends_on:
        refuse(
            _(
                "Challenges to this result were accepted until %(date)s (%(days)s working days after the notice)."
            )
            % {"date": award.challenge_window_ends_on.isoformat(), "days": rules.challenge_working_days()},
            code="too_late",
        )
    challenge = challenge_file(
        actor=actor,
        tender=award.tender,
        text=text,
        stage=ChallengeStage.RESULT,
        lot=award.lot,
        organization=organization,
        files=files,
    )
    result = ResultChallenge.objects.create(
        challenge=challenge,
        award=award,
        claims_result_wrong=claims_result_wrong,
        answer_due_on=add_working_days(on, rules.challenge_answer_working_days()),
    )
    audit.record(
        actor=actor,
        action="challenge.result_file",
        target=challenge,
        after={
            "award": award.pk,
            "claims_result_wrong": claims_result_wrong,
            "answer_due_on": result.answer_due_on.isoformat(),
        },
    )
    result_challenge_filed(challenge=challenge, answer_due_on=result.answer_due_on)
    return result


@transaction.atomic
def result_challenge_answer(
    *, actor, challenge: Challenge, answer: str, outcome: str, reason: str = ""
) -> ResultChallenge:
    """Answer a challenge to a result and apply its outcome:
    - dismissed: the result stands;
    - rerank: the award is cancelled and the next candidate of the report is proposed;
    - reevaluate: the award is cancelled, the report superseded and the panel scores again;
    - fail: the award is cancelled and the tender fails (its budget is released)."""
    result = (
        ResultChallenge.objects.select_for_update(of=("self",))
        .select_related("award__tender", "award__report__panel")
        .get(challenge_id=challenge.pk)
    )
    award = result.award
    tender = award.tender
    if not can_manage_tender(actor, tender):
        deny(_("Only the procurement officers of the purchasing unit may do this."))
    if outcome not in ChallengeOutcome.values:
        refuse(_("Choose the outcome."))
    challenge_answer(actor=actor, challenge=challenge, answer=answer)
    check_result_challenge_transition(result.outcome, outcome)
    result.outcome = outcome
    result.outcome_at = timezone.now()
    result.save(update_fields=["outcome", "outcome_at"])
    why = (reason or "").strip() or _("Challenge upheld: %(answer)s") % {"answer": answer.strip()[:200]}
    if outcome != ChallengeOutcome.DISMISSED and award.status != AwardStatus.CANCELLED:
        award_cancel(actor=actor, award=award, reason=why)
        tender.refresh_from_db()
        if (
            outcome in (ChallengeOutcome.RERANK, ChallengeOutcome.REEVALUATE)
            and tender.status == TenderStatus.AWARDED
        ):
            tender_reopen_evaluation(actor=actor, tender=tender, reason=why)
        if outcome == ChallengeOutcome.RERANK:
            cancelled = Award.objects.filter(lot_id=award.lot_id, status=AwardStatus.CANCELLED).values_list(
                "organization_id", flat=True
            )
            proposed = award_propose(
                actor=actor, report=award.report, excluding_organizations=list(cancelled)
            )
            if proposed is None:
                tender_fail(actor=actor, tender=tender, reason=_("No candidate is left after the challenge."))
        elif outcome == ChallengeOutcome.REEVALUATE:
            report = award.report
            report.superseded_at = timezone.now()
            report.save(update_fields=["superseded_at"])
            panel = report.panel
            check_panel_transition(panel.status, PanelStatus.SCORING)
            panel.status = PanelStatus.SCORING
            panel.finalized_at = None
            panel.save(update_fields=["status", "finalized_at"])
            panel.members.filter(status=MemberStatus.ACTIVE).update(signed_at=None)
        elif outcome == ChallengeOutcome.FAIL:
            tender_fail(actor=actor, tender=tender, reason=why)
    audit.record(actor=actor, action="challenge.result_outcome", target=challenge, after={"outcome": outcome})
    return result


@transaction.atomic
def supplier_complaint_record(
    *, actor, challenge: Challenge, authority: str, summary: str, filed_on: dt.date
) -> SupplierComplaint:
    """Record that a bidder complained (投诉) to the finance department about a challenge: allowed
    within `rules.complaint_working_days()` after the answer deadline; the decision is due within
    `rules.complaint_decision_working_days()` of filing."""
    challenge = Challenge.objects.select_related("tender").get(pk=challenge.pk)
    if not can_manage_tender(actor, challenge.tender):
        deny(_("Only the procurement officers of the purchasing unit may do this."))
    result = ResultChallenge.objects.filter(challenge=challenge).first()
    answer_due = (
        result.answer_due_on
        if result
        else add_working_days(challenge.filed_at, rules.challenge_answer_working_days())
    )
    filing_due = add_working_days(answer_due, rules.complaint_working_days())
    if filed_on > filing_due:
        refuse(
            _("A complaint was allowed until %(date)s.") % {"date": filing_due.isoformat()}, code="too_late"
        )
    if not (authority or "").strip() or not (summary or "").strip():
        refuse(_("Give the finance department and a summary."))
    complaint = SupplierComplaint.objects.create(
        challenge=challenge,
        organization_id=challenge.organization_id,
        authority=authority.strip(),
        summary=summary.strip(),
        filing_due_on=filing_due,
        filed_on=filed_on,
        decision_due_on=add_working_days(filed_on, rules.complaint_decision_working_days()),
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action="complaint.record",
        target=complaint,
        after={"filed_on": filed_on.isoformat(), "decision_due_on": complaint.decision_due_on.isoformat()},
    )
    return complaint


@transaction.atomic
def supplier_complaint_decided(
    *, actor, complaint: SupplierComplaint, decision: str, decided_on: dt.date
) -> SupplierComplaint:
    """Record the finance department's decision (the platform does not decide complaints)."""
    complaint = (
        SupplierComplaint.objects.select_for_update(of=("self",))
        .select_related("challenge__tender")
        .get(pk=complaint.pk)
    )
    if not can_manage_tender(actor, complaint.challenge.tender):
        deny()
    if (complaint.status, ComplaintStatus.DECIDED) not in COMPLAINT_TRANSITIONS:
        refuse(_("This complaint is already closed."))
    if not (decision or "").strip():
        refuse(_("Give the decision."))
    complaint.status = ComplaintStatus.DECIDED
    complaint.decision = decision.strip()
    complaint.decided_on = decided_on
    complaint.save(update_fields=["status", "decision", "decided_on"])
    audit.record(
        actor=actor,
        action="complaint.decided",
        target=complaint,
        after={"decided_on": decided_on.isoformat()},
    )
    return complaint


def open_result_challenges(award: Award):
    return ResultChallenge.objects.filter(award=award, challenge__status=ChallengeStatus.OPEN)
