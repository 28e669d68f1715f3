"""Calls for bids and clarifications in the Wagtail admin, and the officers' tender screens. Every
create/edit goes through `procurement.tendering.services`; lists are filtered for the acting officer's department; nothing is
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
from wagtail.admin.viewsets.model import ModelViewSet

from core.viewsets import NoAddView, NoDeleteView, ServiceFormMixin, service_views
from procurement.tendering import sheet_screens, tender_screens
from procurement.tendering.filters import ClarificationFilter, TenderFilter
from procurement.tendering.models.tenders import Clarification, Tender
from procurement.tendering.permissions import can_list_challenges_staff
from procurement.tendering.selectors import tenders_for_staff
from procurement.tendering.services.clarifications import clarification_answer
from procurement.tendering.services.tenders import tender_create, tender_update


def _clarifications_for(user):
    return Clarification.objects.select_related("tender").filter(tender__in=tenders_for_staff(user))


TenderCreate, TenderEdit, _TenderIndex = service_views(tender_create, tender_update, tenders_for_staff)


class TenderIndex(_TenderIndex):
    def get_list_more_buttons(self, instance):
        manage = ListingMenuItem(
            _("Lots, documents and actions"),
            url=reverse("procurement_tender_manage", args=[instance.pk]),
            icon_name="cogs",
            priority=5,
        )
        return [manage, *super().get_list_more_buttons(instance)]


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
        return clarification_answer(
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
    add_view_class = NoAddView
    delete_view_class = NoDeleteView
    copy_view_enabled = inspect_view_enabled = False
    form_fields = ["answer"]
    filterset_class = ClarificationFilter
    list_display = ["question", Column("tender", label=_("Tender"), accessor="tender"), "answered_at"]
    list_per_page = 50


class _ChallengesMenuItem(MenuItem):
    """Shown to whoever may open the challenge list it leads to."""

    def is_shown(self, request):
        return can_list_challenges_staff(request.user)


@hooks.register("register_admin_menu_item")
def register_challenges_menu_item():
    return _ChallengesMenuItem(
        _("Challenges"),
        reverse("procurement_challenge_index"),
        name="procurement_challenges",
        icon_name="warning",
    )


@hooks.register("register_admin_urls")
def register_tender_screens():
    v = tender_screens
    return [
        path("procurement/tenders/<int:pk>/manage/", v.tender_manage, name="procurement_tender_manage"),
        path("procurement/tenders/<int:pk>/lots/", v.tender_lots, name="procurement_tender_lots"),
        path(
            "procurement/tenders/<int:pk>/lots/<int:lot_pk>/sheet/",
            sheet_screens.lot_sheet,
            name="procurement_lot_sheet",
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
