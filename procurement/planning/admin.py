"""Plans, budget lines and procurement methods in the Wagtail admin (bureau staff). Every create/edit
goes through `procurement.planning.services`; lists are filtered for the acting officer's department; nothing is
deleted here (records of a procurement are kept)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from core.viewsets import NoAddView, NoDeleteView, ServiceFormMixin, service_views
from procurement.planning.filters import BudgetLineFilter, PlanFilter
from procurement.planning.models import BudgetLine, ProcurementMethod, PurchasingPlan
from procurement.planning.selectors import plans_for_staff
from procurement.planning.services import budget_line_save, method_save, plan_save


def _lines_for(user):
    return BudgetLine.objects.select_related("plan__department", "category", "catalogue_item").filter(
        plan__in=plans_for_staff(user)
    )


PlanCreate, PlanEdit, PlanIndex = service_views(plan_save, plan_save, plans_for_staff)


LineCreate, LineEdit, LineIndex = service_views(budget_line_save, budget_line_save, _lines_for)


class PlanViewSet(ModelViewSet):
    model = PurchasingPlan
    name = "procurement_purchasingplan"
    icon = "list-ol"
    menu_label = _("Purchasing plans")
    url_prefix = "procurement/plans"
    add_view_class, edit_view_class, index_view_class = PlanCreate, PlanEdit, PlanIndex
    delete_view_class = NoDeleteView
    copy_view_enabled = inspect_view_enabled = False
    form_fields = ["department", "year", "title", "notes"]
    filterset_class = PlanFilter
    list_display = ["title", "department", "year"]
    list_per_page = 50


class BudgetLineViewSet(ModelViewSet):
    model = BudgetLine
    name = "procurement_budgetline"
    icon = "table"
    menu_label = _("Budget lines")
    url_prefix = "procurement/budget-lines"
    add_view_class, edit_view_class, index_view_class = LineCreate, LineEdit, LineIndex
    delete_view_class = NoDeleteView
    copy_view_enabled = inspect_view_enabled = False
    form_fields = [
        "plan",
        "title",
        "category",
        "catalogue_item",
        "description",
        "amount",
        "funding_source",
        "planned_start",
    ]
    filterset_class = BudgetLineFilter
    list_display = [
        "title",
        Column("plan", label=_("Purchasing plan"), accessor="plan"),
        Column("category", label=_("Service category"), accessor="category"),
        "amount",
        "reserved_amount",
        "committed_amount",
        "intention_published_at",
    ]
    list_per_page = 50


class MethodEdit(ServiceFormMixin, generic.EditView):
    def service_save(self):
        return method_save(actor=self.request.user, instance=self.form.instance)


class MethodViewSet(ModelViewSet):
    model = ProcurementMethod
    name = "procurement_procurementmethod"
    icon = "cogs"
    menu_label = _("Procurement methods")
    url_prefix = "procurement/methods"
    edit_view_class = MethodEdit
    add_view_class = NoAddView
    delete_view_class = NoDeleteView
    copy_view_enabled = inspect_view_enabled = False
    exclude_form_fields = ["code"]
    list_display = ["name", "minimum_bidding_period", "bidding_period_unit", "amendment_notice_period",
                    "amendment_notice_unit", "minimum_bids", "price_points_min", "price_points_max"]  # fmt: skip
