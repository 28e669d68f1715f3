import threading

import pytest
from django.db import connection, transaction

import audit
from audit import selectors
from audit.models import Event

THREADS = 4
PER_THREAD = 15


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_records_on_postgres_keep_the_chain_linear():
    """Writers on separate connections serialize on the chain lock: no seq is taken twice (the
    unique constraint would raise), none is skipped, and every row chains on its predecessor.
    (serialized_rollback: the flush after this test must not wipe the migrations' reference data.)"""
    audit.record(actor=None, action="test.start")
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            for i in range(PER_THREAD):
                with transaction.atomic():
                    audit.record(
                        actor=None, action="test.concurrent", object_type="thread", object_id=f"{n}-{i}"
                    )
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    total = 1 + THREADS * PER_THREAD
    assert list(Event.objects.values_list("seq", flat=True)) == list(range(1, total + 1))
    assert Event.objects.filter(action="test.concurrent").count() == THREADS * PER_THREAD
    result = selectors.verify_chain(require_anchor=False)
    assert result.ok, result.problem
    assert result.count == total
