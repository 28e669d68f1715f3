"""The list of all OCDS releases pages by a cursor (issue 17): `event_page` looks in widening windows
of dates from the cursor, and walking it page by page gives exactly the rows of the whole index, in
its order, whatever the page size, with ties of date, years between events, events dated by the
later of two dates (a milestone accepted before its contract was published), and since/until."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cms import ocds
from procurement.models import Contract, Milestone, Payment
from tests.cms.test_ocds import (  # noqa: F401 (the module's fixture: no portal cache, a test prefix)
    _no_portal_cache,
    amended_process,
    completed_process,
    failed_process,
)

pytestmark = pytest.mark.django_db


def walk(size: int, **bounds) -> list[tuple]:
    rows, after, pages = [], None, 0
    while True:
        page, more = ocds.event_page(size=size, after=after, **bounds)
        assert len(page) <= size
        rows += page
        pages += 1
        assert pages < 500
        if not more:
            return rows
        after = ocds.EventKey.of(page[-1])


def follow_links(client, url: str):
    """(url, package, union queries) of each page from `url` on, following `links.next`; each page
    asked twice (the first warms the process), its union queries checked: no COUNT, no OFFSET."""
    while url:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            package = client.get(url).json()
        unions = [q["sql"].upper() for q in queries.captured_queries if " UNION " in q["sql"].upper()]
        assert unions and not [sql for sql in unions if "COUNT(" in sql or "OFFSET" in sql]
        yield url, package, len(unions)
        url = package.get("links", {}).get("next")
        url = url and "/" + url.split("/", 3)[3]


def city():
    """Processes three years ago, last month and now; two of them at one frozen moment (ties of
    date between kinds and processes); a milestone accepted and paid before its contract's
    publication (dated by the publication)."""
    with time_machine.travel(timezone.now() - dt.timedelta(days=3 * 365), tick=True):
        completed_process()
    with time_machine.travel(timezone.now() - dt.timedelta(days=30), tick=False):
        amended_process()
        failed_process()
    _tender, contract, _officer = completed_process()
    published = contract.published_at
    milestone = contract.milestones.order_by("number").first()
    Milestone.objects.filter(pk=milestone.pk).update(accepted_at=published - dt.timedelta(days=2))
    Payment.objects.filter(milestone=milestone).update(recorded_at=published - dt.timedelta(days=1))
    return contract


def test_walking_the_cursor_gives_the_whole_index_in_order():
    contract = city()
    everything = list(ocds.event_index())
    keys = [ocds.EventKey.of(row) for row in everything]
    order = [(k.date, k.tender, k.order, k.obj) for k in keys]
    assert order == sorted(order) and len(set(order)) == len(order)
    assert {row[1] for row in everything} >= {"planning", "tender", "amendment", "opening", "award"}
    assert {row[1] for row in everything} >= {"contract", "milestone", "payment", "contractTermination"}
    # the milestone accepted before publication is dated by the publication; so is its payment
    dated = {(row[1], row[2]): row[3] for row in everything}
    first = contract.milestones.order_by("number").first()
    assert dated[("milestone", first.pk)] == Contract.objects.get(pk=contract.pk).published_at
    assert dated[("payment", Payment.objects.get(milestone=first).pk)] == dated[("milestone", first.pk)]
    # ties: the frozen month-old processes share one moment across kinds and processes
    dates = [row[3] for row in everything]
    assert max(dates.count(d) for d in dates) >= 3
    for size in (1, 2, 3, 7, len(everything), len(everything) + 1):
        assert walk(size) == everything, size
    # windows: a cursor three years back still finds the next row, not an empty page
    page, _more = ocds.event_page(size=1, after=keys[0])
    assert page == everything[1:2]
    assert ocds.EventKey.parse(keys[5].token()) == keys[5]


def test_since_and_until_bound_the_walk():
    city()
    everything = list(ocds.event_index())
    since = timezone.now() - dt.timedelta(days=40)
    until = timezone.now() - dt.timedelta(days=10)
    inside = [row for row in everything if since <= row[3] < until]
    assert inside and len(inside) < len(everything)
    for size in (1, 2, 5):
        assert walk(size, since=since, until=until) == inside
    assert walk(2, since=since) == [row for row in everything if row[3] >= since]
    assert walk(2, until=until) == [row for row in everything if row[3] < until]


def test_a_page_never_counts_and_looks_in_a_bounded_number_of_windows(client, settings):
    settings.OCDS_PAGE_SIZE = 2
    city()
    counts = [unions for _url, _package, unions in follow_links(client, reverse("ocds:release_list"))]
    # one union query per window looked in, never more than EVENT_WINDOWS has
    assert len(counts) > 3
    assert max(counts) <= len(ocds.EVENT_WINDOWS)


def test_numbered_pages_read_the_same_windows_and_stop_at_the_deepest(client, settings):
    """`page=N` is the same page as the cursor's N-th, read along the windows (no OFFSET, no COUNT);
    past `OCDS_MAX_PAGE` it answers 400, and the deepest page's next link goes on by the cursor."""
    settings.OCDS_PAGE_SIZE = 2
    settings.OCDS_MAX_PAGE = 3
    city()
    everything = list(ocds.event_index())
    assert len(everything) > 8
    for number in (1, 2, 3):
        rows, more = ocds.event_page_number(number, size=2)
        assert rows == everything[(number - 1) * 2 : number * 2] and more
    last = (len(everything) + 1) // 2
    assert ocds.event_page_number(last, size=2) == (everything[(last - 1) * 2 :], False)
    assert ocds.event_page_number(last + 1, size=2) == ([], False)

    url = reverse("ocds:release_list")
    by_number = list(follow_links(client, url + "?page=1"))
    numbers = [page_url for page_url, _package, _unions in by_number]
    seen = [r["id"] for _url, package, _unions in by_number for r in package["releases"]]
    cursor_walk = [
        r["id"] for _url, package, _unions in follow_links(client, url) for r in package["releases"]
    ]
    assert seen == cursor_walk and len(seen) == len(everything)
    # pages 1-3 by number, then the deepest page's next link follows the cursor
    assert [u.split("?")[1] for u in numbers[:3]] == ["page=1", "page=2", "page=3"]
    assert all("after=" in u for u in numbers[3:]) and len(numbers) > 3
    third = client.get(url + "?page=3").json()
    assert "page=2" in third["links"]["prev"]
    body = client.get(url + "?page=4")
    assert body.status_code == 400
    assert body.json()["error"] == "bad_request" and "at most 3" in body.json()["detail"]
    assert client.get(url + "?page=abc").status_code == 404
