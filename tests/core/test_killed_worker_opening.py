"""The automatic bid opening survives a worker killed mid-task: two calls are past their deadline; the
worker running `procurement.close_and_open_due_tenders` closes both, opens the first and is killed
(SIGKILL) the moment that opening commits, before anything queued on its commit ran. A new worker
gets the task again from the outbox; afterwards each call has one opening record, one audit entry
per step and each bidder one notice of the opening."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from audit.models import Event
from audit.selectors import verify_chain
from core.models import Notification
from procurement.models import BidOpening, Tender, TenderStatus
from procurement.tendering.events import BIDS_OPENED
from procurement.tendering.tasks import close_and_open_due_tenders, tell_bidders_of_recent_openings
from tests.core.killed_worker import KilledWorkerRun, outbox_finished
from tests.procurement.bidding import bidder, close_and_open, published_tender, submit

TASK = "procurement.close_and_open_due_tenders"


def _due_tenders(count: int = 2) -> list[tuple[Tender, list]]:
    """Calls published 13 days ago with three bids each, whose deadline passed a day ago."""
    made = []
    with time_machine.travel(timezone.now() - dt.timedelta(days=13)):
        for _ in range(count):
            tender, _officer = published_tender()
            users = []
            for price in ("300000", "320000.50", "350000"):
                organization, user = bidder()
                submit(tender, organization, user, price=price)
                users.append(user)
            made.append((tender, users))
    assert all(tender.bid_deadline < timezone.now() for tender, _users in made)
    return made


def _events(action: str, tender: Tender) -> int:
    return Event.objects.filter(
        action=action, object_type="procurement.tender", object_id=str(tender.pk)
    ).count()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")
def test_an_opening_killed_mid_task_ends_with_each_call_opened_once(tmp_path, monkeypatch):
    (first, first_users), (second, second_users) = _due_tenders()
    with KilledWorkerRun(tmp_path, monkeypatch) as run:
        worker_a = run.start("a", KILL_AFTER_SQL=r'^INSERT INTO "procurement_bidopening"')
        run.send(close_and_open_due_tenders)
        run.wait_until_killed(worker_a, "a")

        # Killed mid-task: both closed, the first opened (committed), the second not yet.
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.status, second.status) == (TenderStatus.OPENED, TenderStatus.CLOSED)
        assert BidOpening.objects.filter(tender=first).count() == 1
        assert not BidOpening.objects.filter(tender=second).exists()
        assert not outbox_finished(TASK)

        worker_b = run.start("b")
        assert run.redeliver_as_if_dead(close_and_open_due_tenders) == 1
        run.wait_for(lambda: outbox_finished(TASK), worker_b, "b", "worker B finishes the opening task")

    for tender, users in ((first, first_users), (second, second_users)):
        tender.refresh_from_db()
        assert tender.status == TenderStatus.OPENED
        opening = BidOpening.objects.get(tender=tender)
        assert opening.bid_count == 3 and opening.responsive_count == 3
        for action in ("tender.close", "tender.open", "tender.open_bids"):
            assert _events(action, tender) == 1, (action, tender.pk)
        told = Notification.objects.filter(
            event=BIDS_OPENED, object_type="procurement.tender", object_id=str(tender.pk)
        )
        assert sorted(told.values_list("recipient_id", flat=True)) == sorted(user.pk for user in users)
    assert BidOpening.objects.count() == 2
    assert verify_chain(require_anchor=False).problem is None


@pytest.mark.django_db
def test_an_opening_whose_notice_was_lost_is_told_again_within_a_day(django_capture_on_commit_callbacks):
    ((tender, users),) = _due_tenders(count=1)
    close_and_open(tender)  # its notice, queued on commit, never runs here: as if the worker died
    told = Notification.objects.filter(event=BIDS_OPENED, object_id=str(tender.pk))
    assert not told.exists()
    opened_at = BidOpening.objects.get(tender=tender).opened_at
    assert tell_bidders_of_recent_openings(now=opened_at + dt.timedelta(days=2)) == 0  # too old
    with django_capture_on_commit_callbacks(execute=True):
        assert tell_bidders_of_recent_openings(now=opened_at + dt.timedelta(hours=1)) == 1
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(user.pk for user in users)
    with django_capture_on_commit_callbacks(execute=True):
        assert tell_bidders_of_recent_openings(now=opened_at + dt.timedelta(hours=2)) == 0
    assert told.count() == 3
