"""Reads of awards, their notices and the challenges to them. Other parts of procurement (contracts,
supervision) use `award_has_open_blocking_challenge` and `live_award_for_lot`; `cms` renders the
public award notices from `published_award_notices` and `award_notice`."""

from __future__ import annotations

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
