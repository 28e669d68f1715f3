"""Long work in the background with a progress bar: imports, large exports, reports.

A view calls `job_start(...)` with a *runner*, a function of some app registered with `@job_runner`;
the service stores a `core.Job` row (and the uploaded file, in private storage) and queues the Celery
task `core.run_job` when the transaction commits. The task calls `job_run`, which runs the runner with
`core.progress.listening(...)` bound, so every `core.progress.report(done, total)` the runner's
services make (once per batch) moves the owner's progress bar; then it keeps the result file in
private storage, marks the job done or failed with a message in the owner's language, and notifies
the owner (in the site: the owner may have left the page).

    @job_runner
    def register_import(job: Job) -> JobResult:
        ...  # raise JobFailed(message, details) for an outcome the user must act on

Progress is written to a cache every process shares (`JOBS_PROGRESS_CACHE`, by default the one
worker heartbeats use: Redis in production, files on one machine), at most once a second or once
per percent: an import writes its rows inside one transaction, so a progress row in the database
would not be seen before the commit (and SQLite takes one writer at a time). The job row itself is
written at the start and at the end only.

Only the job's owner (and superusers) see a job and download its file (`job_for_user`); the work the
runner does is audited by the services it calls, as when the same work runs in a request.

A result file is kept `JOBS_KEEP_DAYS` days after the job finished (default 7): the daily sweep
`job_files_expire` (task `core.expire_job_files`) deletes older files from storage and clears their
field, keeping the file's name, so the job's pages show the file as expired, not a broken link."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import caches
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit
from core import progress
from core.models import Job, JobStatus
from core.notifications import notify, register_event
from core.queueing import enqueue

logger = logging.getLogger(__name__)

JOB_FINISHED_EVENT = "core.job_finished"
PROGRESS_TIMEOUT_SECONDS = 24 * 3600
# A progress write once per percent of the total, or once a second when slower: not one per row.
PROGRESS_EVERY_SECONDS = 1.0

register_event(
    JOB_FINISHED_EVENT,
    label=gettext_lazy("Background work finished (imports, exports)"),
    subject=gettext_lazy("Background work %(outcome)s: %(title)s"),
    body_template_or_text=gettext_lazy("%(message)s"),
    email=False,
)


class JobFailed(Exception):
    """Raised by a runner for an outcome the user must act on (a file with bad rows, a file that
    cannot be read): `message` is shown as it is, `details` (JSON) on the job's page."""

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message)
        self.message = str(message)
        self.details = details or {}


@dataclass
class JobResult:
    """What a runner returns: the message shown when done, details for the page, and optionally a
    file (an open binary file or a path) to keep for download as `filename`."""

    message: str
    details: dict = field(default_factory=dict)
    file: object | None = None
    filename: str = ""
    content_type: str = "application/octet-stream"


Runner = Callable[[Job], JobResult]
_RUNNERS: dict[str, Runner] = {}


def _path_of(function: Callable) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def job_runner(function: Runner) -> Runner:
    """Declare `function(job) -> JobResult` as work `job_start` may queue. Only declared runners run:
    the task imports the runner by its dotted path and refuses anything else."""
    _RUNNERS[_path_of(function)] = function
    return function


def _runner(path: str) -> Runner:
    if path not in _RUNNERS:
        import_string(path)  # the runner's module declares it when imported (in the worker)
    try:
        return _RUNNERS[path]
    except KeyError:
        raise ValueError(f"{path} is not a declared job runner") from None


# --- starting ---------------------------------------------------------------------------------------


def job_start(
    *,
    owner,
    runner: Runner,
    kind: str,
    title: str,
    params: dict | None = None,
    upload=None,
    back_url: str = "",
) -> Job:
    """Store a queued job of `owner` (with `upload`, an uploaded file, kept in private storage until
    the job has run) and queue its task once the transaction commits. Checking that the owner may do
    the work is the caller's (the view's) and, again, the services' the runner calls."""
    path = _path_of(runner)
    if _RUNNERS.get(path) is not runner:
        raise ValueError(f"{path} is not a declared job runner")
    job = Job(
        owner=owner,
        kind=kind,
        title=str(title)[:200],
        runner=path,
        params=params or {},
        language=translation.get_language() or settings.LANGUAGE_CODE,
        back_url=back_url,
    )
    if upload is not None:
        upload.seek(0)
        job.input_file.save(os.path.basename(upload.name or "upload"), upload, save=False)
    job.save()
    from core.tasks import run_job  # core.tasks imports core.notifications, which this module uses

    enqueue(run_job, job.pk)
    return job


