"""Old job files (core/jobs.py `job_files_expire`, task `core.expire_job_files`, daily in beat): a
finished job's result file is kept JOBS_KEEP_DAYS days, then deleted from storage and its field
cleared in one set-based pass with one audit event; the job's pages then say the file has expired
instead of offering a broken download."""

import datetime

import pytest
from django.conf import settings as live
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import Event
from core import jobs, tasks
from core.models import Job, JobStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2026, 5, 20, 3, 30))


def _job(owner, *, status=JobStatus.DONE, days_ago=None, with_file=True, title="导出：志愿者") -> Job:
    job = Job(
        owner=owner,
        kind="t.export",
        title=title,
        runner="-",
        status=status,
        finished_at=None if days_ago is None else NOW - datetime.timedelta(days=days_ago),
    )
    if with_file:
        job.result_file.save("volunteers-1.xlsx", ContentFile(b"PK-data"), save=False)
        job.result_filename = "volunteers-1.xlsx"
    job.save()
    return job


def _storage():
    return Job._meta.get_field("result_file").storage


def test_files_older_than_the_kept_days_are_deleted_and_their_jobs_marked(settings):
    settings.JOBS_KEEP_DAYS = 7
    owner = UserFactory()
    old = _job(owner, days_ago=8)
    old_failed = _job(owner, status=JobStatus.FAILED, days_ago=30)
    recent = _job(owner, days_ago=6)
    running = _job(owner, status=JobStatus.RUNNING)  # never finished: not touched
    old_without_file = _job(owner, days_ago=9, with_file=False)
    names = {job.pk: job.result_file.name for job in (old, old_failed, recent, running)}

    assert jobs.job_files_expire(now=NOW) == 2

    for job in (old, old_failed):
        job.refresh_from_db()
        assert not job.result_file and not _storage().exists(names[job.pk])
        assert job.result_filename == "volunteers-1.xlsx"  # the name stays, for the page to say what expired
    for job in (recent, running):
        job.refresh_from_db()
        assert job.result_file.name == names[job.pk] and _storage().exists(names[job.pk])
    old.refresh_from_db()
    assert old.status == JobStatus.DONE and jobs.job_file_expired(old)
    assert not jobs.job_file_expired(recent) and not jobs.job_file_expired(old_without_file)
    event = Event.objects.get(action="job.files_expire")
    assert event.actor is None and event.object_type == "core.job"
    assert event.after["count"] == 2 and sorted(event.after["jobs"]) == sorted([old.pk, old_failed.pk])
    assert event.after["keep_days"] == 7

    # a second run finds nothing and records nothing
    assert jobs.job_files_expire(now=NOW) == 0
    assert Event.objects.filter(action="job.files_expire").count() == 1


def test_the_kept_days_follow_the_setting(settings):
    owner = UserFactory()
    job = _job(owner, days_ago=3)
    settings.JOBS_KEEP_DAYS = 7
    assert jobs.job_files_expire(now=NOW) == 0
    settings.JOBS_KEEP_DAYS = 2
    assert jobs.job_files_expire(now=NOW) == 1
    job.refresh_from_db()
    assert not job.result_file


def _sweep_queries(count: int) -> tuple[int, int]:
    owner = UserFactory()
    due = [_job(owner, days_ago=10) for _ in range(count)]
    with CaptureQueriesContext(connection) as queries:
        expired = jobs.job_files_expire(now=NOW)
    assert expired == count
    assert not Job.objects.filter(pk__in=[job.pk for job in due]).exclude(result_file="").exists()
    assert all(not _storage().exists(job.result_file.name) for job in due)
    return len(queries.captured_queries)


def test_the_sweep_runs_the_same_queries_for_three_times_the_jobs():
    few = _sweep_queries(3)
    many = _sweep_queries(9)
    assert few == many
    assert Event.objects.filter(action="job.files_expire").count() == 2  # one per run


def test_a_file_storage_cannot_delete_is_left_and_the_job_still_expires(monkeypatch, caplog):
    job = _job(UserFactory(), days_ago=10)

    def refuse(name):
        raise OSError("read-only")

    monkeypatch.setattr(_storage(), "delete", refuse)
    assert jobs.job_files_expire(now=NOW) == 1
    job.refresh_from_db()
    assert not job.result_file
    assert "could not delete the expired job file" in caplog.text


def test_the_daily_task_is_in_the_beat_schedule_on_the_sweeps_queue(settings):
    entry = live.CELERY_BEAT_SCHEDULE["core-expire-job-files"]
    assert entry["task"] == "core.expire_job_files" == tasks.expire_job_files.name
    assert entry["options"]["queue"] == "sweeps"
    assert live.JOBS_KEEP_DAYS == 7  # the default
    settings.JOBS_KEEP_DAYS = 0
    job = _job(UserFactory(), days_ago=1)
    assert tasks.expire_job_files.delay().get() == 1
    job.refresh_from_db()
    assert not job.result_file


def test_the_pages_show_an_expired_file_instead_of_a_download(client, settings):
    settings.JOBS_KEEP_DAYS = 7
    owner = UserFactory()
    job = _job(owner, days_ago=8, title="导出：服务时长")
    kept = _job(owner, days_ago=1, title="导出：培训")
    client.force_login(owner)
    download = reverse("core:job_download", args=[job.public_id])
    assert client.get(download).status_code == 200
    jobs.job_files_expire(now=NOW)

    listing = client.get(reverse("core:job_list")).content.decode()
    assert listing.count('class="job-expired"') == 1
    assert download not in listing and reverse("core:job_download", args=[kept.public_id]) in listing
    assert "7" in listing.split('<p class="help">', 1)[1].split("</p>", 1)[0]  # how long files are kept
    page = client.get(job.get_absolute_url()).content.decode()
    assert download not in page and 'class="job-expired"' in page and "volunteers-1.xlsx" in page
    # an old link to the download leads to the job's page, which says why
    response = client.get(download)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    # a stranger still learns nothing of the job
    client.force_login(UserFactory())
    assert client.get(download).status_code == 404
