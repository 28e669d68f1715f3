"""Purchase of services in the Wagtail admin (bureau staff only). Each room registers its own
viewsets and screens in its `admin` module; this module loads them and groups the plan and call
records under one menu. Every create/edit goes through a room's services; nothing is deleted here
(records of a procurement are kept)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSetGroup

# The contract listing and the expert pool register their own hooks when imported.
from procurement.contracts import admin as contracts_admin  # noqa: F401
from procurement.evaluation import admin as evaluation_admin  # noqa: F401
from procurement.planning.admin import BudgetLineViewSet, MethodViewSet, PlanViewSet
from procurement.tendering.admin import ClarificationViewSet, TenderViewSet


class ProcurementGroup(ModelViewSetGroup):
    items = (PlanViewSet, BudgetLineViewSet, TenderViewSet, ClarificationViewSet, MethodViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = _("Purchase of services")
    menu_name = "procurement"


@hooks.register("register_admin_viewset")
def register_procurement_viewsets():
    return ProcurementGroup()
