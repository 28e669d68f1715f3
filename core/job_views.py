"""The pages of long work (core.jobs): the user's jobs, one job with its progress bar and outcome,
the small JSON answer the bar polls, and the download of the job's file. Only the job's owner (and
superusers) see any of them; for everyone else the job does not exist (404).

The list and a job's page remember in the session that its user has jobs (`HAS_JOBS_SESSION_KEY`),
so that the site's header offers "My background work" without a query on every page (every job
start leads to the job's page, and so does its notification)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from core.jobs import job_file_expired, job_for_user, job_progress, job_state, jobs_of, keep_days
from core.models import JobStatus

JOBS_PER_PAGE = 20
# Read by templates/base.html (the header's link to the list); set once, never per poll.
HAS_JOBS_SESSION_KEY = "core_has_jobs"


def _remember_jobs(request) -> None:
    if not request.session.get(HAS_JOBS_SESSION_KEY):
        request.session[HAS_JOBS_SESSION_KEY] = True


@login_required
@require_GET
def job_list(request):
    page = Paginator(jobs_of(user=request.user), JOBS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(job, job_progress(job)) for job in page.object_list]
    if rows:
        _remember_jobs(request)
    return render(request, "core/jobs/job_list.html", {"page": page, "rows": rows, "keep_days": keep_days()})


@login_required
@require_GET
def job_detail(request, public_id):
    job = job_for_user(user=request.user, public_id=public_id)
    if job.owner_id == request.user.pk:
        _remember_jobs(request)
    return render(
        request,
        "core/jobs/job_detail.html",
        {
            "job": job,
            "state": job_state(job),
            "file_expired": job_file_expired(job),
            "keep_days": keep_days(),
        },
    )


@login_required
@require_GET
def job_status(request, public_id):
    """One query (the job row) and, while it runs, one cache read."""
    job = job_for_user(user=request.user, public_id=public_id)
    response = JsonResponse(job_state(job))
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def job_download(request, public_id):
    job = job_for_user(user=request.user, public_id=public_id)
    if job_file_expired(job):  # an old link (a notification, a bookmark): the page says why
        return redirect(job.get_absolute_url())
    if job.status != JobStatus.DONE or not job.result_file:
        raise Http404
    try:
        handle = job.result_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=job.result_filename, content_type=job.result_content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
