"""The status machines of volunteering as data: needs, sign-ups and hour records. Each table maps
an allowed (from, to) to the services that perform it; every service that changes one of these
statuses checks its table. Creating a row in its first status is not a transition."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from volunteers.models import HourStatus as H
from volunteers.models import NeedStatus as N
from volunteers.models import ReferralStatus as R
from volunteers.models import SignUpStatus as S

# open → closed when sign-up closes; open or closed → cancelled (by the organizer, or at closing
# when risky work has no accident insurance).
NEED_TRANSITIONS: dict[tuple[str, str], tuple[str, ...]] = {
    (N.OPEN, N.CLOSED): ("need_close_signups",),
    (N.OPEN, N.CANCELLED): ("need_cancel",),
    (N.CLOSED, N.CANCELLED): ("need_cancel",),
}

# A sign-up starts pending (the need requires approval), confirmed or waitlisted (signup_apply).
SIGNUP_TRANSITIONS: dict[tuple[str, str], tuple[str, ...]] = {
    (S.PENDING, S.CONFIRMED): ("signup_decide",),
    (S.PENDING, S.WAITLISTED): ("signup_decide",),
    (S.PENDING, S.REJECTED): ("signup_decide",),
    # A confirmed place is freed, or the organizer raises the headcount: the waiting list moves up,
    # first come first served.
    (S.WAITLISTED, S.CONFIRMED): ("signup_cancel", "need_update"),
    (S.PENDING, S.CANCELLED): ("signup_cancel", "need_cancel"),
    (S.CONFIRMED, S.CANCELLED): ("signup_cancel", "need_cancel"),
    (S.WAITLISTED, S.CANCELLED): ("signup_cancel", "need_cancel"),
    (S.CONFIRMED, S.ATTENDED): ("hours_check_in", "hours_manual_entry"),
    (S.NO_SHOW, S.ATTENDED): ("hours_manual_entry",),
    (S.CONFIRMED, S.NO_SHOW): ("hours_close_forgotten",),
}

# A record starts open (check-in) or pending (manual entry). Accepting a correction verifies the
# record with the corrected minutes, whatever its decision was.
HOUR_TRANSITIONS: dict[tuple[str, str], tuple[str, ...]] = {
    (H.OPEN, H.PENDING): ("hours_check_out", "hours_close_forgotten"),
    (H.PENDING, H.VERIFIED): ("hours_verify", "correction_resolve"),
    (H.PENDING, H.REJECTED): ("hours_reject",),
    (H.REJECTED, H.VERIFIED): ("correction_resolve",),
    (H.VERIFIED, H.VERIFIED): ("correction_resolve",),
}

# A referral starts proposed (referral_propose). The organization accepts (a sign-up is made) or
# declines with a reason; the volunteer declines a proposed or accepted one (an accepted one's
# sign-up is cancelled); the centre withdraws a proposed one; cancelling the need closes the proposed
# ones and the accepted ones whose sign-up need_cancel cancels (one whose volunteer served keeps its
# status).
REFERRAL_TRANSITIONS: dict[tuple[str, str], tuple[str, ...]] = {
    (R.PROPOSED, R.ACCEPTED): ("referral_accept",),
    (R.PROPOSED, R.DECLINED): ("referral_decline",),
    (R.PROPOSED, R.VOLUNTEER_DECLINED): ("referral_volunteer_decline",),
    (R.ACCEPTED, R.VOLUNTEER_DECLINED): ("referral_volunteer_decline",),
    (R.PROPOSED, R.WITHDRAWN): ("referral_withdraw",),
    (R.PROPOSED, R.NEED_CANCELLED): ("referrals_close_for_cancelled_need",),
    (R.ACCEPTED, R.NEED_CANCELLED): ("referrals_close_for_cancelled_need",),
}


def is_allowed(table: dict, current: str, target: str, *, by: str) -> bool:
    """Whether the service `by` may move a row from `current` to `target`."""
    return by in table.get((current, target), ())


def _check(table: dict, choices, current: str, target: str, by: str, message: str | None) -> None:
    if not is_allowed(table, current, target, by=by):
        raise ValidationError(
            message
            or (
                _("Status “%(current)s” cannot become “%(target)s”.")
                % {"current": choices(current).label, "target": choices(target).label}
            ),
            code="transition_not_allowed",
        )


def check_need_transition(current: str, target: str, *, by: str, message: str | None = None) -> None:
    """Raise a ValidationError (in Chinese; `message` when given) unless the service `by` may move
    a need from `current` to `target`."""
    _check(NEED_TRANSITIONS, N, current, target, by, message)


def check_signup_transition(current: str, target: str, *, by: str, message: str | None = None) -> None:
    """Raise a ValidationError (in Chinese; `message` when given) unless the service `by` may move
    a sign-up from `current` to `target`."""
    _check(SIGNUP_TRANSITIONS, S, current, target, by, message)


def check_hour_transition(current: str, target: str, *, by: str, message: str | None = None) -> None:
    """Raise a ValidationError (in Chinese; `message` when given) unless the service `by` may move
    an hour record from `current` to `target`."""
    _check(HOUR_TRANSITIONS, H, current, target, by, message)


def check_referral_transition(current: str, target: str, *, by: str, message: str | None = None) -> None:
    """Raise a ValidationError (in Chinese; `message` when given) unless the service `by` may move
    a referral from `current` to `target`."""
    _check(REFERRAL_TRANSITIONS, R, current, target, by, message)
