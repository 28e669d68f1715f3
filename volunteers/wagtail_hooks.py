"""Volunteering in the Wagtail admin (bureau staff only): volunteers, social workers, needs, hour
records and certificates to look through and filter. Nothing is edited or deleted here; the only
write is recording a social worker, through `volunteers.services.social_workers`. ID numbers appear
only masked."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from accounts.models import User
from core.normalize import CleanInputMixin
from core.viewsets import CappedIndexView, NoDeleteView, ServiceFormMixin
from orgs.choosers import organization_chooser_viewset
from volunteers.filters import HourRecordFilter, NeedFilter, SocialWorkerFilter, VolunteerFilter
from volunteers.models import Certificate, HourRecord, Need, SocialWorker, Volunteer
from volunteers.services import social_workers

WRITE_ACTIONS = frozenset({"add", "change", "delete"})


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Model permissions, except that nobody (superusers included) adds, changes or deletes here."""

    def __init__(self, model, *, allowed=frozenset()):
        super().__init__(model)
        self.allowed = frozenset(allowed)

    def user_has_permission(self, user, action):
        if action in WRITE_ACTIONS - self.allowed:
            return False
        return super().user_has_permission(user, action)


class NoCreateView(generic.CreateView):
    def dispatch(self, request, *args, **kwargs):
        raise PermissionDenied


class NoEditView(generic.EditView):
    def dispatch(self, request, *args, **kwargs):
        raise PermissionDenied


class ReadOnlyViewSet(ModelViewSet):
    add_view_class = NoCreateView
    edit_view_class = NoEditView
    delete_view_class = NoDeleteView
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields: list[str] = []
    search_backend_name = None
    list_per_page = 50


# --- volunteers -----------------------------------------------------------------------------------


def _stars(volunteer) -> str:
    return "★" * volunteer.stars or "—"


class VolunteerIndexView(CappedIndexView):
    def get_base_queryset(self):
        return Volunteer.objects.order_by("number", "pk")


class VolunteerViewSet(ReadOnlyViewSet):
    model = Volunteer
    icon = "user"
    menu_label = _("Volunteers")
    url_prefix = "volunteers/volunteers"
    index_view_class = VolunteerIndexView
    filterset_class = VolunteerFilter
    search_fields = ["number", "real_name"]
    list_display = [
        "number",
        "real_name",
        "id_masked",
        Column("verified_hours", label=_("Verified hours"), accessor="verified_hours"),
        Column("stars", label=_("Stars"), accessor=_stars),
        Column("status", label=_("Status"), accessor="get_status_display"),
    ]
    # only the mask of the ID number; not the birth date it contains
    inspect_view_fields = ["number", "real_name", "id_masked", "status", "verified_hours", "registered_at"]


# --- social workers -------------------------------------------------------------------------------


class SocialWorkerAdminForm(CleanInputMixin, WagtailAdminModelForm):
    username = forms.CharField(label=_("Username of the social worker's account"), max_length=150)

    class Meta:
        model = SocialWorker
        fields = ["real_name", "level", "certificate_no", "registered_on", "organization"]
        widgets = {"organization": organization_chooser_viewset.widget_class}

    def validate_unique(self):
        pass  # the service checks the certificate number with a Chinese message

    def clean_username(self):
        user = User.objects.filter(
            username__iexact=self.cleaned_data["username"].strip(), is_active=True
        ).first()
        if user is None:
            raise ValidationError(_("No active account has this username."))
        return user


class SocialWorkerCreateView(ServiceFormMixin, generic.CreateView):
    def service_save(self):
        data = self.form.cleaned_data
        try:
            return social_workers.social_worker_register(
                actor=self.request.user,
                user=data["username"],
                real_name=data["real_name"],
                level=data["level"],
                certificate_no=data["certificate_no"],
                registered_on=data["registered_on"],
                organization=data.get("organization"),
            )
        except PermissionDenied as exc:
            raise ValidationError(str(exc)) from exc


class SocialWorkerIndexView(generic.IndexView):
    def get_base_queryset(self):
        return SocialWorker.objects.select_related("organization").order_by("valid_until", "pk")


def _checked(worker) -> str:
    return worker.verified_at.strftime("%Y-%m-%d") if worker.verified_at else str(_("Not yet"))


