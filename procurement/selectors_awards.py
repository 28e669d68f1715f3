"""Reads of awards, their notices and the challenges to them. Other parts of procurement (contracts,
supervision) use `award_has_open_blocking_challenge` and `live_award_for_lot`; `cms` renders the
public award notices from `published_award_notices` and `award_notice`."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from procurement.models import Award, AwardStatus, ChallengeStatus, ResultChallenge


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
    award = (
        Award.objects.filter(pk=award_id, notice_published_at__isnull=False)
        .select_related("tender__department", "tender__method", "lot", "organization", "report")
        .first()
    )
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
    from procurement.models import Bid, BidStatus

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
