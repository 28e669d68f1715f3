"""Volunteer imports run by `core.jobs` (a Celery task with a progress bar) when the file is large:
the same import functions as the organization's volunteers page, all or nothing, audited by the
services they call; each bad row is shown on the job's page as the page shows it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core import progress
from core.jobs import JobFailed, JobResult, job_runner
from orgs.models import Organization
from volunteers import resources
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