class SocialWorkerViewSet(ReadOnlyViewSet):
    model = SocialWorker
    icon = "user"
    menu_label = _("Social workers")
    url_prefix = "volunteers/social-workers"
    index_view_class = SocialWorkerIndexView
    add_view_class = SocialWorkerCreateView
    filterset_class = SocialWorkerFilter
    search_fields = ["real_name", "certificate_no"]
    form_fields = SocialWorkerAdminForm.Meta.fields
    list_display = [
        "real_name",
        Column("level", label=_("Level"), accessor="get_level_display"),
        "certificate_no",
        "registered_on",
        "valid_until",
        Column("verified_at", label=_("Certificate checked"), accessor=_checked),
    ]
    inspect_view_fields = [
        "real_name",
        "level",
        "certificate_no",
        "registered_on",
        "valid_until",
        "organization",
        "verified_at",
    ]

    def get_form_class(self, for_update=False):
        return SocialWorkerAdminForm


# --- needs, hours, certificates -------------------------------------------------------------------


class NeedIndexView(CappedIndexView):
    def get_base_queryset(self):
        return Need.objects.select_related(
            "project__organization", "project__department", "service_type", "district"
        ).order_by("-created_at", "-pk")


class NeedViewSet(ReadOnlyViewSet):
    model = Need
    icon = "list-ul"
    menu_label = _("Volunteer needs")
    url_prefix = "volunteers/needs"
    index_view_class = NeedIndexView
    filterset_class = NeedFilter
    search_fields = ["title"]
    list_display = [
        "title",
        Column("owner", label=_("Organizer"), accessor=lambda need: need.project.owner_name),
        Column("service_type", label=_("Service type"), accessor="service_type"),
        Column("district", label=_("District"), accessor="district"),
        Column("risk_level", label=_("Risk level"), accessor="get_risk_level_display"),
        Column("status", label=_("Status"), accessor="get_status_display"),
        "signup_closes_at",
    ]
    inspect_view_fields = [
        "title",
        "role",
        "project",
        "service_type",
        "district",
        "address",
        "headcount",
        "min_age",
        "risk_level",
        "insurance_policy_no",
        "insurance_insurer",
        "requires_qualification",
        "requires_approval",
        "signup_closes_at",
        "status",
        "cancel_reason",
    ]


class HourRecordIndexView(CappedIndexView):
    def get_base_queryset(self):
        return HourRecord.objects.select_related("volunteer", "slot__need").order_by("-check_in_at", "-pk")


class HourRecordViewSet(ReadOnlyViewSet):
    model = HourRecord
    icon = "time"
    menu_label = _("Service hours")
    url_prefix = "volunteers/hours"
    index_view_class = HourRecordIndexView
    filterset_class = HourRecordFilter
    search_fields = ["volunteer__number", "volunteer__real_name"]
    list_display = [
        Column("volunteer", label=_("Volunteer"), accessor="volunteer"),
        Column("need", label=_("Volunteer need"), accessor=lambda record: record.slot.need.title),
        "check_in_at",
        Column("hours", label=_("Hours"), accessor="hours"),
        Column("status", label=_("Status"), accessor="get_status_display"),
        "is_manual",
        "auto_closed",
    ]
    inspect_view_fields = [
        "volunteer",
        "slot",
        "method",
        "check_in_at",
        "check_out_at",
        "minutes",
        "is_manual",
        "auto_closed",
        "status",
        "verified_at",
        "rejection_reason",
    ]


class CertificateViewSet(ReadOnlyViewSet):
    model = Certificate
    icon = "doc-full"
    menu_label = _("Certificates")
    url_prefix = "volunteers/certificates"
    search_fields = ["number", "volunteer_number", "issuer_name"]
    list_display = ["number", "real_name", "id_masked", "volunteer_number", "issuer_name", "issued_on"]
    inspect_view_fields = [
        "number",
        "real_name",
        "id_masked",
        "volunteer_number",
        "total_hours",
        "issuer_name",
        "responsible_person",
        "contact_phone",
        "issued_on",
    ]


# Registered before the viewsets so that they (and every other admin view) use them.
for _model in (Volunteer, Need, HourRecord, Certificate):
    register_permission_policy(_model, ReadOnlyPolicy(_model), exact_class=True)
register_permission_policy(SocialWorker, ReadOnlyPolicy(SocialWorker, allowed={"add"}), exact_class=True)


class VolunteeringGroup(ModelViewSetGroup):
    menu_label = _("Volunteering")
    menu_icon = "group"
    menu_order = 310
    items = (VolunteerViewSet, SocialWorkerViewSet, NeedViewSet, HourRecordViewSet, CertificateViewSet)


@hooks.register("register_admin_viewset")
def register_viewsets():
    return VolunteeringGroup()
