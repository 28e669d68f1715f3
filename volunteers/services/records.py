"""Training records and commendations of a volunteer. Both are written by the bureau's admins and the
volunteer's organizers; trainings also by the volunteer centre, which runs most volunteer training
(`can_record_training_for`). Honours stay with the bureau and the organizers: an honour attests
service the recorder organized or the bureau confers, which the centre does not witness."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from volunteers.models import Commendation, TrainingRecord, Volunteer
from volunteers.permissions import is_bureau_admin, is_volunteer_centre, organizes_volunteer


def can_record_honour_for(actor, volunteer: Volunteer) -> bool:
    """Bureau admins and the volunteer's organizers (an organization they are linked to, the bureau
    unit whose needs they signed up to); never the volunteer themselves."""
    if getattr(actor, "pk", None) == volunteer.user_id:
        return False
    return is_bureau_admin(actor) or organizes_volunteer(actor, volunteer)


def can_record_training_for(actor, volunteer: Volunteer) -> bool:
    """Whoever records honours, and the volunteer centre for any volunteer; never the volunteer."""
    if getattr(actor, "pk", None) == volunteer.user_id:
        return False
    return is_volunteer_centre(actor) or can_record_honour_for(actor, volunteer)


def _text_errors(**values: str) -> dict[str, list[str]]:
    return {
        name: [_("This field is required.")] for name, value in values.items() if not (value or "").strip()
    }


@transaction.atomic
def training_record(
    *, actor, volunteer: Volunteer, course: str, hours: Decimal, taken_on: datetime.date, issuer: str
) -> TrainingRecord:
    if not can_record_training_for(actor, volunteer):
        raise PermissionDenied(
            _("Only the bureau, the volunteer centre or an organizer of this volunteer records a training.")
        )
    errors = _text_errors(course=course, issuer=issuer)
    if hours is None or hours <= 0:
        errors["hours"] = [_("Hours must be more than zero.")]
    if taken_on > timezone.localdate():
        errors["taken_on"] = [_("The date cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    record = TrainingRecord.objects.create(
        volunteer=volunteer, course=course.strip(), hours=hours, taken_on=taken_on, issuer=issuer.strip()
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
    if not can_record_honour_for(actor, volunteer):
        raise PermissionDenied(_("Only the bureau or an organizer of this volunteer records this."))
    errors = _text_errors(title=title, issuer=issuer)
    if awarded_on > timezone.localdate():
        errors["awarded_on"] = [_("The date cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    commendation = Commendation.objects.create(
        volunteer=volunteer, title=title.strip(), awarded_on=awarded_on, issuer=issuer.strip()
    )
    audit.record(
        actor=actor,
        action="commendation.award",
        target=commendation,
        after={"volunteer": volunteer.pk, "title": title},
    )
    return commendation
