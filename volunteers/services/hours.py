"""Service hours (《志愿服务记录与证明出具办法》): recorded by the organizing party, hours actually
served within the slot. Check-in/check-out by the volunteer, or a manual entry by the organizer
(flagged, capped at the slot length); forgotten check-outs are closed at the slot end and flagged;
pending → verified / rejected by the team's social worker or the organizer. Records are never
deleted; a volunteer may ask for a correction, resolved with an audit trail. Only verified hours count."""

from __future__ import annotations

import datetime
import hmac

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from core.notifications import notify
from volunteers import notifications as events
from volunteers.models import (
    CorrectionStatus,
    HourCorrection,
    HourMethod,
    HourRecord,
    HourStatus,
    NeedSlot,
    SignUp,
    SignUpStatus,
    Volunteer,
)
from volunteers.permissions import can_manage_need, can_verify_hours, check_in_open, volunteer_of
from volunteers.services.hour_summaries import hour_summaries_add
from volunteers.services.needs import organizer_users
from volunteers.services.tallies import tally_minutes_changed
from volunteers.transitions import check_hour_transition, check_signup_transition


def served_minutes(slot: NeedSlot, check_in: datetime.datetime, check_out: datetime.datetime) -> int:
    """Minutes between check-in and check-out that fall inside the slot."""
    start, end = max(check_in, slot.starts_at), min(check_out, slot.ends_at)
    return max(0, int((end - start).total_seconds() // 60))


def _summary(record: HourRecord) -> dict:
    return {
        "status": record.status,
        "minutes": record.minutes,
        "manual": record.is_manual,
        "auto_closed": record.auto_closed,
    }


@transaction.atomic
def hours_check_in(*, actor, slot: NeedSlot, code: str, method: str = HourMethod.CHECKIN) -> HourRecord:
    """The volunteer checks in with the slot's code (typed, or carried by the QR page's link)."""
    volunteer = volunteer_of(actor)
    if volunteer is None:
        raise PermissionDenied(_("Register as a volunteer first."))
    slot = NeedSlot.objects.select_related("need").get(pk=slot.pk)
    if not hmac.compare_digest(str(code).strip(), slot.checkin_code):
        raise ValidationError(_("The check-in code is wrong."))
    now = timezone.now()
    if not check_in_open(slot, now):
        raise ValidationError(_("Check-in is open from 30 minutes before the slot until it ends."))
    if slot.need.is_risky and not slot.need.has_insurance:
        raise ValidationError(_("No accident insurance is recorded for this risky work; check-in is closed."))
    signup = (
        SignUp.objects.select_for_update(of=("self",))
        .filter(slot=slot, volunteer=volunteer, status=SignUpStatus.CONFIRMED)
        .first()
    )
    if signup is None:
        raise ValidationError(_("You have no confirmed place in this time slot."))
    if HourRecord.objects.filter(signup=signup).exists():
        raise ValidationError(_("You have already checked in."))
    check_signup_transition(signup.status, SignUpStatus.ATTENDED, by="hours_check_in")
    record = HourRecord.objects.create(
        signup=signup, volunteer=volunteer, slot=slot, method=method, check_in_at=now, recorded_by=actor
    )
    signup.status = SignUpStatus.ATTENDED
    signup.save(update_fields=["status"])
    audit.record(
        actor=actor, action="hours.check_in", target=record, after={"slot": slot.pk, "method": method}
    )
    return record


def _close(record: HourRecord, check_out: datetime.datetime) -> None:
    record.check_out_at = check_out
    record.minutes = served_minutes(record.slot, record.check_in_at, check_out)
    record.status = HourStatus.PENDING


@transaction.atomic
def hours_check_out(*, actor, record: HourRecord) -> HourRecord:
    record = HourRecord.objects.select_for_update(of=("self",)).select_related("slot").get(pk=record.pk)
    if record.volunteer.user_id != actor.pk:
        raise PermissionDenied(_("You may check out only yourself."))
    check_hour_transition(
        record.status, HourStatus.PENDING, by="hours_check_out", message=_("You have already checked out.")
    )
    _close(record, max(timezone.now(), record.check_in_at))
    record.save(update_fields=["check_out_at", "minutes", "status"])
    audit.record(actor=actor, action="hours.check_out", target=record, after=_summary(record))
    return record


@transaction.atomic
def hours_manual_entry(*, actor, signup: SignUp, minutes: int) -> HourRecord:
    """The organizer enters hours for a volunteer who could not check in: flagged as manual and
    capped at the slot's length."""
    signup = (
        SignUp.objects.select_for_update(of=("self",))
        .select_related("slot__need__project", "volunteer")
        .get(pk=signup.pk)
    )
    slot = signup.slot
    if not can_manage_need(actor, slot.need):
        raise PermissionDenied(_("Only the organizer of this need enters hours by hand."))
    check_signup_transition(
        signup.status,
        SignUpStatus.ATTENDED,
        by="hours_manual_entry",
        message=_("Hours are entered only for a confirmed volunteer."),
    )
    if slot.starts_at > timezone.now():
        raise ValidationError(_("Hours cannot be entered before the slot starts."))
    if HourRecord.objects.filter(signup=signup).exists():
        raise ValidationError(_("This volunteer already has an hour record for this slot."))
    if minutes <= 0 or minutes > slot.minutes:
        raise ValidationError(
            _("Manual hours must be more than 0 and at most the slot's length (%(minutes)s minutes).")
            % {"minutes": slot.minutes}
        )
    record = HourRecord.objects.create(
        signup=signup,
        volunteer=signup.volunteer,
        slot=slot,
        method=HourMethod.MANUAL,
        is_manual=True,
        check_in_at=slot.starts_at,
        check_out_at=slot.starts_at + datetime.timedelta(minutes=minutes),
        minutes=minutes,
        status=HourStatus.PENDING,
        recorded_by=actor,
    )
    signup.status = SignUpStatus.ATTENDED
    signup.save(update_fields=["status"])
    audit.record(actor=actor, action="hours.manual_entry", target=record, after=_summary(record))
    return record


def hours_close_forgotten(*, now: datetime.datetime | None = None) -> int:
    """Close check-ins whose slot has ended at the slot end, flagged; confirmed volunteers of ended
    slots with no record become no-shows. Idempotent and set-based: the rows are locked and changed
    together (a fixed number of queries however many), one audit event per batch with the count and
    the rows changed."""
    now = now or timezone.now()
    check_hour_transition(HourStatus.OPEN, HourStatus.PENDING, by="hours_close_forgotten")
    check_signup_transition(SignUpStatus.CONFIRMED, SignUpStatus.NO_SHOW, by="hours_close_forgotten")
    with transaction.atomic():
        records = list(
            HourRecord.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(status=HourStatus.OPEN, slot__ends_at__lte=now)
            .select_related("slot")
            .order_by("pk")
        )
        for record in records:
            _close(record, record.slot.ends_at)
            record.auto_closed = True
        if records:
            HourRecord.objects.bulk_update(records, ["check_out_at", "minutes", "status", "auto_closed"])
            audit.record(
                actor=None,
                action="hours.auto_close",
                object_type="volunteers.hourrecord",
                after={
                    "count": len(records),
                    "status": HourStatus.PENDING,
                    "auto_closed": True,
                    "minutes": {str(record.pk): record.minutes for record in records},
                },
            )
    with transaction.atomic():
        no_shows = list(
            SignUp.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(status=SignUpStatus.CONFIRMED, slot__ends_at__lte=now, hours__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if no_shows:
            SignUp.objects.filter(pk__in=no_shows, status=SignUpStatus.CONFIRMED).update(
                status=SignUpStatus.NO_SHOW
            )
            audit.record(
                actor=None,
                action="signup.no_show",
                object_type="volunteers.signup",
                after={"count": len(no_shows), "status": SignUpStatus.NO_SHOW, "signups": no_shows},
            )
    return len(records)


def _notify_decision(record: HourRecord) -> None:
    notify(
        events.HOURS_DECIDED,
        recipients=[record.volunteer.user],
        obj=record,
        context={
            "need": record.slot.need.title,
            "hours": record.hours,
            "status": record.get_status_display(),
            "reason": record.rejection_reason,
        },
        dedupe_key=f"{record.status}:{record.minutes}",
    )


def _lock_record(record: HourRecord) -> HourRecord:
    return (
        HourRecord.objects.select_for_update(of=("self",))
        .select_related("slot__need__project", "volunteer__user")
        .get(pk=record.pk)
    )


@transaction.atomic
def hours_verify(*, actor, record: HourRecord) -> HourRecord:
    """The team's social worker or the organizer verifies pending hours; they then count."""
    record = _lock_record(record)
    if not can_verify_hours(actor, record):
        raise PermissionDenied(_("You may not verify these hours."))
    check_hour_transition(
        record.status,
        HourStatus.VERIFIED,
        by="hours_verify",
        message=_("Only pending hours can be verified."),
    )
    before = record.status
    record.status, record.verified_by, record.verified_at = HourStatus.VERIFIED, actor, timezone.now()
    record.save(update_fields=["status", "verified_by", "verified_at"])
    Volunteer.objects.filter(pk=record.volunteer_id).update(
        verified_minutes=F("verified_minutes") + record.minutes
    )
    tally_minutes_changed(record.volunteer_id, delta=record.minutes)
    hour_summaries_add(record, minutes=record.minutes, newly_counted=True)
    _notify_decision(record)
    audit.record(
        actor=actor,
        action="hours.verify",
        target=record,
        before={"status": before},
        after=_summary(record),
    )
    return record


@transaction.atomic
def hours_reject(*, actor, record: HourRecord, reason: str) -> HourRecord:
    record = _lock_record(record)
    if not can_verify_hours(actor, record):
        raise PermissionDenied(_("You may not verify these hours."))
    check_hour_transition(
        record.status,
        HourStatus.REJECTED,
        by="hours_reject",
        message=_("Only pending hours can be rejected."),
    )
    before = record.status
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the rejection.")})
    record.status, record.verified_by, record.verified_at = HourStatus.REJECTED, actor, timezone.now()
    record.rejection_reason = reason.strip()
    record.save(update_fields=["status", "verified_by", "verified_at", "rejection_reason"])
    _notify_decision(record)
    audit.record(
        actor=actor,
        action="hours.reject",
        target=record,
        before={"status": before},
        after={**_summary(record), "reason": record.rejection_reason},
    )
    return record


@transaction.atomic
def correction_request(*, actor, record: HourRecord, minutes: int, reason: str) -> HourCorrection:
    """The volunteer asks to correct the minutes of one of their records (at most the slot length)."""
    record = _lock_record(record)
    if record.volunteer.user_id != actor.pk:
        raise PermissionDenied(_("You may ask to correct only your own hours."))
    if record.status == HourStatus.OPEN:
        raise ValidationError(_("Check out first."))
    if minutes <= 0 or minutes > record.slot.minutes:
        raise ValidationError(_("The corrected time must be more than 0 and at most the slot's length."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the hours should be corrected.")})
    if record.corrections.filter(status=CorrectionStatus.OPEN).exists():
        raise ValidationError(_("A correction of this record is already waiting."))
    correction = HourCorrection.objects.create(
        record=record, requested_by=actor, requested_minutes=minutes, reason=reason.strip()
    )
    notify(
        events.CORRECTION_REQUESTED,
        recipients=organizer_users(record.slot.need),
        obj=record.slot.need,
        context={"need": record.slot.need.title},
        dedupe_key=f"correction:{correction.pk}",
    )
    audit.record(
        actor=actor,
        action="hours.correction_request",
        target=correction,
        after={"record": record.pk, "minutes": minutes},
    )
    return correction


@transaction.atomic
def correction_resolve(*, actor, correction: HourCorrection, accept: bool, note: str = "") -> HourCorrection:
    """Accepting sets the record's minutes to the requested ones and verifies it (the resolver is a
    verifier); refusing leaves the record as it was. Both stay on record."""
    correction = HourCorrection.objects.select_for_update().get(pk=correction.pk)
    record = _lock_record(correction.record)
    if not can_verify_hours(actor, record):
        raise PermissionDenied(_("You may not resolve this correction."))
    if correction.status != CorrectionStatus.OPEN:
        raise ValidationError(_("This correction has already been resolved."))
    before = _summary(record)
    correction.previous_minutes = record.minutes
    if accept:
        check_hour_transition(record.status, HourStatus.VERIFIED, by="correction_resolve")
        was_verified = record.status == HourStatus.VERIFIED
        counted_before = record.minutes if was_verified else 0
        record.minutes = correction.requested_minutes
        record.check_out_at = record.check_in_at + datetime.timedelta(minutes=record.minutes)
        record.status, record.verified_by, record.verified_at = HourStatus.VERIFIED, actor, timezone.now()
        record.save(update_fields=["minutes", "check_out_at", "status", "verified_by", "verified_at"])
        Volunteer.objects.filter(pk=record.volunteer_id).update(
            verified_minutes=F("verified_minutes") + record.minutes - counted_before
        )
        tally_minutes_changed(record.volunteer_id, delta=record.minutes - counted_before)
        hour_summaries_add(record, minutes=record.minutes - counted_before, newly_counted=not was_verified)
    correction.status = CorrectionStatus.ACCEPTED if accept else CorrectionStatus.REFUSED
    correction.resolved_by, correction.resolved_at, correction.resolution_note = actor, timezone.now(), note
    correction.save()
    notify(
        events.CORRECTION_RESOLVED,
        recipients=[record.volunteer.user],
        obj=correction.record,
        context={"need": record.slot.need.title, "status": correction.get_status_display(), "note": note},
        dedupe_key=f"correction:{correction.pk}",
    )
    audit.record(
        actor=actor,
        action="hours.correction_resolve",
        target=record,
        before=before,
        after={**_summary(record), "correction": correction.pk, "accepted": accept, "note": note},
    )
    return correction
