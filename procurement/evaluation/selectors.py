"""Reads of evaluation: panels for a member or an officer, and one lot's evaluation data (criteria,
seated members, opened bids, the panel's reviews, scores) in a fixed number of queries, whatever
the number of bids, members or criteria."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from core.references import with_references
from procurement import rules
from procurement.evaluation import arithmetic
from procurement.evaluation.models.awards import Award, AwardStatus, ResultChallenge
from procurement.evaluation.models.panels import (
    SEATED_STATUSES,
    BidReview,
    MemberStatus,
    Panel,
    PanelMember,
    Score,
)
from procurement.tendering.models.bids import Bid, BidStatus
from procurement.tendering.models.tenders import ChallengeStatus, ScoringCriterion
from procurement.tendering.selectors import tenders_for_staff


def seats_of_user(user) -> QuerySet[PanelMember]:
    """The panel seats of `user` that concern them now (invited, sitting, or reserve called)."""
    if not (user and user.is_authenticated):
        return PanelMember.objects.none()
    return (
        PanelMember.objects.filter(user=user, status__in=[MemberStatus.INVITED, MemberStatus.ACTIVE])
        .select_related("panel__tender", "panel__lot")
        .order_by("-panel__created_at", "-pk")
    )


def opened_bids(lot) -> QuerySet[Bid]:
    return (
        Bid.objects.filter(lot_id=lot.pk, status=BidStatus.SUBMITTED, opened_at__isnull=False)
        .select_related("organization")
        .defer("ciphertext", "nonce")
        .order_by("price", "pk")
    )


@dataclass
class EvaluationData:
    panel: Panel
    criteria: list = field(default_factory=list)
    members: list = field(default_factory=list)
    bids: list = field(default_factory=list)
    reviews: dict = field(default_factory=dict)
    # {(member id, bid id, criterion id): Score}
    scores: dict = field(default_factory=dict)

    @property
    def tender(self):
        return self.panel.tender

    @property
    def price_only(self) -> bool:
        return self.panel.tender.method.is_price_only

    @property
    def scored_criteria(self) -> list:
        return [] if self.price_only else [c for c in self.criteria if not c.is_price]

    @property
    def price_criterion(self):
        return next((c for c in self.criteria if c.is_price), None)

    def is_responsive(self, bid) -> bool:
        review = self.reviews.get(bid.pk)
        return bool(bid.responsive) and not (review and review.nonresponsive)

    def nonresponsive_reason(self, bid) -> str:
        review = self.reviews.get(bid.pk)
        if review and review.nonresponsive:
            return review.nonresponsive_reason
        return bid.nonresponsive_reason

    def inputs(self) -> tuple[list[arithmetic.Criterion], list[arithmetic.BidInput]]:
        criteria = [
            arithmetic.Criterion(c.pk, c.name, c.max_points, c.is_price, c.is_objective)
            for c in self.criteria
        ]
        seated = {m.pk for m in self.members}
        bids = []
        for bid in self.bids:
            by_criterion: dict[int, dict[int, Decimal]] = {}
            for (member_id, bid_id, criterion_id), score in self.scores.items():
                if bid_id == bid.pk and member_id in seated:
                    by_criterion.setdefault(criterion_id, {})[member_id] = score.points
            bids.append(
                arithmetic.BidInput(
                    id=bid.pk,
                    price=bid.price,
                    responsive=self.is_responsive(bid),
                    name=bid.organization.name,
                    scores=by_criterion,
                    nonresponsive_reason=self.nonresponsive_reason(bid),
                )
            )
        return criteria, bids

    def results(self) -> list[arithmetic.BidResult]:
        criteria, bids = self.inputs()
        return arithmetic.evaluate(criteria, bids, price_only=self.price_only)

    def problems(self) -> list[arithmetic.Problem]:
        criteria, bids = self.inputs()
        accepted = [pk for pk, r in self.reviews.items() if r.justification_accepted]
        return arithmetic.finalization_problems(
            criteria,
            bids,
            members={m.pk: m.name for m in self.members},
            accepted_justifications=accepted,
            ratio=rules.abnormally_low_ratio(),
            price_only=self.price_only,
        )

    def all_signed(self) -> bool:
        return bool(self.members) and all(m.signed_at for m in self.members)

    def score(self, member, bid, criterion):
        return self.scores.get((member.pk, bid.pk, criterion.pk))


def evaluation_data(
    panel_id: int, *, member_id: int | None = None, bid_id: int | None = None
) -> EvaluationData:
    """One lot's evaluation data. `member_id` limits the scores to that member's (an expert's own
    view: nobody sees another's scores before all have signed); `bid_id` limits the bids."""
    panel = Panel.objects.select_related("tender__method", "tender__department", "lot").get(pk=panel_id)
    data = EvaluationData(panel=panel)
    data.criteria = list(ScoringCriterion.objects.filter(lot_id=panel.lot_id).order_by("sort_order", "pk"))
    data.members = list(
        PanelMember.objects.filter(panel=panel, status__in=SEATED_STATUSES).order_by("kind", "pk")
    )
    bids = opened_bids(panel.lot)
    if bid_id is not None:
        bids = bids.filter(pk=bid_id)
    data.bids = list(bids)
    data.reviews = {r.bid_id: r for r in BidReview.objects.filter(panel=panel)}
    scores = Score.objects.filter(member__panel=panel, member__status__in=SEATED_STATUSES)
    if member_id is not None:
        scores = scores.filter(member_id=member_id)
    if bid_id is not None:
        scores = scores.filter(bid_id=bid_id)
    data.scores = {(s.member_id, s.bid_id, s.criterion_id): s for s in scores}
    return data


def panels_for_staff(user) -> QuerySet[Panel]:
    return (
        Panel.objects.filter(tender__in=tenders_for_staff(user))
        .select_related("tender", "lot")
        .prefetch_related(Prefetch("members", queryset=PanelMember.objects.order_by("kind", "pk")))
    )


def award_has_open_blocking_challenge(award: Award) -> bool:
    """True while a challenge to this award that claims the result is wrong is still open
    (unanswered): contract signing must wait for it."""
    return ResultChallenge.objects.filter(
        award_id=award.pk, claims_result_wrong=True, challenge__status=ChallengeStatus.OPEN
    ).exists()


def live_award_for_lot(lot) -> Award | None:
    """The lot's award that is not cancelled (pending or confirmed), or None."""
    return (
        Award.objects.filter(lot_id=lot.pk)
        .exclude(status=AwardStatus.CANCELLED)
        .select_related("organization", "bid", "report")
        .first()
    )


def published_awards() -> QuerySet[Award]:
    """Confirmed awards whose notice is published (the public list), newest first."""
    return (
        Award.objects.filter(notice_published_at__isnull=False)
        .exclude(status=AwardStatus.PENDING)
        .select_related("tender__department", "lot", "organization")
        .order_by("-notice_published_at", "-pk")
    )


@dataclass
class AwardNotice:
    """What the public award notice shows: the winner, the price, the winner's score summary and
    the panel (public from the notice on). Never another bidder's detailed scores."""

    award: Award
    tender: object
    lot: object
    show_lot: bool
    winner: str
    amount: object
    total: str
    price_score: str
    non_price: str
    rank: int
    panel: list = field(default_factory=list)
    bidder_count: int = 0
    cancelled: bool = False


def award_notice(award_id: int) -> AwardNotice | None:
    """The public notice of one award, or None while it is not published."""
    # The purchasing unit and the method from the process's copy of the reference rows, not joined
    # (core.references): with them, PostgreSQL planned the six tables for 2.2 ms (0.7 without) to
    # read one row.
    award = with_references(
        Award.objects.filter(pk=award_id, notice_published_at__isnull=False).select_related(
            "tender", "lot", "organization", "report"
        ),
        "tender__department",
        "tender__method",
    ).first()
    if award is None:
        return None
    row = next((b for b in award.report.results.get("bids", []) if b["bid"] == award.bid_id), {})
    return AwardNotice(
        award=award,
        tender=award.tender,
        lot=award.lot,
        show_lot=award.tender.lots.count() > 1,
        winner=award.organization.name,
        amount=award.amount,
        total=row.get("total", ""),
        price_score=row.get("price_score", ""),
        non_price=row.get("non_price", ""),
        rank=award.rank,
        panel=[{"name": m["name"], "kind": m["kind_label"]} for m in award.report.results.get("members", [])],
        bidder_count=len(award.report.results.get("bids", [])),
        cancelled=award.status == AwardStatus.CANCELLED,
    )


@dataclass
class OwnResult:
    """A bidder's own result: its score and rank only (never the others')."""

    award: Award
    bid_id: int
    responsive: bool
    reason: str
    total: str
    price_score: str
    criteria: list
    rank: int | None
    won: bool


def own_results(user) -> list[OwnResult]:
    """For each published award of a lot the user's organizations bid on, the organization's own
    score and rank."""
    if not (user and user.is_authenticated):
        return []
    bids = Bid.objects.filter(organization__memberships__user=user, status=BidStatus.SUBMITTED).values(
        "lot_id", "pk"
    )
    bid_by_lot = {row["lot_id"]: row["pk"] for row in bids}
    awards = (
        published_awards()
        .filter(lot_id__in=list(bid_by_lot))
        .select_related("report")
        .order_by("-notice_published_at")
    )
    results = []
    for award in awards:
        bid_id = bid_by_lot[award.lot_id]
        report = award.report.results
        row = next((b for b in report.get("bids", []) if b["bid"] == bid_id), None)
        if row is None:
            continue
        names = {str(c["id"]): c["name"] for c in report.get("criteria", [])}
        results.append(
            OwnResult(
                award=award,
                bid_id=bid_id,
                responsive=row["responsive"],
                reason=row["reason"],
                total=row["total"],
                price_score=row["price_score"],
                criteria=[(names.get(k, k), v) for k, v in row["criteria"].items()],
                rank=row["rank"],
                won=award.bid_id == bid_id and award.status == AwardStatus.CONFIRMED,
            )
        )
    return results


def seat_of_user_on_lot(user, lot_id: int) -> int | None:
    """The id of `user`'s active seat on the lot's panel, if any."""
    return (
        PanelMember.objects.filter(panel__lot_id=lot_id, user=user, status=MemberStatus.ACTIVE)
        .values_list("pk", flat=True)
        .first()
    )
