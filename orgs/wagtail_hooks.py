"""The register in the Wagtail admin (bureau staff only). Every create/edit goes through
`orgs.services`; nothing is deleted here."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import Button

from core.models import ServiceCategory
from core.normalize import CleanInputMixin
from core.viewsets import CappedIndexView, NoDeleteView, NoEditView, ServiceFormMixin
from orgs import admin_views, selectors, services
from orgs.choosers import organization_chooser_viewset
from orgs.filters import StaffOrganizationFilter
from orgs.models import (
    AnnualReport,
    CreditList,
    CreditListEntry,
    EvaluationGrade,
    Grade,
    Organization,
)
from orgs.permissions import is_register_reader, is_registry_admin
from orgs.resources import register_export_response
from orgs.services.organizations import PROFILE_FIELDS

# --- organizations ------------------------------------------------------------------------------


class OrganizationAdminForm(CleanInputMixin, WagtailAdminModelForm):
    legal_rep_id_number = forms.CharField(
        label=_("Legal representative's ID number"),
        max_length=18,
        required=False,
        help_text=_("Stored encrypted; leave empty to keep the number on file."),
    )
    uscc_override_reason_input = forms.CharField(
        label=_("Reason for accepting a code that fails the check"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Only for a real early pilot code whose check character fails; recorded in the audit log."
        ),
    )
    service_categories = forms.ModelMultipleChoiceField(
        label=_("Service categories"),
        queryset=ServiceCategory.objects.filter(parent__isnull=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Organization
        fields = list(PROFILE_FIELDS)

    def validate_unique(self):
        pass  # the service checks the USCC with Chinese messages and the registry override


class _OrganizationSave(ServiceFormMixin):
    def service_save(self):
        data = self.form.cleaned_data
        return services.organization_save(
            actor=self.request.user,
            instance=self.form.instance,
            legal_rep_id_number=data.get("legal_rep_id_number") or None,
            service_categories=data.get("service_categories"),
            uscc_override_reason=data.get("uscc_override_reason_input", ""),
        )


class OrganizationCreateView(_OrganizationSave, generic.CreateView):
    pass


class OrganizationEditView(_OrganizationSave, generic.EditView):
    def get_initial(self):
        initial = super().get_initial()
        initial["uscc_override_reason_input"] = self.object.uscc_override_reason
        return initial


class RegisterIndexView(CappedIndexView):
    """An admin list of the register that downloads exactly its rows: the export buttons carry the
    list's filters, search and ordering (`?...&export=csv|xlsx`), answered by `orgs.resources`
    (memory flat in rows) without building the page. Staff who read the register may export;
    registry administrators also get the import button (both checked on the server)."""

    register_kind = ""
    export_label = _("Export (%(format)s)")

    def get(self, request, *args, **kwargs):
        if self.is_export:
            if not is_register_reader(request.user):
                raise PermissionDenied
            return register_export_response(
                self.register_kind, self.get_queryset(), fmt=request.GET["export"]
            )
        return super().get(request, *args, **kwargs)

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if is_register_reader(self.request.user):
            for fmt, name in (("csv", "CSV"), ("xlsx", "Excel")):
                buttons.append(
                    Button(
                        self.export_label % {"format": name},
                        url=self.get_export_url(fmt),
                        icon_name="download",
                        priority=50,
                    )
                )
        if is_registry_admin(self.request.user):
            buttons.append(
                Button(
                    _("Import"),
                    url=f"{reverse('orgs_import')}?kind={self.register_kind}",
                    icon_name="upload",
                    priority=60,
                )
            )
        return buttons


class OrganizationIndexView(RegisterIndexView):
    register_kind = "organizations"
    export_label = _("Export organizations (%(format)s)")

    def get_base_queryset(self):
        return selectors.staff_organizations()


def _grade_cell(org) -> str:
    if not org.current_grade:
        return "—"
    label = Grade(org.current_grade).label
    if org.current_grade_expires_on and org.current_grade_expires_on <= timezone.localdate():
        return f"{label}（{_('expired')}）"
    return label


def _list_cell(org) -> str:
    names = []
    if org.on_serious_list:
        names.append(str(CreditList.SERIOUS.label))
    if org.on_abnormal_list:
        names.append(str(CreditList.ABNORMAL.label))
    return "、".join(names) or "—"


class OrganizationViewSet(ModelViewSet):
    model = Organization
    icon = "group"
    menu_label = _("Organizations")
    url_prefix = "orgs/organizations"
    index_view_class = OrganizationIndexView
    add_view_class = OrganizationCreateView
    edit_view_class = OrganizationEditView
    delete_view_class = NoDeleteView
    copy_view_enabled = False
    inspect_view_enabled = False
    form_fields = list(PROFILE_FIELDS)
    filterset_class = StaffOrganizationFilter
    search_fields = ["name", "uscc"]
    search_backend_name = None
    list_per_page = 50
    list_display = [
        "name",
        "uscc",
        Column("org_type", label=_("Type"), accessor="get_org_type_display"),
        Column("district", label=_("District"), accessor="district"),
        Column("grade", label=pgettext_lazy("organization", "Grade"), accessor=_grade_cell),
        Column("lists", label=_("Credit lists"), accessor=_list_cell),
        Column(
            "registration_status", label=_("Registration status"), accessor="get_registration_status_display"
        ),
        Column(
            "verification_status", label=_("Verification status"), accessor="get_verification_status_display"
        ),
    ]

    def get_form_class(self, for_update=False):
        return OrganizationAdminForm


# --- grades, annual reports, credit lists -----------------------------------------------------------


class GradeForm(CleanInputMixin, WagtailAdminModelForm):
    class Meta:
        model = EvaluationGrade
        fields = ["organization", "grade", "granted_on", "certificate_no"]
        widgets = {"organization": organization_chooser_viewset.widget_class}


class GradeCreateView(ServiceFormMixin, generic.CreateView):
    def service_save(self):
        data = self.form.cleaned_data
        return services.grade_grant(
            actor=self.request.user,
            organization=data["organization"],
            grade=data["grade"],
            granted_on=data["granted_on"],
            certificate_no=data["certificate_no"],
        )

    def get_success_buttons(self):
        return []  # a grade is not edited afterwards: no "Edit" button in the message


class GradeIndexView(RegisterIndexView):
    register_kind = "grades"
    export_label = _("Export grades (%(format)s)")

    def get_base_queryset(self):
        return EvaluationGrade.objects.select_related("organization")

    def get_edit_url(self, instance):
        return None  # rows open the grade's inspect page


class GradeViewSet(ModelViewSet):
    model = EvaluationGrade
    icon = "pick"
    menu_label = _("Evaluation grades")
    url_prefix = "orgs/grades"
    index_view_class = GradeIndexView
    add_view_class = GradeCreateView
    edit_view_class = NoEditView
    delete_view_class = NoDeleteView
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = ["organization", "grade", "granted_on", "certificate_no"]
    list_display = ["organization", "grade", "granted_on", "expires_on", "certificate_no"]
    list_filter = ["grade"]
    search_fields = ["organization__name", "organization__uscc", "certificate_no"]
    search_backend_name = None

    def get_form_class(self, for_update=False):
        return GradeForm


class AnnualReportForm(CleanInputMixin, WagtailAdminModelForm):
    class Meta:
        model = AnnualReport
        fields = ["organization", "year", "submitted_on", "conclusion"]
        widgets = {"organization": organization_chooser_viewset.widget_class}

    def validate_unique(self):
        pass  # recording a year again updates it


class _AnnualReportSave(ServiceFormMixin):
    def service_save(self):
        data = self.form.cleaned_data
        return services.annual_report_record(
            actor=self.request.user,
            organization=data["organization"],
            year=data["year"],
            submitted_on=data["submitted_on"],
            conclusion=data["conclusion"],
        )


class AnnualReportSaveView(_AnnualReportSave, generic.CreateView):
    pass


class AnnualReportEditView(_AnnualReportSave, generic.EditView):
    pass


class AnnualReportIndexView(RegisterIndexView):
    register_kind = "annual-reports"
    export_label = _("Export annual reports (%(format)s)")

    def get_base_queryset(self):
        return AnnualReport.objects.select_related("organization")


class AnnualReportViewSet(ModelViewSet):
    model = AnnualReport
    icon = "doc-full"
    menu_label = _("Annual reports")
    url_prefix = "orgs/annual-reports"
    index_view_class = AnnualReportIndexView
    add_view_class = AnnualReportSaveView
    edit_view_class = AnnualReportEditView
    delete_view_class = NoDeleteView
    copy_view_enabled = False
    form_fields = ["organization", "year", "submitted_on", "conclusion"]
    list_display = ["organization", "year", "submitted_on", "conclusion"]
    list_filter = ["year", "conclusion"]
    search_fields = ["organization__name", "organization__uscc"]
    search_backend_name = None

    def get_form_class(self, for_update=False):
        return AnnualReportForm


class CreditListEntryForm(CleanInputMixin, WagtailAdminModelForm):
    class Meta:
        model = CreditListEntry
        fields = [
            "organization",
            "list_type",
            "trigger",
            "listed_on",
            "reason",
            "deciding_authority",
            "requires_rectification",
            "rectified_on",
            "removed_on",
            "removal_reason",
        ]
        widgets = {"organization": organization_chooser_viewset.widget_class}


class CreditListEntryCreateView(ServiceFormMixin, generic.CreateView):
    def service_save(self):
        data = self.form.cleaned_data
        entry = services.credit_list_add(
            actor=self.request.user,
            organization=data["organization"],
            list_type=data["list_type"],
            trigger=data["trigger"],
            listed_on=data["listed_on"],
            reason=data["reason"],
            deciding_authority=data["deciding_authority"],
            requires_rectification=data["requires_rectification"],
        )
        if data.get("rectified_on"):
            services.credit_entry_mark_rectified(
                actor=self.request.user, entry=entry, rectified_on=data["rectified_on"]
            )
        if data.get("removed_on"):
            services.credit_list_remove(
                actor=self.request.user,
                entry=entry,
                removed_on=data["removed_on"],
                reason=data["removal_reason"],
            )
        return entry


class CreditListEntryEditView(ServiceFormMixin, generic.EditView):
    """A listing's public facts stay as decided; staff record rectification or removal."""

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        for name in (
            "organization",
            "list_type",
            "trigger",
            "listed_on",
            "reason",
            "deciding_authority",
            "requires_rectification",
        ):
            form.fields[name].disabled = True
        return form

    def service_save(self):
        data, entry = self.form.cleaned_data, self.object
        if data.get("rectified_on") and entry.rectified_on is None:
            services.credit_entry_mark_rectified(
                actor=self.request.user, entry=entry, rectified_on=data["rectified_on"]
            )
        if data.get("removed_on") and entry.removed_on is None:
            services.credit_list_remove(
                actor=self.request.user,
                entry=entry,
                removed_on=data["removed_on"],
                reason=data["removal_reason"],
            )
        entry.refresh_from_db()
        return entry


