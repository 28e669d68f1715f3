"""Celery tasks of tendering. They take ids (or nothing) and call one idempotent service; their
results are ids only, never bid content."""

import datetime

from celery import shared_task
from django.utils import timezone

from core.models import Notification
from procurement.tendering.events import BIDS_OPENED, bids_opened
from procurement.tendering.models.bids import BidOpening
from procurement.tendering.models.tenders import Tender
from procurement.tendering.services.opening import tenders_close_and_open_due

# How far back each run tells again of openings whose bidders' notice may have been lost.
OPENING_NOTICE_CATCH_UP = datetime.timedelta(days=1)


@shared_task(acks_late=True, name="procurement.close_and_open_due_tenders")
def close_and_open_due_tenders() -> dict:
    """Every minute: close tenders at their deadline and open their bids (a second run does nothing),
    then make sure the bidders of every recent opening were told of it."""
    result = tenders_close_and_open_due()
    tell_bidders_of_recent_openings()
    return result


def tell_bidders_of_recent_openings(*, now: datetime.datetime | None = None) -> int:
    """The bidders' notice of an opening is queued when the opening commits: a worker killed between
    that commit and the notice would lose it for good, since an opened call is never opened again
    (tests/core/test_killed_worker_opening.py). So every run gives the notice of each opening of the
    last day that has none (one transaction writes all of an opening's notices, so none means lost;
    `notify` sends once per bidder anyway). Returns the number of openings told again."""
    since = (now or timezone.now()) - OPENING_NOTICE_CATCH_UP
    openings = list(BidOpening.objects.filter(opened_at__gte=since).select_related("tender"))
    if not openings:
        return 0
    told = set(
        Notification.objects.filter(
            event=BIDS_OPENED,
            object_type=f"{Tender._meta.app_label}.{Tender._meta.model_name}",
            object_id__in=[str(opening.tender_id) for opening in openings],
        ).values_list("object_id", flat=True)
    )
    lost = [opening for opening in openings if str(opening.tender_id) not in told]
    for opening in lost:
        bids_opened(tender=opening.tender, opening=opening)
    return len(lost)
