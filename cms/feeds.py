"""RSS and Atom feeds of the new calls for bids and of the award notices (issue 14, point 7), per
service category and district. Their items are served by Wagtail pages (`CallForBidsPage`, the award
notice index's sub-pages), so they live here; the base and the filters are in
`procurement.tendering.feeds`, the contracts feed in `procurement.contracts.feeds`.

Only what the public pages show: live call pages of published tenders, published award notices
(a cancelled one says so); never a bid, a score sheet, a contact person or an unpublished item."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.awards import live_award_notice_index
from cms.calls import CallForBidsIndexPage, CallForBidsPage
from cms.portal_filters import public_awards
from cms.portal_menu import live_index
from core.money import format_money
from core.references import with_references
from procurement.models import AwardStatus, TenderStatus
from procurement.tendering.feeds import (
    FEED_SIZE,
    AtomMixin,
    FeedItem,
    FeedRequest,
    PortalFeed,
    filter_tenders,
    line,
    local,
)
from procurement.tendering.public_lists import TENDER_REFERENCES


def _district_name(department) -> str:
    return department.district.name if department.district_id else "—"


def call_feed_items(wanted: FeedRequest) -> tuple[str, list[FeedItem]]:
    """(the calls list URL, its newest live calls)."""
    index = live_index(CallForBidsIndexPage)
    if index is None:
        return "/", []
    base = index.url
    pages = (
        filter_tenders(
            CallForBidsPage.objects.child_of(index).live().exclude(tender__status=TenderStatus.DRAFT),
            wanted,
            prefix="tender__",
        )
        .select_related("tender__budget_line")
        .order_by("-first_published_at", "-pk")
    )
    # the purchasing unit (with its district), the method and the category from the process's copy
    # of the reference rows, not joined (core.references: PostgreSQL planned the joined query for
    # 6 ms, and ran it in under 1 ms, at ten times the base city)
    pages = with_references(pages, *TENDER_REFERENCES)[:FEED_SIZE]
    items = []
    for page in pages:
        tender = page.tender
        deadline = local(tender.bid_deadline)
        description = "\n".join(
            [
                line(_("Project number"), tender.reference),
                line(_("Purchasing unit"), tender.department.name),
                line(_("Service category"), tender.budget_line.category.name),
                line(_("District"), _district_name(tender.department)),
                line(_("Procurement method"), tender.method.name),
                line(_("Ceiling price (yuan)"), format_money(tender.ceiling)),
                line(_("Bid deadline"), f"{deadline:%Y-%m-%d %H:%M}" if deadline else "—"),
                line(_("Status"), tender.get_status_display()),
            ]
        )
        items.append(
            FeedItem(
                title=f"{tender.reference} {tender.title}",
                link=f"{base}{page.slug}/",
                description=description,
                published=local(tender.published_at or page.first_published_at),
                guid=f"call-{tender.pk}",
            )
        )
    return base, items


def award_feed_items(wanted: FeedRequest) -> tuple[str, list[FeedItem]]:
    """(the award notices list URL, its newest published notices)."""
    index = live_award_notice_index()
    if index is None:
        return "/", []
    base = index.url
    # the public list's rows (the references attached from the process's copy, not joined)
    awards = filter_tenders(public_awards(), wanted, prefix="tender__").order_by(
        "-notice_published_at", "-pk"
    )[:FEED_SIZE]
    items = []
    for award in awards:
        tender = award.tender
        lines = [
            line(_("Project number"), tender.reference),
            line(_("Purchasing unit"), tender.department.name),
            line(_("Service category"), tender.budget_line.category.name),
            line(_("District"), _district_name(tender.department)),
            line(_("Winner"), award.organization.name),
            line(_("Award amount (yuan)"), format_money(award.amount)),
        ]
        if award.status == AwardStatus.CANCELLED:
            lines.append(line(_("Status"), _("Cancelled")))
        lot = f" {award.lot.title}" if award.lot_id and award.lot.title else ""
        items.append(
            FeedItem(
                title=f"{tender.reference} {tender.title}{lot}",
                link=f"{base}{award.pk}/",
                description="\n".join(lines),
                published=local(award.notice_published_at),
                guid=f"award-notice-{award.pk}",
            )
        )
    return base, items


class CallsRssFeed(PortalFeed):
    title_text = gettext_lazy("New calls for bids")
    description_text = gettext_lazy(
        "Calls for bids for government purchases of social services, newest first."
    )

    def load(self, wanted: FeedRequest) -> None:
        wanted.link, wanted.items = call_feed_items(wanted)


class CallsAtomFeed(AtomMixin, CallsRssFeed):
    pass


class AwardNoticesRssFeed(PortalFeed):
    title_text = gettext_lazy("Award notices")
    description_text = gettext_lazy("Results of government purchases of social services, newest first.")

    def load(self, wanted: FeedRequest) -> None:
        wanted.link, wanted.items = award_feed_items(wanted)


class AwardNoticesAtomFeed(AtomMixin, AwardNoticesRssFeed):
    pass
