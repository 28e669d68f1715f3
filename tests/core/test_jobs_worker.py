"""An import job end to end through a real Celery worker (a subprocess, eager mode off; see
tests/core/job_worker.py): the registry administrator's upload is queued as a job, the page's JSON
answer says it waits, then (worker started) that it is done; the rows are in the register, written
by the worker through the services (audited as the administrator)."""

import csv
import io
import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import Event
from core.models import Job
from orgs.models import AnnualReport
from tests.core.job_worker import JobWorker
from tests.core.test_celery_worker import DEADLINE_SECONDS, POLL_SECONDS
from tests.factories import TEST_PASSWORD
from tests.orgs.factories import OrganizationFactory, registry_admin


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")
def test_an_import_job_runs_in_a_real_worker_and_its_status_answer_reaches_done(
    client, settings, tmp_path, monkeypatch
):
    settings.JOBS_IMPORT_MIN_ROWS = 1
    registry = registry_admin()
    organizations = [OrganizationFactory() for _n in range(3)]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["统一社会信用代码", "年度", "报送日期", "结论"])
    writer.writerows([[o.uscc, "2025", "2026-04-10", "合格"] for o in organizations])
    upload = SimpleUploadedFile("reports.csv", buffer.getvalue().encode("utf-8-sig"))
    assert client.login(username=registry.username, password=TEST_PASSWORD)

    with JobWorker(tmp_path, monkeypatch) as worker:
        response = client.post("/cms-admin/orgs/import/", {"kind": "annual-reports", "file": upload})
        job = Job.objects.get()
        assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
        status_url = reverse("core:job_status", args=[job.public_id])
        first = client.get(status_url).json()
        assert (first["status"], first["finished"], first["text"]) == ("queued", False, "排队等候中…")
        assert not AnnualReport.objects.exists()

        process = worker.start()
        seen = [first["status"]]
        deadline = time.monotonic() + DEADLINE_SECONDS
        pause = threading.Event()
        while not (answer := client.get(status_url).json())["finished"]:
            assert process.poll() is None, f"the worker exited:\n{worker.log()}"
            assert time.monotonic() < deadline, f"job not finished after {DEADLINE_SECONDS}s:\n{worker.log()}"
            seen.append(answer["status"])
            pause.wait(POLL_SECONDS)

    assert (answer["status"], answer["percent"], answer["done"], answer["total"]) == ("done", 100, 3, 3), (
        worker.log()
    )
    assert answer["message"] == "已导入3行。"
    assert set(seen) <= {"queued", "running"}
    assert AnnualReport.objects.filter(year=2025).count() == 3
    assert Event.objects.filter(action__startswith="annual_report.", actor=registry).count() == 3
    page = client.get(job.get_absolute_url()).content.decode()
    assert "已导入3行。" in page and 'id="job-bar"' not in page  # finished: the outcome, no polling bar
