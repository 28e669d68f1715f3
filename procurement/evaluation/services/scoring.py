"""Scoring by the panel: each member's scores and signature, the panel's review of bids
(non-responsive with a reason; justification of an abnormally low price), and the finalization
that stores the evaluation report and proposes the award."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from procurement._common import deny, refuse
from procurement.evaluation import evaluation_report
from procurement.evaluation.models.panels import (
    BidReview,
    EvaluationReport,
    MemberStatus,
    Panel,
    PanelMember,
    PanelStatus,
    Score,
)
from procurement.evaluation.permissions import member_may_see_bids
from procurement.evaluation.selectors import evaluation_data
from procurement.evaluation.services.awards import award_propose
from procurement.evaluation.transitions import check_panel_transition
from procurement.tendering.models.bids import Bid, BidStatus
from procurement.tendering.models.tenders import TenderStatus
from procurement.tendering.permissions import can_manage_tender
from procurement.tendering.services.tenders import tender_start_evaluation


def _lock_member(member: PanelMember) -> PanelMember:
    return (
        PanelMember.objects.select_for_update(of=("self",))
        .select_related("panel__tender__method")
        .get(pk=member.pk)
    )


def _require_sitting(actor, member: PanelMember) -> None:
    if member.user_id != getattr(actor, "pk", None):
        deny()
    if not member_may_see_bids(member):
        deny(_("Declare that you have no conflict of interest first; bids are shown only after opening."))
    if member.panel.status == PanelStatus.FINALIZED:
        refuse(_("The evaluation is finalized."), code="finalized")


def _bid_of_panel(panel: Panel, bid: Bid) -> Bid:
    bid = Bid.objects.defer("ciphertext", "nonce").get(pk=bid.pk)
    if bid.lot_id != panel.lot_id or bid.status != BidStatus.SUBMITTED or bid.opened_at is None:
        refuse(_("This bid is not evaluated by this panel."))
    return bid


@transaction.atomic
def score_save(*, actor, member: PanelMember, bid: Bid, scores: dict) -> list[Score]:
    """Save a member's own scores of one bid: {criterion id: (points, comment)} for non-price
    criteria, each between 0 and the criterion's maximum. Refused after the member signed."""
    member = _lock_member(member)
    _require_sitting(actor, member)
    if member.signed_at:
        refuse(_("You have signed; your scores can no longer change."), code="signed")
    panel = member.panel
    bid = _bid_of_panel(panel, bid)
    review = BidReview.objects.filter(bid=bid).first()
    if not bid.responsive or (review and review.nonresponsive):
        refuse(_("A non-responsive bid is not scored."))
    criteria = {c.pk: c for c in panel.lot.criteria.filter(is_price=False)}
    errors = []
    clean = {}
    for criterion_id, (points, comment) in scores.items():
        criterion = criteria.get(int(criterion_id))
        if criterion is None:
            refuse(_("Unknown criterion."))
        try:
            value = Decimal(str(points).strip())
        except (InvalidOperation, ValueError):
            errors.append(_("“%(criterion)s”: enter a number.") % {"criterion": criterion.name})
            continue
        if (
            not value.is_finite()
            or value < 0
            or value > criterion.max_points
            or value != value.quantize(Decimal("0.01"))
        ):
            errors.append(
                _("“%(criterion)s”: give between 0 and %(max)s points, at most 2 decimals.")
                % {"criterion": criterion.name, "max": criterion.max_points}
            )
            continue
        clean[criterion.pk] = (value, (comment or "").strip())
    if errors:
        refuse(errors, code="invalid_score")
    now = timezone.now()
    saved = []
    for criterion_id, (value, comment) in clean.items():
        score, _created = Score.objects.update_or_create(
            member=member,
            bid=bid,
            criterion_id=criterion_id,
            defaults={"points": value, "comment": comment, "updated_at": now},
        )
        saved.append(score)
    # Scores stay out of the audit trail's public summary until signed; the event records that
    # the member scored, and the values for the record.
    audit.record(
        actor=actor,
        action="evaluation.score",
        target=member,
        after={"bid": bid.pk, "scores": {str(k): str(v[0]) for k, v in clean.items()}},
    )
    return saved


@transaction.atomic
def member_sign(*, actor, member: PanelMember) -> PanelMember:
    """The member signs their scores: every responsive bid scored on every non-price criterion.
    Afterwards they cannot change; once every seated member has signed, members see each other's
    scores."""
    member = _lock_member(member)
    _require_sitting(actor, member)
    if member.signed_at:
        refuse(_("You have already signed."), code="signed")
    data = evaluation_data(member.panel_id, member_id=member.pk)
    missing = []
    for bid in data.bids:
        if not data.is_responsive(bid):
            continue
        for criterion in data.scored_criteria:
            if data.score(member, bid, criterion) is None:
                missing.append(f"{bid.organization.name} · {criterion.name}")
    if missing:
        refuse(
            _("Score every responsive bid on every criterion before signing. Missing: %(missing)s.")
            % {"missing": "；".join(missing)},
            code="missing_scores",
        )
    member.signed_at = timezone.now()
    member.save(update_fields=["signed_at"])
    audit.record(
        actor=actor,
        action="evaluation.sign",
        target=member,
        after={"signed_at": member.signed_at.isoformat()},
    )
    return member


