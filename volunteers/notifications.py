"""Volunteering's notification events. Registered from `VolunteersConfig.ready()`. Context values
never hold an ID number (only names, dates, titles)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.notifications import register_event

INVITED = "volunteers.invited"
SIGNUP_CONFIRMED = "volunteers.signup_confirmed"
SIGNUP_PROMOTED = "volunteers.signup_promoted"
SIGNUP_REJECTED = "volunteers.signup_rejected"
SIGNUP_CANCELLED = "volunteers.signup_cancelled"
SIGNUP_TO_APPROVE = "volunteers.signup_to_approve"
SLOT_REMINDER = "volunteers.slot_reminder"
NEED_CANCELLED = "volunteers.need_cancelled"
NEED_CHANGED = "volunteers.need_changed"
HOURS_DECIDED = "volunteers.hours_decided"
CORRECTION_REQUESTED = "volunteers.correction_requested"
CORRECTION_RESOLVED = "volunteers.correction_resolved"
SW_EXPIRY = "volunteers.social_worker_expiry"
# referrals (转介) by the volunteer centre (issue 15)
REFERRAL_PROPOSED = "volunteers.referral_proposed"
REFERRAL_TO_VOLUNTEER = "volunteers.referral_to_volunteer"
REFERRAL_ACCEPTED = "volunteers.referral_accepted"
REFERRAL_DECLINED = "volunteers.referral_declined"
REFERRAL_VOLUNTEER_DECLINED = "volunteers.referral_volunteer_declined"
REFERRAL_WITHDRAWN = "volunteers.referral_withdrawn"
REFERRAL_NEED_CANCELLED = "volunteers.referral_need_cancelled"


def register_events() -> None:
    register_event(
        INVITED,
        label=_("Invitation to a volunteer need"),
        subject=_("You are invited: %(need)s"),
        body_template_or_text=_("You are invited to %(need)s on %(slot)s. Accept or decline: %(url)s"),
    )
    register_event(
        SIGNUP_CONFIRMED,
        label=_("Sign-up confirmed"),
        subject=_("Sign-up confirmed: %(need)s"),
        body_template_or_text=_("Your place for %(need)s on %(slot)s is confirmed."),
    )
    register_event(
        SIGNUP_PROMOTED,
        label=_("Moved up from the waiting list"),
        subject=_("A place became free: %(need)s"),
        body_template_or_text=_(
            "A place became free and your sign-up for %(need)s on %(slot)s is confirmed."
        ),
    )
    register_event(
        SIGNUP_REJECTED,
        label=_("Sign-up not approved"),
        subject=_("Sign-up not approved: %(need)s"),
        body_template_or_text=_("Your sign-up for %(need)s on %(slot)s was not approved."),
    )
    register_event(
        SIGNUP_CANCELLED,
        label=_("Volunteer cancelled a sign-up"),
        subject=_("A volunteer cancelled: %(need)s"),
        body_template_or_text=_("A confirmed volunteer cancelled their place for %(need)s on %(slot)s."),
    )
    register_event(
        SIGNUP_TO_APPROVE,
        label=_("Sign-up waiting for approval"),
        subject=_("A sign-up waits for approval: %(need)s"),
        body_template_or_text=_("A volunteer signed up for %(need)s on %(slot)s. Approve or refuse: %(url)s"),
    )
    register_event(
        SLOT_REMINDER,
        label=_("Reminder before a volunteer activity"),
        subject=_("Reminder: %(need)s on %(slot)s"),
        body_template_or_text=_("You are expected at %(address)s for %(need)s on %(slot)s."),
    )
    register_event(
        NEED_CANCELLED,
        label=_("Volunteer need cancelled"),
        subject=_("Cancelled: %(need)s"),
        body_template_or_text=_("%(need)s has been cancelled: %(reason)s"),
    )
    register_event(
        NEED_CHANGED,
        label=_("Volunteer need changed"),
        subject=_("Changed: %(need)s"),
        body_template_or_text=_(
            "The organizer changed %(what)s of %(need)s. Address: %(address)s. Sign-up closes at %(closes)s."
        ),
    )
    register_event(
        HOURS_DECIDED,
        label=_("Service hours verified or rejected"),
        subject=_("Your service hours for %(need)s: %(status)s"),
        body_template_or_text=_("Your %(hours)s hours for %(need)s are %(status)s. %(reason)s"),
    )
    register_event(
        CORRECTION_REQUESTED,
        label=_("Hour correction requested"),
        subject=_("A volunteer asks to correct hours: %(need)s"),
        body_template_or_text=_("A volunteer asks to correct their hours for %(need)s: %(url)s"),
    )
    register_event(
        CORRECTION_RESOLVED,
        label=_("Hour correction resolved"),
        subject=_("Your hour correction for %(need)s: %(status)s"),
        body_template_or_text=_("Your request to correct your hours for %(need)s was %(status)s. %(note)s"),
    )
    register_event(
        SW_EXPIRY,
        label=_("Social-worker registration expires"),
        subject=_("Your social-worker registration expires on %(valid_until)s"),
        body_template_or_text=_(
            "Your registration expires in %(days)s days (%(valid_until)s). Continuing education in this "
            "period: %(done)s of %(required)s hours."
        ),
    )
    register_referral_events()


def register_referral_events() -> None:
    register_event(
        REFERRAL_PROPOSED,
        label=_("Volunteers referred to a need"),
        subject=_("The volunteer centre refers volunteers to %(need)s"),
        body_template_or_text=_(
            "The volunteer centre refers %(count)s volunteer(s) to %(need)s. Accept or decline: %(url)s"
        ),
    )
    register_event(
        REFERRAL_TO_VOLUNTEER,
        label=_("You were referred to a need"),
        subject=_("You were referred to %(need)s"),
        body_template_or_text=_(
            "The volunteer centre referred you to %(need)s (%(organizer)s). You may decline: %(url)s"
        ),
    )
    register_event(
        REFERRAL_ACCEPTED,
        label=_("Referral accepted"),
        subject=_("Referral accepted: %(need)s"),
        body_template_or_text=_("%(organizer)s accepted your referral to %(need)s on %(slot)s: %(status)s."),
    )
    register_event(
        REFERRAL_DECLINED,
        label=_("Referral declined by the organization"),
        subject=_("Referral declined: %(need)s"),
        body_template_or_text=_("%(organizer)s declined the referral to %(need)s: %(reason)s"),
    )
    register_event(
        REFERRAL_VOLUNTEER_DECLINED,
        label=_("Referred volunteer declined"),
        subject=_("A referred volunteer declined: %(need)s"),
        body_template_or_text=_("A referred volunteer declined %(need)s. %(reason)s"),
    )
    register_event(
        REFERRAL_WITHDRAWN,
        label=_("Referral withdrawn"),
        subject=_("Referral withdrawn: %(need)s"),
        body_template_or_text=_("The volunteer centre withdrew the referral to %(need)s."),
    )
    register_event(
        REFERRAL_NEED_CANCELLED,
        label=_("Referrals closed: the need was cancelled"),
        subject=_("Need cancelled, referrals closed: %(need)s"),
        body_template_or_text=_(
            "%(organizer)s cancelled %(need)s (%(reason)s). Its open referrals are closed (%(count)s not "
            "answered yet, %(accepted)s accepted, whose sign-ups are cancelled): %(url)s"
        ),
    )
