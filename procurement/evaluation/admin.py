"""The expert pool (评审专家库) in the Wagtail admin, for the staff who keep it (procurement officers
and bureau admins, `permissions.can_manage_experts`); experts themselves never open the admin.

List with filters (field, active, employer) and search; create (linking an existing account or
creating one) and edit through `services.expert_create` / `expert_save`; activation and
deactivation through `expert_set_active` (the expert role follows); all-or-nothing CSV/Excel import
and export. Nothing is deleted here."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.menus import MenuItem as ListingMenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from accounts.roles import Role
from core.models import ServiceCategory
from core.normalize import CleanInputMixin
from core.viewsets import NoDeleteView, ServiceFormMixin
from procurement.evaluation.models.experts import Expert
from procurement.evaluation.permissions import can_manage_experts
from procurement.evaluation.services.expert_import import (
    ImportFileError,
    experts_export_csv,
    experts_export_xlsx,
    experts_import,
    experts_matching,
    experts_read_file,
)
from procurement.evaluation.services.experts import expert_create, expert_save, expert_set_active

MAX_IMPORT_BYTES = 5 * 1024 * 1024
FORM_FIELDS = ["name", "categories", "title", "employer", "qualifications", "phone", "active"]


class ExpertPoolPermissionPolicy(BasePermissionPolicy):
    """The pool's keepers may add, change and view experts; nobody deletes one (panels refer to
    them)."""

    def user_has_permission(self, user, action):
        return action in ("add", "change", "view") and can_manage_experts(user)

    def users_with_any_permission(self, actions):
        if not set(actions) & {"add", "change", "view"}:
            return get_user_model().objects.none()
        keepers = [Role.PROCUREMENT_OFFICER.value, Role.BUREAU_ADMIN.value]
        return (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(Q(is_superuser=True) | Q(groups__name__in=keepers))
            .distinct()
        )


register_permission_policy(Expert, ExpertPoolPermissionPolicy(Expert))


class ExpertFilter(WagtailFilterSet):
    category = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Field"),
        queryset=ServiceCategory.objects.filter(parent__isnull=True),
        field_name="categories",
    )
    active = django_filters.BooleanFilter(label=gettext_lazy("Active"))
    employer = django_filters.CharFilter(label=gettext_lazy("Employer"), lookup_expr="icontains")

    class Meta:
        model = Expert
        fields = ["category", "active", "employer"]


class ExpertAdminForm(CleanInputMixin, WagtailAdminModelForm):
    username = forms.CharField(
        label=gettext_lazy("User name"),
        max_length=150,
        help_text=gettext_lazy(
            "The expert's site account: an existing user name links it; a new one creates an account "
            "that can sign in once a password is set (password reset)."
        ),
    )
    email = forms.EmailField(label=gettext_lazy("Email (for a new account)"), required=False, max_length=254)
    categories = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Fields"),
        queryset=ServiceCategory.objects.filter(parent__isnull=True),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Expert
        fields = FORM_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["username"].disabled = True
            self.fields["username"].required = False
            self.fields["username"].initial = self.instance.user.username
            self.fields["username"].help_text = ""
            del self.fields["email"]


class ExpertCreateView(ServiceFormMixin, generic.CreateView):
    def service_save(self):
        data = self.form.cleaned_data
        return expert_create(
            actor=self.request.user,
            instance=self.form.instance,
            categories=data["categories"],
            username=data["username"],
            email=data.get("email") or "",
        )


class ExpertEditView(ServiceFormMixin, generic.EditView):
    def service_save(self):
        return expert_save(
            actor=self.request.user,
            instance=self.form.instance,
            categories=self.form.cleaned_data["categories"],
        )


def _fields_cell(expert) -> str:
    return "、".join(c.name for c in expert.categories.all()) or "—"


def _active_cell(expert) -> str:
    return _("Active") if expert.active else _("Inactive")


class ExpertIndexView(generic.IndexView):
    def get_base_queryset(self):
        return experts_matching()

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        for fmt in ("csv", "xlsx"):
            buttons.append(
                Button(
                    _("Export experts (%(format)s)") % {"format": fmt.upper()},
                    url=reverse("procurement_experts_export", args=[fmt]),
                    icon_name="download",
                    priority=50,
                )
            )
        buttons.append(
            Button(_("Import"), url=reverse("procurement_experts_import"), icon_name="upload", priority=60)
        )
        return buttons

    def get_list_more_buttons(self, instance):
        toggle = ListingMenuItem(
            _("Deactivate") if instance.active else _("Activate"),
            url=reverse("procurement_expert_active", args=[instance.pk]),
            icon_name="cross" if instance.active else "tick",
            priority=5,
        )
        return [toggle, *super().get_list_more_buttons(instance)]


class ExpertViewSet(ModelViewSet):
    model = Expert
    name = "procurement_expert"
    icon = "user"
    menu_label = gettext_lazy("Expert pool")
    menu_order = 310
    add_to_admin_menu = True
    url_prefix = "procurement/experts"
    index_view_class = ExpertIndexView
    add_view_class = ExpertCreateView
    edit_view_class = ExpertEditView
    delete_view_class = NoDeleteView
    copy_view_enabled = False
    inspect_view_enabled = False
    form_fields = FORM_FIELDS
    filterset_class = ExpertFilter
    search_fields = ["name", "employer", "user__username"]
    search_backend_name = None
    list_per_page = 50
    list_display = [
        "name",
        Column("username", label=gettext_lazy("User name"), accessor="user"),
        Column("fields", label=gettext_lazy("Fields"), accessor=_fields_cell),
        "title",
        "employer",
        Column("active", label=gettext_lazy("Status"), accessor=_active_cell),
    ]

    def get_form_class(self, for_update=False):
        return ExpertAdminForm


def _require_keeper(request) -> None:
    if not can_manage_experts(request.user):
        raise PermissionDenied(_("Only procurement officers and administrators keep the expert pool."))


def expert_active(request, pk: int):
    """Confirm, then activate or deactivate (POST) through `expert_set_active`."""
    _require_keeper(request)
    expert = get_object_or_404(Expert.objects.select_related("user"), pk=pk)
    if request.method == "POST":
        try:
            expert_set_active(actor=request.user, expert=expert, active=not expert.active)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(name)s is no longer drawn.") % {"name": expert.name}
                if expert.active
                else _("%(name)s can be drawn again.") % {"name": expert.name},
            )
        return redirect("procurement_expert:index")
    return render(request, "procurement/evaluation/admin/expert_active.html", {"expert": expert})


class ExpertImportForm(CleanInputMixin, forms.Form):
    file = forms.FileField(label=gettext_lazy("File (.csv or .xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


def experts_import_view(request):
    """All-or-nothing import: every problem listed with its row and column; nothing written unless
    the whole file is good."""
    _require_keeper(request)
    form = ExpertImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            headers, rows = experts_read_file(upload.read(), upload.name)
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            result = experts_import(actor=request.user, headers=headers, rows=rows)
    status = 400 if result is not None and not result.ok else 200
    return render(
        request,
        "procurement/evaluation/admin/experts_import.html",
        {"form": form, "result": result},
        status=status,
    )


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def experts_export_view(request, fmt: str):
    _require_keeper(request)
    if fmt not in EXPORT_TYPES:
        raise PermissionDenied
    experts = experts_matching()
    body = experts_export_csv(experts) if fmt == "csv" else experts_export_xlsx(experts)
    response = HttpResponse(body, content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="experts-{timezone.localdate():%Y%m%d}.{fmt}"'
    return response


@hooks.register("register_admin_viewset")
def register_expert_viewset():
    return ExpertViewSet()


@hooks.register("register_admin_urls")
def register_expert_urls():
    return [
        path("procurement/expert-pool/import/", experts_import_view, name="procurement_experts_import"),
        path(
            "procurement/expert-pool/export.<str:fmt>", experts_export_view, name="procurement_experts_export"
        ),
        path("procurement/expert-pool/<int:pk>/active/", expert_active, name="procurement_expert_active"),
    ]
