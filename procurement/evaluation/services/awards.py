"""Awards: proposed from the evaluation report, confirmed by the department within the working-day
rule (a lower-ranked candidate only with a recorded reason), published as a notice (the public site
renders it from `procurement.evaluation.selectors`), and the budget reservation becomes the amount."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from core.workdays import add_working_days
from orgs.models import CreditRecordKind
from orgs.services import credit_record_append
from procurement import rules
from procurement._common import deny, refuse
from procurement.evaluation.events import award_notice_published
from procurement.evaluation.models.awards import Award, AwardStatus
from procurement.evaluation.models.panels import EvaluationReport
from procurement.evaluation.transitions import AWARD_TRANSITIONS, check_award_transition
from procurement.tendering.models.bids import Bid
from procurement.tendering.models.tenders import TenderStatus
from procurement.tendering.permissions import can_manage_tender
from procurement.tendering.services.tenders import tender_award


def _ranked(report: EvaluationReport, *, excluding_organizations=()) -> list[dict]:
    rows = [b for b in report.results.get("bids", []) if b["responsive"] and b["rank"] is not None]
    rows = [b for b in rows if b["organization"] not in set(excluding_organizations)]
    return sorted(rows, key=lambda b: (b["rank"], b["bid"]))


@transaction.atomic
def award_propose(*, actor, report: EvaluationReport, excluding_organizations=(), on: dt.date | None = None):
    """Propose the lot's award to the top-ranked candidate of `report` (leaving out organizations
    whose award was cancelled), due for confirmation within `rules.award_confirm_working_days()`.
    Returns the award, or None when no responsive bid is left."""
    ranked = _ranked(report, excluding_organizations=excluding_organizations)
    if not ranked:
        return None
    if Award.objects.filter(lot_id=report.lot_id).exclude(status=AwardStatus.CANCELLED).exists():
        refuse(_("This lot already has an award."))
    top = ranked[0]
    bid = Bid.objects.defer("ciphertext", "nonce").get(pk=top["bid"])
    on = on or timezone.localdate()
    award = Award.objects.create(
        tender_id=report.panel.tender_id,
        lot_id=report.lot_id,
        report=report,
        bid=bid,
        organization_id=bid.organization_id,
        amount=bid.price,
        rank=top["rank"],
        confirm_due_on=add_working_days(on, rules.award_confirm_working_days()),
    )
    audit.record(
        actor=actor,
        action="award.propose",
        target=award,
        after={"bid": bid.pk, "rank": top["rank"], "confirm_due_on": award.confirm_due_on.isoformat()},
    )
    return award


@transaction.atomic
def award_confirm(*, actor, award: Award, bid: Bid | None = None, reason: str = "") -> Award:
    """The department confirms the award: the top-ranked candidate, or another responsive one of
    the report with a recorded reason (also needed to choose among tied first candidates). The
    notice is published at once (`award_notice_publish`); when every lot is confirmed the tender is
    awarded and each lot's budget reservation becomes its award amount."""
    award = (
        Award.objects.select_for_update(of=("self",))
        .select_related("tender", "report", "lot")
        .get(pk=award.pk)
    )
    tender = award.tender
    if not can_manage_tender(actor, tender):
        deny(_("Only the procurement officers of the purchasing unit may do this."))
    if (award.status, AwardStatus.CONFIRMED) not in AWARD_TRANSITIONS:
        refuse(_("This award is not awaiting confirmation."), code="wrong_state")
    cancelled_orgs = set(
        Award.objects.filter(lot_id=award.lot_id, status=AwardStatus.CANCELLED).values_list(
            "organization_id", flat=True
        )
    )
    ranked = _ranked(award.report, excluding_organizations=cancelled_orgs)
    chosen_id = bid.pk if bid is not None else award.bid_id
    row = next((b for b in ranked if b["bid"] == chosen_id), None)
    if row is None:
        refuse(_("Only a responsive, ranked bid of the report can be awarded."))
    top_rank = ranked[0]["rank"]
    tied_top = sum(1 for b in ranked if b["rank"] == top_rank) > 1
    reason = (reason or "").strip()
    if (row["rank"] > top_rank or tied_top) and not reason:
        refuse(
            _("Choosing a candidate other than the single top-ranked one needs a recorded reason."),
            code="reason_required",
        )
    chosen = Bid.objects.defer("ciphertext", "nonce").get(pk=chosen_id)
    before = {"bid": award.bid_id, "status": award.status}
    now = timezone.now()
    award.bid = chosen
    award.organization_id = chosen.organization_id
    award.amount = chosen.price
    award.rank = row["rank"]
    award.deviation_reason = reason
    award.status = AwardStatus.CONFIRMED
    award.confirmed_at = now
    award.confirmed_by = actor
    award.notice_due_on = add_working_days(timezone.localdate(now), rules.award_notice_working_days())
    award.save()
    audit.record(
        actor=actor,
        action="award.confirm",
        target=award,
        before=before,
        after={
            "bid": chosen.pk,
            "rank": award.rank,
            "amount": str(award.amount),
            "reason": reason,
            "late": timezone.localdate(now) > award.confirm_due_on,
        },
    )
    lots = list(tender.lots.all())
    confirmed = {
        a.lot_id: a.amount for a in Award.objects.filter(tender=tender, status=AwardStatus.CONFIRMED)
    }
    if tender.status == TenderStatus.EVALUATING and set(confirmed) == {lot.pk for lot in lots}:
        tender_award(actor=actor, tender=tender, amounts=confirmed)
    credit_record_append(
        actor=actor,
        organization=chosen.organization,
        kind=CreditRecordKind.AWARD,
        occurred_on=timezone.localdate(now),
        title=f"{tender.reference} {tender.title}"[:200],
        source_key=f"procurement.award:{award.pk}",
        amount=award.amount,
    )
    award_notice_publish(actor=actor, award=award)
    return award


