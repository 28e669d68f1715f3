"""The notifications purchase of services sends, through `core.notifications.notify`.

Each recipient gets their own notification (and email): nobody learns who else fetched the
documents or bid (招标投标法 §22). Recipients are computed by `selectors.tender_interested_users`."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

AMENDED = "procurement.tender_amended"
SUSPENDED = "procurement.tender_suspended"
RESUMED = "procurement.tender_resumed"
CLARIFIED = "procurement.clarification_published"


def register_events() -> None:
    from core.notifications import register_event

    register_event(
        AMENDED,
        label=_("A call you follow was amended"),
        subject=_("Amendment %(number)s to the call %(reference)s"),
        body_template_or_text=_(
            "The call “%(title)s” (%(reference)s) has been amended.\n\n%(description)s\n\n"
            "Bid deadline: %(deadline)s.%(reconfirm)s"
        ),
    )
    register_event(
        SUSPENDED,
        label=_("A call you follow was suspended"),
        subject=_("The call %(reference)s is suspended"),
        body_template_or_text=_(
            "Bidding on “%(title)s” (%(reference)s) is suspended. A new deadline will be set when it resumes."
        ),
    )
    register_event(
        RESUMED,
        label=_("A call you follow resumed"),
        subject=_("The call %(reference)s has resumed"),
        body_template_or_text=_(
            "Bidding on “%(title)s” (%(reference)s) has resumed. New bid deadline: %(deadline)s."
        ),
    )
    register_event(
        CLARIFIED,
        label=_("A clarification was published on a call you follow"),
        subject=_("New clarification on the call %(reference)s"),
        body_template_or_text=_(
            "A question about “%(title)s” (%(reference)s) has been answered on the call's page."
        ),
    )


def _deadline(tender) -> str:
    return timezone.localtime(tender.bid_deadline).strftime("%Y-%m-%d %H:%M") if tender.bid_deadline else ""


def _send(event: str, *, tender, obj, context: dict, dedupe_key: str = "") -> None:
    from core.notifications import notify
    from procurement.selectors import tender_interested_users

    recipients = list(tender_interested_users(tender))
    base = {"title": tender.title, "reference": tender.reference, "deadline": _deadline(tender)}
    notify(event, recipients=recipients, obj=obj, context={**base, **context}, dedupe_key=dedupe_key)


def tender_amended(*, tender, amendment) -> None:
    reconfirm = (
        str(_(" Bids already submitted must be confirmed again before the deadline."))
        if amendment.affects_bids
        else ""
    )
    transaction.on_commit(
        lambda: _send(
            AMENDED,
            tender=tender,
            obj=amendment,
            context={
                "number": amendment.number,
                "description": amendment.description,
                "reconfirm": reconfirm,
            },
        )
    )


def tender_suspended(*, tender) -> None:
    key = timezone.now().isoformat()
    transaction.on_commit(lambda: _send(SUSPENDED, tender=tender, obj=tender, context={}, dedupe_key=key))


def tender_resumed(*, tender) -> None:
    key = timezone.now().isoformat()
    transaction.on_commit(lambda: _send(RESUMED, tender=tender, obj=tender, context={}, dedupe_key=key))


def clarification_published(*, clarification) -> None:
    tender = clarification.tender
    transaction.on_commit(lambda: _send(CLARIFIED, tender=tender, obj=clarification, context={}))