# --- running ----------------------------------------------------------------------------------------


def _progress_cache():
    alias = getattr(settings, "JOBS_PROGRESS_CACHE", None)
    if alias is None:
        alias = "heartbeats" if "heartbeats" in settings.CACHES else "default"
    return caches[alias]


def _progress_key(job: Job) -> str:
    return f"core-job-progress:{job.public_id}"


class _ProgressWriter:
    """The `core.progress` listener of one job: keeps (done, total) in the shared cache, throttled."""

    def __init__(self, job: Job):
        self.key = _progress_key(job)
        self.cache = _progress_cache()
        self.last_time = 0.0
        self.last_done = -1
        self.last_total: int | None = None

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        step = max(1, (total or 0) // 100)
        due = (
            self.last_done < 0
            or total != self.last_total
            or (total is not None and done >= total)
            or done - self.last_done >= step
            or (done != self.last_done and now - self.last_time >= PROGRESS_EVERY_SECONDS)
        )
        if not due:
            return
        self.last_time, self.last_done, self.last_total = now, done, total
        try:
            self.cache.set(self.key, (int(done), total), PROGRESS_TIMEOUT_SECONDS)
        except Exception:  # a progress bar is never worth failing the work
            logger.warning("could not write the progress of %s", self.key, exc_info=True)


def job_progress(job: Job) -> tuple[int, int | None]:
    """(done, total) of `job`: from the shared cache while it runs, from the row otherwise."""
    if job.status != JobStatus.RUNNING:
        return job.done, job.total
    try:
        found = _progress_cache().get(_progress_key(job))
    except Exception:
        found = None
    return tuple(found) if found else (job.done, job.total)


def _claim(job_id: int) -> Job | None:
    """Mark the job running; None when it has already finished (a task delivered twice)."""
    claimed = Job.objects.filter(pk=job_id, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), done=0
    )
    if not claimed:
        return None
    return Job.objects.select_related("owner").get(pk=job_id)


def _keep_file(job: Job, result: JobResult) -> None:
    if result.file is None:
        return
    name = result.filename or "result"
    if isinstance(result.file, str | os.PathLike):
        with open(result.file, "rb") as handle:
            job.result_file.save(name, File(handle), save=False)
    else:
        result.file.seek(0)
        job.result_file.save(name, File(result.file), save=False)
        result.file.close()
    job.result_filename = name
    job.result_content_type = result.content_type


def _finish(job: Job, *, status: str, message: str, details: dict) -> None:
    done, total = job_progress(job)
    job.status = status
    job.message = message[:300]
    job.details = details
    job.finished_at = timezone.now()
    if status == JobStatus.DONE:
        job.done = total if total is not None else done
        job.total = total if total is not None else done
    else:
        job.done, job.total = done, total
    if job.input_file:
        job.input_file.delete(save=False)  # the upload may hold personal data: kept no longer than needed
    job.save()
    with contextlib.suppress(Exception):  # an entry left behind expires by itself
        _progress_cache().delete(_progress_key(job))
    outcome = _("done") if status == JobStatus.DONE else _("failed")
    notify(
        JOB_FINISHED_EVENT,
        recipients=[job.owner],
        obj=job,
        context={
            "title": job.title,
            "outcome": outcome,
            "message": job.message,
            "url": job.get_absolute_url(),
        },
    )


def job_run(*, job_id: int) -> str:
    """Run the job's runner (the task `core.run_job`): idempotent, a finished job is left alone; a job
    whose worker died mid-run runs again from the start (imports are all or nothing)."""
    job = _claim(job_id)
    if job is None:
        return "finished already"
    with translation.override(job.language):
        try:
            with progress.listening(_ProgressWriter(job)):
                result = _runner(job.runner)(job)
            _keep_file(job, result)
        except JobFailed as exc:
            _finish(job, status=JobStatus.FAILED, message=exc.message, details=exc.details)
            return "failed"
        except SoftTimeLimitExceeded:
            _finish(
                job, status=JobStatus.FAILED, message=_("The work took too long and was stopped."), details={}
            )
            return "failed"
        except Exception:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            _finish(
                job,
                status=JobStatus.FAILED,
                message=_(
                    "The work failed because of an error on the server. Try again later or ask the administrator."
                ),
                details={},
            )
            return "failed"
        _finish(job, status=JobStatus.DONE, message=result.message, details=result.details)
    return "done"


