"""Award notices on the site (中标/成交结果公告). `procurement` never imports `cms`: the index page reads
the published awards from `procurement.evaluation.selectors` and serves one URL per award,
`/award-notices/<award id>/`, from the moment `award_notice_publish` sets its publication time. Panel
names appear here (and nowhere public before)."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404, HttpResponseBase
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page

from cms.panels import RichTextPanel
from cms.portal_menu import PortalMenuMixin, live_index
from cms.restrictions import RememberedRestrictionsMixin
from procurement.contracts.selectors import published_contracts
from procurement.evaluation import selectors

AWARD_NOTICES_SLUG = "award-notices"


class AwardNoticeIndexPage(RememberedRestrictionsMixin, RoutablePageMixin, PortalMenuMixin, Page):
    """The published award notices, newest first, and each notice at `<award id>/`."""

    menu_label_default = pgettext_lazy("menu", "Award notices")
    intro = RichTextField(_("Introduction"), blank=True)
    content_panels = [*Page.content_panels, RichTextPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = []
    max_count = 1

    class Meta:
        app_label = "cms"
        verbose_name = _("Award notices index")

    @path("")
    def notice_list(self, request):
        """The published notices, filtered, sorted and downloadable (cms/portal_filters.py)."""
        # Imported here: the filter sets read the reference tables, after the models are loaded.
        from cms.portal_filters import (
            AWARD_PAGE_FIELDS,
            AwardFilter,
            award_export_columns,
            portal_list,
            public_awards,
        )

        listing = portal_list(
            request,
            filterset_class=AwardFilter,
            queryset=public_awards(),
            columns=lambda: award_export_columns(request, self),
            filename=f"award-notices-{timezone.localdate():%Y%m%d}",
            page_fields=AWARD_PAGE_FIELDS,
        )
        if isinstance(listing, HttpResponseBase):
            return listing  # the download of the filtered list
        context = self.get_context(request)
        context.update(listing)
        context["awards"] = listing["page_obj"]
        return TemplateResponse(request, "cms/award_notice_index_page.html", context)

    @path("<int:award_id>/")
    def notice_detail(self, request, award_id: int):
        notice = selectors.award_notice(award_id)
        if notice is None:
            raise Http404
        context = self.get_context(request)
        context["notice"] = notice
        # The notice leads on to the public contract once the contract itself is published.
        context["contract"] = published_contracts().filter(award_id=award_id).first()
        return TemplateResponse(request, "cms/award_notice_page.html", context)

    def notice_url(self, award_id: int) -> str:
        return self.url + self.reverse_subpage("notice_detail", args=[award_id])


def live_award_notice_index() -> AwardNoticeIndexPage | None:
    """The live award-notice index (the notices' URLs hang under it), remembered (`live_index`)."""
    return live_index(AwardNoticeIndexPage)


@transaction.atomic
def ensure_award_notice_index():
    """Create the index under the home page if missing (idempotent; after migrate and by the demo)."""
    from cms.home import HomePage

    home = HomePage.objects.first()
    if home is None:
        return None
    existing = AwardNoticeIndexPage.objects.child_of(home).first()
    if existing is not None:
        return existing
    index = AwardNoticeIndexPage(
        title="中标（成交）结果公告", slug=AWARD_NOTICES_SLUG, live=True, show_in_menus=True
    )
    home.add_child(instance=index)
    index.save_revision().publish()
    return index


def ensure_award_notice_index_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connection

    from cms.home import HomePage

    if (
        AwardNoticeIndexPage._meta.db_table in connection.introspection.table_names()
        and HomePage.objects.exists()
    ):
        ensure_award_notice_index()
