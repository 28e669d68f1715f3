"""Staff views in the Wagtail admin: the register's import (all-or-nothing) and export."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.normalize import CleanInputMixin
from orgs.permissions import is_register_reader, is_registry_admin
from orgs.resources import ImportFileError, export_dataset, import_dataset, load_dataset

MAX_IMPORT_BYTES = 5 * 1024 * 1024
EXPORT_FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


class ImportForm(CleanInputMixin, forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What to import"),
        choices=[
            ("organizations", gettext_lazy("Organizations")),
            ("grades", gettext_lazy("Evaluation grades")),
        ],
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
    form = ImportForm(request.POST or None, request.FILES or None)
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
    return render(request, "orgs/admin/import.html", {"form": form, "result": result}, status=status)


def export_view(request, kind: str, fmt: str):
    if (
        not is_register_reader(request.user)
        or kind not in ("organizations", "grades")
        or fmt not in EXPORT_FORMATS
    ):
        raise PermissionDenied
    dataset = export_dataset(kind)
    content_type, extension = EXPORT_FORMATS[fmt]
    body = dataset.export(fmt)
    if fmt == "csv":
        body = "\ufeff" + body  # BOM so that Excel opens UTF-8 Chinese correctly
    response = HttpResponse(body, content_type=content_type)
    filename = f"{kind}-{timezone.localdate():%Y%m%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
