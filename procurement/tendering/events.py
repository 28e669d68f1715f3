"""The notifications of tendering, through `core.notifications`.

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
CALL_PUBLISHED = "procurement.call_published"
BID_RECEIVED = "procurement.bid_received"
BIDS_OPENED = "procurement.bids_opened"


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
    from core.notifications import register_event

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


def _send(event: str, *, tender, obj, context: dict, dedupe_key: str = "") -> None:
    from core.notifications import notify
    from procurement.tendering.selectors import tender_interested_users

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


def _call_url(tender) -> str:
    page = getattr(tender, "page", None)
    return (page.url or "") if page is not None else ""


def call_published(*, tender) -> None:
    """Members of verified organizations whose service categories include the call's category."""

    def send():
        from core.notifications import notify
        from procurement.tendering.selectors import call_subscribers

        category = tender.budget_line.category
        notify(
            CALL_PUBLISHED,
            recipients=list(call_subscribers(tender)),
            obj=tender,
            context={
                "title": tender.title,
                "reference": tender.reference,
                "deadline": _deadline(tender),
                "category": category.name,
                "url": _call_url(tender),
            },
            dedupe_key="published",
        )

    transaction.on_commit(send)


def bid_received(*, bid) -> None:
    """The bidding organization's members get the receipt (time and hash, never the content)."""

    def send():
        from django.urls import reverse

        from core.notifications import notify
        from procurement.tendering.selectors import organization_member_users

        tender = bid.tender
        notify(
            BID_RECEIVED,
            recipients=list(organization_member_users(bid.organization_id)),
            obj=bid,
            context={
                "title": tender.title,
                "reference": tender.reference,
                "submitted_at": timezone.localtime(bid.submitted_at).strftime("%Y-%m-%d %H:%M:%S"),
                "receipt": bid.receipt_hash,
                "url": reverse("procurement:bid_detail", args=[bid.pk]),
            },
        )

    transaction.on_commit(send)


def bids_opened(*, tender, opening) -> None:
    """Every bidder's members: the opening happened (the record itself is on the call's page)."""

    def send():
        from core.notifications import notify
        from procurement.tendering.selectors import tender_bidder_users

        outcome = (
            str(_("Too few responsive bids were received: the procurement has failed (流标)."))
            if opening.failed
            else ""
        )
        notify(
            BIDS_OPENED,
            recipients=list(tender_bidder_users(tender)),
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

    transaction.on_commit(send)


def clarification_published(*, clarification) -> None:
    tender = clarification.tender
    transaction.on_commit(lambda: _send(CLARIFIED, tender=tender, obj=clarification, context={}))
