"""Scenario helpers shared by the view, certificate and masking tests."""

from __future__ import annotations

import datetime

from django.utils import timezone

from tests.factories import UserFactory
from tests.volunteers.factories import NeedFactory, VolunteerFactory
from volunteers.services.hours import hours_manual_entry, hours_verify
from volunteers.services.signups import signup_apply


def served(volunteer=None, *, minutes=120, verify=True, **need_kwargs):
    """A volunteer with one hour record on a slot that has ended; returns (need, volunteer, record, organizer)."""
    volunteer = volunteer or VolunteerFactory()
    need = NeedFactory(**need_kwargs)
    slot = need.slots.get()
    signup = signup_apply(actor=volunteer.user, slot=slot)
    now = timezone.now()
    slot.starts_at, slot.ends_at = now - datetime.timedelta(hours=4), now - datetime.timedelta(hours=1)
    slot.save()
    organizer = UserFactory(department=need.project.department) if need.project.department_id else None
    if organizer is None:
        from tests.orgs.factories import member

        organizer = member(need.project.organization)
    record = hours_manual_entry(actor=organizer, signup=signup, minutes=minutes)
    if verify:
        hours_verify(actor=organizer, record=record)
    return need, volunteer, record, organizer
