"""Referrals (转介) by the bureau's volunteer centre (issue 15, point 4). Every step checks the actor
on the server, checks `REFERRAL_TRANSITIONS`, writes the audit log and notifies the parties (rows
in the same transaction, e-mails on commit).

When the organization cancels the need, `needs.need_cancel` closes the referrals it has not answered
and those it accepted (their sign-ups cancelled with the need) (`referrals_close_for_cancelled_need`)
and the centre is told.

Who does what: the volunteer-centre role refers and withdraws; whoever manages the need (members
of its organization) accepts or declines; the volunteer declines their own. Accepting makes the
sign-up through the sign-up service (`signup_apply`, as the referred volunteer: capacity, waiting
list and eligibility apply) and, when the need wants every match approved, approves it at once as
the organization (`signup_decide`); the volunteer declining an accepted referral cancels that
sign-up through `signup_cancel`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from accounts.models import User
from accounts.roles import is_active_user
from core.notifications import notify
from volunteers import notifications as events
from volunteers.eligibility import eligibility_problems
from volunteers.models import (
    Need,
    NeedSlot,
    NeedStatus,
    Referral,
    ReferralStatus,
    SignUpStatus,
    Volunteer,
    VolunteerStatus,
    closing_with_need,
)
from volunteers.permissions import can_manage_need, is_volunteer_centre
from volunteers.services.needs import organizer_users
from volunteers.services.signups import signup_apply, signup_cancel, signup_decide
from volunteers.transitions import check_referral_transition

NOTE_MAX = 1000
REASON_MAX = 500


def can_decide_referral(user, referral: Referral) -> bool:
    """Whoever manages the need (members of its organization) accepts or declines."""
    return can_manage_need(user, referral.need)


def is_referred_volunteer(user, referral: Referral) -> bool:
    return is_active_user(user) and referral.volunteer.user_id == user.pk


def _organizer_name(need: Need) -> str:
    return need.project.owner_name


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": [_("The reason is too long (at most %(n)s characters).") % {"n": REASON_MAX}]}
        )
    return reason


def _notify_volunteer_and_centre(event, referral: Referral, context: dict) -> None:
    """The organization's decision reaches the volunteer (linked to their page) and the referring
    centre (linked to its list)."""
    notify(
        event,
        recipients=[referral.volunteer.user],
        obj=referral,
        context={**context, "url": reverse("volunteers:me")},
    )
    notify(
        event,
        recipients=[referral.referred_by],
        obj=referral,
        context={**context, "url": reverse("volunteers:referral_list")},
        dedupe_key="centre",
    )


def _context(referral: Referral, **extra) -> dict:
    need = referral.need
    return {
        "need": need.title,
        "organizer": _organizer_name(need),
        "slot": str(referral.slot) if referral.slot_id else "",
        **extra,
    }


def _lock(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("need__project__organization", "need__project__department", "volunteer__user", "slot")
        .get(pk=referral.pk)
    )


@transaction.atomic
def referral_propose(
    *, actor, need: Need, volunteers: Iterable[Volunteer], slot: NeedSlot | None = None, note: str = ""
) -> list[Referral]:
    """The centre refers one volunteer, or several at once (one row each, sharing a batch id), to
    an open need, optionally to one of its slots. All or nothing: a volunteer who cannot be referred
    (not active, already referred, failing the need's rules) refuses the whole batch, every problem
    named."""
    if not is_volunteer_centre(actor):
        raise PermissionDenied(_("Only the volunteer centre refers volunteers."))
    need = (
        Need.objects.select_for_update(of=("self",))
        .select_related("project__organization", "project__department")
        .get(pk=need.pk)
    )
    now = timezone.now()
    if need.status != NeedStatus.OPEN or need.signup_closes_at <= now:
        raise ValidationError(_("This need no longer takes sign-ups; it cannot receive referrals."))
    if slot is not None:
        slot = NeedSlot.objects.select_related("need").get(pk=slot.pk)
        if slot.need_id != need.pk:
            raise ValidationError(_("The time slot belongs to another need."))
        if slot.starts_at <= now:
            raise ValidationError(_("This time slot has already started."))
    elif not need.slots.filter(starts_at__gt=now).exists():
        raise ValidationError(_("This need has no time slot left."))
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(_("The note is too long (at most %(n)s characters).") % {"n": NOTE_MAX})
    chosen = list(
        Volunteer.objects.select_for_update(of=("self",))
        .filter(pk__in={v.pk for v in volunteers})
        .select_related("user")
        .order_by("number", "pk")
    )
    if not chosen:
        raise ValidationError(_("Choose at least one volunteer."))
    already = set(
        Referral.objects.filter(
            need=need, volunteer__in=chosen, status__in=[ReferralStatus.PROPOSED, ReferralStatus.ACCEPTED]
        ).values_list("volunteer_id", flat=True)
    )
    problems = []
    for volunteer in chosen:
        if volunteer.status != VolunteerStatus.ACTIVE:
            problems.append(
                _("%(name)s: the volunteer's profile is not active.") % {"name": volunteer.real_name}
            )
        elif volunteer.pk in already:
            problems.append(
                _("%(name)s has already been referred to this need.") % {"name": volunteer.real_name}
            )
        elif slot is not None:
            problems.extend(f"{volunteer.real_name}：{p}" for p in eligibility_problems(volunteer, slot))
        else:
            problems.extend(f"{volunteer.real_name}：{p}" for p in need_problems(volunteer, need))
    if problems:
        raise ValidationError(problems)
    batch = uuid.uuid4()
    try:
        with transaction.atomic():
            referrals = [
                Referral.objects.create(
                    volunteer=volunteer,
                    need=need,
                    slot=slot,
                    batch=batch,
                    note=note,
                    referred_by=actor,
                    created_at=now,
                )
                for volunteer in chosen
            ]
    except IntegrityError as exc:  # a concurrent referral of the same volunteer
        raise ValidationError(_("One of these volunteers has just been referred to this need.")) from exc
    for referral in referrals:
        notify(
            events.REFERRAL_TO_VOLUNTEER,
            recipients=[referral.volunteer.user],
            obj=referral,
            context=_context(referral, url=reverse("volunteers:me")),
        )
        audit.record(
            actor=actor,
            action="referral.propose",
            target=referral,
            after={
                "need": need.pk,
                "volunteer": referral.volunteer_id,
                "slot": slot.pk if slot else None,
                "batch": str(batch),
                "note": note,
            },
        )
    notify(
        events.REFERRAL_PROPOSED,
        recipients=organizer_users(need),
        obj=need,
        context={"need": need.title, "count": len(referrals), "url": reverse("volunteers:referral_incoming")},
        dedupe_key=f"referral-batch:{batch}",
    )
    return referrals


def need_problems(volunteer: Volunteer, need: Need) -> list[str]:
    """The rules a volunteer fails for every open future slot of `need` (the first such slot's
    messages); none when they may take at least one of them."""
    slots = list(need.slots.filter(starts_at__gt=timezone.now()).select_related("need").order_by("starts_at"))
    first: list[str] | None = None
    for slot in slots:
        problems = eligibility_problems(volunteer, slot)
        if not problems:
            return []
        first = first if first is not None else problems
    return first or [_("This need has no time slot left.")]


@transaction.atomic
def referral_accept(*, actor, referral: Referral, slot: NeedSlot | None = None) -> Referral:
    """The organization accepts: the volunteer is signed up to the referral's slot (or the one the
    organization chooses when the centre named none) through the sign-up service."""
    referral = _lock(referral)
    if not can_decide_referral(actor, referral):
        raise PermissionDenied(_("Only the organizer of this need decides its referrals."))
    check_referral_transition(
        referral.status,
        ReferralStatus.ACCEPTED,
        by="referral_accept",
        message=_("This referral has already been decided."),
    )
    slot = referral.slot or slot
    if slot is None:
        raise ValidationError({"slot": [_("Choose the time slot the volunteer takes.")]})
    if slot.need_id != referral.need_id:
        raise ValidationError({"slot": [_("The time slot belongs to another need.")]})
    signup = signup_apply(actor=referral.volunteer.user, slot=slot, via_invitation=True)
    if signup.status == SignUpStatus.PENDING:
        signup = signup_decide(actor=actor, signup=signup, approve=True)
    now = timezone.now()
    referral.status, referral.slot, referral.signup = ReferralStatus.ACCEPTED, slot, signup
    referral.decided_by, referral.decided_at = actor, now
    referral.save(update_fields=["status", "slot", "signup", "decided_by", "decided_at"])
    _notify_volunteer_and_centre(
        events.REFERRAL_ACCEPTED, referral, _context(referral, status=signup.get_status_display())
    )
    audit.record(
        actor=actor,
        action="referral.accept",
        target=referral,
        before={"status": ReferralStatus.PROPOSED},
        after={
            "status": referral.status,
            "slot": slot.pk,
            "signup": signup.pk,
            "signup_status": signup.status,
        },
    )
    return referral


@transaction.atomic
def referral_decline(*, actor, referral: Referral, reason: str) -> Referral:
    """The organization declines, with a reason the volunteer and the centre read."""
    referral = _lock(referral)
    if not can_decide_referral(actor, referral):
        raise PermissionDenied(_("Only the organizer of this need decides its referrals."))
    reason = _clean_reason(reason)
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for declining.")]})
    check_referral_transition(
        referral.status,
        ReferralStatus.DECLINED,
        by="referral_decline",
        message=_("This referral has already been decided."),
    )
    referral.status, referral.decline_reason = ReferralStatus.DECLINED, reason
    referral.decided_by, referral.decided_at = actor, timezone.now()
    referral.save(update_fields=["status", "decline_reason", "decided_by", "decided_at"])
    _notify_volunteer_and_centre(events.REFERRAL_DECLINED, referral, _context(referral, reason=reason))
    audit.record(
        actor=actor,
        action="referral.decline",
        target=referral,
        before={"status": ReferralStatus.PROPOSED},
        after={"status": referral.status, "reason": reason},
    )
    return referral


@transaction.atomic
def referral_volunteer_decline(*, actor, referral: Referral, reason: str = "") -> Referral:
    """The referred volunteer declines (a reason is optional). If the organization had accepted,
    the sign-up is cancelled through the sign-up service (the waiting list moves up)."""
    referral = _lock(referral)
    if not is_referred_volunteer(actor, referral):
        raise PermissionDenied(_("This referral is not yours."))
    reason = _clean_reason(reason)
    before = referral.status
    check_referral_transition(
        before,
        ReferralStatus.VOLUNTEER_DECLINED,
        by="referral_volunteer_decline",
        message=_("This referral can no longer be declined."),
    )
    cancelled = None
    if before == ReferralStatus.ACCEPTED and referral.signup is not None:
        signup = referral.signup
        if signup.status in (SignUpStatus.PENDING, SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED):
            cancelled = signup_cancel(actor=actor, signup=signup)
        elif signup.status != SignUpStatus.CANCELLED:
            raise ValidationError(_("The activity has taken place; this referral can no longer be declined."))
    referral.status, referral.volunteer_reason = ReferralStatus.VOLUNTEER_DECLINED, reason
    referral.closed_at = timezone.now()
    referral.save(update_fields=["status", "volunteer_reason", "closed_at"])
    context = _context(referral, reason=reason)
    recipients = [referral.referred_by, *organizer_users(referral.need)]
    notify(events.REFERRAL_VOLUNTEER_DECLINED, recipients=recipients, obj=referral, context=context)
    audit.record(
        actor=actor,
        action="referral.volunteer_decline",
        target=referral,
        before={"status": before},
        after={
            "status": referral.status,
            "reason": reason,
            "signup_cancelled": cancelled.pk if cancelled is not None else None,
        },
    )
    return referral


@transaction.atomic
def referral_withdraw(*, actor, referral: Referral) -> Referral:
    """The centre withdraws a referral the organization has not decided yet."""
    referral = _lock(referral)
    if not is_volunteer_centre(actor):
        raise PermissionDenied(_("Only the volunteer centre withdraws referrals."))
    check_referral_transition(
        referral.status,
        ReferralStatus.WITHDRAWN,
        by="referral_withdraw",
        message=_("Only a referral the organization has not decided yet can be withdrawn."),
    )
    referral.status, referral.closed_at = ReferralStatus.WITHDRAWN, timezone.now()
    referral.save(update_fields=["status", "closed_at"])
    notify(
        events.REFERRAL_WITHDRAWN,
        recipients=[referral.volunteer.user, *organizer_users(referral.need)],
        obj=referral,
        context=_context(referral),
    )
    audit.record(
        actor=actor,
        action="referral.withdraw",
        target=referral,
        before={"status": ReferralStatus.PROPOSED},
        after={"status": referral.status},
    )
    return referral


def referrals_close_for_cancelled_need(*, need: Need, reason: str) -> dict[str, list[int]]:
    """The open referrals of `need` are closed when the need is cancelled (status `need_cancelled`,
    not the centre's withdrawal): those the organization has not answered yet and those it accepted
    whose sign-up is cancelled (`needs.need_cancel` has just cancelled it; one whose volunteer served
    keeps its status). Called by `needs.need_cancel` inside its transaction, whose audit entry lists
    the ids returned here (`referrals_closed`: the unanswered ones; `accepted_referrals_closed`): one
    update for them all; each centre user who referred one of them told once (with the counts and the
    reason); each volunteer of an unanswered one, who was told of the referral and waits for the
    organization's answer, told that the need is cancelled (as the volunteers signed up to it are;
    `notify` stores that notice once per volunteer and need). The volunteer of an accepted one was
    told as a volunteer signed up to the need, so is not told again."""
    check_referral_transition(
        ReferralStatus.PROPOSED, ReferralStatus.NEED_CANCELLED, by="referrals_close_for_cancelled_need"
    )
    check_referral_transition(
        ReferralStatus.ACCEPTED, ReferralStatus.NEED_CANCELLED, by="referrals_close_for_cancelled_need"
    )
    rows = list(
        Referral.objects.select_for_update(of=("self",))
        .filter(closing_with_need(), need=need)
        .order_by("pk")
        .values_list("pk", "status", "referred_by_id", "volunteer__user_id")
    )
    closed = {"referrals_closed": [], "accepted_referrals_closed": []}
    if not rows:
        return closed
    for pk, status, _referrer, _volunteer in rows:
        key = "referrals_closed" if status == ReferralStatus.PROPOSED else "accepted_referrals_closed"
        closed[key].append(pk)
    Referral.objects.filter(pk__in=[row[0] for row in rows]).update(
        status=ReferralStatus.NEED_CANCELLED, closed_at=timezone.now()
    )
    notify(
        events.REFERRAL_NEED_CANCELLED,
        recipients=User.objects.filter(pk__in={referrer for _pk, _status, referrer, _volunteer in rows}),
        obj=need,
        context={
            "need": need.title,
            "organizer": _organizer_name(need),
            "count": len(closed["referrals_closed"]),
            "accepted": len(closed["accepted_referrals_closed"]),
            "reason": reason,
            "url": reverse("volunteers:referral_list"),
        },
        dedupe_key="referrals-closed",
    )
    waiting = {volunteer for _pk, status, _referrer, volunteer in rows if status == ReferralStatus.PROPOSED}
    notify(
        events.NEED_CANCELLED,
        recipients=User.objects.filter(pk__in=waiting),
        obj=need,
        context={"need": need.title, "reason": reason},
    )
    return closed
