"""The status machines of needs, sign-ups and hour records (volunteers.transitions) and the services
that check them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import Event
from tests.factories import UserFactory
from tests.volunteers.factories import NeedFactory, VolunteerFactory
from tests.volunteers.helpers import served
from tests.volunteers.test_views import login
from volunteers.models import HourStatus, NeedStatus, SignUp, SignUpStatus
from volunteers.services import hours as hour_services
from volunteers.services import needs as need_services
from volunteers.services import signups as signup_services
from volunteers.services.hours import hours_verify
from volunteers.services.signups import signup_apply, signup_decide
from volunteers.transitions import (
    HOUR_TRANSITIONS,
    NEED_TRANSITIONS,
    SIGNUP_TRANSITIONS,
    check_hour_transition,
    check_need_transition,
    check_signup_transition,
)

SERVICE_MODULES = (need_services, signup_services, hour_services)

TABLES = [
    (NEED_TRANSITIONS, check_need_transition),
    (SIGNUP_TRANSITIONS, check_signup_transition),
    (HOUR_TRANSITIONS, check_hour_transition),
]

ALLOWED = [
    (check, current, target, service)
    for table, check in TABLES
    for (current, target), names in sorted(table.items())
    for service in names
]

FORBIDDEN = [
    (check_need_transition, NeedStatus.CANCELLED, NeedStatus.OPEN, "need_cancel"),
    (check_need_transition, NeedStatus.CLOSED, NeedStatus.OPEN, "need_close_signups"),
    (check_need_transition, NeedStatus.CLOSED, NeedStatus.CLOSED, "need_close_signups"),
    (check_signup_transition, SignUpStatus.REJECTED, SignUpStatus.CONFIRMED, "signup_decide"),
    (check_signup_transition, SignUpStatus.WAITLISTED, SignUpStatus.CONFIRMED, "signup_decide"),
    (check_signup_transition, SignUpStatus.ATTENDED, SignUpStatus.CANCELLED, "signup_cancel"),
    (check_signup_transition, SignUpStatus.CANCELLED, SignUpStatus.CONFIRMED, "signup_cancel"),
    (check_signup_transition, SignUpStatus.NO_SHOW, SignUpStatus.ATTENDED, "hours_check_in"),
    (check_hour_transition, HourStatus.VERIFIED, HourStatus.REJECTED, "hours_reject"),
    (check_hour_transition, HourStatus.REJECTED, HourStatus.VERIFIED, "hours_verify"),
    (check_hour_transition, HourStatus.PENDING, HourStatus.PENDING, "hours_check_out"),
    (check_hour_transition, HourStatus.VERIFIED, HourStatus.OPEN, "correction_resolve"),
]


@pytest.mark.parametrize(("check", "current", "target", "service"), ALLOWED)
def test_every_allowed_transition_passes_for_each_service_that_performs_it(check, current, target, service):
    check(current, target, by=service)


@pytest.mark.parametrize(("check", "current", "target", "service"), FORBIDDEN)
def test_forbidden_transitions_are_refused(check, current, target, service):
    with pytest.raises(ValidationError) as excinfo:
        check(current, target, by=service)
    assert excinfo.value.code == "transition_not_allowed"


def test_every_transition_names_an_existing_service():
    names = {name for table, _check in TABLES for services in table.values() for name in services}
    for name in names:
        assert any(callable(getattr(module, name, None)) for module in SERVICE_MODULES), name


@pytest.mark.django_db
def test_verifying_verified_hours_again_raises_and_writes_nothing():
    _need, volunteer, record, organizer = served(minutes=90)
    volunteer.refresh_from_db()
    counted = volunteer.verified_minutes
    events_before = Event.objects.count()
    with pytest.raises(ValidationError):
        hours_verify(actor=organizer, record=record)
    volunteer.refresh_from_db()
    record.refresh_from_db()
    assert record.status == HourStatus.VERIFIED
    assert volunteer.verified_minutes == counted
    assert Event.objects.count() == events_before


@pytest.mark.django_db
def test_deciding_a_waitlisted_sign_up_raises_and_writes_nothing(organizer, slot):
    slot.headcount = 1
    slot.save()
    signup_apply(actor=VolunteerFactory().user, slot=slot)
    waiting = signup_apply(actor=VolunteerFactory().user, slot=slot)
    assert waiting.status == SignUpStatus.WAITLISTED
    events_before = Event.objects.count()
    with pytest.raises(ValidationError):
        signup_decide(actor=organizer, signup=waiting, approve=True)
    assert SignUp.objects.get(pk=waiting.pk).status == SignUpStatus.WAITLISTED
    assert Event.objects.count() == events_before


@pytest.mark.django_db
def test_closing_sign_up_of_a_cancelled_need_changes_nothing():
    need = NeedFactory()
    need_services.need_cancel(actor=None, need=need, reason="天气")
    assert need_services.need_close_signups(need_id=need.pk) == "unchanged"
    need.refresh_from_db()
    assert need.status == NeedStatus.CANCELLED


@pytest.mark.django_db
def test_the_organizer_page_offers_a_decision_only_for_pending_sign_ups(client):
    need = NeedFactory(requires_approval=True)
    slot = need.slots.get()
    pending = signup_apply(actor=VolunteerFactory().user, slot=slot)
    refused = signup_apply(actor=VolunteerFactory().user, slot=slot)
    organizer = UserFactory(department=need.project.department)
    signup_decide(actor=organizer, signup=refused, approve=False)
    login(client, organizer)
    html = client.get(reverse("volunteers:manage_need", args=[need.pk])).content.decode()
    assert reverse("volunteers:signup_decide", args=[pending.pk]) in html
    assert reverse("volunteers:signup_decide", args=[refused.pk]) not in html