@transaction.atomic
def award_notice_publish(*, actor, award: Award, at: dt.datetime | None = None) -> Award:
    """Publish the award notice (the public site shows it from then on, with the panel); bidders may
    challenge until `challenge_window_ends_on`. Publishing twice does nothing."""
    award = Award.objects.select_for_update(of=("self",)).select_related("tender").get(pk=award.pk)
    if actor is not None and not can_manage_tender(actor, award.tender):
        deny()
    if award.status != AwardStatus.CONFIRMED:
        refuse(_("Only a confirmed award is published."), code="wrong_state")
    if award.notice_published_at is not None:
        return award
    at = at or timezone.now()
    award.notice_published_at = at
    award.challenge_window_ends_on = add_working_days(timezone.localdate(at), rules.challenge_working_days())
    award.save(update_fields=["notice_published_at", "challenge_window_ends_on"])
    audit.record(
        actor=actor,
        action="award.notice_publish",
        target=award,
        after={
            "published_at": at.isoformat(),
            "challenge_window_ends_on": award.challenge_window_ends_on.isoformat(),
            "late": award.notice_due_on is not None and timezone.localdate(at) > award.notice_due_on,
        },
    )
    award_notice_published(award=award)
    return award


def awards_publish_due_notices() -> list[int]:
    """What the scheduler runs: publish every confirmed award whose notice is not out yet (a safety
    net; confirmation publishes at once). Returns the award ids."""
    published = []
    pending = Award.objects.filter(status=AwardStatus.CONFIRMED, notice_published_at__isnull=True)
    for pk in list(pending.values_list("pk", flat=True)):
        award_notice_publish(actor=None, award=Award(pk=pk))
        published.append(pk)
    return published


@transaction.atomic
def award_cancel(*, actor, award: Award, reason: str) -> Award:
    """Cancel an award (the outcome of an upheld challenge). The row stays as a record."""
    award = Award.objects.select_for_update().get(pk=award.pk)
    if award.status == AwardStatus.CANCELLED:
        return award
    check_award_transition(award.status, AwardStatus.CANCELLED)
    before = {"status": award.status}
    award.status = AwardStatus.CANCELLED
    award.cancelled_at = timezone.now()
    award.cancel_reason = reason
    award.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    audit.record(actor=actor, action="award.cancel", target=award, before=before, after={"reason": reason})
    return award
