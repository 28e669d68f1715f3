"""Volunteer imports and exports run by `core.jobs` (a Celery task with a progress bar) when large:
the same import functions as the organization's volunteers page, all or nothing, audited by the
services they call, each bad row shown on the job's page as the page shows it; and the same export
rows (`volunteers.resources`), read a chunk of rows at a time into an Excel file written in
openpyxl's write-only mode (memory flat in the rows: an organizer's hours can be 200,000 rows)."""

from __future__ import annotations

from operator import itemgetter

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core import progress
from core.exports import export_file
from core.jobs import JobFailed, JobResult, job_runner
from orgs.models import Organization
from volunteers import resources, selectors
from volunteers.models import HourRecord, TrainingRecord
from volunteers.services.registration import ImportRowErrors

COLUMNS = {
    "volunteers": resources.VOLUNTEER_COLUMNS,
    "hours": resources.HOURS_COLUMNS,
    "training": resources.TRAINING_COLUMNS,
}

KIND_LABELS = {
    "volunteers": gettext_lazy("Volunteers"),
    "hours": gettext_lazy("Hours"),
    "training": gettext_lazy("Training"),
}


def import_file(*, actor, organization, kind: str, upload) -> list:
    """The page's import of `kind` ("volunteers", "hours" or "training")."""
    if kind == "hours":
        return resources.import_hours(actor=actor, upload=upload)
    if kind == "training":
        return resources.import_training(actor=actor, upload=upload)
    return resources.import_volunteers(actor=actor, organization=organization, upload=upload)


@job_runner
def volunteer_import(job) -> JobResult:
    """`job.params`: kind, organization (pk), the uploaded file's name and its number of rows; the
    file is `job.input_file`."""
    organization = Organization.objects.get(pk=job.params["organization"])
    with job.input_file.open("rb") as handle:
        upload = ContentFile(handle.read(), name=job.params["filename"])
    progress.report(0, job.params.get("rows"))  # the import itself reports its batches as it goes
    try:
        created = import_file(
            actor=job.owner, organization=organization, kind=job.params["kind"], upload=upload
        )
    except ImportRowErrors as exc:
        errors = [
            {"row": row, "column": "", "message": "；".join(messages)} for row, messages in exc.row_errors
        ]
        raise JobFailed(
            ngettext(
                "Nothing was imported: %(n)s row has errors.",
                "Nothing was imported: %(n)s rows have errors.",
                len(errors),
            )
            % {"n": len(errors)},
            {"errors": errors},
        ) from exc
    except ValidationError as exc:
        raise JobFailed("；".join(exc.messages)) from exc
    except PermissionDenied as exc:
        raise JobFailed(str(exc) or _("Not allowed.")) from exc
    count = len(created)
    return JobResult(
        ngettext("Imported %(n)s row.", "Imported %(n)s rows.", count) % {"n": count}, {"written": count}
    )


# --- exports ----------------------------------------------------------------------------------------

# what → (the rows function of volunteers.resources, the order it writes rows in)
EXPORTS = {
    "volunteers": (resources.volunteer_rows, ("number", "pk")),
    "hours": (resources.hour_rows, ("check_in_at", "pk")),
    "training": (resources.training_rows, ("taken_on", "pk")),
}
EXPORT_CHUNK = 2000


def export_queryset(organization, what: str):
    """The rows of `what` the organization's export holds (its volunteers, their hours on its
    needs, their training)."""
    volunteers = selectors.volunteers_of_organizations([organization.pk])
    if what == "volunteers":
        return volunteers
    if what == "hours":
        return HourRecord.objects.filter(slot__need__project__organization=organization)
    return TrainingRecord.objects.filter(volunteer__in=volunteers)


def _chunked_rows(what: str, queryset):
    """The export's rows in its order, built `EXPORT_CHUNK` rows at a time by the same rows
    function as the page's download (each chunk is a run of consecutive rows in that order)."""
    rows_of, order = EXPORTS[what]
    batch: list = []
    for pk in queryset.order_by(*order).values_list("pk", flat=True).iterator(chunk_size=EXPORT_CHUNK):
        batch.append(pk)
        if len(batch) == EXPORT_CHUNK:
            yield from rows_of(queryset.model.objects.filter(pk__in=batch))[1]
            batch = []
    if batch:
        yield from rows_of(queryset.model.objects.filter(pk__in=batch))[1]


@job_runner
def volunteer_export(job) -> JobResult:
    """`job.params`: organization (pk) and what ("volunteers", "hours" or "training")."""
    organization = Organization.objects.get(pk=job.params["organization"])
    what = job.params["what"]
    queryset = export_queryset(organization, what)
    header = EXPORTS[what][0](queryset.none())[0]
    columns = [(title, itemgetter(index)) for index, title in enumerate(header)]
    total = queryset.count()
    handle, name, content_type = export_file(
        _chunked_rows(what, queryset), columns, filename=f"{what}-{organization.pk}", fmt="xlsx", total=total
    )
    message = ngettext("Exported %(n)s row.", "Exported %(n)s rows.", total) % {"n": total}
    return JobResult(message, {"rows": total}, file=handle, filename=name, content_type=content_type)
