"""Purchasing plans on the site: each `PurchasingPlanPage` renders one `procurement.PurchasingPlan`
(its budget lines are the purchase intentions)."""

from django.core.paginator import Paginator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from cms.panels import RichTextPanel
from procurement import rules
from procurement.planning.selectors import plan_with_lines


class PurchasingPlanIndexPage(Page):
    """Lists the published purchasing plans."""

    intro = RichTextField(_("Introduction"), blank=True)
    content_panels = [*Page.content_panels, RichTextPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.PurchasingPlanPage"]
    max_count = 1

    class Meta:
        app_label = "cms"
        verbose_name = _("Purchasing plans index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        plans = (
            PurchasingPlanPage.objects.child_of(self)
            .live()
            .select_related("plan__department")
            .order_by("-plan__year", "title")
        )
        context["plans"] = Paginator(plans, 20).get_page(request.GET.get("page"))
        return context


class PurchasingPlanPage(Page):
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
        plan = plan_with_lines(self.plan_id)
        context["plan"] = plan
        context["lines"] = [line for line in plan.lines.all() if line.intention_published_at]
        context["intention_notice_days"] = rules.intention_notice_days()
        return context