def _may_review(actor, panel: Panel) -> bool:
    """The panel's decisions are entered by a sitting member or the officer on its behalf."""
    if can_manage_tender(actor, panel.tender):
        return True
    return panel.members.filter(user_id=getattr(actor, "pk", None), status=MemberStatus.ACTIVE).exists()


def _review_for(panel: Panel, bid: Bid, actor) -> BidReview:
    review, _created = BidReview.objects.select_for_update().get_or_create(
        bid=bid, defaults={"panel": panel, "updated_by": actor}
    )
    return review


@transaction.atomic
def bid_mark_nonresponsive(*, actor, panel: Panel, bid: Bid, reason: str) -> BidReview:
    """The panel finds a bid non-responsive, with the reason: it leaves the price base and the
    ranking (its scores are kept for the record)."""
    panel = Panel.objects.select_for_update(of=("self",)).select_related("tender").get(pk=panel.pk)
    if not _may_review(actor, panel):
        deny()
    if panel.status == PanelStatus.FINALIZED:
        refuse(_("The evaluation is finalized."), code="finalized")
    bid = _bid_of_panel(panel, bid)
    reason = (reason or "").strip()
    if not reason:
        refuse(_("Give the reason; it is in the report."))
    review = _review_for(panel, bid, actor)
    review.nonresponsive = True
    review.nonresponsive_reason = reason
    review.updated_by = actor
    review.updated_at = timezone.now()
    review.save()
    audit.record(actor=actor, action="evaluation.bid_nonresponsive", target=bid, after={"reason": reason})
    return review


@transaction.atomic
def bid_low_price_justification(
    *, actor, panel: Panel, bid: Bid, justification: str, accepted: bool
) -> BidReview:
    """Record the bidder's written justification of an abnormally low price and whether the panel
    accepts it (an unaccepted one blocks the report; the panel may instead mark the bid
    non-responsive)."""
    panel = Panel.objects.select_for_update(of=("self",)).select_related("tender").get(pk=panel.pk)
    if not _may_review(actor, panel):
        deny()
    if panel.status == PanelStatus.FINALIZED:
        refuse(_("The evaluation is finalized."), code="finalized")
    bid = _bid_of_panel(panel, bid)
    justification = (justification or "").strip()
    if not justification:
        refuse(_("Enter the written justification."))
    review = _review_for(panel, bid, actor)
    review.low_price_justification = justification
    review.justification_accepted = bool(accepted)
    review.updated_by = actor
    review.updated_at = timezone.now()
    review.save()
    audit.record(
        actor=actor,
        action="evaluation.low_price_justification",
        target=bid,
        after={"accepted": bool(accepted)},
    )
    return review


@transaction.atomic
def panel_finalize(*, actor, panel: Panel):
    """The officer finalizes the evaluation: every seat filled by a declared member who signed, and
    no blocking problem (missing or out-of-range score, objective criterion scored differently,
    abnormally low price without an accepted justification). Stores the immutable report (HTML,
    PDF, hashes, figures) and proposes the award of the top-ranked candidate (`award_propose`).
    Refuses with every problem."""
    panel = Panel.objects.select_for_update(of=("self",)).select_related("tender", "lot").get(pk=panel.pk)
    tender = panel.tender
    if not can_manage_tender(actor, tender):
        deny(_("Only the procurement officers of the purchasing unit may do this."))
    if panel.status == PanelStatus.FINALIZED:
        refuse(_("The evaluation is already finalized."), code="finalized")
    if tender.status not in (TenderStatus.OPENED, TenderStatus.EVALUATING):
        refuse(_("Only a tender under evaluation can be finalized."), code="wrong_state")
    data = evaluation_data(panel.pk)
    problems = []
    active = [m for m in data.members if m.status == MemberStatus.ACTIVE]
    if len(active) != panel.size or len(data.members) != panel.size:
        problems.append(
            _("The panel has %(n)s declared members of %(size)s.") % {"n": len(active), "size": panel.size}
        )
    unsigned = [m.name for m in data.members if not m.signed_at]
    if unsigned:
        problems.append(_("Not signed yet: %(names)s.") % {"names": "、".join(unsigned)})
    problems += [p.message for p in data.problems()]
    if problems:
        refuse(problems, code="finalization_blocked")
    if tender.status == TenderStatus.OPENED:
        tender_start_evaluation(actor=actor, tender=tender)
    results = data.results()
    content = evaluation_report.report_content(data, results)
    html = evaluation_report.render_report_html(content)
    pdf = evaluation_report.render_report_pdf(content)
    previous = EvaluationReport.objects.filter(lot=panel.lot).order_by("-number").first()
    report = EvaluationReport.objects.create(
        panel=panel,
        lot=panel.lot,
        number=(previous.number + 1) if previous else 1,
        results=content,
        html=html,
        pdf=pdf,
        html_sha256=evaluation_report.sha256(html.encode()),
        pdf_sha256=evaluation_report.sha256(pdf),
        created_by=actor,
    )
    check_panel_transition(panel.status, PanelStatus.FINALIZED)
    panel.status = PanelStatus.FINALIZED
    panel.finalized_at = timezone.now()
    panel.save(update_fields=["status", "finalized_at"])
    audit.record(
        actor=actor,
        action="evaluation.finalize",
        target=panel,
        after={"report": report.pk, "pdf_sha256": report.pdf_sha256, "html_sha256": report.html_sha256},
    )
    award_propose(actor=actor, report=report)
    return report
