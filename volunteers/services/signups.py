"""Sign-ups, invitations and the waiting list. The slot row is locked (`select_for_update`) for
every change of who holds a place, so the headcount is never exceeded under concurrent sign-ups."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from core.notifications import Delivery, notify, notify_many
from volunteers import notifications as events
from volunteers import rules
from volunteers.eligibility import eligibility_problems
from volunteers.models import (
    Invitation,
    InvitationStatus,
    NeedSlot,
    NeedStatus,
    SignUp,
    SignUpStatus,
    Volunteer,
)
from volunteers.permissions import can_manage_need, volunteer_of
from volunteers.services.needs import organizer_users
from volunteers.transitions import check_signup_transition


def _context(slot: NeedSlot) -> dict:
    return {"need": slot.need.title, "slot": str(slot), "address": slot.need.address}


def _lock_slot(slot_id: int) -> NeedSlot:
    return (
        NeedSlot.objects.select_for_update(of=("self",))
        .select_related("need__project", "need__service_type")
        .get(pk=slot_id)
    )


def _confirmed_count(slot: NeedSlot) -> int:
    return slot.signups.filter(status__in=[SignUpStatus.CONFIRMED, SignUpStatus.ATTENDED]).count()


def _place_or_waitlist(slot: NeedSlot, signup: SignUp) -> None:
    """Confirm when a place is free, else put on the waiting list (slot row locked by the caller)."""
    if _confirmed_count(slot) < slot.headcount:
        signup.status = SignUpStatus.CONFIRMED
    else:
        signup.status, signup.waitlisted_at = SignUpStatus.WAITLISTED, timezone.now()


def _check_open(slot: NeedSlot, now: datetime.datetime) -> None:
    need = slot.need
    if need.status != NeedStatus.OPEN or need.signup_closes_at <= now or slot.starts_at <= now:
        raise ValidationError(_("Sign-up for this time slot is closed."))


@transaction.atomic
def signup_apply(*, actor, slot: NeedSlot, via_invitation: bool = False) -> SignUp:
    """A volunteer signs up for a slot: confirmed while places are free, then on the waiting list;
    pending when the need requires a human approval of every match."""
    volunteer = volunteer_of(actor)
    if volunteer is None:
        raise PermissionDenied(_("Register as a volunteer first."))
    now = timezone.now()
    slot = _lock_slot(slot.pk)
    _check_open(slot, now)
    problems = eligibility_problems(volunteer, slot)
    if problems:
        raise ValidationError(problems)
    signup = SignUp(slot=slot, volunteer=volunteer, via_invitation=via_invitation, created_at=now)
    if slot.need.requires_approval:
        signup.status = SignUpStatus.PENDING
    else:
        _place_or_waitlist(slot, signup)
    try:
        with transaction.atomic():
            signup.save()
    except IntegrityError as exc:
        raise ValidationError(_("You have already signed up for this time slot.")) from exc
    if signup.status == SignUpStatus.PENDING:
        notify(
            events.SIGNUP_TO_APPROVE,
            recipients=organizer_users(slot.need),
            obj=signup.slot.need,
            context=_context(slot),
            dedupe_key=f"signup:{signup.pk}",
        )
    elif signup.status == SignUpStatus.CONFIRMED:
        notify(events.SIGNUP_CONFIRMED, recipients=[actor], obj=signup, context=_context(slot))
    audit.record(
        actor=actor,
        action="signup.apply",
        target=signup,
        after={"slot": slot.pk, "status": signup.status, "invited": via_invitation},
    )
    return signup


@transaction.atomic
def signup_decide(*, actor, signup: SignUp, approve: bool) -> SignUp:
    """The organizer approves (confirmed or waiting list) or refuses a pending sign-up."""
    slot = _lock_slot(signup.slot_id)
    signup = (
        SignUp.objects.select_for_update(of=("self",)).select_related("volunteer__user").get(pk=signup.pk)
    )
    if not can_manage_need(actor, slot.need):
        raise PermissionDenied(_("You may not decide sign-ups of this need."))
    before = signup.status
    if approve:
        _place_or_waitlist(slot, signup)
    else:
        signup.status = SignUpStatus.REJECTED
    check_signup_transition(
        before, signup.status, by="signup_decide", message=_("This sign-up has already been decided.")
    )
    signup.decided_by = actor
    signup.save(update_fields=["status", "waitlisted_at", "decided_by"])
    if signup.status == SignUpStatus.CONFIRMED:
        notify(
            events.SIGNUP_CONFIRMED, recipients=[signup.volunteer.user], obj=signup, context=_context(slot)
        )
    elif signup.status == SignUpStatus.REJECTED:
        notify(events.SIGNUP_REJECTED, recipients=[signup.volunteer.user], obj=signup, context=_context(slot))
    audit.record(
        actor=actor,
        action="signup.decide",
        target=signup,
        before={"status": before},
        after={"status": signup.status},
    )
    return signup


def promote_waitlist(slot: NeedSlot, *, by: str) -> list[SignUp]:
    """Fill free places from the waiting list, first come first served (slot row locked by the
    caller). `by`: the service freeing or adding the places (`signup_cancel`, `need_update`)."""
    free = slot.headcount - _confirmed_count(slot)
    if free <= 0:
        return []
    promoted = list(
        slot.signups.select_for_update(of=("self",))
        .filter(status=SignUpStatus.WAITLISTED)
        .select_related("volunteer__user")
        .order_by("waitlisted_at", "pk")[:free]
    )
    for signup in promoted:
        check_signup_transition(signup.status, SignUpStatus.CONFIRMED, by=by)
        signup.status = SignUpStatus.CONFIRMED
        signup.save(update_fields=["status"])
        notify(
            events.SIGNUP_PROMOTED,
            recipients=[signup.volunteer.user],
            obj=signup,
            context=_context(slot),
        )
        audit.record(
            actor=None,
            action="signup.promote",
            target=signup,
            before={"status": SignUpStatus.WAITLISTED},
            after={"status": SignUpStatus.CONFIRMED},
        )
    return promoted


@transaction.atomic
def signup_cancel(*, actor, signup: SignUp) -> SignUp:
    """The volunteer (or the organizer) cancels a sign-up. When a confirmed place becomes free the
    waiting list moves up; only the promoted volunteer and the organizers are told."""
    slot = _lock_slot(signup.slot_id)
    signup = SignUp.objects.select_for_update(of=("self",)).select_related("volunteer").get(pk=signup.pk)
    own = signup.volunteer.user_id == actor.pk
    if not (own or can_manage_need(actor, slot.need)):
        raise PermissionDenied(_("You may not cancel this sign-up."))
    check_signup_transition(
        signup.status,
        SignUpStatus.CANCELLED,
        by="signup_cancel",
        message=_("This sign-up can no longer be cancelled."),
    )
    if slot.starts_at <= timezone.now():
        raise ValidationError(_("The time slot has started; it can no longer be cancelled."))
    before = signup.status
    signup.status, signup.cancelled_at = SignUpStatus.CANCELLED, timezone.now()
    signup.save(update_fields=["status", "cancelled_at"])
    promoted = []
    if before == SignUpStatus.CONFIRMED:
        promoted = promote_waitlist(slot, by="signup_cancel")
        if own:
            notify(
                events.SIGNUP_CANCELLED,
                recipients=organizer_users(slot.need),
                obj=slot.need,
                context=_context(slot),
                dedupe_key=f"cancel:{signup.pk}",
            )
    audit.record(
        actor=actor,
        action="signup.cancel",
        target=signup,
        before={"status": before},
        after={"status": signup.status, "promoted": [s.pk for s in promoted]},
    )
    return signup


def invitations_this_week(volunteer, now: datetime.datetime | None = None) -> int:
    since = (now or timezone.now()) - datetime.timedelta(days=7)
    return Invitation.objects.filter(volunteer=volunteer, created_at__gte=since).count()


@transaction.atomic
def invitation_send(*, actor, slot: NeedSlot, volunteer, score: dict | None = None) -> Invitation:
    """Invite a suggested volunteer. At most `invitation_weekly_cap()` invitations per volunteer in
    any 7 days; the volunteer must pass the hard filters."""
    slot = NeedSlot.objects.select_related("need__project").get(pk=slot.pk)
    if not can_manage_need(actor, slot.need):
        raise PermissionDenied(_("You may not invite volunteers to this need."))
    _check_open(slot, timezone.now())
    # lock the volunteer row so two organizers cannot both pass the cap check
    volunteer = Volunteer.objects.select_for_update(of=("self",)).select_related("user").get(pk=volunteer.pk)
    if invitations_this_week(volunteer) >= rules.invitation_weekly_cap():
        raise ValidationError(
            _("This volunteer has already received the most invitations allowed this week.")
        )
    problems = eligibility_problems(volunteer, slot)
    if problems:
        raise ValidationError(problems)
    if Invitation.objects.filter(slot=slot, volunteer=volunteer).exists():
        raise ValidationError(_("This volunteer has already been invited to this time slot."))
    invitation = Invitation.objects.create(
        slot=slot, volunteer=volunteer, invited_by=actor, score=score or {}
    )
    notify(
        events.INVITED,
        recipients=[volunteer.user],
        obj=invitation,
        context={**_context(slot), "url": "/volunteers/me/"},
    )
    audit.record(
        actor=actor,
        action="invitation.send",
        target=invitation,
        after={"slot": slot.pk, "volunteer": volunteer.pk},
    )
    return invitation


@transaction.atomic
def invitation_answer(*, actor, invitation: Invitation, accept: bool) -> SignUp | None:
    """The invited volunteer accepts (a sign-up, approved when the need requires it) or declines."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("volunteer", "slot")
        .get(pk=invitation.pk)
    )
    if invitation.volunteer.user_id != actor.pk:
        raise PermissionDenied(_("This invitation is not yours."))
    if invitation.status != InvitationStatus.SENT:
        raise ValidationError(_("This invitation has already been answered."))
    signup = signup_apply(actor=actor, slot=invitation.slot, via_invitation=True) if accept else None
    invitation.status = InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED
    invitation.save(update_fields=["status"])
    audit.record(
        actor=actor, action="invitation.answer", target=invitation, after={"status": invitation.status}
    )
    return signup


def signups_remind(*, now: datetime.datetime | None = None) -> int:
    """Remind confirmed volunteers of slots starting within the next 48 h. Sent once per sign-up
    (`reminded_at`, and the notification's repeat key), however often the task runs. Set-based: one
    select of what still needs a reminder, the notifications written together, one update; the
    notification is the record of the reminder (no audit event, as before)."""
    now = now or timezone.now()
    horizon = now + datetime.timedelta(hours=rules.signup_reminder_hours())
    with transaction.atomic():
        signups = list(
            SignUp.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(
                status=SignUpStatus.CONFIRMED,
                reminded_at__isnull=True,
                slot__starts_at__gt=now,
                slot__starts_at__lte=horizon,
            )
            .select_related("slot__need", "volunteer__user")
            .order_by("pk")
        )
        if not signups:
            return 0
        created = notify_many(
            events.SLOT_REMINDER,
            [
                Delivery(
                    recipient=signup.volunteer.user,
                    obj=signup,
                    context=_context(signup.slot),
                    dedupe_key="before-slot",
                )
                for signup in signups
            ],
        )
        SignUp.objects.filter(pk__in=[signup.pk for signup in signups]).update(reminded_at=now)
    return len(created)
