"""Headcount under concurrent sign-ups: the slot row lock lets exactly `headcount` through."""

import threading

import pytest
from django.db import connection

from tests.volunteers.factories import NeedFactory, VolunteerFactory
from volunteers.models import SignUpStatus
from volunteers.services.signups import signup_apply


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_never_exceed_the_headcount():
    need = NeedFactory(headcount=3)
    slot = need.slots.get()
    volunteers = [VolunteerFactory() for _ in range(10)]
    barrier = threading.Barrier(len(volunteers))
    results, errors = [], []

    def sign_up(volunteer):
        try:
            barrier.wait()
            results.append(signup_apply(actor=volunteer.user, slot=slot).status)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(v,)) for v in volunteers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert results.count(SignUpStatus.CONFIRMED) == 3
    assert results.count(SignUpStatus.WAITLISTED) == 7
    assert slot.signups.filter(status=SignUpStatus.CONFIRMED).count() == 3