# --- expiring result files -------------------------------------------------------------------------

# At most this many files per run (a fixed number of queries however many are due); the rest, if a
# backlog ever exceeds it, go on the next day's run.
EXPIRE_BATCH = 5000


def keep_days() -> int:
    """How many days a finished job's result file is kept (`JOBS_KEEP_DAYS`, default 7)."""
    return int(getattr(settings, "JOBS_KEEP_DAYS", 7))


def job_files_expire(*, now: datetime | None = None) -> int:
    """Delete the result files of jobs that finished more than `keep_days()` days ago and clear their
    field (the file's name stays: the pages show it as expired). Set-based: one query selects the
    due jobs (locked, skipping rows another run holds), one update clears them, one audit event
    records the run with the count; then the files are deleted from storage one by one (a file that
    cannot be deleted is logged and left: the row no longer offers it). Returns the number of jobs."""
    now = now or timezone.now()
    days = keep_days()
    cutoff = now - timedelta(days=days)
    with transaction.atomic():
        due = list(
            Job.objects.select_for_update(skip_locked=True)
            .filter(status__in=[JobStatus.DONE, JobStatus.FAILED], finished_at__lt=cutoff)
            .exclude(result_file="")
            .order_by("pk")
            .values_list("pk", "result_file")[:EXPIRE_BATCH]
        )
        if not due:
            return 0
        ids = [pk for pk, _name in due]
        Job.objects.filter(pk__in=ids).update(result_file="")
        audit.record(
            actor=None,
            action="job.files_expire",
            object_type="core.job",
            after={"count": len(ids), "keep_days": days, "jobs": ids},
        )
    storage = Job._meta.get_field("result_file").storage
    for _pk, name in due:
        try:
            storage.delete(name)
        except Exception:  # the row no longer offers the file; an orphan is logged, not fatal
            logger.warning("could not delete the expired job file %s", name, exc_info=True)
    return len(due)


def job_file_expired(job: Job) -> bool:
    """Whether `job` had a result file that the sweep has since deleted."""
    return job.status == JobStatus.DONE and bool(job.result_filename) and not job.result_file


# --- reading ----------------------------------------------------------------------------------------


def has_jobs(*, user) -> bool:
    """Whether the user has started any job (one query; the workbench offers the list then)."""
    return bool(user and user.is_authenticated) and Job.objects.filter(owner=user).exists()


def jobs_of(*, user) -> QuerySet[Job]:
    """The user's own jobs, newest first."""
    return Job.objects.filter(owner=user).order_by("-created_at", "-pk")


def job_for_user(*, user, public_id) -> Job:
    """The job, if `user` started it (or is a superuser); 404 otherwise, so that nobody learns that
    another user's job exists."""
    job = Job.objects.filter(public_id=public_id).first()
    if job is None or not (job.owner_id == user.pk or user.is_superuser):
        raise Http404
    return job


def job_state(job: Job) -> dict:
    """The JSON the progress bar polls."""
    done, total = job_progress(job)
    percent = 100 if job.status == JobStatus.DONE else (min(100, done * 100 // total) if total else None)
    return {
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "done": done,
        "total": total,
        "percent": percent,
        "finished": job.is_finished,
        "text": _progress_text(job.status, done, total, percent),
        "message": job.message,
    }


def _progress_text(status: str, done: int, total: int | None, percent: int | None) -> str:
    if status == JobStatus.QUEUED:
        return _("Waiting for its turn…")
    if status == JobStatus.RUNNING and total:
        return _("%(done)s of %(total)s done (%(percent)s%%)") % {
            "done": done,
            "total": total,
            "percent": percent,
        }
    if status == JobStatus.RUNNING:
        return _("Working…")
    return str(JobStatus(status).label)
