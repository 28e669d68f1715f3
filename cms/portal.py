"""The transparency portal's sections as pages of the Wagtail site tree (issue 14, point 1).

Plans, calls and award notices are Wagtail pages of their own (cms/plans.py, cms/calls.py,
cms/awards.py). The other public lists — opening records, contracts, performance evaluations, the
credit directory, volunteering, statistics, public-report statistics, open data, red flags — are
Django views of the app that owns their data. Each gets a `PortalSectionPage` in the tree that serves
that view at the page's own URL, so editors title it, write its introduction, order it, hide it from
the menu or unpublish it in the Wagtail admin like any other page, and the site menu is built from
the tree (`portal_menu`). The view's own URL keeps working (links inside the portal, bookmarks, the
feeds and the open-data hub use it).

The section view learns of its page through `request.portal_page`: its template shows the page's
title (`heading`, in the site's language; its own translated heading otherwise) and introduction
(templates/includes/portal_intro.html).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import resolve, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page

from cms.panels import RichTextPanel
from cms.portal_menu import PortalMenuMixin, in_site_language
from cms.restrictions import RememberedRestrictionsMixin


class PortalSection(models.TextChoices):
    OPENINGS = "openings", pgettext_lazy("menu", "Opening records")
    CONTRACTS = "contracts", pgettext_lazy("menu", "Contracts")
    EVALUATIONS = "evaluations", pgettext_lazy("menu", "Performance evaluations")
    DIRECTORY = "directory", _("Organization credit")
    VOLUNTEERING = "volunteering", _("Volunteering")
    STATISTICS = "statistics", pgettext_lazy("statistics", "Statistics")
    VOLUNTEER_STATISTICS = "volunteer_statistics", pgettext_lazy("statistics", "Volunteer statistics")
    REPORT_STATISTICS = "report_statistics", _("Public report statistics")
    OPEN_DATA = "open_data", _("Open data")
    RED_FLAGS = "red_flags", _("Red flags")


@dataclass(frozen=True)
class SectionSpec:
    url_name: str  # the Django view the section page serves
    slug: str  # the page's default slug (must not be a path Django's own URLs take)
    title: str  # the page's default title (site language: Chinese)
    in_menu: bool


SECTIONS: dict[str, SectionSpec] = {
    PortalSection.OPENINGS: SectionSpec(
        "procurement:opening_record_list", "opening-records", "开标记录", True
    ),
    PortalSection.CONTRACTS: SectionSpec("procurement:contract_public_list", "contracts", "合同公开", True),
    PortalSection.EVALUATIONS: SectionSpec(
        "procurement:evaluation_public_list", "performance-evaluations", "绩效评价结果", True
    ),
    PortalSection.DIRECTORY: SectionSpec("orgs:directory", "credit-directory", "社会组织信用名录", True),
    PortalSection.VOLUNTEERING: SectionSpec("volunteers:need_list", "volunteering", "志愿服务", True),
    PortalSection.STATISTICS: SectionSpec("statistics:index", "data-statistics", "数据统计", True),
    PortalSection.VOLUNTEER_STATISTICS: SectionSpec(
        "statistics:volunteers", "volunteer-statistics", "志愿服务统计", False
    ),
    PortalSection.REPORT_STATISTICS: SectionSpec(
        "procurement:public_report_statistics", "report-statistics", "投诉举报统计", True
    ),
    PortalSection.OPEN_DATA: SectionSpec("opendata:index", "data", "开放数据", True),
    PortalSection.RED_FLAGS: SectionSpec("procurement:red_flag_list", "red-flags", "风险信号", False),
}


class PortalSectionPage(RememberedRestrictionsMixin, RoutablePageMixin, PortalMenuMixin, Page):
    """One section of the portal, served by the Django view of the app that owns its data."""

    section = models.CharField(_("Portal section"), max_length=30, choices=PortalSection.choices)
    intro = RichTextField(_("Introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("section"), RichTextPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        app_label = "cms"
        verbose_name = _("Portal section")
        verbose_name_plural = _("Portal sections")

    @property
    def menu_label_default(self):  # type: ignore[override]
        return PortalSection(self.section).label if self.section else ""

    @property
    def heading(self) -> str:
        """The page's title where it is written (the site's language); empty elsewhere, so the
        section's template falls back on its own translated heading."""
        return self.title if in_site_language() else ""

    @property
    def section_url(self) -> str:
        return reverse(SECTIONS[self.section].url_name)

    def clean(self):
        super().clean()
        if self.section:
            taken = PortalSectionPage.objects.filter(section=self.section).exclude(pk=self.pk)
            if taken.exists():
                raise ValidationError(
                    {"section": _("This section already has a page: edit that page instead.")}
                )

    @path("")
    def section_view(self, request):
        match = resolve(self.section_url)
        request.portal_page = self
        return match.func(request, *match.args, **match.kwargs)


