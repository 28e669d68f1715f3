"""The deadline race (issue #13, point 1), on PostgreSQL with real row locks: many bidders, each in
its own thread with its own database connection, submit and replace as fast as they can from
before the deadline to after it, on the real clock. Afterwards no stored bid is dated at or after the
deadline, every accepted call has its row (dated as it was told), no row exists that no call
accepted, each organization has exactly one live bid (its last accepted one), every refused call
left nothing behind (no file in storage without its row), and the opening finds no late bid. Each
accepted bid is also dated after its own slow steps (eligibility, sealing) ended: the instant that
decides is read last."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from audit.models import Event
from procurement.models import Bid, BidFile, BidOpening, BidStatus, Tender
from procurement.tendering import sealing
from procurement.tendering.services import bids as bid_services
from procurement.tendering.services.bids import bid_replace, bid_submit
from procurement.tendering.services.opening import tenders_close_and_open_due
from tests.procurement.bidding import bidder, pdf_with, published_tender

THREADS = 32
# The deadline is set, under the tender's row lock, this far ahead once every bidder has a bid in
# and some have replaced theirs (so the race is run by all of them at full speed, however slow the
# machine); the threads keep trying AFTER it.
LEAD = dt.timedelta(milliseconds=400)
AFTER = dt.timedelta(milliseconds=400)
WARM_UP_LIMIT = 90  # seconds


def _set_deadline_soon(tender_id: int) -> dt.datetime:
    """Move the deadline close, taking the tender's lock first: every decision taken before holds
    an instant earlier than the new deadline, as with a deadline fixed in advance."""
    with transaction.atomic():
        Tender.objects.select_for_update().get(pk=tender_id)
        deadline = timezone.now() + LEAD
        Tender.objects.filter(pk=tender_id).update(bid_deadline=deadline)
    return deadline


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_and_replacements_across_the_deadline(monkeypatch):
    # The slow steps note when they end, per thread; eligibility is made a little slower (as under
    # load), to widen the window a clock read before it would leave open.
    slow = threading.local()
    real_eligibility, real_seal_json = bid_services.tender_eligibility, sealing.seal_json

    def eligibility(*args, **kwargs):
        time.sleep(0.005)
        result = real_eligibility(*args, **kwargs)
        slow.done = timezone.now()
        return result

    def seal_json(*args, **kwargs):
        result = real_seal_json(*args, **kwargs)
        slow.done = timezone.now()
        return result

    monkeypatch.setattr(bid_services, "tender_eligibility", eligibility)
    monkeypatch.setattr(sealing, "seal_json", seal_json)
    tender, _officer = published_tender()
    lot = tender.lots.get()
    bidders = [bidder() for _ in range(THREADS)]
    ready = threading.Barrier(THREADS + 1)
    accepted: list[tuple[int, int, dt.datetime, str, int | None]] = []  # org, bid, at, op, replaced
    refused: list[tuple[int, str, dt.datetime]] = []
    stamped_before_slow_steps: list[int] = []  # bids dated before their own sealing ended
    errors: list[BaseException] = []
    lock = threading.Lock()
    timing = {}

    def run(index: int, organization, user):
        live = None
        try:
            ready.wait()
            n = 0
            while "stop" not in timing or timezone.now() < timing["stop"]:
                n += 1
                files = [pdf_with(f"T{index}-{n}", f"t{index}-{n}.pdf")] if (index + n) % 3 == 0 else []
                try:
                    if live is None:
                        bid = bid_submit(
                            actor=user, organization=organization, lot=lot, price=f"{400000 + n}.00",
                            proposal=f"方案 {index}-{n}", files=files,
                        )  # fmt: skip
                        op = "submit"
                    else:
                        bid = bid_replace(
                            actor=user, bid=live, price=f"{400000 + n}.00", proposal=f"方案 {index}-{n}",
                            files=files,
                        )  # fmt: skip
                        op = "replace"
                except ValidationError as exc:
                    with lock:
                        refused.append((organization.pk, exc.code, timezone.now()))
                    if exc.code != "deadline_passed":
                        raise
                    time.sleep(0.01)  # after the deadline: keep knocking, gently
                    continue
                with lock:
                    accepted.append(
                        (organization.pk, bid.pk, bid.submitted_at, op, live.pk if live else None)
                    )
                    if bid.submitted_at < slow.done:
                        stamped_before_slow_steps.append(bid.pk)
                live = bid
        except BaseException as exc:  # collected and asserted below
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, *pair)) for i, pair in enumerate(bidders)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.monotonic()
    while time.monotonic() - started < WARM_UP_LIMIT and not errors:
        with lock:
            bidding = {org for org, *_rest in accepted}
            replaced = sum(1 for *_rest, op, _r in accepted if op == "replace")
        if len(bidding) == THREADS and replaced >= THREADS // 2:
            break
        time.sleep(0.05)
    deadline = _set_deadline_soon(tender.pk)
    timing["stop"] = deadline + AFTER
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    # One instant, after every slow step: no bid is dated before its own eligibility check and
    # sealing were over.
    assert stamped_before_slow_steps == []

    # The race really crossed the deadline: calls were accepted before it and refused after it.
    assert len({org for org, *_rest in accepted}) == THREADS
    assert {op for *_x, op, _r in accepted} == {"submit", "replace"}
    late_refusals = [at for _org, code, at in refused if code == "deadline_passed"]
    assert late_refusals and min(late_refusals) >= deadline
    assert max(at for _o, _b, at, _op, _r in accepted) > deadline - LEAD

    rows = {bid.pk: bid for bid in Bid.objects.filter(tender=tender)}
    # None stored at or after the deadline.
    assert [pk for pk, bid in rows.items() if bid.submitted_at >= deadline] == []
    # None lost: every accepted call has its row, dated as the call was told; none extra.
    assert {pk: rows[pk].submitted_at for _o, pk, _at, _op, _r in accepted if pk in rows} == {
        pk: at for _o, pk, at, _op, _r in accepted
    }
    assert set(rows) == {pk for _o, pk, _at, _op, _r in accepted}
    # None duplicated: one live bid per organization, its last accepted one; the others replaced.
    last = {}
    for org, pk, _at, _op, _replaced in accepted:
        last[org] = pk
    live = Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED)
    assert sorted(live.values_list("organization_id", flat=True)) == sorted(last)
    assert set(live.values_list("pk", flat=True)) == set(last.values())
    assert Bid.objects.filter(tender=tender, status=BidStatus.REPLACED).count() == len(accepted) - len(last)
    for _org, pk, _at, op, replaced in accepted:
        if op == "replace":
            assert rows[pk].replaces_id == replaced
    # Every accepted call was audited once; no refused call was.
    assert Event.objects.filter(action__in=["bid.submit", "bid.replace"]).count() == len(accepted)
    # Refused calls left no sealed file behind.
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    on_disk = {p.relative_to(root).as_posix() for p in (root / "sealed-bids").rglob("*") if p.is_file()}
    assert on_disk == set(BidFile.objects.values_list("file", flat=True))

    # The opening finds every live bid in time: none refused as late.
    result = tenders_close_and_open_due(now=timezone.now())
    assert result["opened"] == [tender.pk]
    opening = BidOpening.objects.get(tender=tender)
    assert opening.bid_count == len(last) and opening.record["late_count"] == 0
    print(f"{len(accepted)} accepted, {len(late_refusals)} refused after the deadline, {THREADS} bidders")
