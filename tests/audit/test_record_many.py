"""`audit.record_many` (issue 17): a sweep's events chained and written in a fixed number of queries,
one chain with the events `audit.record` writes one by one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import audit
from audit import context, selectors, services
from audit.models import Event
from core import portal_cache
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def verify():
    return selectors.verify_chain(require_anchor=False)


def items(n: int, *, action: str = "tests.batch", start: int = 1) -> list[dict]:
    return [
        {
            "actor": None,
            "action": action,
            "object_type": "tests.thing",
            "object_id": i,
            "before": {"state": "old", "n": i},
            "after": {"state": "new", "n": i, "amount": "12.50"},
        }
        for i in range(start, start + n)
    ]


def test_record_many_continues_the_chain_of_record_and_record_continues_it_after():
    user = UserFactory()
    first = audit.record(actor=user, action="tests.one", target=user, after={"a": 1})
    batch = audit.record_many(
        [
            {"actor": user, "action": "tests.batch", "target": user, "before": {"a": 1}, "after": {"a": 2}},
            *items(4),
        ]
    )
    last = audit.record(actor=None, action="tests.two", object_type="tests.thing", object_id=9)

    assert [event.seq for event in [first, *batch, last]] == list(range(1, 8))
    assert all(event.pk is not None for event in batch)  # the created rows' pks came back
    assert batch[0].prev_mac == first.mac
    assert [event.prev_mac for event in batch[1:]] == [event.mac for event in batch[:-1]]
    assert last.prev_mac == batch[-1].mac
    # Stored as chained: each row read back has the MAC computed in Python.
    stored = {event.pk: event for event in Event.objects.filter(pk__in=[e.pk for e in batch])}
    assert [stored[event.pk].mac for event in batch] == [event.mac for event in batch]
    assert (stored[batch[0].pk].actor_id, stored[batch[0].pk].object_id) == (user.pk, str(user.pk))
    assert stored[batch[0].pk].object_label == str(user)
    assert stored[batch[1].pk].actor_label == "system"
    result = verify()
    assert result.ok, result.problem
    assert (result.count, result.last_seq, result.last_mac) == (7, 7, last.mac)


def test_a_batch_larger_than_one_insert_is_chained_across_the_inserts(monkeypatch):
    monkeypatch.setattr(services, "BULK_BATCH_SIZE", 4)
    with CaptureQueriesContext(connection) as captured:
        events = audit.record_many(items(10))
    inserts = [q for q in captured.captured_queries if q["sql"].startswith('INSERT INTO "audit_event"')]
    assert len(inserts) == 3
    assert [event.seq for event in events] == list(range(1, 11))
    result = verify()
    assert result.ok, result.problem
    assert result.count == 10


def test_the_request_context_is_taken_once_and_keep_ip_false_leaves_the_ip_out():
    token = context.current.set(context.RequestContext(request_id="req-17", ip_address="203.0.113.7"))
    try:
        kept, dropped = audit.record_many([items(1)[0], {**items(1, start=2)[0], "keep_ip": False}])
    finally:
        context.current.reset(token)
    kept.refresh_from_db()
    dropped.refresh_from_db()
    assert (kept.request_id, kept.ip_address) == ("req-17", "203.0.113.7")
    assert (dropped.request_id, dropped.ip_address) == ("req-17", None)
    assert verify().ok


def test_a_secret_looking_key_in_any_summary_refuses_the_whole_batch_and_writes_nothing():
    audit.record(actor=None, action="tests.one")
    bad = [*items(3), {"actor": None, "action": "tests.batch", "after": {"nested": {"new_password": "x"}}}]
    with CaptureQueriesContext(connection) as captured, pytest.raises(services.SecretInSummaryError):
        audit.record_many(bad)
    assert captured.captured_queries == []  # refused before the chain lock
    assert Event.objects.count() == 1
    with pytest.raises(TypeError):  # a value JSON cannot hold, as `record` refuses it
        audit.record_many([*items(2), {"actor": None, "action": "tests.batch", "after": {"x": object()}}])
    with pytest.raises(TypeError):  # an argument `record` does not take
        audit.record_many([{"actor": None, "action": "tests.batch", "colour": "red"}])
    assert Event.objects.count() == 1
    assert verify().ok


def test_a_sealed_action_is_refused_and_nothing_is_written():
    with pytest.raises(ValueError, match="sealed"):
        audit.record_many([*items(2), {"actor": None, "action": "bid.submit", "object_id": 1}])
    assert not Event.objects.exists()


def test_an_empty_batch_writes_nothing_and_takes_no_lock(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert audit.record_many([]) == []
    assert not Event.objects.exists()


def test_the_portal_cache_is_bumped_once_per_distinct_action_at_commit(
    monkeypatch, django_capture_on_commit_callbacks
):
    bumped = []
    monkeypatch.setattr(portal_cache, "bump", lambda *topics: bumped.append(topics))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        audit.record_many(
            [
                *items(3, action="tender.publish"),
                *items(4, action="credit_list.add"),
                *items(2, action="login.success"),  # changes nothing public: bumps nothing
            ]
        )
        assert bumped == []  # not before the commit
    assert len(callbacks) == 2
    assert sorted(bumped) == [("orgs",), ("procurement",)]


def test_the_events_actors_are_in_wagtails_reference_index_as_when_recorded_one_by_one():
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ReferenceIndex

    assert Event in ReferenceIndex.tracked_models  # (the audit log's Wagtail listing registers it)
    user, other = UserFactory(), UserFactory()
    single = audit.record(actor=user, action="tests.one")
    batch = audit.record_many(
        [{"actor": user, "action": "tests.batch"}, *items(2), {"actor": other, "action": "x"}]
    )
    rows = ReferenceIndex.objects.filter(base_content_type=ContentType.objects.get_for_model(Event))
    indexed = {
        int(row.object_id): (
            row.content_type_id,
            row.to_content_type_id,
            row.to_object_id,
            row.model_path,
            row.content_path_hash,
        )
        for row in rows
    }
    assert set(indexed) == {single.pk, batch[0].pk, batch[3].pk}
    assert indexed[batch[0].pk] == indexed[single.pk]
    assert indexed[batch[3].pk][2] == str(other.pk)


def test_record_many_takes_as_many_queries_for_50_events_as_for_5():
    counts = []
    for n in (5, 50):
        with CaptureQueriesContext(connection) as captured:
            events = audit.record_many(items(n, start=len(counts) * 100))
        assert len(events) == n
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts
    # the lock (PostgreSQL), the newest link, one insert, and the savepoint around them
    assert counts[0] == (5 if connection.vendor == "postgresql" else 4)
    assert Event.objects.count() == 55
    assert verify().ok
