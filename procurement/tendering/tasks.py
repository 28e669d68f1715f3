"""Celery tasks of tendering. They take ids (or nothing) and call one idempotent service; their
results are ids only, never bid content."""

import datetime

from celery import shared_task
from django.utils import timezone

from procurement.tendering.events import bids_opened
from procurement.tendering.models.bids import BidOpening
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
    (tests/core/test_killed_worker_opening.py). So every run tells again of the openings of the last
    day; `notify` sends once per bidder and opening, so for a notice already given this is silent.
    Returns the number of openings looked at."""
    since = (now or timezone.now()) - OPENING_NOTICE_CATCH_UP
    openings = list(BidOpening.objects.filter(opened_at__gte=since).select_related("tender"))
    for opening in openings:
        bids_opened(tender=opening.tender, opening=opening)
    return len(openings)
