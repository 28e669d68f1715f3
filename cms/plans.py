"""Purchasing plans on the site: each `PurchasingPlanPage` renders one `procurement.PurchasingPlan`
(its budget lines are the purchase intentions)."""

from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from cms.panels import RichTextPanel
from cms.portal_menu import PortalMenuMixin
from cms.restrictions import RememberedRestrictionsMixin
from core.exports import requested_format
from procurement import rules
from procurement.planning.selectors import public_intentions, public_plan

INTENTIONS_PAGE_SIZE = 50  # purchase intentions a page of a plan's public page


class PurchasingPlanIndexPage(RememberedRestrictionsMixin, PortalMenuMixin, Page):
    """Lists the published purchasing plans, filtered, sorted and downloadable (cms/portal_filters.py)."""

    menu_label_default = _("Purchasing plans")
    intro = RichTextField(_("Introduction"), blank=True)
    content_panels = [*Page.content_panels, RichTextPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.PurchasingPlanPage"]
    max_count = 1

    class Meta:
        app_label = "cms"
        verbose_name = _("Purchasing plans index")

    def _listing(self, request):
        # Imported here: the filter sets read the reference tables, after the models are loaded.
        from cms.portal_filters import (
            PLAN_PAGE_FIELDS,
            PlanFilter,
            plan_export_columns,
            portal_list,
            public_plan_pages,
        )

        return portal_list(
            request,
            filterset_class=PlanFilter,
            queryset=public_plan_pages(self),
            columns=lambda: plan_export_columns(request),
            filename=f"purchasing-plans-{timezone.localdate():%Y%m%d}",
            page_fields=PLAN_PAGE_FIELDS,
        )

    def serve(self, request, *args, **kwargs):
        if requested_format(request) is not None:
            return self._listing(request)  # the download of the filtered list
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        listing = self._listing(request)
        context.update(listing)
        context["plans"] = listing["page_obj"]
        return context


class PurchasingPlanPage(RememberedRestrictionsMixin, Page):
    """The public face of one purchasing plan; publishing it makes its lines public intentions."""

    plan = models.OneToOneField(
        "procurement.PurchasingPlan",
        verbose_name=_("Purchasing plan"),
        on_delete=models.PROTECT,
        related_name="page",
    )
    intro = RichTextField(_("Introduction"), blank=True)
    content_panels = [
        *Page.content_panels,
        FieldPanel("plan"),
        RichTextPanel("intro"),
    ]
    parent_page_types = ["cms.PurchasingPlanIndexPage"]
    subpage_types = []

    class Meta:
        app_label = "cms"
        verbose_name = _("Purchasing plan page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["plan"] = public_plan(self.plan_id)
        page = Paginator(public_intentions(self.plan_id), INTENTIONS_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context["intentions"] = page  # (`page` is the Wagtail page)
        context["lines"] = page.object_list
        context["intention_notice_days"] = rules.intention_notice_days()
        return context
