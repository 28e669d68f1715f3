"""The register's long work run by `core.jobs` (a Celery task with a progress bar): a large import
and a large Excel export of one kind of register data (`orgs.resources.KINDS`). The same functions
as the import page and the export view, with the same all-or-nothing import and the same audit:
only the place where they run changes."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import progress
from core.exports import export_file
from core.jobs import JobFailed, JobResult, job_runner
from orgs.resources import (
    KINDS,
    ImportFileError,
    export_columns,
    export_queryset,
    import_dataset,
    load_dataset,
)


def import_message(result) -> str:
    """What the owner reads when an import went through (the import page says the same)."""
    message = ngettext("Imported %(n)s row.", "Imported %(n)s rows.", result.written) % {"n": result.written}
    if result.unchanged:
        message += ngettext(
            "%(n)s row already read as on record and was left alone.",
            "%(n)s rows already read as on record and were left alone.",
            result.unchanged,
        ) % {"n": result.unchanged}
    return message


@job_runner
def register_import(job) -> JobResult:
    """`job.params`: kind and the uploaded file's name; the file is `job.input_file`."""
    with job.input_file.open("rb") as handle:
        content = handle.read()
    try:
        dataset = load_dataset(content, job.params["filename"])
    except ImportFileError as exc:
        raise JobFailed(str(exc)) from exc
    progress.report(0, len(dataset))  # the import itself reports its batches as it goes
    result = import_dataset(actor=job.owner, kind=job.params["kind"], dataset=dataset)
    if not result.ok:
        raise JobFailed(
            ngettext(
                "Nothing was imported: %(n)s error.",
                "Nothing was imported: %(n)s errors.",
                len(result.errors),
            )
            % {"n": len(result.errors)},
            {"errors": [{"row": e.row, "column": e.column, "message": e.message} for e in result.errors]},
        )
    return JobResult(import_message(result), {"written": result.written, "unchanged": result.unchanged})


@job_runner
def register_export(job) -> JobResult:
    """The whole register of `job.params["kind"]` as `job.params["fmt"]`."""
    kind, fmt = job.params["kind"], job.params["fmt"]
    spec = KINDS[kind]
    queryset = export_queryset(kind)
    total = queryset.count()
    resource = spec.resource()
    handle, name, content_type = export_file(
        resource.iter_queryset(spec.prepare(queryset)),
        export_columns(resource),
        filename=f"{kind}-{timezone.localdate():%Y%m%d}",
        fmt=fmt,
        total=total,
    )
    message = ngettext("Exported %(n)s row.", "Exported %(n)s rows.", total) % {"n": total}
    return JobResult(message, {"rows": total}, file=handle, filename=name, content_type=content_type)


def import_title(kind_label) -> str:
    return _("Import: %(what)s") % {"what": kind_label}


def export_title(kind_label, fmt: str) -> str:
    return _("Export: %(what)s (%(format)s)") % {
        "what": kind_label,
        "format": "Excel" if fmt == "xlsx" else "CSV",
    }
