"""A read-only listing of contracts in the Wagtail admin for bureau staff (officers see their own
department's, approvers, supervisors and bureau admins all), with filters; each row links to the
contract's page on the site, where the officers act. Nothing is added, edited or deleted here."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from accounts.roles import Role, user_has_role
from core.viewsets import NoAddView, NoDeleteView
from procurement.contracts.models.contracts import Contract, ContractStatus
from procurement.contracts.permissions import ADMIN_READER_ROLES, can_list_contracts
from procurement.planning.permissions import is_procurement_reader, is_procurement_staff


def contracts_for_admin(user):
    """Officers: their department's contracts; approvers, supervisors and bureau admins: all."""
    queryset = Contract.objects.select_related("department", "organization").order_by("-created_at", "-pk")
    if user.is_superuser or is_procurement_reader(user) or user_has_role(user, Role.BUREAU_ADMIN):
        return queryset
    if is_procurement_staff(user) and user.department_id:
        return queryset.filter(department_id=user.department_id)
    return queryset.none()


class ContractAdminPolicy(BasePermissionPolicy):
    """ "view" for bureau staff; never add, change or delete (the officers act on the site)."""

    def user_has_permission(self, user, action):
        return action == "view" and can_list_contracts(user)

    def users_with_any_permission(self, actions):
        users = get_user_model().objects.filter(is_active=True)
        if "view" not in actions:
            return users.none()
        return users.filter(
            Q(is_superuser=True) | Q(groups__name__in=[r.value for r in ADMIN_READER_ROLES])
        ).distinct()


register_permission_policy(Contract, ContractAdminPolicy(Contract))


def _filter_supplier(queryset, name, value):
    value = value.strip()
    if not value:
        return queryset
    return queryset.filter(Q(organization__name__icontains=value) | Q(organization__uscc__iexact=value))


class ContractFilter(WagtailFilterSet):
    # A text box, not a select of every organization (50,000 options at ten times the base city
    # made this list take seconds to draw).
    organization = django_filters.CharFilter(
        label=_("Supplier (name or unified social credit code)"), method=_filter_supplier
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ContractStatus.choices)
    signed = django_filters.BooleanFilter(
        label=_("Signed"), field_name="signed_at", lookup_expr="isnull", exclude=True
    )
    published = django_filters.BooleanFilter(
        label=_("Published"), field_name="published_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Contract
        fields = ["department", "organization", "status", "signed", "published"]


class _NoEditView(generic.EditView):
    def dispatch(self, request, *args, **kwargs):
        raise PermissionDenied


class ContractIndex(generic.IndexView):
    def get_base_queryset(self):
        return contracts_for_admin(self.request.user)

    def get_edit_url(self, instance):
        return None

    def get_inspect_url(self, instance):
        return reverse("procurement:contract_detail", args=[instance.pk])

    def get_list_more_buttons(self, instance):
        return [
            MenuItem(
                _("Open the contract page"),
                url=reverse("procurement:contract_detail", args=[instance.pk]),
                icon_name="doc-full",
                priority=10,
            )
        ]


class ContractViewSet(ModelViewSet):
    model = Contract
    name = "procurement_contract"
    icon = "doc-full-inverse"
    menu_label = _("Contracts")
    url_prefix = "procurement/contracts"
    add_to_admin_menu = True
    menu_order = 310
    index_view_class = ContractIndex
    add_view_class = NoAddView
    edit_view_class = _NoEditView
    delete_view_class = NoDeleteView
    copy_view_enabled = inspect_view_enabled = False
    form_fields: list[str] = []
    filterset_class = ContractFilter
    search_fields = ["reference", "title"]
    search_backend_name = None
    list_display = [
        "reference",
        "title",
        Column("department", label=_("Purchasing unit"), accessor="department"),
        Column("organization", label=_("Supplier"), accessor="organization"),
        Column("status", label=_("Status"), accessor="get_status_display"),
        "amount",
        "amount_paid",
        "signed_at",
        "published_at",
    ]
    list_per_page = 50


@hooks.register("register_admin_viewset")
def register_contract_viewset():
    return ContractViewSet()
