"""Training records and commendations of a volunteer, written by the bureau or a linked organization."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

import audit
from volunteers.models import Commendation, TrainingRecord, Volunteer
from volunteers.permissions import can_view_volunteer, is_bureau_admin, organization_ids_of


def _require_recorder(actor, volunteer: Volunteer) -> None:
    linked = bool(organization_ids_of(actor)) and can_view_volunteer(actor, volunteer)
    if actor.pk == volunteer.user_id or not (is_bureau_admin(actor) or linked):
        raise PermissionDenied(_("Only the bureau or an organization of this volunteer records this."))


@transaction.atomic
def training_record(
    *, actor, volunteer: Volunteer, course: str, hours: Decimal, taken_on: datetime.date, issuer: str
) -> TrainingRecord:
    _require_recorder(actor, volunteer)
    if hours <= 0:
        raise ValidationError({"hours": _("Hours must be more than zero.")})
    record = TrainingRecord.objects.create(
        volunteer=volunteer, course=course, hours=hours, taken_on=taken_on, issuer=issuer
    )
    audit.record(
        actor=actor,
        action="training.record",
        target=record,
        after={"volunteer": volunteer.pk, "course": course, "hours": hours},
    )
    return record


@transaction.atomic
def commendation_award(
    *, actor, volunteer: Volunteer, title: str, awarded_on: datetime.date, issuer: str
) -> Commendation:
    _require_recorder(actor, volunteer)
    commendation = Commendation.objects.create(
        volunteer=volunteer, title=title, awarded_on=awarded_on, issuer=issuer
    )
    audit.record(
        actor=actor,
        action="commendation.award",
        target=commendation,
        after={"volunteer": volunteer.pk, "title": title},
    )
    return commendation
