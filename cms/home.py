from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.fields import RichTextField
from wagtail.models import Page

from cms.panels import RichTextPanel
from cms.restrictions import RememberedRestrictionsMixin, public
from procurement.contracts.selectors import published_contracts
from procurement.evaluation.selectors import published_awards
from procurement.models import Tender, TenderStatus
from volunteers.selectors import volunteers_served_in_month

# "Recent" on the home page's award card: the notices of the last thirty days.
RECENT_AWARD_DAYS = 30
# How many of the latest calls, award notices and contracts the home page lists.
LATEST_COUNT = 5


def home_figures() -> dict:
    """The live figures on the home page's cards, in three queries whatever the data: calls open
    for bids, award notices published in the last `RECENT_AWARD_DAYS` days, and volunteers with
    verified service this calendar month (read from the served summary, not the hour records)."""
    now = timezone.localtime()
    open_calls = Tender.objects.filter(status=TenderStatus.PUBLISHED).count()
    recent_awards = (
        published_awards().filter(notice_published_at__gte=now - timedelta(days=RECENT_AWARD_DAYS)).count()
    )
    volunteers = volunteers_served_in_month(now.date())
    return {
        "open_calls": open_calls,
        "recent_awards": recent_awards,
        "recent_award_days": RECENT_AWARD_DAYS,
        "volunteers_this_month": volunteers,
    }


def latest_items(count: int = LATEST_COUNT) -> dict:
    """The newest live calls for bids, award notices and published contracts, `count` of each, in
    three queries whatever the data (public rows only: live call pages of published calls, published
    notices, published contracts; whether any page is private, and the notices' page, are
    remembered by the process: cms/restrictions.py, core/remembered.py)."""
    from cms.awards import live_award_notice_index
    from cms.calls import CallForBidsPage
    from cms.portal_filters import PAGE_ROW_FIELDS

    # Only what the cards show (cms/templates/cms/home_page.html): a call page's title, URL and
    # deadline, an award's title, winner and amount, a contract's title, winner and amount; not every column of the pages, tenders and
    # winners (half of the home page's time went to building them).
    calls = list(
        public(CallForBidsPage.objects.live())
        .filter(tender__published_at__isnull=False)
        .select_related("tender")
        .only(*PAGE_ROW_FIELDS, "tender__bid_deadline")
        .order_by("-tender__published_at", "-pk")[:count]
    )
    awards = list(
        published_awards()
        .select_related(None)
        .select_related("tender", "organization")
        .only("amount", "tender__title", "organization__name")[:count]
    )
    index = live_award_notice_index()
    for award in awards:
        award.notice_url = index.notice_url(award.pk) if index else ""
    contracts = list(
        published_contracts()
        .select_related(None)
        .select_related("organization")
        .only("title", "amount", "published_at", "organization__name")[:count]
    )
    return {"calls": calls, "awards": awards, "contracts": contracts}


class HomePage(RememberedRestrictionsMixin, Page):
    """The site root: an introduction, live figures and links into the portal."""

    intro = RichTextField(_("Introduction"), blank=True)

    content_panels = [*Page.content_panels, RichTextPanel("intro")]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        app_label = "cms"
        verbose_name = _("Home")
        verbose_name_plural = _("Home")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["figures"] = home_figures()
        context["latest"] = latest_items()
        return context