class CreditListEntryIndexView(RegisterIndexView):
    register_kind = "credit-lists"
    export_label = _("Export credit lists (%(format)s)")

    def get_base_queryset(self):
        return CreditListEntry.objects.select_related("organization")


class CreditListEntryViewSet(ModelViewSet):
    model = CreditListEntry
    icon = "warning"
    menu_label = _("Credit lists")
    url_prefix = "orgs/credit-lists"
    index_view_class = CreditListEntryIndexView
    add_view_class = CreditListEntryCreateView
    edit_view_class = CreditListEntryEditView
    delete_view_class = NoDeleteView
    copy_view_enabled = False
    form_fields = CreditListEntryForm.Meta.fields
    list_display = ["organization", "list_type", "trigger", "listed_on", "deciding_authority", "removed_on"]
    list_filter = ["list_type", "trigger"]
    search_fields = ["organization__name", "organization__uscc"]
    search_backend_name = None

    def get_form_class(self, for_update=False):
        return CreditListEntryForm


class RegisterGroup(ModelViewSetGroup):
    menu_label = _("Social organizations")
    menu_icon = "group"
    menu_order = 300
    items = (OrganizationViewSet, GradeViewSet, AnnualReportViewSet, CreditListEntryViewSet)


@hooks.register("register_admin_viewset")
def register_viewsets():
    return RegisterGroup()


@hooks.register("register_admin_viewset")
def register_organization_chooser():
    return organization_chooser_viewset


@hooks.register("register_admin_urls")
def register_import_export_urls():
    return [
        path("orgs/import/", admin_views.import_view, name="orgs_import"),
        path("orgs/export/<str:kind>.<str:fmt>", admin_views.export_view, name="orgs_export"),
    ]
