"""The notifications of tendering, through `core.notifications`.

Each recipient gets their own notification (and email): nobody learns who else fetched the
documents or bid (招标投标法 §22). Recipients come from `selectors` (`tender_interested_users`,
`call_subscribers`, `organization_member_users`, `tender_bidder_users`), read when the transaction
commits; every event is sent through `core.notifications.notify_on_commit`, so a rolled-back change
tells nobody."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.notifications import notify_on_commit, register_event
from procurement.tendering.selectors import (
    call_subscribers,
    organization_member_users,
    tender_bidder_users,
    tender_interested_users,
)

AMENDED = "procurement.tender_amended"
SUSPENDED = "procurement.tender_suspended"
RESUMED = "procurement.tender_resumed"
CLARIFIED = "procurement.clarification_published"
CALL_PUBLISHED = "procurement.call_published"
BID_RECEIVED = "procurement.bid_received"
BIDS_OPENED = "procurement.bids_opened"


def register_events() -> None:
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
    register_bid_events()
    register_event(
        CLARIFIED,
        label=_("A clarification was published on a call you follow"),
        subject=_("New clarification on the call %(reference)s"),
        body_template_or_text=_(
            "A question about “%(title)s” (%(reference)s) has been answered on the call's page."
        ),
    )


def register_bid_events() -> None:
    """Events of sealed bids. Their texts never carry a price or any sealed content."""
    register_event(
        CALL_PUBLISHED,
        label=_("A call for bids in your organization's service categories was published"),
        subject=_("New call for bids: %(title)s"),
        body_template_or_text=_(
            "The call “%(title)s” (%(reference)s) in the category %(category)s has been published. "
            "Bid deadline: %(deadline)s."
        ),
    )
    register_event(
        BID_RECEIVED,
        label=_("Your organization's bid was received"),
        subject=_("Bid received: %(reference)s"),
        body_template_or_text=_(
            "Your organization's sealed bid on “%(title)s” (%(reference)s) was received at %(submitted_at)s.\n"
            "Receipt (SHA-256 of the sealed bid): %(receipt)s"
        ),
    )
    register_event(
        BIDS_OPENED,
        label=_("The bids on a call you bid on were opened"),
        subject=_("Bids opened: %(reference)s"),
        body_template_or_text=_(
            "The bids on “%(title)s” (%(reference)s) were opened at %(opened_at)s. %(outcome)s "
            "The opening record is published on the call's page."
        ),
    )


def _deadline(tender) -> str:
    return timezone.localtime(tender.bid_deadline).strftime("%Y-%m-%d %H:%M") if tender.bid_deadline else ""


def _tell_interested(event: str, *, tender, obj, context: dict, dedupe_key: str = "") -> None:
    """Everyone interested in the call (`selectors.tender_interested_users`, read at commit)."""
    base = {"title": tender.title, "reference": tender.reference, "deadline": _deadline(tender)}
    notify_on_commit(
        event,
        recipients=lambda: list(tender_interested_users(tender)),
        obj=obj,
        context={**base, **context},
        dedupe_key=dedupe_key,
    )


def tender_amended(*, tender, amendment) -> None:
    reconfirm = (
        str(_(" Bids already submitted must be confirmed again before the deadline."))
        if amendment.affects_bids
        else ""
    )
    _tell_interested(
        AMENDED,
        tender=tender,
        obj=amendment,
        context={"number": amendment.number, "description": amendment.description, "reconfirm": reconfirm},
    )


def tender_suspended(*, tender) -> None:
    _tell_interested(SUSPENDED, tender=tender, obj=tender, context={}, dedupe_key=timezone.now().isoformat())


def tender_resumed(*, tender) -> None:
    _tell_interested(RESUMED, tender=tender, obj=tender, context={}, dedupe_key=timezone.now().isoformat())


def _call_url(tender) -> str:
    page = getattr(tender, "page", None)
    return (page.url or "") if page is not None else ""


def call_published(*, tender) -> None:
    """Members of verified organizations whose service categories include the call's category."""
    notify_on_commit(
        CALL_PUBLISHED,
        recipients=lambda: list(call_subscribers(tender)),
        obj=tender,
        context={
            "title": tender.title,
            "reference": tender.reference,
            "deadline": _deadline(tender),
            "category": tender.budget_line.category.name,
            "url": _call_url(tender),
        },
        dedupe_key="published",
    )


def bid_received(*, bid) -> None:
    """The bidding organization's members get the receipt (time and hash, never the content)."""
    tender = bid.tender
    notify_on_commit(
        BID_RECEIVED,
        recipients=lambda: list(organization_member_users(bid.organization_id)),
        obj=bid,
        context={
            "title": tender.title,
            "reference": tender.reference,
            "submitted_at": timezone.localtime(bid.submitted_at).strftime("%Y-%m-%d %H:%M:%S"),
            "receipt": bid.receipt_hash,
            "url": reverse("procurement:bid_detail", args=[bid.pk]),
        },
    )


def bids_opened(*, tender, opening) -> None:
    """Every bidder's members: the opening happened (the record itself is on the call's page)."""
    outcome = (
        str(_("Too few responsive bids were received: the procurement has failed (流标)."))
        if opening.failed
        else ""
    )
    notify_on_commit(
        BIDS_OPENED,
        recipients=lambda: list(tender_bidder_users(tender)),
        obj=tender,
        context={
            "title": tender.title,
            "reference": tender.reference,
            "opened_at": timezone.localtime(opening.opened_at).strftime("%Y-%m-%d %H:%M"),
            "outcome": outcome,
            "url": _call_url(tender),
        },
        dedupe_key="opened",
    )


def clarification_published(*, clarification) -> None:
    _tell_interested(CLARIFIED, tender=clarification.tender, obj=clarification, context={})
