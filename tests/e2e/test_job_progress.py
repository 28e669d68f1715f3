"""Journey (issue 17, long work): the registry administrator asks for the whole register as Excel, a
file large enough to be prepared in the background; the job's page shows it waiting with a progress
bar; a real Celery worker picks it up and the bar's page turns to done with a download link (polled,
no reload by hand); the administrator leaves, finds My background work on the workbench, comes back
through the notifications and My background work, and downloads the file. In Chinese at 1280 and
375 px."""

import threading
import time

import openpyxl
import pytest

from core.models import Job, JobStatus
from tests.core.job_worker import JobWorker
from tests.orgs.factories import OrganizationFactory, registry_admin

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated"),
]

NAMES = ["甲社工服务中心", "乙养老服务中心", "丙志愿服务协会"]


def fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_the_registry_admin_follows_a_background_export_and_downloads_it_later(
    page, login, journey, settings, tmp_path, monkeypatch
):
    settings.JOBS_EXPORT_MIN_ROWS = 2
    registry = registry_admin()
    for name in NAMES:
        OrganizationFactory(name=name)
    login(page, registry)

    with JobWorker(tmp_path, monkeypatch) as worker:
        page.goto("/cms-admin/orgs/import/?kind=organizations")
        page.get_by_role("link", name="导出（Excel）").first.click()
        page.wait_for_load_state()
        assert "共3行" in page.inner_text("main")
        journey.step(page, "export asks")
        with page.expect_navigation():
            page.get_by_role("button", name="生成Excel文件").click()

        # the job's page: waiting for a worker, with its bar
        job = Job.objects.get(owner=registry)
        assert page.url.endswith(job.get_absolute_url())
        assert page.locator("h1").inner_text() == "导出：社会组织（Excel）"
        assert page.locator("#job-bar").is_visible()
        assert "排队等候中" in page.locator("#job-progress-text").inner_text()
        assert "排队中" in page.locator(".job-badge").inner_text()
        journey.step(page, "queued")
        assert fits_the_screen(page)

        # a worker takes it: the page polls and shows the outcome by itself
        process = worker.start()
        deadline = time.monotonic() + 90
        pause = threading.Event()
        while not page.locator("#job-outcome").count():
            assert process.poll() is None, f"the worker exited:\n{worker.log()}"
            assert time.monotonic() < deadline, f"the page never showed the outcome:\n{worker.log()}"
            pause.wait(0.3)
        assert page.locator("#job-outcome").inner_text() == "已导出3行。"
        assert "已完成" in page.locator(".job-badge").inner_text()
        assert page.locator("progress").get_attribute("value") == "100"
        download_link = page.get_by_role("link", name="下载 organizations-")
        assert download_link.is_visible()
        journey.step(page, "done")
        assert fits_the_screen(page)

    job.refresh_from_db()
    assert job.status == JobStatus.DONE

    # the administrator leaves; the workbench lists My background work, and the link leads to the list
    page.goto("/workbench/")
    workbench_link = page.locator("main").get_by_role("link", name="我的后台任务")
    assert workbench_link.is_visible()
    journey.step(page, "workbench")
    assert fits_the_screen(page)
    with page.expect_navigation():
        workbench_link.click()
    assert page.locator("h1").inner_text() == "我的后台任务"
    item = page.locator(".job-item").first
    assert "导出：社会组织（Excel）" in item.inner_text() and "已完成" in item.inner_text()
    assert item.get_by_role("link", name="下载").is_visible()
    journey.step(page, "jobs from the workbench")
    assert fits_the_screen(page)

    # and comes back later through the notifications
    page.goto("/workbench/")
    toggle = page.locator("button.nav-toggle")  # at 375 px the menu is folded behind its button
    if toggle.is_visible():
        toggle.click()
    with page.expect_navigation():
        page.get_by_role("link", name="通知").first.click()
    assert "后台任务已完成：导出：社会组织（Excel）" in page.inner_text("main")
    journey.step(page, "notification")
    with page.expect_navigation():  # the notifications' own link (the header has one too)
        page.locator("main").get_by_role("link", name="我的后台任务").click()
    item = page.locator(".job-item").first
    assert "导出：社会组织（Excel）" in item.inner_text() and "已完成" in item.inner_text()
    journey.step(page, "my background work")
    assert fits_the_screen(page)
    with page.expect_download() as info:
        item.get_by_role("link", name="下载").click()
    download = info.value
    assert download.suggested_filename.startswith("organizations-") and download.suggested_filename.endswith(
        ".xlsx"
    )
    path = tmp_path / "download.xlsx"
    download.save_as(str(path))
    sheet = openpyxl.load_workbook(path).active
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == sorted(NAMES)
