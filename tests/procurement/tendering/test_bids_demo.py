"""The demo has tenders in every state, with sealed bids: some unopened, some opened by the
scheduler's service, one failed (流标); every tender past approval has a live call page."""

from io import StringIO

import pytest
from django.core.management import call_command

from procurement.models import Bid, BidOpening, Tender, TenderStatus
from procurement.tendering.demo import BID_TENDERS

pytestmark = pytest.mark.django_db


def test_demo_has_tenders_in_every_state_with_bids_some_unopened():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # idempotent
    states = set(Tender.objects.values_list("status", flat=True))
    assert set(TenderStatus.values) - states <= {TenderStatus.CLOSED}  # closed lasts until the next minute
    unopened = Bid.objects.filter(opened_at__isnull=True, tender__status=TenderStatus.PUBLISHED)
    assert unopened.exists() and all(b.price is None for b in unopened)
    assert BidOpening.objects.filter(failed=True).exists()
    assert Bid.objects.filter(opened_at__isnull=False, price__isnull=False).exists()
    for title, state, *_rest in BID_TENDERS:
        tender = Tender.objects.get(title=title)
        assert tender.status == state
        if state not in (TenderStatus.DRAFT, TenderStatus.PENDING_APPROVAL):
            assert tender.page.live
