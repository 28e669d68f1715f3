import pytest
from django.db import DatabaseError, connection, transaction

import audit
from audit.models import AppendOnlyError, Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    audit.record(actor=None, action="test.one")
    return audit.record(actor=None, action="test.two")


def test_saving_an_existing_event_raises(event):
    event.action = "test.changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert Event.objects.get(pk=event.pk).action == "test.two"


def test_deleting_an_event_raises(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert Event.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    "operation",
    [
        lambda qs: qs.update(action="test.changed"),
        lambda qs: qs.filter(action="test.two").update(action="test.changed"),
        lambda qs: qs.all().delete(),
        lambda qs: qs.filter(action="test.two").delete(),
        lambda qs: qs.bulk_update(list(qs.all()), ["action"]),
        lambda qs: qs.update_or_create(seq=2, defaults={"action": "test.changed"}),
        lambda qs: qs.bulk_create([Event(seq=3, action="x", mac="0" * 64)]),
    ],
    ids=[
        "update",
        "filtered-update",
        "delete",
        "filtered-delete",
        "bulk-update",
        "update-or-create",
        "bulk-create",
    ],
)
def test_queryset_writes_raise(event, operation):
    with pytest.raises(AppendOnlyError):
        operation(Event.objects)
    assert list(Event.objects.values_list("seq", "action")) == [(1, "test.one"), (2, "test.two")]


def test_creating_an_event_outside_record_raises():
    with pytest.raises(AppendOnlyError):
        Event.objects.create(seq=1, action="test.direct", mac="0" * 64)
    assert not Event.objects.exists()


@pytest.mark.postgres
def test_postgres_trigger_refuses_raw_update_and_delete(event):
    for sql in ("UPDATE audit_event SET action = 'x' WHERE seq = 2", "DELETE FROM audit_event WHERE seq = 2"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)
    assert list(Event.objects.values_list("seq", "action")) == [(1, "test.one"), (2, "test.two")]
