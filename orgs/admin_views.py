"""Staff views in the Wagtail admin: the register's import (all-or-nothing) and export of each kind
(`orgs.resources.KINDS`): organizations, grades, credit lists, annual reports. The admin lists export
their filtered rows themselves (`orgs.wagtail_hooks.RegisterIndexView`); `export_view` answers the
whole register of a kind, or with `?template=1` an empty sheet with its column headers.

Long work goes to the background (core/jobs.py, orgs/jobs.py) with a progress bar the user may leave
and come back to: a file of more than `core.rules.jobs_import_min_rows()` rows is imported by a job
(checked as it is read here first: an unreadable file is refused at once), and an Excel export of more
than `core.rules.jobs_export_min_rows()` rows is written by one, after the user confirms (a POST, so
that no link or prefetch starts work)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import rules
from core.exports import export_runs_as_job
from core.jobs import job_start
from core.normalize import CleanInputMixin
from orgs import jobs
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
            kind = form.cleaned_data["kind"]
            if len(dataset) > rules.jobs_import_min_rows():
                job = job_start(
                    owner=request.user,
                    runner=jobs.register_import,
                    kind="orgs.register_import",
                    title=jobs.import_title(KIND_LABELS[kind]),
                    params={"kind": kind, "filename": upload.name},
                    upload=upload,
                    back_url=reverse(KIND_INDEX_URLS[kind]),
                )
                return redirect(job.get_absolute_url())
            result = import_dataset(actor=request.user, kind=kind, dataset=dataset)
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
    """The whole register of `kind` (staff who read the register), or its empty template. A large
    Excel file is written by a background job: this page asks, its POST starts the job."""
    if not is_register_reader(request.user) or kind not in KINDS:
        raise PermissionDenied
    queryset = export_queryset(kind)
    if request.GET.get("template"):
        return register_export_response(kind, queryset.none(), fmt=fmt)
    if fmt == "xlsx":
        count = queryset.count()
        if export_runs_as_job(fmt, count):
            if request.method == "POST":
                job = job_start(
                    owner=request.user,
                    runner=jobs.register_export,
                    kind="orgs.register_export",
                    title=jobs.export_title(KIND_LABELS[kind], fmt),
                    params={"kind": kind, "fmt": fmt},
                )
                return redirect(job.get_absolute_url())
            context = {
                "kind_label": KIND_LABELS[kind],
                "count": count,
                "csv_url": reverse("orgs_export", args=[kind, "csv"]),
            }
            return render(request, "orgs/admin/export_job.html", context)
    return register_export_response(kind, queryset, fmt=fmt)