# The portal's top-level pages in the order the menu shows them. An index page model names itself;
# a section page is named by its section.
CANONICAL_ORDER = (
    "cms.PurchasingPlanIndexPage",
    "cms.CallForBidsIndexPage",
    PortalSection.OPENINGS,
    "cms.AwardNoticeIndexPage",
    PortalSection.CONTRACTS,
    PortalSection.EVALUATIONS,
    PortalSection.DIRECTORY,
    PortalSection.VOLUNTEERING,
    PortalSection.STATISTICS,
    PortalSection.VOLUNTEER_STATISTICS,
    PortalSection.REPORT_STATISTICS,
    PortalSection.OPEN_DATA,
    PortalSection.RED_FLAGS,
)


@transaction.atomic
def ensure_portal_pages():
    """Create the section pages that are missing, each placed after the page that precedes it in
    `CANONICAL_ORDER` (idempotent; after migrate and by the demo). An editor's changes — titles,
    order, menu visibility, unpublishing — are kept: only a missing section is created."""
    from django.apps import apps

    from cms.awards import ensure_award_notice_index
    from cms.home import HomePage
    from cms.workflow import ensure_procurement_pages

    home = HomePage.objects.first()
    if home is None:
        return []
    ensure_procurement_pages()
    ensure_award_notice_index()
    # The first time (a new site, or one from before the section pages): the whole portal is put in
    # the canonical order and the index pages, listed by a fixed menu until then, are shown in menus.
    first_setup = not PortalSectionPage.objects.exists()
    created = []
    previous = None
    for entry in CANONICAL_ORDER:
        if entry in SECTIONS:
            page = PortalSectionPage.objects.filter(section=entry).first()
            if page is None:
                page = _create_section(home, entry)
                if previous is not None and not first_setup:
                    page.move(previous, pos="right")
                created.append(page)
        else:
            model = apps.get_model(entry)
            page = model.objects.child_of(home).first()
            if page is not None and first_setup:
                model.objects.filter(pk=page.pk).update(
                    show_in_menus=True,
                    menu_title=page.menu_title or _site_language_label(page.menu_label_default),
                )
        if page is None:
            continue
        page = Page.objects.get(pk=page.pk)
        if first_setup:
            page.move(home, pos="last-child")
        previous = page
    return created


def _site_language_label(label) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(label)


def _create_section(home, entry: str) -> PortalSectionPage:
    spec = SECTIONS[entry]
    slug = spec.slug
    if Page.objects.child_of(home).filter(slug=slug).exists():
        slug = f"{slug}-{entry.replace('_', '-')}"
    page = PortalSectionPage(
        title=spec.title,
        menu_title=_site_language_label(PortalSection(entry).label),
        slug=slug,
        section=entry,
        show_in_menus=spec.in_menu,
        live=True,
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def ensure_portal_pages_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connection

    from cms.home import HomePage

    tables = connection.introspection.table_names()
    if PortalSectionPage._meta.db_table in tables and HomePage.objects.exists():
        ensure_portal_pages()
