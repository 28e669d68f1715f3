"""Reads of evaluation: panels for a member or an officer, and one lot's evaluation data (criteria,
seated members, opened bids, the panel's reviews, scores) in a fixed number of queries, whatever
the number of bids, members or criteria."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from procurement import rules, scoring
from procurement.models import (
    SEATED_STATUSES,
    Bid,
    BidReview,
    BidStatus,
    MemberStatus,
    Panel,
    PanelMember,
    Score,
    ScoringCriterion,
)


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

    def inputs(self) -> tuple[list[scoring.Criterion], list[scoring.BidInput]]:
        criteria = [
            scoring.Criterion(c.pk, c.name, c.max_points, c.is_price, c.is_objective) for c in self.criteria
        ]
        seated = {m.pk for m in self.members}
        bids = []
        for bid in self.bids:
            by_criterion: dict[int, dict[int, Decimal]] = {}
            for (member_id, bid_id, criterion_id), score in self.scores.items():
                if bid_id == bid.pk and member_id in seated:
                    by_criterion.setdefault(criterion_id, {})[member_id] = score.points
            bids.append(
                scoring.BidInput(
                    id=bid.pk,
                    price=bid.price,
                    responsive=self.is_responsive(bid),
                    name=bid.organization.name,
                    scores=by_criterion,
                    nonresponsive_reason=self.nonresponsive_reason(bid),
                )
            )
        return criteria, bids

    def results(self) -> list[scoring.BidResult]:
        criteria, bids = self.inputs()
        return scoring.evaluate(criteria, bids, price_only=self.price_only)

    def problems(self) -> list[scoring.Problem]:
        criteria, bids = self.inputs()
        accepted = [pk for pk, r in self.reviews.items() if r.justification_accepted]
        return scoring.finalization_problems(
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
    from procurement.selectors import tenders_for_staff

    return (
        Panel.objects.filter(tender__in=tenders_for_staff(user))
        .select_related("tender", "lot")
        .prefetch_related(Prefetch("members", queryset=PanelMember.objects.order_by("kind", "pk")))
    )
