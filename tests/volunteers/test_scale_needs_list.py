"""The public needs list counts each shown need's future slots without a GROUP BY over every open
need (issue 17: it spilled to disk at 10×), in a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.volunteers.factories import NeedFactory, next_weekday_at
from volunteers import selectors

pytestmark = pytest.mark.django_db


def needs(n: int, slots: int = 2) -> list:
    spans = [
        (next_weekday_at(9, days_ahead=7 + i), next_weekday_at(12, days_ahead=7 + i)) for i in range(slots)
    ]
    return [NeedFactory(slots=spans) for _ in range(n)]


def top_level(sql: str) -> str:
    """`sql` without what is inside parentheses (sub-queries)."""
    depth, kept = 0, []
    for char in sql:
        depth += char == "("
        if depth == 0:
            kept.append(char)
        depth -= char == ")"
    return "".join(kept)


def page_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("volunteers:need_list")).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_the_needs_list_takes_the_same_queries_for_5_and_50_needs_and_counts_future_slots(client):
    needs(5)
    client.get(reverse("volunteers:need_list"))
    small = page_queries(client)
    needs(45, slots=3)
    past = NeedFactory(
        slots=[
            (timezone.now() - datetime.timedelta(days=1), timezone.now() - datetime.timedelta(hours=20)),
            (next_weekday_at(9), next_weekday_at(12)),
        ]
    )
    # the new rows moved the reference generation: the first page after it reads the reference rows again
    client.get(reverse("volunteers:need_list"))
    large = page_queries(client)
    assert len(small) == len(large)
    listed = [sql for sql in large if 'FROM "volunteers_need"' in top_level(sql)]
    assert listed and not [sql for sql in listed if "GROUP BY" in top_level(sql)]
    counts = {need.pk: need.slot_count for need in selectors.open_needs()}
    assert counts[past.pk] == 1
    assert sorted(set(counts.values())) == [1, 2, 3]
