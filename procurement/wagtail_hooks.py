"""Purchase of services in the Wagtail admin (bureau staff). Every create/edit goes through
`procurement.services`; lists are filtered for the acting officer's department; nothing is
deleted here (records of a procurement are kept)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus import MenuItem as ListingMenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from core.viewsets import NoDeleteView, ServiceFormMixin
from procurement import admin_views, selectors, services
from procurement.filters import BudgetLineFilter, ClarificationFilter, PlanFilter, TenderFilter
from procurement.models import BudgetLine, Clarification, ProcurementMethod, PurchasingPlan, Tender
from procurement.permissions import is_procurement_reader, is_procurement_staff


class _NoAddView(generic.CreateView):
    def dispatch(self, request, *args, **kwargs):
        raise PermissionDenied


def _views(create_service, edit_service, queryset_for):
    """Create, edit and index views wired to the services and the per-user queryset."""

    class Create(ServiceFormMixin, generic.CreateView):
        def service_save(self):
            return create_service(actor=self.request.user, instance=self.form.instance)

    class Edit(ServiceFormMixin, generic.EditView):
        def get_object(self, queryset=None):
            obj = super().get_object(queryset)
            if not queryset_for(self.request.user).filter(pk=obj.pk).exists():
                raise PermissionDenied
            return obj

        def service_save(self):
            return edit_service(actor=self.request.user, instance=self.form.instance)

    class Index(generic.IndexView):
        def get_base_queryset(self):
            return queryset_for(self.request.user)

    return Create, Edit, Index


def _lines_for(user):
    return BudgetLine.objects.select_related("plan__department", "category", "catalogue_item").filter(
        plan__in=selectors.plans_for_staff(user)
    )


def _clarifications_for(user):
    return Clarification.objects.select_related("tender").filter(tender__in=selectors.tenders_for_staff(user))


PlanCreate, PlanEdit, PlanIndex = _views(services.plan_save, services.plan_save, selectors.plans_for_staff)
LineCreate, LineEdit, LineIndex = _views(services.budget_line_save, services.budget_line_save, _lines_for)
TenderCreate, TenderEdit, _TenderIndex = _views(
    services.tender_create, services.tender_update, selectors.tenders_for_staff
)


class TenderIndex(_TenderIndex):
    def get_list_more_buttons(self, instance):
        manage = ListingMenuItem(
            _("Lots, documents and actions"),
            url=reverse("procurement_tender_manage", args=[instance.pk]),
            icon_name="cogs",
            priority=5,
        )
        return [manage, *super().get_list_more_buttons(instance)]


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


class TenderViewSet(ModelViewSet):
    model = Tender
    name = "procurement_tender"
    icon = "doc-full"
    menu_label = _("Tenders")
    url_prefix = "procurement/tenders"
    add_view_class, edit_view_class, index_view_class = TenderCreate, TenderEdit, TenderIndex
    delete_view_class = NoDeleteView
    copy_view_enabled = inspect_view_enabled = False
    form_fields = [
        "title", "department", "budget_line", "method", "ceiling", "bid_deadline", "service_description",
        "service_period_start", "service_period_end", "location", "min_grade", "min_years_registered",
        "other_eligibility", "contact_name", "contact_phone", "contact_email",
    ]  # fmt: skip
    filterset_class = TenderFilter
    search_fields = ["title", "reference"]
    search_backend_name = None
    list_display = [
        "reference",
        "title",
        Column("department", label=_("Purchasing unit"), accessor="department"),
        Column("method", label=_("Procurement method"), accessor="method"),
        "ceiling",
        "bid_deadline",
        Column("status", label=_("Status"), accessor="get_status_display"),
    ]
    list_per_page = 50


class ClarificationEdit(ServiceFormMixin, generic.EditView):
    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not _clarifications_for(self.request.user).filter(pk=obj.pk).exists():
            raise PermissionDenied
        return obj

    def service_save(self):
        return services.clarification_answer(
            actor=self.request.user, clarification=self.object, answer=self.form.cleaned_data["answer"]
        )


class ClarificationIndex(generic.IndexView):
    def get_base_queryset(self):
        return _clarifications_for(self.request.user)


class ClarificationViewSet(ModelViewSet):
    """Officers answer questions here; the asker is never shown (not even to staff in this list)."""

    model = Clarification
    name = "procurement_clarification"
    icon = "help"
    menu_label = _("Clarifications")
    url_prefix = "procurement/clarifications"
    index_view_class, edit_view_class = ClarificationIndex, ClarificationEdit
    add_view_class = _NoAddView
    delete_view_class = NoDeleteView
    copy_view_enabled = inspect_view_enabled = False
    form_fields = ["answer"]
    filterset_class = ClarificationFilter
    list_display = ["question", Column("tender", label=_("Tender"), accessor="tender"), "answered_at"]
    list_per_page = 50


class MethodEdit(ServiceFormMixin, generic.EditView):
    def service_save(self):
        return services.method_save(actor=self.request.user, instance=self.form.instance)


class MethodViewSet(ModelViewSet):
    model = ProcurementMethod
    name = "procurement_procurementmethod"
    icon = "cogs"
    menu_label = _("Procurement methods")
    url_prefix = "procurement/methods"
    edit_view_class = MethodEdit
    add_view_class = _NoAddView
    delete_view_class = NoDeleteView
    copy_view_enabled = inspect_view_enabled = False
    exclude_form_fields = ["code"]
    list_display = ["name", "minimum_bidding_period", "bidding_period_unit", "amendment_notice_period",
                    "amendment_notice_unit", "minimum_bids", "price_points_min", "price_points_max"]  # fmt: skip


class ProcurementGroup(ModelViewSetGroup):
    items = (PlanViewSet, BudgetLineViewSet, TenderViewSet, ClarificationViewSet, MethodViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = _("Purchase of services")
    menu_name = "procurement"


@hooks.register("register_admin_viewset")
def register_procurement_viewsets():
    return ProcurementGroup()


class _StaffMenuItem(MenuItem):
    def is_shown(self, request):
        return is_procurement_staff(request.user) or is_procurement_reader(request.user)


@hooks.register("register_admin_menu_item")
def register_challenges_menu_item():
    return _StaffMenuItem(
        _("Challenges"),
        reverse("procurement_challenge_index"),
        name="procurement_challenges",
        icon_name="warning",
    )


@hooks.register("register_admin_urls")
def register_tender_screens():
    v = admin_views
    return [
        path("procurement/tenders/<int:pk>/manage/", v.tender_manage, name="procurement_tender_manage"),
        path("procurement/tenders/<int:pk>/lots/", v.tender_lots, name="procurement_tender_lots"),
        path(
            "procurement/tenders/<int:pk>/lots/<int:lot_pk>/sheet/", v.lot_sheet, name="procurement_lot_sheet"
        ),
        path(
            "procurement/tenders/<int:pk>/documents/",
            v.tender_document_add,
            name="procurement_tender_document_add",
        ),
        path("procurement/tenders/<int:pk>/amend/", v.tender_amend, name="procurement_tender_amend"),
        path("procurement/tenders/<int:pk>/suspend/", v.tender_suspend, name="procurement_tender_suspend"),
        path("procurement/tenders/<int:pk>/resume/", v.tender_resume, name="procurement_tender_resume"),
        path("procurement/tenders/<int:pk>/cancel/", v.tender_cancel, name="procurement_tender_cancel"),
        path("procurement/challenges/", v.challenge_index, name="procurement_challenge_index"),
        path("procurement/challenges/<int:pk>/", v.challenge_detail, name="procurement_challenge_detail"),
    ]


# The read-only contract listing (links to the site's contract pages) registers its own hooks.
import procurement.admin_contracts  # noqa: E402, F401

# The expert pool (list, create/edit, activation, import/export) registers its own hooks.
from procurement import admin_experts  # noqa: E402, F401
