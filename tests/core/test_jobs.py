"""Long work in the background (core/jobs.py): large register imports and Excel exports and large
volunteer imports become jobs run by `core.run_job` (eager here, after commit); the owner follows the
progress on the job's page (JSON polled by static/js/job-progress.js), reads an import's row errors
there as the import page shows them, downloads the export's file; nobody else sees the job."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from audit.models import Event
from core import jobs, progress
from core.models import Job, JobStatus, Notification
from orgs.models import AnnualReport
from tests.factories import TEST_PASSWORD, UserFactory, staff_user
from tests.orgs.factories import OrganizationFactory, member, registry_admin
from tests.volunteers.test_resources import volunteer_row
from volunteers import resources as volunteer_resources
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db

IMPORT = "/cms-admin/orgs/import/"
REPORT_HEADERS = ["统一社会信用代码", "年度", "报送日期", "结论"]


def _login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)


def _csv(rows, headers=REPORT_HEADERS, name="reports.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8-sig"))


@pytest.fixture
def small_thresholds(settings):
    settings.JOBS_IMPORT_MIN_ROWS = 1
    settings.JOBS_EXPORT_MIN_ROWS = 1


def _post_import(client, django_capture_on_commit_callbacks, upload, kind="annual-reports"):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(IMPORT, {"kind": kind, "file": upload})
    assert response.status_code == 302, response.content.decode()[:500]
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    return job


def test_a_large_register_import_is_a_job_that_writes_through_the_services(
    client, small_thresholds, django_capture_on_commit_callbacks
):
    registry = registry_admin()
    first, second = OrganizationFactory(), OrganizationFactory()
    _login(client, registry)
    upload = _csv([[first.uscc, "2025", "2026-04-10", "合格"], [second.uscc, "2025", "2026-04-11", ""]])
    job = _post_import(client, django_capture_on_commit_callbacks, upload)

    job.refresh_from_db()
    assert (job.status, job.kind, job.done, job.total) == (JobStatus.DONE, "orgs.register_import", 2, 2)
    assert job.message == "已导入2行。"
    assert not job.input_file  # the upload is not kept once the job has run
    assert AnnualReport.objects.filter(organization__in=[first, second], year=2025).count() == 2
    assert Event.objects.filter(action__startswith="annual_report.", actor=registry).count() == 2
    page = client.get(job.get_absolute_url()).content.decode()
    assert "已导入2行。" in page and "已完成" in page and reverse("annualreport:index") in page
    # the owner hears of it in the site, linked to the job's page
    notification = Notification.objects.get(recipient=registry, event=jobs.JOB_FINISHED_EVENT)
    assert notification.url == job.get_absolute_url() and "已完成" in notification.subject


def test_a_job_import_with_bad_rows_writes_nothing_and_lists_every_bad_row(
    client, small_thresholds, django_capture_on_commit_callbacks
):
    registry = registry_admin()
    good = OrganizationFactory()
    _login(client, registry)
    rows = [
        [good.uscc, "2025", "2026-04-10", "合格"],
        ["91110000MA00000000", "2025", "2026-04-10", ""],  # no such organization
        [good.uscc, "二〇二五", "2026-02-30", ""],  # a year and a date that are not
    ]
    job = _post_import(client, django_capture_on_commit_callbacks, _csv(rows))

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.message.startswith("未导入任何数据")
    errors = {(e["row"], e["column"]) for e in job.details["errors"]}
    assert {row for row, _column in errors} == {3, 4}
    assert not AnnualReport.objects.exists()  # all or nothing
    page = client.get(job.get_absolute_url()).content.decode()
    assert page.count('class="import-error"') == len(job.details["errors"])
    assert "报送日期" in page and "download" not in page.split('id="job"')[1]


def test_a_small_import_stays_in_the_request(client, django_capture_on_commit_callbacks):
    registry = registry_admin()
    organization = OrganizationFactory()
    _login(client, registry)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            IMPORT, {"kind": "annual-reports", "file": _csv([[organization.uscc, "2025", "2026-04-10", ""]])}
        )
    assert response.status_code == 200 and response.context["result"].written == 1
    assert not Job.objects.exists()


def test_an_unreadable_file_is_refused_at_once_without_a_job(client, small_thresholds):
    _login(client, registry_admin())
    response = client.post(
        IMPORT, {"kind": "grades", "file": SimpleUploadedFile("g.xlsx", b"not a workbook")}
    )
    assert response.status_code == 200 and "file" in response.context["form"].errors
    assert not Job.objects.exists()


def test_a_large_excel_export_is_a_job_whose_file_only_its_owner_downloads(
    client, small_thresholds, django_capture_on_commit_callbacks
):
    registry = registry_admin()
    for name in ("甲社工服务中心", "乙养老服务中心", "丙志愿服务协会"):
        OrganizationFactory(name=name)
    _login(client, registry)
    url = reverse("orgs_export", args=["organizations", "xlsx"])
    confirm = client.get(url)  # a GET starts nothing: it asks
    assert confirm.status_code == 200 and "3" in confirm.content.decode() and not Job.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert (job.status, job.total, job.message) == (JobStatus.DONE, 3, "已导出3行。")
    assert job.result_filename.startswith("organizations-") and job.result_filename.endswith(".xlsx")

    download = client.get(reverse("core:job_download", args=[job.public_id]))
    assert download.status_code == 200 and download["Cache-Control"] == "private, no-store"
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["丙志愿服务协会", "乙养老服务中心", "甲社工服务中心"]  # the register's order
    assert "下载" in client.get(reverse("core:job_list")).content.decode()

    # another registry administrator, even one who may export the same data, sees no such job
    client.logout()
    _login(client, registry_admin())
    for name in ("core:job_detail", "core:job_status", "core:job_download"):
        assert client.get(reverse(name, args=[job.public_id])).status_code == 404
    assert job.title not in client.get(reverse("core:job_list")).content.decode()
    client.logout()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(reverse("core:job_download", args=[job.public_id])).status_code == 200
    client.logout()
    assert client.get(reverse("core:job_status", args=[job.public_id])).status_code == 302  # to log in


def test_csv_and_small_excel_exports_stay_in_the_request(client, settings):
    settings.JOBS_EXPORT_MIN_ROWS = 1
    OrganizationFactory(), OrganizationFactory()
    _login(client, staff_user(Role.REGISTRY_ADMIN))
    response = client.get(reverse("orgs_export", args=["organizations", "csv"]))
    assert response.status_code == 200 and response.streaming
    settings.JOBS_EXPORT_MIN_ROWS = 2
    response = client.get(reverse("orgs_export", args=["organizations", "xlsx"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert not Job.objects.exists()


def test_a_large_volunteer_import_is_a_job_of_the_organizations_member(
    client, small_thresholds, django_capture_on_commit_callbacks
):
    organization = OrganizationFactory()
    user = member(organization)
    _login(client, user)
    header = volunteer_resources.VOLUNTEER_COLUMNS
    rows = [volunteer_row(1), volunteer_row(2)]
    upload = SimpleUploadedFile("v.csv", "\n".join(",".join(r) for r in [header, *rows]).encode("utf-8-sig"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("volunteers:org_volunteers", args=[organization.pk]),
            {"kind": "volunteers", "file": upload},
        )
    job = Job.objects.get(owner=user)
    assert response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert (job.status, job.message) == (JobStatus.DONE, "已导入2行。")
    assert set(Volunteer.objects.values_list("real_name", flat=True)) >= {"导入1", "导入2"}

    # the same file again: every row is a duplicate, reported by row on the job's page
    upload.seek(0)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("volunteers:org_volunteers", args=[organization.pk]),
            {"kind": "volunteers", "file": upload},
        )
    again = Job.objects.filter(owner=user).latest("pk")
    assert again.status == JobStatus.FAILED
    assert [e["row"] for e in again.details["errors"]] == [2, 3]
    assert Volunteer.objects.filter(real_name__startswith="导入").count() == 2


def test_the_status_answer_is_one_query_on_the_job_and_reads_progress_from_the_cache(client):
    user = staff_user(Role.REGISTRY_ADMIN)
    job = Job.objects.create(owner=user, kind="t", title="t", runner="-", status=JobStatus.RUNNING)
    jobs._ProgressWriter(job)(50, 200)
    client.force_login(user)
    url = reverse("core:job_status", args=[job.public_id])
    client.get(url)  # the session's first read
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(url).json()
    reads = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(reads) == 4, "\n".join(reads)  # the session, the user, its groups (middleware), the job
    assert sum("core_job" in sql for sql in reads) == 1
    assert (answer["status"], answer["done"], answer["total"], answer["percent"]) == ("running", 50, 200, 25)
    assert answer["finished"] is False and answer["text"] == "已完成 50 / 200（25%）"


def test_progress_is_written_once_per_percent_not_once_per_row(monkeypatch):
    writes = []

    class Cache:
        def set(self, key, value, timeout):
            writes.append(value)

    monkeypatch.setattr(jobs, "_progress_cache", lambda: Cache())
    job = Job(kind="t", title="t", runner="-")
    with progress.listening(jobs._ProgressWriter(job)):
        for done in range(10_001):
            progress.report(done, 10_000)
    assert 100 <= len(writes) <= 102
    assert writes[-1] == (10_000, 10_000)


_calls = []


@jobs.job_runner
def _explodes(job):
    _calls.append(job.pk)
    raise RuntimeError("/srv/secret/path: connection refused")


def test_a_runner_error_fails_the_job_with_a_safe_message_and_a_second_run_does_nothing(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_start(owner=user, runner=_explodes, kind="t", title="会失败的工作")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert "secret" not in job.message and "服务器" in job.message
    assert jobs.job_run(job_id=job.pk) == "finished already"
    assert _calls == [job.pk]


def test_only_declared_runners_are_started_or_run():
    def undeclared(job):
        return jobs.JobResult("x")

    with pytest.raises(ValueError):
        jobs.job_start(owner=UserFactory(), runner=undeclared, kind="t", title="t")
    with pytest.raises(ValueError):
        jobs._runner("os.system")


def test_the_jobs_list_reads_a_fixed_number_of_queries(client):
    user = UserFactory()
    client.force_login(user)
    Job.objects.create(owner=user, kind="t", title="导出", runner="-", status=JobStatus.RUNNING, total=9)
    client.get(reverse("core:job_list"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("core:job_list"))
    for n in range(25):
        Job.objects.create(owner=user, kind="t", title=f"导出{n}", runner="-", status=JobStatus.DONE)
        Job.objects.create(
            owner=user, kind="t", title=f"导入{n}", runner="-", status=JobStatus.RUNNING, total=9
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("core:job_list"))
    assert len(many.captured_queries) == len(one.captured_queries)
    assert response.status_code == 200 and response.content.decode().count('class="job-item"') == 20


def test_a_large_volunteer_excel_export_is_written_by_a_job_a_chunk_at_a_time(
    client, small_thresholds, django_capture_on_commit_callbacks, monkeypatch
):
    from volunteers import jobs as volunteer_jobs

    organization = OrganizationFactory()
    user = member(organization)
    rows = [volunteer_row(n) for n in range(1, 6)]
    volunteer_resources.import_volunteers(
        actor=user,
        organization=organization,
        upload=SimpleUploadedFile(
            "v.csv",
            "\n".join(",".join(r) for r in [volunteer_resources.VOLUNTEER_COLUMNS, *rows]).encode(
                "utf-8-sig"
            ),
        ),
    )
    monkeypatch.setattr(volunteer_jobs, "EXPORT_CHUNK", 2)  # three chunks for five rows
    client.force_login(user)
    url = reverse("volunteers:org_export", args=[organization.pk, "volunteers", "xlsx"])
    assert "5" in client.get(url).content.decode() and not Job.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert (job.status, job.message, job.total) == (JobStatus.DONE, "已导出5行。", 5)
    download = client.get(reverse("core:job_download", args=[job.public_id]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][:2] == ("志愿者编号", "姓名")
    numbers = [row[0] for row in table[1:]]
    assert numbers == sorted(numbers) and len(numbers) == 5
    assert {row[1] for row in table[1:]} == {f"导入{n}" for n in range(1, 6)}
    # the CSV stays a download in the request
    assert (
        client.get(reverse("volunteers:org_export", args=[organization.pk, "volunteers", "csv"])).status_code
        == 200
    )
