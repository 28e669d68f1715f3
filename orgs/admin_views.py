"""Staff views in the Wagtail admin: the register's import (all-or-nothing) and export of each kind
(`orgs.resources.KINDS`): organizations, grades, credit lists, annual reports. The admin lists export
their filtered rows themselves (`orgs.wagtail_hooks.RegisterIndexView`); `export_view` answers the
whole register of a kind, or with `?template=1` an empty sheet with its column headers."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.normalize import CleanInputMixin
from orgs.permissions import is_register_reader, is_registry_admin
from orgs.resources import (
    KINDS,
    ImportFileError,
    export_queryset,
    import_dataset,
    load_dataset,
    register_export_response,
)

MAX_IMPORT_BYTES = 5 * 1024 * 1024
KIND_LABELS = {
    "organizations": gettext_lazy("Organizations"),
    "grades": gettext_lazy("Evaluation grades"),
    "credit-lists": gettext_lazy("Credit lists"),
    "annual-reports": gettext_lazy("Annual reports"),
}
# Where each kind's list is in the admin (the import page links back to it).
KIND_INDEX_URLS = {
    "organizations": "organization:index",
    "grades": "evaluationgrade:index",
    "credit-lists": "creditlistentry:index",
    "annual-reports": "annualreport:index",
}


class ImportForm(CleanInputMixin, forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What to import"),
        choices=list(KIND_LABELS.items()),
    )
    file = forms.FileField(label=gettext_lazy("File (.csv or .xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


def import_view(request):
    if not is_registry_admin(request.user):
        raise PermissionDenied(_("Only a registry administrator may import into the register."))
    kind = request.POST.get("kind") or request.GET.get("kind")
    kind = kind if kind in KINDS else "organizations"
    form = ImportForm(request.POST or None, request.FILES or None, initial={"kind": kind})
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            dataset = load_dataset(upload.read(), upload.name)
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            result = import_dataset(actor=request.user, kind=form.cleaned_data["kind"], dataset=dataset)
    status = 400 if result is not None and not result.ok else 200
    context = {
        "form": form,
        "result": result,
        "kinds": KIND_LABELS.items(),
        "kind": kind,
        "index_url": KIND_INDEX_URLS[kind],
    }
    return render(request, "orgs/admin/import.html", context, status=status)


def export_view(request, kind: str, fmt: str):
    """The whole register of `kind` (staff who read the register), or its empty template."""
    if not is_register_reader(request.user) or kind not in KINDS:
        raise PermissionDenied
    queryset = export_queryset(kind)
    if request.GET.get("template"):
        queryset = queryset.none()
    return register_export_response(kind, queryset, fmt=fmt)
