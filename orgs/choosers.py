"""Choosing an organization in the Wagtail admin: a chooser modal that searches the register by name
or unified social credit code, 20 at a time, instead of a select of every organization (5,000 at a
city's base scale, 50,000 at ten times: seconds to draw and no way to find one). Registered as the
admin forms' widget for every foreign key to `Organization` (grades, annual reports, credit lists,
social workers)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView, ChosenView
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.widgets import BaseChooser

from orgs.models import Organization
from orgs.permissions import is_register_reader


class OrganizationSearchForm(BaseFilterForm):
    q = forms.CharField(
        label=_("Name or unified social credit code"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Name or unified social credit code")}),
    )

    def filter(self, objects):
        objects = super().filter(objects)
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            self.is_searching, self.search_query = True, query
            objects = objects.filter(Q(name__icontains=query) | Q(uscc__iexact=query))
        return objects


def can_choose_organizations(user) -> bool:
    """Who may look organizations up in the chooser: the staff who read the register, and those who
    register social workers (the register includes organizations not yet verified)."""
    return is_register_reader(user) or user.has_perm("volunteers.add_socialworker")


class _Allowed:
    def dispatch(self, request, *args, **kwargs):
        if not can_choose_organizations(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class _Listing(_Allowed):
    filter_form_class = OrganizationSearchForm
    ordering = ["name", "pk"]

    def get_object_list(self):
        return Organization.objects.only("pk", "name", "uscc")

    @property
    def columns(self):
        # names repeat across districts: the credit code tells them apart
        return [*super().columns, Column("uscc", label=_("Unified social credit code"))]


class OrganizationChooseView(_Listing, ChooseView):
    pass


class OrganizationChooseResultsView(_Listing, ChooseResultsView):
    pass


class OrganizationChosenView(_Allowed, ChosenView):
    pass


class OrganizationChooser(BaseChooser):
    # Choosing, not editing: the widget's "edit" link would lead staff who may not edit the register
    # (a bureau admin recording a social worker) to a refusal.
    show_edit_link = False


class OrganizationChooserViewSet(ChooserViewSet):
    model = Organization
    icon = "group"
    choose_one_text = _("Choose an organization")
    choose_another_text = _("Choose another organization")
    base_widget_class = OrganizationChooser
    choose_view_class = OrganizationChooseView
    choose_results_view_class = OrganizationChooseResultsView
    chosen_view_class = OrganizationChosenView
    per_page = 20
    url_prefix = "orgs/choose-organization"


organization_chooser_viewset = OrganizationChooserViewSet("organization_chooser")
